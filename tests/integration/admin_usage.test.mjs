// Applications and usage counts in the admin API (src/api/admin_config.c): what SDKs register
// and report through the client API shows up, summed by hour, environment and application.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';

let srv;
let admin;
let dev; // backend token, development
let prod; // backend token, production

const get = (path) => srv.get(path, { Authorization: admin });

before(async () => {
  srv = await Latch.start({
    tokens: {
      admin: { type: 'admin' },
      dev: { type: 'client', environment: 'development' },
      prod: { type: 'client', environment: 'production' },
    },
  });
  ({ admin, dev, prod } = srv.tokens);
});

after(async () => {
  await srv?.dispose();
});

const register = (token, appName, instanceId, strategies) =>
  srv.post('/api/client/register', {
    appName, instanceId, sdkVersion: 'unleash-client-node:6.12.1', strategies,
    started: new Date().toISOString(), interval: 15000,
  }, { Authorization: token });

const metrics = (token, appName, instanceId, toggles) => {
  const now = new Date();
  return srv.post('/api/client/metrics', {
    appName, instanceId,
    bucket: { start: new Date(now.getTime() - 1000).toISOString(), stop: now.toISOString(), toggles },
  }, { Authorization: token });
};

test('applications: registered apps are listed with strategies and environments', async () => {
  assert.equal((await register(dev, 'shop', 'i-1', ['default', 'flexibleRollout'])).status, 202);
  assert.equal((await register(prod, 'shop', 'i-2', ['default', 'myCustom'])).status, 202);
  assert.equal((await register(dev, 'admin-ui', 'i-9', ['default'])).status, 202);
  const res = await get('/api/admin/metrics/applications');
  assert.equal(res.status, 200);
  const body = res.json();
  assert.equal(body.total, 2);
  const shop = body.applications.find((a) => a.appName === 'shop');
  assert.deepEqual(shop.strategies.sort(), ['default', 'flexibleRollout', 'myCustom']);
  assert.deepEqual(shop.usage, [{ project: '*', environments: ['development', 'production'] }]);
  assert.equal(shop.sdkVersion, 'unleash-client-node:6.12.1');
  assert.deepEqual(body.applications.map((a) => a.appName), ['admin-ui', 'shop']);

  const one = await get('/api/admin/metrics/applications/shop');
  assert.equal(one.status, 200);
  const app = one.json();
  assert.equal(app.appName, 'shop');
  assert.deepEqual(app.instances.map((i) => [i.instanceId, i.environment]).sort(), [['i-1', 'development'], ['i-2', 'production']]);
  assert.equal(app.strategies.find((s) => s.name === 'myCustom').notFound, true);
  assert.equal(app.strategies.find((s) => s.name === 'default').displayName, 'Standard');
  assert.deepEqual(app.links, { self: '/api/applications/shop' });
  assert.equal((await get('/api/admin/metrics/applications/nope')).status, 404);
});

test('usage: yes/no and variants by hour, environment and application', async () => {
  assert.equal((await metrics(dev, 'shop', 'i-1', { 'new-navigation': { yes: 5, no: 2, variants: { blue: 3, red: 2 } } })).status, 202);
  assert.equal((await metrics(dev, 'shop', 'i-3', { 'new-navigation': { yes: 1, no: 1, variants: { blue: 1 } } })).status, 202);
  assert.equal((await metrics(prod, 'shop', 'i-2', { 'new-navigation': { yes: 10, no: 0 } })).status, 202);
  assert.equal((await metrics(dev, 'admin-ui', 'i-9', { 'new-navigation': { yes: 0, no: 4 }, 'dark-mode': { yes: 1, no: 0 } })).status, 202);

  const res = await get('/api/admin/client-metrics/features/new-navigation');
  assert.equal(res.status, 200);
  const body = res.json();
  assert.equal(body.version, 1);
  assert.equal(body.maturity, 'stable');
  assert.equal(body.featureName, 'new-navigation');
  const byEnv = Object.fromEntries(body.lastHourUsage.map((u) => [u.environment, u]));
  assert.equal(byEnv.development.yes, 6);
  assert.equal(byEnv.development.no, 7);
  assert.equal(byEnv.production.yes, 10);
  const hour = new Date(Math.floor(Date.now() / 3600000) * 3600000).toISOString();
  assert.equal(byEnv.development.timestamp, hour);
  assert.deepEqual(body.seenApplications, ['admin-ui', 'shop']);

  const raw = await get('/api/admin/client-metrics/features/new-navigation/raw?hoursBack=3');
  assert.equal(raw.status, 200);
  const data = raw.json();
  assert.equal(data.version, 1);
  // 3 hours x (development: shop, admin-ui; production: shop, admin-ui) buckets
  assert.equal(data.data.length, 3 * 2 * 2);
  const now = data.data.filter((d) => d.timestamp === hour);
  const shopDev = now.find((d) => d.appName === 'shop' && d.environment === 'development');
  assert.deepEqual(shopDev, {
    featureName: 'new-navigation', appName: 'shop', environment: 'development', timestamp: hour,
    yes: 6, no: 3, variants: { blue: 4, red: 2 },
  });
  const earlier = data.data.filter((d) => d.timestamp !== hour);
  assert.ok(earlier.every((d) => d.yes === 0 && d.no === 0));
  assert.deepEqual(data.data.map((d) => d.timestamp), [...data.data.map((d) => d.timestamp)].sort());
  // default 24 hours; out of range falls back to it
  assert.equal((await get('/api/admin/client-metrics/features/new-navigation/raw')).json().data.length, 24 * 4);
  assert.equal((await get('/api/admin/client-metrics/features/new-navigation/raw?hoursBack=999')).json().data.length, 24 * 4);

  const seen = (await get('/api/admin/metrics/applications/admin-ui')).json().seenToggles.map((t) => t.name);
  assert.deepEqual(seen, ['dark-mode', 'new-navigation']);
  // a flag nobody evaluated
  const none = (await get('/api/admin/client-metrics/features/ops-kill-switch')).json();
  assert.deepEqual(none.lastHourUsage, []);
  assert.deepEqual(none.seenApplications, []);
});

test('usage: the Node SDK counts show up', async () => {
  const { createRequire } = await import('node:module');
  const { JS_MODULES } = await import('./harness.mjs');
  const require = createRequire(`${JS_MODULES}/`);
  const { Unleash } = require('unleash-client');
  const client = new Unleash({
    url: `${srv.url}/api`, appName: 'node-sdk-app', instanceId: 'n-1', customHeaders: { Authorization: dev },
    refreshInterval: 1000, metricsInterval: 500, disableAutoStart: false,
  });
  await new Promise((res, rej) => {
    client.once('synchronized', res);
    client.once('error', rej);
  });
  for (let i = 0; i < 7; i++) client.isEnabled('new-navigation');
  for (let i = 0; i < 3; i++) client.isEnabled('dark-mode');
  const deadline = Date.now() + 15000;
  let app;
  for (;;) {
    const u = (await get('/api/admin/client-metrics/features/new-navigation/raw?hoursBack=1')).json();
    app = u.data.find((d) => d.appName === 'node-sdk-app');
    if ((app && app.yes === 7) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  client.destroy();
  assert.equal(app?.yes, 7, JSON.stringify(app));
  const dark = (await get('/api/admin/client-metrics/features/dark-mode/raw?hoursBack=1')).json();
  assert.equal(dark.data.find((d) => d.appName === 'node-sdk-app').no, 3);
  const apps = (await get('/api/admin/metrics/applications')).json().applications.map((a) => a.appName);
  assert.ok(apps.includes('node-sdk-app'));
});
