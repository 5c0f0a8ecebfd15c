// OFREP beside Unleash's API: @openfeature/server-sdk with @openfeature/ofrep-provider (client
// token, single-flag evaluation) and @openfeature/web-sdk with @openfeature/ofrep-web-provider
// (front-end token, bulk evaluation with ETag/304 and the SSE event stream telling it to
// re-fetch) evaluate flags, variants and payloads and pick up a change; plain HTTP checks the
// error codes of the spec, the three ways to present a token, and `latch offline` with a proxy
// client key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, startOffline, requireJs, waitFor, featuresDoc, simpleFlag } from './frontend_harness.mjs';

const FLAGS = featuresDoc([
  simpleFlag('o-on'),
  simpleFlag('o-off', { enabled: false }),
  simpleFlag('o-json', {
    variants: [{ name: 'blue', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: '{"color":"blue","n":2}' } }],
  }),
  simpleFlag('o-num', {
    variants: [{ name: 'five', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'number', value: '5' } }],
  }),
  simpleFlag('o-str', {
    variants: [{ name: 'plain', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'string', value: 'hello' } }],
  }),
  simpleFlag('o-name', { variants: [{ name: 'only-a-name', weight: 1000, weightType: 'variable', stickiness: 'default' }] }),
  simpleFlag('o-user', { strategies: [{ name: 'userWithId', parameters: { userIds: 'alice' }, constraints: [] }] }),
  simpleFlag('o-elsewhere', { project: 'other' }),
]);

let srv;
let off;
after(async () => {
  await srv?.dispose();
  await off?.dispose();
});

const post = (server, path, body, headers = {}) =>
  server.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const toggle = async (flag, on) => {
  const r = await srv.fetch(`/api/admin/projects/default/features/${flag}/environments/development/${on ? 'on' : 'off'}`,
    { method: 'POST', headers: { Authorization: srv.tokens.admin } });
  assert.equal(r.status, 200, await r.text());
};

