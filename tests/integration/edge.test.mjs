// `latch edge` in front of a real `latch serve`: the command line, sync per startup-token
// scope (ETag/304, gzip, changes arriving), downstream tokens validated upstream and kept to
// the startup scopes, revocation within the revalidation interval (measured), SIGHUP reloads,
// proxy client keys that never reach the upstream, /ready and Prometheus, usage forwarded
// without loss or double counting across an upstream outage, the backup folder (served after
// a restart while the upstream is down, holding no secret), and edge → edge → serve.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { LATCH_BIN, MSG_NEED_TOKEN, MSG_WRONG_TYPE, request, waitFor, sleep } from './harness.mjs';
import { tempDir, removeDir } from './frontend_harness.mjs';
import { startUpstream, startEdge, flagsDoc, getJson, namesOf, knownUpstream } from './edge_harness.mjs';

const DOCS = {
  development: flagsDoc([
    ['ed-a', 'default', true],
    ['ed-b', 'p2', true],
    ['ed-c', 'p2', false],
  ]),
  production: flagsDoc([['ed-prod', 'default', true]]),
};
const TOKENS = {
  clientAll: { type: 'client', environment: 'development' },
  clientP2: { type: 'client', environment: 'development', projects: ['p2'] },
  clientDefault: { type: 'client', environment: 'development', projects: ['default'] },
  clientProd: { type: 'client', environment: 'production' },
  frontend: { type: 'frontend', environment: 'development' },
  frontendP2: { type: 'frontend', environment: 'development', projects: ['p2'] },
};

const digestPrefix = (s) => createHash('sha256').update(s).digest('hex').slice(0, 12);

