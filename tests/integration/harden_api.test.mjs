// Denial of service through public API input (issue 10, points 3, 4 and 6): the `toggles`
// list of the front-end and proxy endpoints, memo memory per distinct query, and regex
// constraints that backtrack or give a different answer than the SDKs. Bounds are loose on
// purpose (a loaded 2-core machine must not flip them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Latch, waitFor } from './harness.mjs';
import { startOffline } from './frontend_harness.mjs';

const flag = (name, { constraints = [], description = '' } = {}) => ({
  name, type: 'release', description, enabled: true, project: 'default', stale: false, impressionData: false,
  strategies: [{ name: 'default', constraints, parameters: {} }], variants: [],
});

const names = (body) => body.toggles.map((t) => t.name);

// Import into development while serving, and wait until the server has reloaded (the watcher).
async function importServed(srv, features) {
  srv.importDoc({ version: 2, features }, 'development');
  const t = srv.createToken({ type: 'client' });
  await waitFor(async () => {
    const r = await srv.get('/api/client/features', { Authorization: t });
    return r.status === 200 && r.json().features.length === features.length;
  }, { what: `${features.length} flags served` });
}

test('3: a 2 MB toggles list on POST /api/frontend is ignored (as Unleash does) and costs no time', async () => {
  const features = Array.from({ length: 4000 }, (_, i) => flag(`flag-${String(i).padStart(4, '0')}`));
  const srv = await Latch.start({ fixtures: {}, tokens: { fe: { type: 'frontend' } } });
  try {
    await importServed(srv, features);
    const toggles = Array.from({ length: 100000 }, (_, i) => `no-such-flag-${i}`);
    const body = JSON.stringify({ context: { userId: 'u' }, toggles });
    assert.ok(body.length > 1.9e6 && body.length < 2097152, `${body.length} bytes`);
    await srv.post('/api/frontend', { context: {} }, { Authorization: srv.tokens.fe }); // warm
    const t0 = performance.now();
    const r = await srv.request('POST', '/api/frontend', { headers: { 'Content-Type': 'application/json', Authorization: srv.tokens.fe }, body });
    const ms = performance.now() - t0;
    assert.equal(r.status, 200, r.text.slice(0, 200));
    // today's code compares every name with every flag: 4 x 10^8 comparisons, seconds
    assert.ok(ms < 1500, `${ms.toFixed(0)} ms for a 2 MB toggles body`);
    assert.equal(r.json().toggles.length, 4000, 'toggles is not a filter on /api/frontend');
  } finally {
    await srv.dispose();
  }
});

test('3: POST /proxy {toggles}: names looked up once each, at most 1,000, an empty list is every flag', async () => {
  const features = Array.from({ length: 2000 }, (_, i) => flag(`flag-${String(i).padStart(4, '0')}`));
  const o = await startOffline({ doc: { version: 2, features }, keys: ['k'], keyHeader: 'X-Proxy-Key' });
  try {
    const post = (path, body) => o.raw('POST', path, { headers: { 'X-Proxy-Key': 'k', 'Content-Type': 'application/json' }, body });
    const dup = await post('/proxy', { context: {}, toggles: ['flag-0003', 'flag-0001', 'flag-0003', 'nope', 'flag-0003'] });
    assert.equal(dup.status, 200);
    assert.deepEqual(names(dup.json()), ['flag-0001', 'flag-0003']);
    const all = await post('/proxy/all', { context: {}, toggles: ['flag-0007', 'flag-0007'] });
    assert.deepEqual(names(all.json()), ['flag-0007']);
    const none = await post('/proxy', { context: {}, toggles: [] });
    assert.equal(none.json().toggles.length, 2000, 'an empty list asks for every flag, as the Proxy did');
    const max = Array.from({ length: 1000 }, (_, i) => `flag-${String(1999 - i).padStart(4, '0')}`);
    const t0 = performance.now();
    const big = await post('/proxy', { context: {}, toggles: max });
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(big.json().toggles.length, 1000);
    const over = await post('/proxy', { context: {}, toggles: [...max, 'one-more'] });
    assert.equal(over.status, 400, over.text);
    assert.equal(over.json().name, 'BadDataError');
    const huge = await post('/proxy', JSON.stringify({ toggles: Array.from({ length: 100000 }, (_, i) => `x${i}`) }));
    assert.equal(huge.status, 400);
  } finally {
    await o.dispose();
  }
});

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

