// `latch edge` against a scripted upstream (a Node HTTP server), for what a real one cannot be
// made to do on cue: the poll sends the last ETag and gets 304s, on a kept-alive connection;
// a document that does not parse is not taken (the last good state stays, /ready says why);
// a failing upstream is polled less and less often (backoff); bulk usage refused with 503 is
// posted again and counted exactly once; the edge asks /edge/validate once for a batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { waitFor, sleep } from './harness.mjs';
import { startEdge, flagsDoc, getJson, namesOf } from './edge_harness.mjs';

const STARTUP = '*:development.scripted-startup';
const SDK = 'default:development.scripted-sdk';

function scriptedUpstream() {
  const u = {
    doc: JSON.stringify(flagsDoc([['up-a', 'default', true]])),
    etag: '"v1"',
    mode: 'ok', // ok | garbage | fail
    polls: [], // {inm, port}
    validations: [],
    bulk: [], // bodies taken with 202
    refuseBulk: 0, // how many bulk posts still get 503
  };
  u.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status, text, headers = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(text);
      };
      if (req.url.startsWith('/api/client/features')) {
        u.polls.push({ inm: req.headers['if-none-match'], port: req.socket.remotePort, at: Date.now() });
        if (u.mode === 'fail') return send(500, '{"message":"down"}');
        if (u.mode === 'garbage') return send(200, '{"features": [ not json', { ETag: '"bad"' });
        if (req.headers['if-none-match'] === u.etag) return send(304, '');
        return send(200, u.doc, { ETag: u.etag });
      }
      if (req.url === '/edge/validate') {
        const asked = JSON.parse(body).tokens;
        u.validations.push(asked);
        const known = [STARTUP, SDK];
        return send(200, JSON.stringify({
          tokens: asked.filter((t) => known.includes(t)).map((t) => ({ token: t, type: 'client', projects: ['*'], environment: 'development' })),
        }));
      }
      if (req.url === '/api/client/metrics/bulk') {
        if (u.refuseBulk > 0) {
          u.refuseBulk--;
          return send(503, '{"message":"busy"}');
        }
        u.bulk.push(JSON.parse(body));
        return send(202, '');
      }
      send(404, '{"message":"not here"}');
    });
  });
  return new Promise((res) => u.server.listen(0, '127.0.0.1', () => {
    u.url = `http://127.0.0.1:${u.server.address().port}`;
    res(u);
  }));
}

test('polling with ETags on one connection, a bad document kept out, backoff, bulk usage retried once', { timeout: 90000 }, async () => {
  const up = await scriptedUpstream();
  let edge;
  try {
    edge = await startEdge({ upstream: up.url, tokens: [STARTUP], args: ['--upstream-request-timeout', '2'] });
    assert.deepEqual(namesOf((await getJson(edge, '/api/client/features', SDK)).json), ['up-a']);

    // ETag: every poll after the first sends it back and gets a 304, on kept-alive connections
    await waitFor(() => up.polls.length >= 5, { what: 'five polls' });
    const later = up.polls.slice(1);
    assert.ok(later.every((p) => p.inm === '"v1"'), JSON.stringify(later));
    const ports = new Set(up.polls.map((p) => p.port));
    assert.ok(ports.size <= 2, `${up.polls.length} polls on ${ports.size} connections`);

    // a change is taken on the next poll
    up.doc = JSON.stringify(flagsDoc([['up-a', 'default', true], ['up-b', 'default', true]]));
    up.etag = '"v2"';
    await waitFor(async () => namesOf((await getJson(edge, '/api/client/features', SDK)).json).includes('up-b'), { what: 'the change' });

    // a document that does not parse: the last good one stays, /ready says why
    up.mode = 'garbage';
    await waitFor(async () => /parse/.test((await getJson(edge, '/ready')).json.reason ?? ''), { what: '/ready naming the bad document' });
    assert.deepEqual(namesOf((await getJson(edge, '/api/client/features', SDK)).json), ['up-a', 'up-b']);

    // failing: polls back off (1 s, 2 s, 4 s ...): far fewer than one a second
    up.mode = 'fail';
    await sleep(1500);
    const from = up.polls.length;
    await sleep(6000);
    const during = up.polls.length - from;
    assert.ok(during <= 4, `${during} polls in 6 s while failing`);
    assert.deepEqual(namesOf((await getJson(edge, '/api/client/features', SDK)).json), ['up-a', 'up-b']);
    up.mode = 'ok';

    // usage: refused twice with 503, then taken; the counts arrive once
    up.refuseBulk = 2;
    const now = new Date().toISOString();
    const r = await edge.fetch('/api/client/metrics', {
      method: 'POST',
      headers: { Authorization: SDK, 'Content-Type': 'application/json' },
      body: JSON.stringify({ appName: 'scripted-app', instanceId: 'i1', bucket: { start: now, stop: now, toggles: { 'up-a': { yes: 4, no: 2, variants: { v1: 3 } } } } }),
    });
    assert.equal(r.status, 202);
    await waitFor(() => up.bulk.some((b) => b.metrics?.length), { timeoutMs: 20000, what: 'the bulk post taken' });
    await sleep(2500); // later flushes must not send it again
    const metrics = up.bulk.flatMap((b) => b.metrics ?? []).filter((m) => m.appName === 'scripted-app');
    assert.equal(metrics.length, 1, JSON.stringify(up.bulk));
    assert.deepEqual({ f: metrics[0].featureName, yes: metrics[0].yes, no: metrics[0].no, v: metrics[0].variants, env: metrics[0].environment },
      { f: 'up-a', yes: 4, no: 2, v: { v1: 3 }, env: 'development' });
    assert.ok(up.bulk.some((b) => (b.applications ?? []).some((a) => a.appName === 'scripted-app')), 'the registration went along');

    // several unknown tokens at once: asked about together, each once
    const strangers = Array.from({ length: 6 }, (_, i) => `default:development.stranger-${i}`);
    const before = up.validations.length;
    const answers = await Promise.all(strangers.map((t) => getJson(edge, '/api/client/features', t)));
    assert.ok(answers.every((a) => a.status === 401));
    const asked = up.validations.slice(before).flat().filter((t) => t.includes('stranger'));
    assert.equal(new Set(asked).size, 6);
    assert.ok(up.validations.length - before <= 6, 'batched (no more calls than tokens)');
    const again = await getJson(edge, '/api/client/features', strangers[0]);
    assert.equal(again.status, 401);
    assert.equal(up.validations.slice(before).flat().filter((t) => t === strangers[0]).length, 1, 'a refused token is remembered');
  } finally {
    await edge?.dispose();
    up.server.closeAllConnections?.();
    await new Promise((res) => up.server.close(res));
  }
});
