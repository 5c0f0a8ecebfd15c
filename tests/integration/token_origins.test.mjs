// Issue 16 §3: per-token allowed origins. A front-end token may carry its own CORS origins on top
// of the server's list (UNLEASH_FRONTEND_API_ORIGINS): an Origin in either gets the CORS headers on
// /api/frontend, /proxy and OFREP, any other gets none (the request itself is still answered, as
// Unleash answers it). A preflight carries no token: it is answered from the server's list and
// every live front-end token's origins. Set at creation (allowedOrigins) or with
// PUT /api/admin/api-tokens/:token/origins, validated, with an event, applied on the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, request } from './harness.mjs';
import { Api, startAccess, assertError } from './access_harness.mjs';
import { startUpstream, startEdge } from './edge_harness.mjs';

const SERVER_ORIGIN = 'https://server.example';
const OWN = 'https://own.example:8443';
const OTHER = 'https://other.example';

let srv, admin;

before(async () => {
  srv = await startAccess({
    tokens: { admin: { type: 'admin', name: 'origins-admin' } },
    env: { UNLEASH_FRONTEND_API_ORIGINS: SERVER_ORIGIN },
  });
  admin = new Api(srv, { token: srv.tokens.admin });
});
after(async () => {
  await srv?.dispose();
});

const frontend = (token, origin) => srv.get('/api/frontend', { Authorization: token, Origin: origin });
const preflight = (origin) =>
  srv.request('OPTIONS', '/api/frontend', {
    headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
const acao = (res) => res.headers['access-control-allow-origin'];
const listed = async (name) => (await admin.get(`/api/admin/api-tokens/${name}`)).json().tokens[0];
const selectorOf = (t) => /\.v2_([A-Za-z0-9_-]{22})_/.exec(t)?.[1];

test('a token\'s own origin gets the CORS headers, the server\'s list still does, any other gets none', async () => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName: 'fe-own', type: 'frontend', allowedOrigins: [OWN] });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json().allowedOrigins, [OWN]);
  const token = res.json().secret;
  const plain = (await admin.post('/api/admin/api-tokens', { tokenName: 'fe-plain', type: 'frontend' })).json().secret;

  await waitFor(async () => (await frontend(token, OWN)).status === 200, { what: 'the new token' });
  const own = await frontend(token, OWN);
  assert.equal(acao(own), OWN);
  assert.equal(own.headers['access-control-allow-credentials'], 'true');
  assert.match(own.headers.vary ?? '', /Origin/);
  assert.ok(Array.isArray(own.json().toggles));

  const server = await frontend(token, SERVER_ORIGIN);
  assert.equal(acao(server), SERVER_ORIGIN);
  assert.equal(acao(await frontend(plain, SERVER_ORIGIN)), SERVER_ORIGIN);

  // another origin: answered (a browser would not let the page read it), without CORS headers
  const other = await frontend(token, OTHER);
  assert.equal(other.status, 200);
  assert.equal(acao(other), undefined);
  assert.equal(other.headers['access-control-allow-credentials'], undefined);
  // a token without origins of its own does not get another token's origin
  const foreign = await frontend(plain, OWN);
  assert.equal(foreign.status, 200);
  assert.equal(acao(foreign), undefined);
  // nor does a bad token
  assert.equal(acao(await frontend('*:development.nope', OWN)), undefined);

  // the Unleash Proxy paths (POST /api/frontend) and OFREP decide per token too
  const post = await srv.request('POST', '/api/frontend', {
    headers: { Authorization: token, Origin: OWN, 'Content-Type': 'application/json' },
    body: { context: { userId: 'u1' } },
  });
  assert.equal(post.status, 200, post.text);
  assert.equal(acao(post), OWN);
  const ofrep = await srv.request('POST', '/ofrep/v1/evaluate/flags', {
    headers: { Authorization: token, Origin: OWN, 'Content-Type': 'application/json' },
    body: { context: { targetingKey: 'u1' } },
  });
  assert.equal(ofrep.status, 200, ofrep.text);
  assert.equal(acao(ofrep), OWN);
});

