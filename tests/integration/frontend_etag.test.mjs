// Front-end ETags: /api/frontend (GET and POST, latch serve) and /proxy (latch offline) answer
// with an ETag named after the evaluated toggles for that context, and 304 to If-None-Match.
// The browser SDK unleash-proxy-client 3.8.2, polling every second, then sees 304s and fires
// `update` only when a flag change alters its toggles.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, startOffline, requireJs, waitFor, featuresDoc, simpleFlag } from './frontend_harness.mjs';

const { UnleashClient, InMemoryStorageProvider, EVENTS } = requireJs('unleash-proxy-client');

const FLAGS = featuresDoc([
  simpleFlag('etag-on'),
  simpleFlag('etag-alice', {
    strategies: [{ name: 'userWithId', parameters: { userIds: 'alice' }, constraints: [] }],
  }),
]);

let serve;
let offline;
after(async () => {
  await serve?.dispose();
  await offline?.dispose();
});

async function get(server, path, headers) {
  const r = await server.fetch(path, { headers });
  return { status: r.status, etag: r.headers.get('etag'), cors: r.headers.get('access-control-allow-origin'), text: await r.text() };
}

test('latch serve /api/frontend: ETag per evaluated result, 304 on If-None-Match', async () => {
  serve = await startServe({
    imports: { development: FLAGS },
    tokens: { fe: { type: 'frontend' }, admin: { type: 'admin' } },
  });
  const auth = { Authorization: serve.tokens.fe };
  const a = await get(serve, '/api/frontend?sessionId=s1', auth);
  assert.equal(a.status, 200);
  assert.match(a.etag ?? '', /^"[0-9a-f]{16}"$/);
  const again = await get(serve, '/api/frontend?sessionId=s1', { ...auth, 'If-None-Match': a.etag });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.etag, a.etag, 'a 304 names the ETag it confirms');
  assert.equal(again.cors, '*', 'CORS headers on the 304 too');
  // a weak form and a list that holds it match as well
  assert.equal((await get(serve, '/api/frontend?sessionId=s1', { ...auth, 'If-None-Match': `"x", W/${a.etag}` })).status, 304);
  // another context with another result: another ETag, and the old one does not match
  const alice = await get(serve, '/api/frontend?sessionId=s1&userId=alice', { ...auth, 'If-None-Match': a.etag });
  assert.equal(alice.status, 200);
  assert.notEqual(alice.etag, a.etag);
  assert.ok(JSON.parse(alice.text).toggles.some((t) => t.name === 'etag-alice'));
  // another context with the same result: the same ETag (it names the result, not the query)
  const bob = await get(serve, '/api/frontend?sessionId=s2&userId=bob', { ...auth, 'If-None-Match': a.etag });
  assert.equal(bob.status, 304);
  // POST with the same context as the GET
  const post = await serve.fetch('/api/frontend', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', 'If-None-Match': alice.etag },
    body: JSON.stringify({ context: { sessionId: 's1', userId: 'alice' } }),
  });
  assert.equal(post.status, 304);
  // a flag change changes the result and so the ETag
  const off = await serve.fetch('/api/admin/projects/default/features/etag-on/environments/development/off', {
    method: 'POST',
    headers: { Authorization: serve.tokens.admin },
  });
  assert.equal(off.status, 200, await off.text());
  const after = await get(serve, '/api/frontend?sessionId=s1', { ...auth, 'If-None-Match': a.etag });
  assert.equal(after.status, 200);
  assert.notEqual(after.etag, a.etag);
  assert.ok(!JSON.parse(after.text).toggles.some((t) => t.name === 'etag-on'));
  const on = await serve.fetch('/api/admin/projects/default/features/etag-on/environments/development/on', {
    method: 'POST',
    headers: { Authorization: serve.tokens.admin },
  });
  assert.equal(on.status, 200);
});

test('unleash-proxy-client polling /api/frontend sees 304s and fires update only on a change', async () => {
  const calls = [];
  const recording = async (url, init = {}) => {
    const res = await fetch(url, init);
    if (String(url).includes('/api/frontend') && !String(url).includes('/client/')) calls.push(res.status);
    return res;
  };
  const c = new UnleashClient({
    url: `${serve.url}/api/frontend`,
    clientKey: serve.tokens.fe,
    appName: 'etag-test',
    fetch: recording,
    storageProvider: new InMemoryStorageProvider(),
    refreshInterval: 1,
    disableMetrics: true,
  });
  let updates = 0;
  c.on(EVENTS.UPDATE, () => updates++);
  try {
    await c.start();
    assert.equal(c.isEnabled('etag-on'), true);
    await waitFor(() => calls.length >= 3, { timeoutMs: 15000, what: 'three polls' });
    assert.equal(calls[0], 200);
    assert.deepEqual(calls.slice(1, 3), [304, 304], `statuses ${calls}`);
    assert.equal(updates, 1, 'update fired once, for the first answer');
    const off = await serve.fetch('/api/admin/projects/default/features/etag-on/environments/development/off', {
      method: 'POST',
      headers: { Authorization: serve.tokens.admin },
    });
    assert.equal(off.status, 200);
    await waitFor(() => updates === 2, { timeoutMs: 15000, what: 'an update after the change' });
    assert.equal(c.isEnabled('etag-on'), false);
    const n = calls.length;
    await waitFor(() => calls.length >= n + 2, { timeoutMs: 15000, what: 'two more polls' });
    assert.equal(updates, 2, `no update without a change (statuses ${calls})`);
    assert.ok(calls.slice(n).every((s) => s === 304), `statuses ${calls}`);
  } finally {
    c.stop();
  }
});

test('latch offline /proxy: ETag and 304 with a client key', async () => {
  offline = await startOffline({ doc: FLAGS, keys: ['etag-key'] });
  const a = await get(offline, '/proxy?sessionId=s1', { Authorization: 'etag-key' });
  assert.equal(a.status, 200);
  assert.match(a.etag ?? '', /^"[0-9a-f]{16}"$/);
  const b = await get(offline, '/proxy?sessionId=s1', { Authorization: 'etag-key', 'If-None-Match': a.etag });
  assert.equal(b.status, 304);
  const all = await get(offline, '/proxy/all?sessionId=s1', { Authorization: 'etag-key', 'If-None-Match': a.etag });
  assert.equal(all.status, 200, '/proxy/all lists other toggles: another ETag');
  const c = await get(offline, '/proxy?userId=alice', { Authorization: 'etag-key', 'If-None-Match': a.etag });
  assert.equal(c.status, 200);
});