test('OFREP over HTTP: results, error codes, auth', async () => {
  srv = await startServe({
    imports: { development: FLAGS },
    tokens: { client: { type: 'client', projects: ['default'] }, fe: { type: 'frontend', projects: ['default'] }, admin: { type: 'admin' } },
  });
  const one = async (key, context, headers = { Authorization: `Bearer ${srv.tokens.client}` }) => {
    const r = await post(srv, `/ofrep/v1/evaluate/flags/${key}`, context === undefined ? '' : { context }, headers);
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  assert.deepEqual(await one('o-on', {}), { status: 200, body: { key: 'o-on', value: true, reason: 'TARGETING_MATCH', variant: 'on', metadata: { enabled: true, impressionData: false } } });
  assert.equal((await one('o-off', {})).body.reason, 'DISABLED');
  assert.deepEqual((await one('o-json', {})).body.value, { color: 'blue', n: 2 });
  assert.equal((await one('o-num', {})).body.value, 5);
  assert.equal((await one('o-str', {})).body.value, 'hello');
  assert.equal((await one('o-name', {})).body.value, 'only-a-name');
  assert.equal((await one('o-user', { targetingKey: 'alice' })).body.value, true, 'targetingKey is userId');
  const bob = await one('o-user', { targetingKey: 'bob' });
  assert.deepEqual([bob.body.value, bob.body.reason], [false, 'DEFAULT']);
  assert.equal((await one('o-on', undefined)).status, 200, 'no body: an empty context');
  // the three ways to present the token
  assert.equal((await one('o-on', {}, { Authorization: srv.tokens.client })).status, 200);
  assert.equal((await one('o-on', {}, { 'X-API-Key': srv.tokens.client })).status, 200);
  // errors
  assert.deepEqual(await one('nope', {}), { status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: "No flag of this name in the token's scope." } });
  assert.equal((await one('o-elsewhere', {})).body.errorCode, 'FLAG_NOT_FOUND', 'outside the token\'s projects');
  const tk = await one('o-user', {});
  assert.deepEqual([tk.status, tk.body.errorCode], [400, 'TARGETING_KEY_MISSING']);
  const pe = await post(srv, '/ofrep/v1/evaluate/flags/o-on', '{"context":', { Authorization: srv.tokens.client });
  assert.deepEqual([pe.status, (await pe.json()).errorCode], [400, 'PARSE_ERROR']);
  const ic = await one('o-on', { deep: { a: 1 } });
  assert.deepEqual([ic.status, ic.body.errorCode], [400, 'INVALID_CONTEXT']);
  const ic2 = await post(srv, '/ofrep/v1/evaluate/flags/o-on', { context: 'x' }, { Authorization: srv.tokens.client });
  assert.deepEqual([ic2.status, (await ic2.json()).errorCode], [400, 'INVALID_CONTEXT']);
  assert.equal((await one('o-on', {}, {})).status, 401);
  assert.equal((await one('o-on', {}, { Authorization: 'default:development.nope' })).status, 401);
  assert.equal((await one('o-on', {}, { Authorization: srv.tokens.fe })).status, 403, 'single evaluation takes a client token');
  assert.equal((await post(srv, '/ofrep/v1/evaluate/flags', {}, { Authorization: srv.tokens.client })).status, 403, 'bulk takes a front-end token');

  // bulk: every flag in scope, ETag, 304
  const b = await post(srv, '/ofrep/v1/evaluate/flags', { context: { targetingKey: 'alice' } }, { Authorization: srv.tokens.fe });
  assert.equal(b.status, 200);
  const etag = b.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const body = await b.json();
  assert.deepEqual(body.flags.map((f) => f.key), ['o-json', 'o-name', 'o-num', 'o-off', 'o-on', 'o-str', 'o-user']);
  assert.equal(body.flags.find((f) => f.key === 'o-user').value, true);
  assert.equal(body.eventStreams[0].type, 'sse');
  assert.match(body.eventStreams[0].endpoint.requestUri, /^\/ofrep\/v1\/events\?key=[0-9a-f]{64}$/);
  assert.ok(!body.eventStreams[0].endpoint.requestUri.includes(srv.tokens.fe), 'the stream URL does not carry the token');
  const again = await post(srv, '/ofrep/v1/evaluate/flags', { context: { targetingKey: 'alice' } }, { Authorization: srv.tokens.fe, 'If-None-Match': etag });
  assert.equal(again.status, 304);
  const noKey = await post(srv, '/ofrep/v1/evaluate/flags', { context: {} }, { Authorization: srv.tokens.fe });
  const nk = await noKey.json();
  assert.equal(nk.flags.find((f) => f.key === 'o-user').errorCode, 'TARGETING_KEY_MISSING');
  assert.equal(nk.flags.find((f) => f.key === 'o-on').value, true);
  const badBulk = await post(srv, '/ofrep/v1/evaluate/flags', 'nope', { Authorization: srv.tokens.fe });
  assert.deepEqual([badBulk.status, (await badBulk.json()).errorCode], [400, 'PARSE_ERROR']);
  // the events stream refuses a made-up key
  assert.equal((await srv.fetch(`/ofrep/v1/events?key=${'0'.repeat(64)}`)).status, 401);
});

test('@openfeature/server-sdk with @openfeature/ofrep-provider', async () => {
  const { OpenFeature } = requireJs('@openfeature/server-sdk');
  const { OFREPProvider } = requireJs('@openfeature/ofrep-provider');
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: srv.url, headers: [['Authorization', `Bearer ${srv.tokens.client}`]] }));
  const c = OpenFeature.getClient();
  try {
    assert.equal(await c.getBooleanValue('o-on', false), true);
    assert.equal(await c.getBooleanValue('o-off', true), false);
    assert.deepEqual(await c.getObjectValue('o-json', {}), { color: 'blue', n: 2 });
    assert.equal(await c.getNumberValue('o-num', 0), 5);
    assert.equal(await c.getStringValue('o-str', ''), 'hello');
    const d = await c.getStringDetails('o-name', 'dflt');
    assert.deepEqual([d.value, d.variant, d.reason], ['only-a-name', 'only-a-name', 'SPLIT']);
    assert.equal(await c.getBooleanValue('o-user', false, { targetingKey: 'alice' }), true);
    assert.equal(await c.getBooleanValue('o-user', false, { targetingKey: 'bob' }), false);
    const missing = await c.getBooleanDetails('nope', false);
    assert.deepEqual([missing.value, missing.errorCode], [false, 'FLAG_NOT_FOUND']);
    const noKey = await c.getBooleanDetails('o-user', false);
    assert.equal(noKey.errorCode, 'TARGETING_KEY_MISSING');
    await toggle('o-on', false);
    assert.equal(await c.getBooleanValue('o-on', true), false, 'the change, at the next evaluation');
    await toggle('o-on', true);
  } finally {
    await OpenFeature.close();
  }
});

