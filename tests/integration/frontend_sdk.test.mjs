// The browser SDK unleash-proxy-client 3.8.2 (run in Node 20 with the built-in fetch) against
//   (a) `latch serve` /api/frontend with a front-end token (environment from the token), and
//   (b) `latch offline` /proxy with a proxy client key (and /api/frontend with the same key):
// isEnabled, getVariant with a payload, updateContext({userId}) changing the answer, GET and
// POST (usePOSTrequests) fetching, and metrics posted: every metrics POST the SDK makes is
// recorded through the fetch we hand it and must answer 200, and the server's own Prometheus
// counter for the metrics route must show it (on serve also the stored usage, through the admin API).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, startOffline, requireJs, waitFor, featuresDoc, simpleFlag } from './frontend_harness.mjs';

const { UnleashClient, InMemoryStorageProvider } = requireJs('unleash-proxy-client');

const FLAGS = featuresDoc([
  simpleFlag('sdk-on'),
  simpleFlag('sdk-off', { enabled: false }),
  simpleFlag('sdk-variant', {
    variants: [
      { name: 'blue', weight: 1000, weightType: 'fix', stickiness: 'default', payload: { type: 'json', value: '{"color":"blue"}' } },
    ],
  }),
  simpleFlag('sdk-alice', {
    strategies: [{ name: 'userWithId', parameters: { userIds: 'alice, carol' }, constraints: [] }],
  }),
  simpleFlag('sdk-prod-only', { enabled: true }),
]);
// Production: sdk-prod-only stays on, sdk-on is off there.
const PROD_FLAGS = featuresDoc([simpleFlag('sdk-on', { enabled: false }), simpleFlag('sdk-prod-only')]);

// A fetch that records what the SDK asked and how the server answered.
function recordingFetch() {
  const calls = [];
  const f = async (url, init = {}) => {
    const res = await fetch(url, init);
    calls.push({ url: String(url), method: init.method ?? 'GET', status: res.status });
    return res;
  };
  f.calls = calls;
  return f;
}

function newClient(url, clientKey, { post = false, fetchImpl, headerName } = {}) {
  const c = new UnleashClient({
    url,
    clientKey,
    appName: 'latch-sdk-test',
    environment: 'ignored-by-serve',
    fetch: fetchImpl,
    storageProvider: new InMemoryStorageProvider(),
    disableRefresh: true,
    metricsInterval: 0.2,
    // 0, not a delay: 3.8.2 starts its metrics interval from a setTimeout that stop() does
    // not cancel, so a client stopped before the delay would keep Node alive for ever.
    metricsIntervalInitial: 0,
    usePOSTrequests: post,
    ...(headerName ? { headerName } : {}),
  });
  const errors = [];
  c.on('error', (e) => errors.push(e));
  c.errors = errors;
  return c;
}