test('a preflight is answered from the server\'s list and every front-end token\'s origins', async () => {
  const token = (await admin.post('/api/admin/api-tokens', { tokenName: 'fe-pre', type: 'frontend', allowedOrigins: ['https://pre.example'] })).json().secret;
  await waitFor(async () => (await frontend(token, OTHER)).status === 200, { what: 'the new token' });
  for (const origin of ['https://pre.example', SERVER_ORIGIN]) {
    const res = await preflight(origin);
    assert.equal(res.status, 204);
    assert.equal(acao(res), origin);
    assert.match(res.headers['access-control-allow-methods'], /GET/);
    assert.equal(res.headers['access-control-allow-headers'], 'authorization');
  }
  const no = await preflight('https://nobody.example');
  assert.equal(no.status, 204);
  assert.equal(acao(no), undefined);
  assert.equal(no.headers['access-control-allow-methods'], undefined);
});

test('origins are editable with an event, applied on the next request, and validated', async () => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName: 'fe-edit', type: 'frontend' });
  const token = res.json().secret;
  const sel = selectorOf(token);
  assert.ok(sel, token);
  await waitFor(async () => (await frontend(token, OTHER)).status === 200, { what: 'the new token' });
  assert.equal(acao(await frontend(token, OTHER)), undefined);
  assert.equal(acao(await preflight(OTHER)), undefined);

  const since = await srv.lastEventId();
  const put = await admin.put(`/api/admin/api-tokens/${sel}/origins`, { allowedOrigins: [OTHER, 'http://localhost:3000', OTHER] });
  assert.equal(put.status, 200, put.text);
  // the write publishes its snapshot before the reply: the very next request sees it
  assert.equal(acao(await frontend(token, OTHER)), OTHER);
  assert.equal(acao(await frontend(token, 'http://localhost:3000')), 'http://localhost:3000');
  assert.equal(acao(await preflight(OTHER)), OTHER);
  assert.deepEqual((await listed('fe-edit')).allowedOrigins, [OTHER, 'http://localhost:3000']);
  const ev = (await srv.eventsSince(since)).filter((e) => e.type === 'api-token-updated');
  assert.equal(ev.length, 1);
  assert.deepEqual(ev[0].data.allowedOrigins, [OTHER, 'http://localhost:3000']);
  assert.deepEqual(ev[0].preData.allowedOrigins, []);
  assert.ok(!JSON.stringify(ev[0]).includes(token.split('.').pop()), 'no secret in the event');

  // "*" on a token: any origin for that token's requests
  assert.equal((await admin.put(`/api/admin/api-tokens/${sel}/origins`, { allowedOrigins: ['*'] })).status, 200);
  assert.equal(acao(await frontend(token, 'https://any.example')), 'https://any.example');

  // null: none again, at once
  assert.equal((await admin.put(`/api/admin/api-tokens/${sel}/origins`, { allowedOrigins: null })).status, 200);
  assert.equal(acao(await frontend(token, OTHER)), undefined);
  assert.deepEqual((await listed('fe-edit')).allowedOrigins, []);

  // validation: 400 with a message, nothing written
  const before = await srv.lastEventId();
  for (const body of [
    {},
    { allowedOrigins: 'https://a.example' },
    { allowedOrigins: ['https://a.example/'] },
    { allowedOrigins: ['https://a.example/path'] },
    { allowedOrigins: ['a.example'] },
    { allowedOrigins: ['https://a.example:0'] },
    { allowedOrigins: ['https://a.example:70000'] },
    { allowedOrigins: ['https://'] },
    { allowedOrigins: [`https://${'a'.repeat(260)}.example`] },
    { allowedOrigins: [42] },
    { allowedOrigins: Array.from({ length: 33 }, (_, i) => `https://h${i}.example`) },
  ])
    assertError(await admin.put(`/api/admin/api-tokens/${sel}/origins`, body), 400, 'ValidationError', /allowedOrigins/, JSON.stringify(body));
  assert.equal(await srv.lastEventId(), before);
  assert.equal((await admin.put(`/api/admin/api-tokens/${'A'.repeat(22)}/origins`, { allowedOrigins: [OTHER] })).status, 404);

  // only front-end tokens carry origins
  const client = (await admin.post('/api/admin/api-tokens', { tokenName: 'cl-origins', type: 'client' })).json().secret;
  assertError(await admin.put(`/api/admin/api-tokens/${selectorOf(client)}/origins`, { allowedOrigins: [OTHER] }), 400, 'ValidationError', /frontend/);
  assertError(await admin.post('/api/admin/api-tokens', { tokenName: 'cl-o', type: 'client', allowedOrigins: [OTHER] }), 400, 'ValidationError', /frontend/);
  assertError(await admin.post('/api/admin/api-tokens', { tokenName: 'fe-bad', type: 'frontend', allowedOrigins: ['ftp:/x'] }), 400, 'ValidationError', /allowedOrigins/);
});