async function promValue(server, name) {
  const text = await (await server.fetch('/internal-backstage/prometheus')).text();
  const m = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('latch edge --help documents every flag; a bad command line exits 2', () => {
  const help = execFileSync(LATCH_BIN, ['edge', '--help'], { encoding: 'utf8' });
  for (const flag of ['--upstream-url', '--tokens', '--client-keys', '--client-keys-environment', '--port', '--bind',
    '--backup-folder', '--features-refresh-interval-seconds', '--token-revalidation-interval-seconds',
    '--trusted-proxies', 'UPSTREAM_URL', 'TOKENS', 'CLIENT_KEYS', 'PORT', 'BACKUP_FOLDER'])
    assert.ok(help.includes(flag), `--help mentions ${flag}`);
  for (const args of [['edge'], ['edge', '--tokens', 'a:b.c'], ['edge', '--upstream-url', 'ftp://x', '--tokens', 'a:b.c'],
    ['edge', '--upstream-url', 'http://127.0.0.1:1'], ['edge', '--nope']]) {
    let status = 0;
    try {
      execFileSync(LATCH_BIN, args, { stdio: 'pipe', env: { ...process.env, TOKENS: '', UPSTREAM_URL: '' } });
    } catch (e) {
      status = e.status;
    }
    assert.equal(status, 2, `latch ${args.join(' ')} exits 2`);
  }
  // no upstream and a token of no known shape: nothing to hold, so it does not start
  let failed;
  try {
    execFileSync(LATCH_BIN, ['edge', '--upstream-url', 'http://127.0.0.1:1', '--tokens', 'opaque', '--port', '0', '--bind', '127.0.0.1'], { stdio: 'pipe' });
  } catch (e) {
    failed = e;
  }
  assert.equal(failed?.status, 1);
  assert.match(String(failed.stderr), /no usable startup token/);
});

describe('latch edge in front of latch serve', () => {
  let up;
  let edge;
  before(async () => {
    up = await startUpstream({ docs: DOCS, tokens: TOKENS });
    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll], keys: ['key-one'] });
  });
  after(async () => {
    await edge?.dispose();
    await up?.dispose();
  });

  test('client features through the edge equal the upstream\'s, per token scope', async () => {
    for (const key of ['clientAll', 'clientP2', 'clientDefault']) {
      const direct = (await up.get('/api/client/features', { Authorization: up.tokens[key] })).json();
      const via = await getJson(edge, '/api/client/features', up.tokens[key]);
      assert.equal(via.status, 200, `${key}: ${via.text}`);
      assert.deepEqual(via.json.features, direct.features, key);
      assert.deepEqual(via.json.segments ?? [], direct.segments ?? [], key);
    }
    assert.deepEqual(namesOf((await getJson(edge, '/api/client/features', up.tokens.clientP2)).json), ['ed-b', 'ed-c']);
    const one = await getJson(edge, '/api/client/features/ed-a', up.tokens.clientAll);
    assert.equal(one.status, 200);
    assert.equal(one.json.name, 'ed-a');
    assert.equal((await getJson(edge, '/api/client/features/ed-a', up.tokens.clientP2)).status, 404);
  });

  test('ETag and If-None-Match give 304; gzip when asked', async () => {
    const first = await request(edge.url, 'GET', '/api/client/features', { headers: { Authorization: up.tokens.clientAll } });
    assert.equal(first.status, 200);
    const etag = first.headers.etag;
    assert.ok(etag, 'an ETag');
    const again = await request(edge.url, 'GET', '/api/client/features', { headers: { Authorization: up.tokens.clientAll, 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const gz = await request(edge.url, 'GET', '/api/client/features', { headers: { Authorization: up.tokens.clientAll, 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
  });

  test('tokens outside the startup scopes, unknown ones and wrong types are refused', async () => {
    const prod = await getJson(edge, '/api/client/features', up.tokens.clientProd);
    assert.equal(prod.status, 401, 'production is not a startup scope');
    const unknown = await getJson(edge, '/api/client/features', 'default:development.0123456789abcdef0123456789abcdef');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.text, MSG_NEED_TOKEN);
    assert.equal((await getJson(edge, '/api/client/features', 'not-a-token')).status, 401);
    assert.equal((await getJson(edge, '/api/client/features')).status, 401);
    const wrong = await getJson(edge, '/api/client/features', up.tokens.frontend);
    assert.equal(wrong.status, 403);
    assert.equal(wrong.text, MSG_WRONG_TYPE);
    assert.equal((await getJson(edge, '/api/frontend', up.tokens.clientAll)).status, 403);
  });

  test('front-end tokens evaluate at the edge, in their projects', async () => {
    const fe = await getJson(edge, '/api/frontend?userId=1', up.tokens.frontend);
    assert.equal(fe.status, 200, fe.text);
    assert.deepEqual(fe.json.toggles.map((t) => t.name).sort(), ['ed-a', 'ed-b']);
    const p2 = await getJson(edge, '/api/frontend', up.tokens.frontendP2);
    assert.deepEqual(p2.json.toggles.map((t) => t.name), ['ed-b']);
    const post = await edge.fetch('/api/frontend/client/metrics', {
      method: 'POST',
      headers: { Authorization: up.tokens.frontend, 'Content-Type': 'application/json' },
      body: JSON.stringify({ appName: 'fe-app', instanceId: 'i', bucket: { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: { 'ed-a': { yes: 1, no: 0 } } } }),
    });
    assert.equal(post.status, 200);
  });

  test('proxy client keys open /proxy and /api/frontend for one environment, never the client API or the upstream', async () => {
    const before = (await getJson(edge, '/internal-backstage/tokens')).json.tokens.length;
    const h = { Authorization: 'key-one' };
    const px = await getJson(edge, '/proxy?userId=7', null, h);
    assert.equal(px.status, 200, px.text);
    assert.deepEqual(px.json.toggles.map((t) => t.name).sort(), ['ed-a', 'ed-b']);
    const all = await getJson(edge, '/proxy/all', null, h);
    // every flag of the environment, disabled ones too (the upstream lists ed-prod, disabled, in
    // development as well)
    assert.deepEqual(all.json.toggles.map((t) => t.name).sort(), ['ed-a', 'ed-b', 'ed-c', 'ed-prod']);
    assert.equal((await getJson(edge, '/api/frontend', null, h)).status, 200);
    const body = JSON.stringify({ appName: 'proxy-app', instanceId: 'x', bucket: { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: {} } });
    for (const path of ['/proxy/client/metrics', '/proxy/client/register']) {
      const r = await edge.fetch(path, { method: 'POST', headers: { ...h, 'Content-Type': 'application/json' }, body });
      assert.equal(r.status, 200, path);
    }
    assert.equal((await edge.fetch('/proxy/health')).status, 200);
    assert.equal((await getJson(edge, '/proxy', null, { Authorization: 'key-two' })).status, 401);
    assert.equal((await getJson(edge, '/api/client/features', 'key-one')).status, 401);
    const tokens = (await getJson(edge, '/internal-backstage/tokens')).json.tokens;
    assert.equal(tokens.length, before, 'no cache entry for a key');
    assert.ok(!tokens.some((t) => t.digest === digestPrefix('key-one')), 'the key was never asked about upstream');
  });

  test('a change upstream reaches the edge (figure printed)', async () => {
    const t0 = Date.now();
    const r = await up.request('POST', '/api/admin/projects/default/features/ed-a/environments/development/off', { headers: { Authorization: up.tokens.admin } });
    assert.equal(r.status, 200, r.text);
    await waitFor(async () => {
      const b = (await getJson(edge, '/api/client/features/ed-a', up.tokens.clientAll)).json;
      return b && b.enabled === false;
    }, { timeoutMs: 15000, what: 'ed-a off at the edge' });
    console.log(`upstream change visible at the edge after ${Date.now() - t0} ms (refresh 1 s, loaded machine)`);
    await up.request('POST', '/api/admin/projects/default/features/ed-a/environments/development/on', { headers: { Authorization: up.tokens.admin } });
    await waitFor(async () => (await getJson(edge, '/api/client/features/ed-a', up.tokens.clientAll)).json?.enabled === true, { timeoutMs: 15000, what: 'ed-a on again' });
  });

  test('/ready, Prometheus and the backstage say what the edge holds, without secrets', async () => {
    const ready = await getJson(edge, '/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.upstream, 'reachable');
    assert.equal(await promValue(edge, 'latch_edge_upstream_up'), 1);
    assert.ok((await promValue(edge, 'latch_edge_token_cache{state="valid"}')) >= 3);
    assert.ok((await promValue(edge, 'latch_edge_upstream_lag_seconds')) >= 0);
    assert.ok((await promValue(edge, 'latch_edge_last_sync_timestamp_seconds')) > 1e9);
    const tokens = await getJson(edge, '/internal-backstage/tokens');
    const features = await getJson(edge, '/internal-backstage/features');
    assert.equal(features.status, 200);
    assert.ok(Object.keys(features.json).some((k) => k.startsWith('development:')), Object.keys(features.json).join());
    for (const secret of Object.values(up.tokens)) {
      assert.ok(!tokens.text.includes(secret), 'no secret in /internal-backstage/tokens');
      assert.ok(!features.text.includes(secret));
    }
    assert.ok(tokens.json.tokens.some((t) => t.startup && t.digest === digestPrefix(up.tokens.clientAll)));
  });
});

test('a token revoked upstream is refused by the edge within the revalidation interval', { timeout: 60000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  let edge;
  try {
    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll], args: ['--token-revalidation-interval-seconds', '1'] });
    const victim = await knownUpstream(up, up.createToken({ type: 'client', environment: 'development', projects: ['p2'] }));
    assert.equal((await getJson(edge, '/api/client/features', victim)).status, 200);
    const t0 = Date.now();
    const del = await up.request('DELETE', `/api/admin/api-tokens/${encodeURIComponent(victim)}`, { headers: { Authorization: up.tokens.admin } });
    assert.ok(del.status === 200 || del.status === 202, `revoke: ${del.status} ${del.text}`);
    await waitFor(async () => (await getJson(edge, '/api/client/features', victim)).status === 401, { timeoutMs: 8000, intervalMs: 50, what: 'the revoked token refused' });
    console.log(`revoked token refused by the edge after ${Date.now() - t0} ms (interval 1 s, loaded machine)`);
    // the others still work
    assert.equal((await getJson(edge, '/api/client/features', up.tokens.clientP2)).status, 200);
  } finally {
    await edge?.dispose();
    await up.dispose();
  }
});

test('SIGHUP reloads startup tokens and client keys from their files', { timeout: 60000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  const dir = tempDir('latch-edge-hup-');
  let edge;
  try {
    const tokensFile = join(dir, 'tokens');
    const keysFile = join(dir, 'keys');
    writeFileSync(tokensFile, `${up.tokens.clientAll}\n`);
    writeFileSync(keysFile, 'old-key\n');
    edge = await startEdge({ upstream: up.url, args: ['--tokens-file', tokensFile, '--client-keys-file', keysFile], dir });
    assert.equal((await getJson(edge, '/api/client/features', up.tokens.clientProd)).status, 401);
    assert.equal((await getJson(edge, '/proxy', null, { Authorization: 'old-key' })).status, 200);
    writeFileSync(tokensFile, `${up.tokens.clientAll}\n${up.tokens.clientProd}\n`);
    writeFileSync(keysFile, 'new-key\n');
    edge.child.kill('SIGHUP');
    await waitFor(async () => (await getJson(edge, '/proxy', null, { Authorization: 'new-key' })).status === 200, { what: 'the new key' });
    assert.equal((await getJson(edge, '/proxy', null, { Authorization: 'old-key' })).status, 401);
    const prod = await waitFor(async () => {
      const r = await getJson(edge, '/api/client/features', up.tokens.clientProd);
      return r.status === 200 && r.json.features.length ? r : null;
    }, { timeoutMs: 15000, what: 'production served after SIGHUP' });
    const direct = (await up.get('/api/client/features', { Authorization: up.tokens.clientProd })).json();
    assert.deepEqual(prod.json.features, direct.features);
    assert.ok(prod.json.features.find((f) => f.name === 'ed-prod').enabled);
  } finally {
    await edge?.dispose();
    await up.dispose();
    removeDir(dir);
  }
});


// What the upstream's admin API shows for an application, summed.
async function upstreamCounts(up, app, flags) {
  const u = await up.usage(app, flags);
  return Object.fromEntries(u.map((e) => [e.feature, { yes: e.yes, no: e.no }]));
}

function metricsBody(app, toggles) {
  const now = new Date().toISOString();
  return { appName: app, instanceId: 'edge-it', bucket: { start: now, stop: now, toggles } };
}

test('usage goes upstream in bulk: counts equal what SDKs sent, across an upstream outage', { timeout: 90000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  const port = up.port;
  let edge;
  try {
    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll] });
    const APP = 'edge-usage-app';
    const send = async (toggles) => {
      const r = await edge.fetch('/api/client/metrics', {
        method: 'POST',
        headers: { Authorization: up.tokens.clientP2, 'Content-Type': 'application/json' },
        body: JSON.stringify(metricsBody(APP, toggles)),
      });
      assert.equal(r.status, 202);
    };
    await send({ 'ed-b': { yes: 3, no: 1 } });
    await send({ 'ed-b': { yes: 2, no: 0 }, 'ed-c': { yes: 0, no: 4 } });
    await waitFor(async () => (await upstreamCounts(up, APP, ['ed-b', 'ed-c']))['ed-c']?.no === 4, { what: 'usage upstream' });
    assert.deepEqual(await upstreamCounts(up, APP, ['ed-b', 'ed-c']), { 'ed-b': { yes: 5, no: 1 }, 'ed-c': { yes: 0, no: 4 } });
    await up.stop();
    await send({ 'ed-b': { yes: 10, no: 10 } });
    await sleep(3000); // several flushes fail meanwhile
    assert.ok((await promValue(edge, 'latch_edge_usage_post_failures_total')) >= 1, 'posts failed while the upstream was down');
    await up.restart(['--port', String(port)]);
    await waitFor(async () => (await upstreamCounts(up, APP, ['ed-b']))['ed-b']?.yes === 15, { timeoutMs: 30000, what: 'the usage kept during the outage' });
    await sleep(2500); // more flushes: nothing is sent twice
    assert.deepEqual(await upstreamCounts(up, APP, ['ed-b', 'ed-c']), { 'ed-b': { yes: 15, no: 11 }, 'ed-c': { yes: 0, no: 4 } });
  } finally {
    await edge?.dispose();
    await up.dispose();
  }
});