async function promCount(server, route) {
  const text = await (await server.fetch('/internal-backstage/prometheus')).text();
  const m = new RegExp(`^http_requests_total\\{route="${route.replace(/\//g, '\\/')}",status="200"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

// Shared checks on one client: flags, variant, context update, metrics.
async function exercise(t, server, base, key, { post, metricsRoute, headerName, prodOnly = true }) {
  const fetchImpl = recordingFetch();
  const client = newClient(`${server.url}${base}`, key, { post, fetchImpl, headerName });
  try {
    await client.start();
    assert.deepEqual(client.errors, [], 'no SDK errors');
    assert.ok(client.isReady(), 'ready after start');
    const first = fetchImpl.calls.find((c) => c.url.startsWith(`${server.url}${base}`));
    assert.ok(first, 'the SDK fetched the toggles');
    assert.equal(first.method, post ? 'POST' : 'GET');
    assert.equal(first.status, 200);

    assert.equal(client.isEnabled('sdk-on'), true, 'sdk-on');
    assert.equal(client.isEnabled('sdk-off'), false, 'sdk-off');
    assert.equal(client.isEnabled('no-such-flag'), false, 'unknown flag');
    assert.equal(client.isEnabled('sdk-prod-only'), prodOnly);
    const v = client.getVariant('sdk-variant');
    assert.equal(v.name, 'blue');
    assert.equal(v.enabled, true);
    assert.equal(v.feature_enabled, true);
    assert.deepEqual(v.payload, { type: 'json', value: '{"color":"blue"}' });
    assert.equal(JSON.parse(v.payload.value).color, 'blue');
    const dv = client.getVariant('sdk-on');
    assert.equal(dv.name, 'disabled');
    assert.equal(dv.enabled, false);
    assert.equal(dv.feature_enabled, true);
    assert.equal(client.getVariant('sdk-off').feature_enabled, false);

    // context updates: userWithId alice
    assert.equal(client.isEnabled('sdk-alice'), false, 'no userId: off');
    await client.updateContext({ userId: 'alice' });
    assert.equal(client.isEnabled('sdk-alice'), true, 'userId alice: on');
    await client.updateContext({ userId: 'bob' });
    assert.equal(client.isEnabled('sdk-alice'), false, 'userId bob: off');
    await client.updateContext({ userId: 'carol', properties: { plan: 'pro' } });
    assert.equal(client.isEnabled('sdk-alice'), true, 'userId carol: on');
    assert.deepEqual(client.errors, [], 'no SDK errors after updates');

    // metrics: the bucket has counts now; wait for a POST answered 200
    const before = await promCount(server, metricsRoute);
    const sent = await waitFor(
      () => fetchImpl.calls.find((c) => c.method === 'POST' && c.url === `${server.url}${base}/client/metrics`),
      { timeoutMs: 10000, what: 'a metrics POST from the SDK' },
    );
    assert.equal(sent.status, 200, `metrics answered ${sent.status}`);
    await waitFor(async () => (await promCount(server, metricsRoute)) >= Math.max(1, before), {
      timeoutMs: 5000,
      what: `prometheus counter for ${metricsRoute}`,
    });
    // a context whose toggles did not change is answered 304 (the ETag names the result)
    for (const c of fetchImpl.calls) assert.ok([200, 304].includes(c.status), `${c.method} ${c.url} answered ${c.status}`);
  } finally {
    client.stop();
  }
}

let serve;
let offline;
after(async () => {
  await serve?.dispose();
  await offline?.dispose();
});

test('unleash-proxy-client against latch serve /api/frontend (front-end token)', async (t) => {
  serve = await startServe({
    imports: { development: FLAGS, production: PROD_FLAGS },
    tokens: {
      dev: { type: 'frontend', environment: 'development' },
      prod: { type: 'frontend', environment: 'production' },
      admin: { type: 'admin' },
    },
  });
  await t.test('GET, development token', () =>
    exercise(t, serve, '/api/frontend', serve.tokens.dev, { post: false, metricsRoute: '/api/frontend/client/metrics' }));
  await t.test('POST (usePOSTrequests), development token', () =>
    exercise(t, serve, '/api/frontend', serve.tokens.dev, { post: true, metricsRoute: '/api/frontend/client/metrics' }));
  await t.test('production token evaluates production state', async () => {
    const c = newClient(`${serve.url}/api/frontend`, serve.tokens.prod);
    try {
      await c.start();
      assert.deepEqual(c.errors, []);
      assert.equal(c.isEnabled('sdk-on'), false, 'sdk-on is off in production');
      assert.equal(c.isEnabled('sdk-prod-only'), true);
      assert.equal(c.isEnabled('sdk-variant'), false, 'not in production');
    } finally {
      c.stop();
    }
  });
  await t.test('metrics reached the store as a frontend SDK', async () => {
    const admin = async (path) => {
      const r = await serve.fetch(path, { headers: { Authorization: serve.tokens.admin } });
      assert.equal(r.status, 200, `GET ${path}: ${r.status}`);
      return r.json();
    };
    // the admin usage answers write what is held in memory first, then read the store
    const rows = await waitFor(
      async () => {
        const r = (await admin('/api/admin/client-metrics/features/sdk-alice/raw?hoursBack=2')).data
          .filter((x) => x.appName === 'latch-sdk-test' && (x.yes || x.no));
        return r.length ? r : null;
      },
      { timeoutMs: 15000, what: 'usage of sdk-alice' },
    );
    assert.deepEqual([...new Set(rows.map((x) => x.environment))], ['development']);
    const alice = { yes: rows.reduce((n, x) => n + x.yes, 0), no: rows.reduce((n, x) => n + x.no, 0) };
    assert.ok(alice.yes >= 1 && alice.no >= 1, JSON.stringify(alice));
    const apps = (await admin('/api/admin/metrics/applications/latch-sdk-test')).instances;
    assert.ok(apps.length >= 1 && apps.every((a) => a.sdkType === 'frontend'), JSON.stringify(apps));
  });
});

test('unleash-proxy-client against latch offline /proxy (client key)', async (t) => {
  offline = await startOffline({ doc: FLAGS, keys: ['proxy-key-1', 'proxy-key-2'], frontendTokens: ['fe-token'] });
  await t.test('GET /proxy', () =>
    exercise(t, offline, '/proxy', 'proxy-key-2', { post: false, metricsRoute: '/proxy/client/metrics' }));
  await t.test('POST /proxy', () =>
    exercise(t, offline, '/proxy', 'proxy-key-1', { post: true, metricsRoute: '/proxy/client/metrics' }));
  await t.test('/api/frontend with the client key', () =>
    exercise(t, offline, '/api/frontend', 'proxy-key-1', { post: false, metricsRoute: '/api/frontend/client/metrics' }));
  await t.test('/api/frontend with an offline front-end token', () =>
    exercise(t, offline, '/api/frontend', 'fe-token', { post: false, metricsRoute: '/api/frontend/client/metrics' }));
  await t.test('a wrong client key puts the SDK in an error state', async () => {
    const c = newClient(`${offline.url}/proxy`, 'wrong-key');
    try {
      await c.start();
      assert.equal(c.isEnabled('sdk-on'), false);
      assert.ok(c.errors.some((e) => e?.code === 401 || /401/.test(JSON.stringify(e))), JSON.stringify(c.errors));
    } finally {
      c.stop();
    }
  });
});

test('unleash-proxy-client with a custom client-key header on latch offline', async () => {
  const p = await startOffline({ doc: FLAGS, keys: ['hk'], keyHeader: 'X-Client-Key' });
  try {
    await exercise(null, p, '/proxy', 'hk', { post: false, metricsRoute: '/proxy/client/metrics', headerName: 'X-Client-Key' });
  } finally {
    await p.dispose();
  }
});