test('4: distinct ?project= values that do not exist share one memo (memory stays flat)', { timeout: 120000 }, async () => {
  const description = 'd'.repeat(2000);
  const features = Array.from({ length: 400 }, (_, i) => flag(`big-${i}`, { description }));
  const srv = await Latch.start({ fixtures: {}, tokens: { client: { type: 'client' } } });
  try {
    await importServed(srv, features);
    const h = { Authorization: srv.tokens.client };
    const base = await srv.get('/api/client/features?project=default', h);
    assert.equal(base.status, 200);
    assert.ok(base.body.length > 500000, `${base.body.length} bytes a body`);
    const before = rssKb(srv.child.pid);
    const etags = new Set();
    for (let i = 0; i < 300; i++) {
      const r = await srv.get(`/api/client/features?project=default&project=made-up-${i}`, h);
      assert.equal(r.status, 200);
      etags.add(r.headers.etag);
    }
    const grown = (rssKb(srv.child.pid) - before) / 1024;
    // a memo per made-up value: 300 x (~0.8 MB body + its gzip) = well over 200 MB
    assert.ok(grown < 60, `RSS grew ${grown.toFixed(0)} MB over 300 distinct made-up projects`);
    assert.equal(etags.size, 1, 'one canonical query, one body');
    const none = await srv.get('/api/client/features?project=made-up-x', h);
    assert.deepEqual(none.json().features, [], 'only made-up projects select no flags');
    assert.deepEqual(none.json().query.project, []);
  } finally {
    await srv.dispose();
  }
});

test('6: regex constraints run in linear time and match as engines without a step limit do', async () => {
  const re = (value) => ({ contextName: 'userId', operator: 'REGEX', value, caseInsensitive: false, inverted: false, values: [] });
  const features = [
    // 50 backtracking constraints in one strategy: exponential for a backtracking matcher
    ...Array.from({ length: 50 }, (_, i) => flag(`bt-${i}`, { constraints: [re('^(a|aa)+$')] })),
    // PCRE2's match limit turns this into "no match"; without a limit `|a` matches "a"
    flag('limit-answer', { constraints: [re('^(a|aa)+!|a')] }),
    flag('plain', { constraints: [re('^user-[0-9]+$')] }),
  ];
  const srv = await Latch.start({ fixtures: {}, tokens: { fe: { type: 'frontend' } } });
  try {
    await importServed(srv, features);
    const ask = async (userId) => {
      const t0 = performance.now();
      const r = await srv.post('/api/frontend', { context: { userId } }, { Authorization: srv.tokens.fe });
      assert.equal(r.status, 200, r.text);
      return { ms: performance.now() - t0, on: new Set(names(r.json())) };
    };
    const a32 = await ask('a'.repeat(32));
    assert.ok(a32.on.has('limit-answer'), '^(a|aa)+!|a matches "a"x32');
    assert.ok(a32.on.has('bt-0'));
    const slow = await ask(`${'a'.repeat(5000)}b`);
    assert.ok(!slow.on.has('bt-0'));
    assert.ok(slow.on.has('limit-answer'));
    assert.ok(slow.ms < 1500, `${slow.ms.toFixed(0)} ms for 50 constraints on 5,001 characters`);
    assert.ok((await ask('user-42')).on.has('plain'));
    assert.ok(!(await ask('user-42x')).on.has('plain'));
  } finally {
    await srv.dispose();
  }
});