test('outage: last state served and reported; restart while down serves the backup (no secret in it); catch-up', { timeout: 120000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  const port = up.port;
  const backup = tempDir('latch-edge-backup-');
  let edge;
  try {
    const args = ['--upstream-request-timeout', '2', '--upstream-connect-timeout', '1'];
    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll], keys: ['bk-key'], backup, args });
    const want = (await getJson(edge, '/api/client/features', up.tokens.clientP2)).json;
    assert.deepEqual(namesOf(want), ['ed-b', 'ed-c']);
    assert.equal((await getJson(edge, '/api/frontend', up.tokens.frontend)).status, 200);
    await up.stop();
    await waitFor(async () => (await getJson(edge, '/ready')).json.upstream === 'unreachable', { what: '/ready saying so' });
    const ready = await getJson(edge, '/ready');
    assert.equal(ready.status, 200, 'still ready: it serves the last state');
    assert.ok(ready.json.reason, 'with a reason');
    assert.equal(await promValue(edge, 'latch_edge_upstream_up'), 0);
    const during = await getJson(edge, '/api/client/features', up.tokens.clientP2);
    assert.equal(during.status, 200);
    assert.deepEqual(during.json.features, want.features);

    // restart the edge while the upstream is down: the backup
    await edge.dispose();
    edge = null;
    const files = readdirSync(backup);
    assert.ok(files.length >= 1, 'a backup was written');
    const all = files.map((f) => readFileSync(join(backup, f), 'utf8')).join('\n');
    for (const [k, secret] of Object.entries(up.tokens)) {
      assert.ok(!all.includes(secret), `the backup holds no ${k} secret`);
      assert.ok(!all.includes(secret.split('.').pop()), `nor the secret part of ${k}`);
    }
    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll], keys: ['bk-key'], backup, args });
    const fromBackup = await getJson(edge, '/api/client/features', up.tokens.clientP2);
    assert.equal(fromBackup.status, 200, fromBackup.text);
    assert.deepEqual(fromBackup.json.features, want.features);
    assert.equal((await getJson(edge, '/api/frontend', up.tokens.frontend)).status, 200, 'a front-end token validated before');
    assert.equal((await getJson(edge, '/proxy', null, { Authorization: 'bk-key' })).status, 200);
    const r2 = await getJson(edge, '/ready');
    assert.equal(r2.status, 200);
    assert.equal(r2.json.servingBackup, true);
    assert.equal((await getJson(edge, '/api/client/features', up.tokens.clientDefault)).status, 401, 'a token never seen is not let in while nobody can vouch for it');

    // the upstream returns with a change: the edge catches up
    up.importDoc(flagsDoc([['ed-new', 'p2', true]]), 'development');
    await up.restart(['--port', String(port)]);
    const caught = await waitFor(async () => {
      const r = await getJson(edge, '/api/client/features', up.tokens.clientP2);
      return r.status === 200 && namesOf(r.json).includes('ed-new') ? r : null;
    }, { timeoutMs: 30000, what: 'the edge catching up' });
    assert.deepEqual(namesOf(caught.json), ['ed-b', 'ed-c', 'ed-new']);
    await waitFor(async () => (await getJson(edge, '/ready')).json.servingBackup === false, { what: 'no longer from the backup' });
    assert.equal(await promValue(edge, 'latch_edge_upstream_up'), 1);
  } finally {
    await edge?.dispose();
    await up.dispose();
    removeDir(backup);
  }
});

