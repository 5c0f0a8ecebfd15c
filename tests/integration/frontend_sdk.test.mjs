// The browser SDK unleash-proxy-client 3.8.2 (run in Node 20 with the built-in fetch) against
//   (a) `latch serve` /api/frontend with a front-end token (environment from the token), and
//   (b) `latch offline` /proxy with a proxy client key (and /api/frontend with the same key):
// isEnabled, getVariant with a payload, updateContext({userId}) changing the answer, GET and
// POST (usePOSTrequests) fetching, and metrics posted: every metrics POST the SDK makes is
// recorded through the fetch we hand it and must answer 200, and the server's own Prometheus
// counter for the metrics route must show it (on serve also the stored usage, through the admin API).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, startOffline, waitFor } from './frontend_harness.mjs';
import { FLAGS, PROD_FLAGS, newClient, exercise } from './frontend_sdk_lib.mjs';

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