// The browser provider wants an EventSource; Node 20 has none without a flag, so give it the
// one the Unleash Node SDK ships (launchdarkly-eventsource, the same interface).
function ensureEventSource() {
  if (typeof globalThis.EventSource !== 'undefined') return;
  const { EventSource: Ld } = requireJs('launchdarkly-eventsource');
  globalThis.EventSource = class extends Ld {
    constructor(url) {
      super(url, { initialRetryDelayMillis: 200 });
    }
  };
}

test('@openfeature/web-sdk with @openfeature/ofrep-web-provider: bulk, 304, SSE re-fetch', async () => {
  ensureEventSource();
  const { OpenFeature, ProviderEvents } = requireJs('@openfeature/web-sdk');
  const { OFREPWebProvider } = requireJs('@openfeature/ofrep-web-provider');
  const statuses = [];
  const fetchImplementation = async (req, init) => {
    const r = await fetch(req, init);
    statuses.push(r.status);
    return r;
  };
  await OpenFeature.setContext({ targetingKey: 'alice' });
  const provider = new OFREPWebProvider({ baseUrl: srv.url, headers: [['Authorization', srv.tokens.fe]], fetchImplementation });
  await OpenFeature.setProviderAndWait(provider);
  const c = OpenFeature.getClient();
  let changes = 0;
  c.addHandler(ProviderEvents.ConfigurationChanged, () => changes++);
  try {
    assert.equal(c.getBooleanValue('o-on', false), true);
    assert.equal(c.getBooleanValue('o-user', false), true);
    assert.deepEqual(c.getObjectValue('o-json', {}), { color: 'blue', n: 2 });
    assert.equal(c.getNumberValue('o-num', 0), 5);
    assert.equal(c.getStringDetails('o-name', '').variant, 'only-a-name');
    assert.equal(c.getBooleanDetails('nope', false).errorCode, 'FLAG_NOT_FOUND');
    await waitFor(async () => /latch_streams_open [1-9]/.test(await (await srv.fetch('/internal-backstage/prometheus')).text()),
      { timeoutMs: 10000, what: 'the provider\'s event stream' });
    await toggle('o-on', false);
    await waitFor(() => c.getBooleanValue('o-on', true) === false, { timeoutMs: 10000, what: 'the pushed change' });
    assert.ok(changes >= 1, 'ConfigurationChanged fired');
    // a change outside its projects sends no re-fetch; a context change re-fetches (200)
    const n = statuses.length;
    await OpenFeature.setContext({ targetingKey: 'bob' });
    assert.equal(c.getBooleanValue('o-user', true), false);
    assert.ok(statuses.length > n && statuses.every((s) => s === 200 || s === 304), `statuses ${statuses}`);
    await toggle('o-on', true);
  } finally {
    await OpenFeature.close();
  }
});

test('latch offline: OFREP with a proxy client key and offline tokens', async () => {
  off = await startOffline({ doc: FLAGS, keys: ['ofrep-key'], clientTokens: ['*:default.offline-client'] });
  const b = await post(off, '/ofrep/v1/evaluate/flags', { context: { targetingKey: 'alice' } }, { Authorization: 'Bearer ofrep-key' });
  assert.equal(b.status, 200);
  const body = await b.json();
  assert.equal(body.flags.find((f) => f.key === 'o-user').value, true);
  assert.ok(body.flags.some((f) => f.key === 'o-elsewhere'), 'a client key sees every project');
  const uri = body.eventStreams[0].endpoint.requestUri;
  const ev = await off.fetch(uri);
  assert.equal(ev.status, 200);
  assert.match(ev.headers.get('content-type'), /^text\/event-stream/);
  await ev.body.cancel();
  const one = await post(off, '/ofrep/v1/evaluate/flags/o-json', {}, { 'X-API-Key': '*:default.offline-client' });
  assert.deepEqual((await one.json()).value, { color: 'blue', n: 2 });
  assert.equal((await post(off, '/ofrep/v1/evaluate/flags/o-json', {}, { Authorization: 'ofrep-key' })).status, 403);
});