test('edge → edge → serve: the middle edge validates for the outer one', { timeout: 90000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  let middle;
  let outer;
  try {
    const reval = ['--token-revalidation-interval-seconds', '1'];
    middle = await startEdge({ upstream: up.url, tokens: [up.tokens.clientAll], args: reval });
    outer = await startEdge({ upstream: middle.url, tokens: [up.tokens.clientAll], keys: ['outer-key'], args: reval });
    const victim = await knownUpstream(up, up.createToken({ type: 'client', environment: 'development', projects: ['p2'] }));
    const direct = (await up.get('/api/client/features', { Authorization: victim })).json();
    const via = await getJson(outer, '/api/client/features', victim);
    assert.equal(via.status, 200, via.text);
    assert.deepEqual(via.json.features, direct.features);
    assert.equal((await getJson(outer, '/api/client/features', up.tokens.clientProd)).status, 401);
    assert.equal((await getJson(outer, '/proxy', null, { Authorization: 'outer-key' })).status, 200);
    // usage travels both hops
    const r = await outer.fetch('/api/client/metrics', {
      method: 'POST',
      headers: { Authorization: victim, 'Content-Type': 'application/json' },
      body: JSON.stringify(metricsBody('chain-app', { 'ed-b': { yes: 7, no: 2 } })),
    });
    assert.equal(r.status, 202);
    await waitFor(async () => (await upstreamCounts(up, 'chain-app', ['ed-b']))['ed-b']?.yes === 7, { what: 'usage through two edges' });
    assert.deepEqual(await upstreamCounts(up, 'chain-app', ['ed-b']), { 'ed-b': { yes: 7, no: 2 } });
    // revocation travels both hops
    const t0 = Date.now();
    await up.request('DELETE', `/api/admin/api-tokens/${encodeURIComponent(victim)}`, { headers: { Authorization: up.tokens.admin } });
    await waitFor(async () => (await getJson(outer, '/api/client/features', victim)).status === 401, { timeoutMs: 15000, intervalMs: 100, what: 'revocation at the outer edge' });
    console.log(`revoked token refused two edges away after ${Date.now() - t0} ms (intervals 1 s, loaded machine)`);
  } finally {
    await outer?.dispose();
    await middle?.dispose();
    await up.dispose();
  }
});
