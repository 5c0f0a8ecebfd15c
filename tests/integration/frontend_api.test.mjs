// The front-end API surface (UNLEASH-API.md §4, §5): CORS (preflight and actual responses,
// default * and an origin list), response shape (only enabled flags, feature_enabled and
// featureEnabled, impressionData, Cache-Control), front-end token scoping (projects;
// environment from the token), the token-type matrix (client token on /api/frontend and
// front-end token on /api/client/features → 403, unknown key on `latch serve` → 401), the
// other front-end endpoints (405s, register, metrics, features/:name), remoteAddress from
// X-Forwarded-For only behind a trusted proxy, and on `latch offline`: /proxy auth and
// endpoints, --reload-interval, and Edge's simple-map bootstrap format.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServe, startOffline, featuresDoc, simpleFlag, waitFor, sleep, MSG_WRONG_TYPE } from './frontend_harness.mjs';

const MSG_NEED_TOKEN =
  '{"message":"This endpoint requires an API token. Please add an authorization header to your request with a valid token"}';

const DEV = featuresDoc([
  simpleFlag('alpha-on', { project: 'alpha', impressionData: true }),
  simpleFlag('alpha-off', { project: 'alpha', enabled: false }),
  simpleFlag('alpha-variant', {
    project: 'alpha',
    variants: [{ name: 'red', weight: 1000, weightType: 'fix', stickiness: 'default', payload: { type: 'string', value: 'crimson' } }],
  }),
  simpleFlag('alpha-users', {
    project: 'alpha',
    strategies: [{ name: 'userWithId', parameters: { userIds: 'u1' }, constraints: [] }],
  }),
  simpleFlag('beta-on', { project: 'beta' }),
  simpleFlag('ip-flag', {
    project: 'alpha',
    strategies: [{ name: 'remoteAddress', parameters: { IPs: '10.1.2.3' }, constraints: [] }],
  }),
]);
// impressionData belongs to the flag, not the environment: the later import sets it for both.
const PROD = featuresDoc([
  simpleFlag('alpha-on', { project: 'alpha', enabled: false, impressionData: true }),
  simpleFlag('prod-only', { project: 'alpha' }),
  simpleFlag('beta-on', { project: 'beta' }),
]);

const names = (body) => body.toggles.map((t) => t.name).sort();

async function getJson(server, path, headers = {}) {
  const r = await server.raw('GET', path, { headers });
  assert.equal(r.status, 200, `${path}: ${r.status} ${r.text}`);
  return { res: r, body: r.json() };
}