test('origins survive a restart and a rotation', async () => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName: 'fe-keep', type: 'frontend', allowedOrigins: ['https://keep.example'] });
  const token = res.json().secret;
  await srv.restart([], { UNLEASH_FRONTEND_API_ORIGINS: SERVER_ORIGIN });
  assert.equal(acao(await frontend(token, 'https://keep.example')), 'https://keep.example');
  assert.equal(acao(await preflight('https://keep.example')), 'https://keep.example');
  const rot = await admin.post(`/api/admin/api-tokens/${selectorOf(token)}/rotate`, { gracePeriodSeconds: 60 });
  assert.equal(rot.status, 201, rot.text);
  const fresh = rot.json().secret;
  assert.deepEqual(rot.json().allowedOrigins, ['https://keep.example']);
  assert.equal(acao(await frontend(fresh, 'https://keep.example')), 'https://keep.example');
});

test('latch edge learns a front-end token\'s origins from /edge/validate and answers CORS per token', { timeout: 90000 }, async () => {
  const up = await startUpstream({ tokens: { client: { type: 'client', environment: 'development' } } });
  let edge;
  try {
    const upAdmin = new Api(up, { token: up.tokens.admin });
    const res = await upAdmin.post('/api/admin/api-tokens', { tokenName: 'edge-fe', type: 'frontend', allowedOrigins: [OWN] });
    assert.equal(res.status, 201, res.text);
    const token = res.json().secret;
    // the upstream tells an edge the token's origins
    const v = await up.request('POST', '/edge/validate', { headers: { 'Content-Type': 'application/json' }, body: { tokens: [token] } });
    assert.deepEqual(v.json().tokens[0].allowedOrigins, [OWN]);

    edge = await startEdge({ upstream: up.url, tokens: [up.tokens.client], env: { UNLEASH_FRONTEND_API_ORIGINS: SERVER_ORIGIN } });
    const at = (origin, method = 'GET', headers = {}) =>
      request(edge.url, method, '/api/frontend', { headers: { Origin: origin, ...headers } });
    await waitFor(async () => (await at(OWN, 'GET', { Authorization: token })).status === 200, { what: 'the edge serving the token' });
    assert.equal(acao(await at(OWN, 'GET', { Authorization: token })), OWN);
    assert.equal(acao(await at(SERVER_ORIGIN, 'GET', { Authorization: token })), SERVER_ORIGIN);
    const other = await at(OTHER, 'GET', { Authorization: token });
    assert.equal(other.status, 200);
    assert.equal(acao(other), undefined);
    // a preflight: from the tokens the edge has validated
    const pre = await at(OWN, 'OPTIONS', { 'Access-Control-Request-Method': 'GET' });
    assert.equal(pre.status, 204);
    assert.equal(acao(pre), OWN);
    assert.equal(acao(await at(OTHER, 'OPTIONS', { 'Access-Control-Request-Method': 'GET' })), undefined);
  } finally {
    try {
      await edge?.dispose();
    } finally {
      await up.dispose();
    }
  }
});
