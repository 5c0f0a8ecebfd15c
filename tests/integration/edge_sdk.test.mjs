// The real SDKs through `latch edge` in front of `latch serve`:
//   the Node SDK (unleash-client 6.12.1) gets the same flags and answers as one connected to
//   the upstream directly, and what it counts reaches the upstream's store through the edge;
//   the browser SDK (unleash-proxy-client 3.8.2) through the edge's /api/frontend with a
//   front-end token and through /proxy with a client key (frontend_sdk_lib.mjs checks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JS_MODULES, DATA, waitFor } from './harness.mjs';
import { FLAGS, exercise } from './frontend_sdk_lib.mjs';
import { startUpstream, startEdge } from './edge_harness.mjs';

const require = createRequire(import.meta.url);
const { Unleash } = require(join(JS_MODULES, 'unleash-client'));
const FIXTURE = JSON.parse(readFileSync(join(DATA, 'client-features.json'), 'utf8'));
const NAMES = FIXTURE.features.map((f) => f.name);

let up;
let edge;
before(async () => {
  up = await startUpstream({
    docs: { development: FIXTURE },
    tokens: {
      all: { type: 'client', environment: 'development' },
      sdk: { type: 'client', environment: 'development', projects: ['default', 'checkout'] },
      fe: { type: 'frontend', environment: 'development' },
    },
  });
  edge = await startEdge({ upstream: up.url, tokens: [up.tokens.all], keys: ['sdk-key'] });
});
after(async () => {
  await edge?.dispose();
  await up?.dispose();
});

function sdk(url, token, appName) {
  const errors = [];
  const client = new Unleash({
    url: `${url}/api/`,
    appName,
    instanceId: `${appName}-1`,
    refreshInterval: 1000,
    metricsInterval: 1000,
    customHeaders: { Authorization: token },
    storageProvider: { set: async () => {}, get: async () => undefined },
    skipInstanceCountWarning: true,
  });
  client.on('error', (e) => errors.push(e));
  client.on('warn', () => {});
  client.errors = errors;
  return client;
}

const synced = (c) => new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Error(`no sync in 30 s: ${c.errors.join('; ')}`)), 30000);
  c.once('synchronized', () => {
    clearTimeout(timer);
    res();
  });
});

test('the Node SDK through the edge answers as one on the upstream, and its usage arrives upstream', { timeout: 90000 }, async () => {
  const viaEdge = sdk(edge.url, up.tokens.sdk, 'edge-node-sdk');
  const direct = sdk(up.url, up.tokens.sdk, 'direct-node-sdk');
  try {
    await Promise.all([synced(viaEdge), synced(direct)]);
    assert.deepEqual(viaEdge.errors, []);
    const defs = (c) => c.getFeatureToggleDefinitions().map((f) => f.name).sort();
    assert.deepEqual(defs(viaEdge), defs(direct));
    assert.ok(defs(viaEdge).length >= 3);
    const tally = {};
    // every context names a user: without one the SDK rolls (and picks userId-sticky variants)
    // at random, and two SDKs could not be compared
    const contexts = [{ userId: 'alice' }, { userId: 'bob' }, { userId: 'dave', sessionId: 's-1' },
      { userId: 'carol', properties: { tier: 'gold', country: 'DE' } }];
    for (const name of NAMES)
      for (const ctx of contexts) {
        const a = viaEdge.isEnabled(name, ctx);
        assert.equal(a, direct.isEnabled(name, ctx), `${name} ${JSON.stringify(ctx)}`);
        const v = viaEdge.getVariant(name, ctx);
        assert.equal(v.name, direct.getVariant(name, ctx).name, `variant of ${name}`);
        tally[name] ??= { yes: 0, no: 0 };
        tally[name][a ? 'yes' : 'no']++;
        tally[name][v.feature_enabled ? 'yes' : 'no']++;
      }
    // the counts the SDK sent to the edge reach the upstream, summed
    const visible = defs(viaEdge);
    const want = Object.entries(tally).filter(([n]) => visible.includes(n)).map(([feature, c]) => ({ feature, ...c })).sort((a, b) => (a.feature < b.feature ? -1 : 1));
    const got = await waitFor(async () => {
      const u = await up.usage('edge-node-sdk', visible);
      const flat = u.map((e) => ({ feature: e.feature, yes: e.yes, no: e.no }));
      return JSON.stringify(flat) === JSON.stringify(want) ? flat : null;
    }, { timeoutMs: 30000, what: 'the Node SDK\'s usage upstream' }).catch(async (e) => {
      throw new Error(`${e.message}\nwant ${JSON.stringify(want)}\ngot ${JSON.stringify(await up.usage('edge-node-sdk', visible))}`);
    });
    assert.deepEqual(got, want);
    const app = await up.get('/api/admin/metrics/applications/edge-node-sdk', { Authorization: up.tokens.admin });
    assert.equal(app.status, 200, 'the registration went upstream too');
  } finally {
    viaEdge.destroy();
    direct.destroy();
  }
});

test('the browser SDK through the edge: /api/frontend with a front-end token, /proxy with a client key', { timeout: 90000 }, async (t) => {
  // the browser SDK's flags, in a second environment of the same upstream
  up.importDoc(FLAGS, 'sdk');
  // one token, asked until the upstream's next reload has it (a new token on every try
  // would only pass when a reload fell between its creation and its request)
  const fe = up.createToken({ type: 'frontend', environment: 'sdk' });
  await waitFor(async () => (await up.get('/api/frontend', { Authorization: fe })).status === 200,
    { what: 'a front-end token for environment sdk' });
  const startup = up.createToken({ type: 'client', environment: 'sdk' });
  await waitFor(async () => (await up.get('/api/client/features', { Authorization: startup })).status === 200, { what: 'the startup token' });
  const e2 = await startEdge({ upstream: up.url, tokens: [startup], keys: ['sdk-key'], keysEnv: 'sdk' });
  try {
    await t.test('GET /api/frontend, front-end token', () =>
      exercise(t, e2, '/api/frontend', fe, { post: false, metricsRoute: '/api/frontend/client/metrics' }));
    await t.test('POST /api/frontend, front-end token', () =>
      exercise(t, e2, '/api/frontend', fe, { post: true, metricsRoute: '/api/frontend/client/metrics' }));
    await t.test('GET /proxy, client key', () =>
      exercise(t, e2, '/proxy', 'sdk-key', { post: false, metricsRoute: '/proxy/client/metrics' }));
    await t.test('POST /proxy, client key', () =>
      exercise(t, e2, '/proxy', 'sdk-key', { post: true, metricsRoute: '/proxy/client/metrics' }));
  } finally {
    await e2.dispose();
  }
});