describe('latch serve: front-end API', () => {
  let s;
  before(async () => {
    s = await startServe({
      imports: { development: DEV, production: PROD },
      tokens: {
        all: { type: 'frontend', environment: 'development' },
        alpha: { type: 'frontend', environment: 'development', projects: 'alpha' },
        prod: { type: 'frontend', environment: 'production' },
        client: { type: 'client', environment: 'development' },
      },
      args: ['--trusted-proxies', '127.0.0.1'],
    });
  });
  after(() => s?.dispose());

  test('CORS preflight (default origins *)', async () => {
    const r = await s.raw('OPTIONS', '/api/frontend', {
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,unleash-sdk,content-type',
      },
    });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
    assert.equal(r.headers['access-control-allow-headers'], 'authorization,unleash-sdk,content-type');
    assert.equal(r.headers['access-control-max-age'], '86400');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.match(r.headers.vary ?? '', /\bOrigin\b/);
    // preflights need no token, also on sub-paths
    const r2 = await s.raw('OPTIONS', '/api/frontend/client/metrics', {
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(r2.status, 204);
    assert.equal(r2.headers['access-control-allow-origin'], '*');
  });

  test('CORS headers on actual responses', async () => {
    const { res } = await getJson(s, '/api/frontend', { Authorization: s.tokens.all, Origin: 'https://app.example' });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-expose-headers'], 'ETag');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(res.headers.vary ?? '', /\bOrigin\b/);
    // also on errors, so a browser can read them
    const e = await s.raw('GET', '/api/frontend', { headers: { Origin: 'https://app.example' } });
    assert.equal(e.status, 401);
    assert.equal(e.headers['access-control-allow-origin'], '*');
    // not on the client API
    const c = await s.raw('GET', '/api/client/features', { headers: { Authorization: s.tokens.client, Origin: 'https://app.example' } });
    assert.equal(c.status, 200);
    assert.equal(c.headers['access-control-allow-origin'], undefined);
  });

  test('response: only enabled flags, variant flags, impressionData, Cache-Control', async () => {
    const { res, body } = await getJson(s, '/api/frontend', { Authorization: s.tokens.all });
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.deepEqual(names(body), ['alpha-on', 'alpha-variant', 'beta-on']);
    for (const t of body.toggles) {
      assert.equal(t.enabled, true, t.name);
      assert.equal(t.variant.feature_enabled, true, t.name);
      assert.equal(t.variant.featureEnabled, true, t.name);
      assert.equal(typeof t.impressionData, 'boolean');
    }
    const on = body.toggles.find((t) => t.name === 'alpha-on');
    assert.deepEqual(on, {
      name: 'alpha-on',
      enabled: true,
      variant: { name: 'disabled', enabled: false, feature_enabled: true, featureEnabled: true },
      impressionData: true,
    });
    const v = body.toggles.find((t) => t.name === 'alpha-variant');
    assert.deepEqual(v.variant, {
      name: 'red',
      enabled: true,
      payload: { type: 'string', value: 'crimson' },
      feature_enabled: true,
      featureEnabled: true,
    });
    assert.equal(v.impressionData, false);
    // context from the query and from POST
    const q = (await getJson(s, '/api/frontend?userId=u1', { Authorization: s.tokens.all })).body;
    assert.ok(names(q).includes('alpha-users'));
    const p = await s.raw('POST', '/api/frontend', {
      headers: { Authorization: s.tokens.all, 'Content-Type': 'application/json' },
      body: { context: { userId: 'u1' } },
    });
    assert.equal(p.status, 200);
    assert.equal(p.headers['cache-control'], 'no-cache');
    assert.ok(names(p.json()).includes('alpha-users'));
    // Bearer prefix accepted on /api
    const b = await getJson(s, '/api/frontend', { Authorization: `Bearer ${s.tokens.all}` });
    assert.deepEqual(names(b.body), names(body));
  });

  test('token scoping: projects and environment from the token', async () => {
    const a = (await getJson(s, '/api/frontend', { Authorization: s.tokens.alpha })).body;
    assert.deepEqual(names(a), ['alpha-on', 'alpha-variant']);
    const p = (await getJson(s, '/api/frontend', { Authorization: s.tokens.prod })).body;
    assert.deepEqual(names(p), ['beta-on', 'prod-only']);
    // a client-chosen environment does not change the scope on serve
    const e = (await getJson(s, '/api/frontend?environment=production', { Authorization: s.tokens.all })).body;
    assert.deepEqual(names(e), ['alpha-on', 'alpha-variant', 'beta-on']);
    const e2 = await s.raw('POST', '/api/frontend', {
      headers: { Authorization: s.tokens.prod, 'Content-Type': 'application/json' },
      body: { context: { environment: 'development' } },
    });
    assert.deepEqual(names(e2.json()), ['beta-on', 'prod-only']);
    // features/:name respects the scope too
    assert.equal((await s.raw('GET', '/api/frontend/features/beta-on', { headers: { Authorization: s.tokens.alpha } })).status, 404);
    assert.equal((await s.raw('GET', '/api/frontend/features/prod-only', { headers: { Authorization: s.tokens.prod } })).status, 200);
    assert.equal((await s.raw('GET', '/api/frontend/features/alpha-on', { headers: { Authorization: s.tokens.prod } })).status, 404);
  });

  test('token types: client token → 403, front-end token on client API → 403, unknown key → 401', async () => {
    const c = await s.raw('GET', '/api/frontend', { headers: { Authorization: s.tokens.client } });
    assert.equal(c.status, 403);
    assert.equal(c.text, MSG_WRONG_TYPE);
    const cp = await s.raw('POST', '/api/frontend', {
      headers: { Authorization: s.tokens.client, 'Content-Type': 'application/json' },
      body: { context: {} },
    });
    assert.equal(cp.status, 403);
    assert.equal(cp.text, MSG_WRONG_TYPE);
    const f = await s.raw('GET', '/api/client/features', { headers: { Authorization: s.tokens.all } });
    assert.equal(f.status, 403);
    assert.equal(f.text, MSG_WRONG_TYPE);
    // a proxy client key (any opaque string) opens nothing on serve
    for (const key of ['proxy-client-key', 'k1']) {
      const k = await s.raw('GET', '/api/frontend', { headers: { Authorization: key } });
      assert.equal(k.status, 401, key);
      assert.equal(k.text, MSG_NEED_TOKEN);
    }
    const none = await s.raw('GET', '/api/frontend');
    assert.equal(none.status, 401);
    assert.equal(none.text, MSG_NEED_TOKEN);
    // the proxy endpoints do not exist on serve
    assert.equal((await s.raw('GET', '/proxy', { headers: { Authorization: 'k1' } })).status, 404);
  });

  test('other front-end endpoints: 405s, register, metrics, features/:name', async () => {
    const auth = { Authorization: s.tokens.all };
    for (const p of ['/api/frontend/client/features', '/api/frontend/health', '/api/frontend/internal-backstage/prometheus']) {
      const r = await s.raw('GET', p, { headers: auth });
      assert.equal(r.status, 405, p);
      const j = r.json();
      assert.equal(j.name, 'NotImplementedError');
      assert.equal(j.message, 'The frontend API does not support this endpoint.');
    }
    const reg = await s.raw('POST', '/api/frontend/client/register', {
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: { appName: 'web', instanceId: 'browser', interval: 30000, started: new Date().toISOString(), strategies: [] },
    });
    assert.equal(reg.status, 200);
    const bucket = { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: { 'alpha-on': { yes: 2, no: 1, variants: {} } } };
    const m = await s.raw('POST', '/api/frontend/client/metrics', {
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: { appName: 'web', instanceId: 'browser', bucket },
    });
    assert.equal(m.status, 200, m.text);
    const bad = await s.raw('POST', '/api/frontend/client/metrics', {
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: { bucket },
    });
    assert.equal(bad.status, 400, bad.text);
    const noauth = await s.raw('POST', '/api/frontend/client/metrics', {
      headers: { 'Content-Type': 'application/json' },
      body: { appName: 'web', bucket },
    });
    assert.equal(noauth.status, 401);

    const one = await s.raw('GET', '/api/frontend/features/alpha-variant', { headers: auth });
    assert.equal(one.status, 200);
    assert.equal(one.headers['cache-control'], 'no-cache');
    assert.deepEqual(one.json(), {
      name: 'alpha-variant',
      enabled: true,
      variant: { name: 'red', enabled: true, payload: { type: 'string', value: 'crimson' }, feature_enabled: true, featureEnabled: true },
      impressionData: false,
    });
    for (const n of ['alpha-off', 'no-such-flag', 'alpha-users'])
      assert.equal((await s.raw('GET', `/api/frontend/features/${n}`, { headers: auth })).status, 404, n);
    assert.equal((await s.raw('GET', '/api/frontend/features/alpha-users?userId=u1', { headers: auth })).status, 200);
    const post = await s.raw('POST', '/api/frontend/features/alpha-users', {
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: { context: { userId: 'u1' } },
    });
    assert.equal(post.status, 200);
    assert.equal(post.json().name, 'alpha-users');
  });

  test('remoteAddress from X-Forwarded-For behind a trusted proxy (serve)', async () => {
    const auth = { Authorization: s.tokens.all };
    const has = async (h) => names((await getJson(s, '/api/frontend', { ...auth, ...h })).body).includes('ip-flag');
    assert.equal(await has({}), false, 'peer 127.0.0.1');
    assert.equal(await has({ 'X-Forwarded-For': '10.1.2.3' }), true);
    assert.equal(await has({ 'X-Forwarded-For': '10.9.9.9' }), false);
    assert.equal(await has({ 'X-Forwarded-For': '10.1.2.3, 127.0.0.1' }), true, 'trusted hops skipped right to left');
    assert.equal(await has({ 'X-Forwarded-For': '10.1.2.3, 10.9.9.9' }), false, 'the rightmost untrusted hop is the client');
  });
});

describe('latch serve: CORS with UNLEASH_FRONTEND_API_ORIGINS', () => {
  let s;
  before(async () => {
    s = await startServe({
      imports: { development: DEV },
      tokens: { fe: { type: 'frontend', environment: 'development' } },
      env: { UNLEASH_FRONTEND_API_ORIGINS: 'https://a.example,https://c.example' },
    });
  });
  after(() => s?.dispose());

  test('allowed origin reflected, others get no Allow-Origin', async () => {
    for (const origin of ['https://a.example', 'https://c.example']) {
      const pre = await s.raw('OPTIONS', '/api/frontend', {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], origin);
      assert.equal(pre.headers['access-control-allow-headers'], 'authorization');
      assert.equal(pre.headers['access-control-max-age'], '86400');
      assert.match(pre.headers.vary ?? '', /\bOrigin\b/);
      const r = await s.raw('GET', '/api/frontend', { headers: { Authorization: s.tokens.fe, Origin: origin } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.equal(r.headers['access-control-expose-headers'], 'ETag');
      assert.match(r.headers.vary ?? '', /\bOrigin\b/);
    }
    for (const origin of ['https://b.example', 'https://a.example.evil', 'null']) {
      const pre = await s.raw('OPTIONS', '/api/frontend', {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], undefined, origin);
      const r = await s.raw('GET', '/api/frontend', { headers: { Authorization: s.tokens.fe, Origin: origin } });
      assert.equal(r.status, 200, 'the request itself is answered; the browser withholds it');
      assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
      assert.match(r.headers.vary ?? '', /\bOrigin\b/);
    }
    const none = await s.raw('GET', '/api/frontend', { headers: { Authorization: s.tokens.fe } });
    assert.equal(none.headers['access-control-allow-origin'], undefined);
  });
});

describe('latch offline: proxy endpoints and client keys', () => {
  let o;
  before(async () => {
    o = await startOffline({
      doc: DEV,
      keys: ['key-one', 'key-two'],
      frontendTokens: ['fe-opaque'],
      clientTokens: ['client-opaque'],
      keyHeader: 'X-Proxy-Key',
    });
  });
  after(() => o?.dispose());

  test('/proxy: right key in the configured header, wrong or missing → 401 Unauthorized', async () => {
    const r = await o.raw('GET', '/proxy', { headers: { 'X-Proxy-Key': 'key-two' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'public, max-age=2');
    assert.deepEqual(names(r.json()), ['alpha-on', 'alpha-variant', 'beta-on']);
    for (const headers of [
      { 'X-Proxy-Key': 'key-three' },
      { 'X-Proxy-Key': 'key-on' },
      { 'X-Proxy-Key': 'key-one ' },
      { 'X-Proxy-Key': 'KEY-ONE' },
      { Authorization: 'key-one' }, // not the configured header
      {},
    ]) {
      for (const path of ['/proxy', '/proxy/all']) {
        const w = await o.raw('GET', path, { headers });
        assert.equal(w.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(w.text, 'Unauthorized');
      }
    }
    const wm = await o.raw('POST', '/proxy/client/metrics', {
      headers: { 'X-Proxy-Key': 'nope', 'Content-Type': 'application/json' },
      body: { appName: 'x', bucket: { start: 0, stop: 0, toggles: {} } },
    });
    assert.equal(wm.status, 401);
    assert.equal(wm.text, 'Unauthorized');
    const h = await o.raw('GET', '/proxy/health');
    assert.equal(h.status, 200);
    assert.equal(h.text, 'ok');
  });

  test('/proxy/all lists disabled flags; POST /proxy {toggles} filters; register', async () => {
    const k = { 'X-Proxy-Key': 'key-one' };
    const all = (await getJson(o, '/proxy/all', k)).body;
    assert.deepEqual(names(all), ['alpha-off', 'alpha-on', 'alpha-users', 'alpha-variant', 'beta-on', 'ip-flag']);
    const off = all.toggles.find((t) => t.name === 'alpha-off');
    assert.equal(off.enabled, false);
    assert.equal(off.variant.name, 'disabled');
    assert.equal(off.variant.feature_enabled, false);
    const p = await o.raw('POST', '/proxy', {
      headers: { ...k, 'Content-Type': 'application/json' },
      body: { context: { userId: 'u1' }, toggles: ['alpha-users', 'beta-on', 'alpha-off', 'nope'] },
    });
    assert.equal(p.status, 200);
    assert.deepEqual(names(p.json()), ['alpha-users', 'beta-on']);
    const reg = await o.raw('POST', '/proxy/client/register', {
      headers: { ...k, 'Content-Type': 'application/json' },
      body: { appName: 'web' },
    });
    assert.equal(reg.status, 200);
  });

  test('/api/frontend on offline: client key or front-end token in Authorization; client token → 403', async () => {
    for (const key of ['key-one', 'fe-opaque']) {
      const r = (await getJson(o, '/api/frontend', { Authorization: key })).body;
      assert.deepEqual(names(r), ['alpha-on', 'alpha-variant', 'beta-on'], key);
    }
    // the configured proxy header does not open /api/frontend
    assert.equal((await o.raw('GET', '/api/frontend', { headers: { 'X-Proxy-Key': 'key-one' } })).status, 401);
    const c = await o.raw('GET', '/api/frontend', { headers: { Authorization: 'client-opaque' } });
    assert.equal(c.status, 403);
    assert.equal(c.text, MSG_WRONG_TYPE);
    const f = await o.raw('GET', '/api/client/features', { headers: { Authorization: 'fe-opaque' } });
    assert.equal(f.status, 403);
    assert.equal(f.text, MSG_WRONG_TYPE);
    assert.equal((await o.raw('GET', '/api/client/features', { headers: { Authorization: 'client-opaque' } })).status, 200);
    // a client key is not a client-API credential
    assert.equal((await o.raw('GET', '/api/client/features', { headers: { Authorization: 'key-one' } })).status, 401);
    // CORS on /proxy too
    const pre = await o.raw('OPTIONS', '/proxy', { headers: { Origin: 'https://x.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
  });

  test('offline without --trusted-proxies ignores X-Forwarded-For', async () => {
    const r = (await getJson(o, '/api/frontend', { Authorization: 'key-one', 'X-Forwarded-For': '10.1.2.3' })).body;
    assert.ok(!names(r).includes('ip-flag'));
    // an explicit remoteAddress in the context is used as given
    const q = (await getJson(o, '/api/frontend?remoteAddress=10.1.2.3', { Authorization: 'key-one' })).body;
    assert.ok(names(q).includes('ip-flag'));
  });
});

test('latch offline --trusted-proxies 127.0.0.1: remoteAddress from X-Forwarded-For', async () => {
  const o = await startOffline({ doc: DEV, keys: ['k'], trustedProxies: '127.0.0.1' });
  try {
    const has = async (h) =>
      names((await getJson(o, '/api/frontend', { Authorization: 'k', ...h })).body).includes('ip-flag');
    assert.equal(await has({ 'X-Forwarded-For': '10.1.2.3' }), true);
    assert.equal(await has({ 'X-Forwarded-For': '10.9.9.9' }), false);
    assert.equal(await has({}), false);
    const p = await o.raw('GET', '/proxy', { headers: { Authorization: 'k', 'X-Forwarded-For': '10.1.2.3' } });
    assert.ok(names(p.json()).includes('ip-flag'));
  } finally {
    await o.dispose();
  }
});

test('latch offline --reload-interval 1 picks up a rewritten file', async () => {
  const o = await startOffline({ doc: featuresDoc([simpleFlag('before')]), keys: ['k'], reloadInterval: 1 });
  try {
    assert.deepEqual(names((await getJson(o, '/api/frontend', { Authorization: 'k' })).body), ['before']);
    await sleep(50);
    writeFileSync(o.file, JSON.stringify(featuresDoc([simpleFlag('after-1'), simpleFlag('after-2'), simpleFlag('before', { enabled: false })])));
    await waitFor(async () => names((await getJson(o, '/api/frontend', { Authorization: 'k' })).body).join() === 'after-1,after-2', {
      timeoutMs: 10000,
      what: 'the reloaded flags',
    });
    // a broken rewrite keeps the last good state
    writeFileSync(o.file, '{"version":2,"features":[ this is not json');
    await sleep(2500);
    assert.deepEqual(names((await getJson(o, '/api/frontend', { Authorization: 'k' })).body), ['after-1', 'after-2']);
    assert.ok(await o.healthy());
  } finally {
    await o.dispose();
  }
});

test('latch offline: Edge simple-map bootstrap format', async () => {
  const o = await startOffline({
    doc: { 'map-on': { enabled: true }, 'map-variant': { enabled: true, variant: 'green' }, 'map-off': { enabled: false } },
    keys: ['k'],
  });
  try {
    const { body } = await getJson(o, '/api/frontend', { Authorization: 'k' });
    assert.deepEqual(names(body), ['map-on', 'map-variant']);
    const v = body.toggles.find((t) => t.name === 'map-variant').variant;
    assert.equal(v.name, 'green');
    assert.equal(v.enabled, true);
    const on = body.toggles.find((t) => t.name === 'map-on').variant;
    assert.equal(on.name, 'disabled');
    const p = (await getJson(o, '/proxy', { Authorization: 'k' })).body;
    assert.deepEqual(names(p), ['map-on', 'map-variant']);
    const one = await o.raw('GET', '/api/frontend/features/map-variant', { headers: { Authorization: 'k' } });
    assert.equal(one.status, 200);
    assert.equal(one.json().variant.name, 'green');
    assert.equal((await o.raw('GET', '/api/frontend/features/map-off', { headers: { Authorization: 'k' } })).status, 404);
  } finally {
    await o.dispose();
  }
});
