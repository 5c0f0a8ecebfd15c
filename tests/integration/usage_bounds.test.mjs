// Usage metrics cannot fill the disk (issue 10, point 5): counts are kept only for flags that
// exist, others are listed as unknown flags (bounded, GET /api/admin/metrics/unknown-flags in
// Unleash's shape); descriptive strings longer than 255 are not stored; bucket times are
// bounded to the raw retention. (The retention itself, hourly rows summed into days, is in
// tests/store/test_conformance.c.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor } from './harness.mjs';

let srv;
let admin;
let dev;

before(async () => {
  srv = await Latch.start({
    tokens: { admin: { type: 'admin' }, dev: { type: 'client', environment: 'development' } },
  });
  ({ admin, dev } = srv.tokens);
});

after(async () => {
  await srv?.dispose();
});

const metrics = (body) => srv.post('/api/client/metrics', body, { Authorization: dev });
// What is on disk (the point of these bounds) is not something the API shows: read the store.
const sqlNum = (q) => Number(Object.values(srv.sql(q)[0] ?? {})[0] ?? 0);
const HOUR = 3600000;

test('usage of flags that do not exist is not stored; they are listed as unknown flags', async () => {
  const start = new Date(Date.now() - 1000).toISOString();
  const res = await metrics({
    appName: 'bounds-app', instanceId: 'i1',
    bucket: { start, stop: new Date().toISOString(), toggles: { 'dark-mode': { yes: 3, no: 1 }, 'invented-flag': { yes: 5, no: 0 } } },
  });
  assert.equal(res.status, 202, res.text);
  await waitFor(() => sqlNum(`SELECT count(*) FROM client_metrics WHERE app_name = 'bounds-app'`) > 0, { what: 'the flush' });
  assert.deepEqual(srv.sql(`SELECT DISTINCT feature FROM client_metrics WHERE app_name = 'bounds-app'`).map((r) => r.feature), ['dark-mode']);
  const usage = await srv.usage('bounds-app', ['dark-mode']);
  assert.deepEqual(usage.map((u) => [u.feature, u.yes, u.no]), [['dark-mode', 3, 1]]);

  const list = await srv.get('/api/admin/metrics/unknown-flags', { Authorization: admin });
  assert.equal(list.status, 200, list.text);
  const { unknownFlags } = list.json();
  const mine = unknownFlags.find((u) => u.name === 'invented-flag');
  assert.ok(mine, list.text);
  assert.ok(!unknownFlags.some((u) => u.name === 'dark-mode'), 'an existing flag is not unknown');
  assert.ok(Math.abs(Date.parse(mine.lastSeenAt) - Date.now()) < 60000, mine.lastSeenAt);
  assert.deepEqual(mine.reports.map((r) => [r.appName, r.environments.map((e) => e.environment)]), [['bounds-app', ['development']]]);
  assert.equal(mine.reports[0].environments[0].seenAt, mine.lastSeenAt);
});

test('the unknown-flag list is bounded (1000), and none of them reaches the store', async () => {
  const toggles = {};
  for (let i = 0; i < 1200; i++) toggles[`spray-${i}`] = { yes: 1, no: 0 };
  const res = await metrics({ appName: 'spray-app', instanceId: 'i1', bucket: { start: new Date().toISOString(), stop: new Date().toISOString(), toggles } });
  assert.equal(res.status, 202, res.text);
  const { unknownFlags } = (await srv.get('/api/admin/metrics/unknown-flags', { Authorization: admin })).json();
  assert.ok(unknownFlags.length <= 1000, `${unknownFlags.length} unknown flags kept`);
  assert.ok(unknownFlags.length >= 900, `${unknownFlags.length}: the list still fills`);
  const names = unknownFlags.map((u) => u.name);
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  await new Promise((r) => setTimeout(r, 1500)); // a flush has run
  assert.equal(sqlNum(`SELECT count(*) FROM client_metrics WHERE feature LIKE 'spray-%'`), 0);
});

test('registration strings longer than 255 characters are not stored', async () => {
  const long = 'v'.repeat(100000);
  const res = await srv.post('/api/client/register', {
    appName: 'long-app', instanceId: 'i1', sdkVersion: long, platformName: long,
    strategies: ['default'], started: new Date().toISOString(), interval: 15000,
  }, { Authorization: dev });
  assert.equal(res.status, 202, res.text);
  const many = await srv.post('/api/client/register', {
    appName: 'long-app', instanceId: 'i2', strategies: [long], started: new Date().toISOString(), interval: 15000,
  }, { Authorization: dev });
  assert.equal(many.status, 400, many.text);
  const metricsLong = await metrics({ appName: 'long-app', instanceId: 'i1', sdkVersion: long, bucket: { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: {} } });
  assert.equal(metricsLong.status, 202, metricsLong.text);
  await waitFor(() => sqlNum(`SELECT count(*) FROM client_applications WHERE app_name = 'long-app'`) > 0, { what: 'the registration' });
  const max = sqlNum(`SELECT max(max(length(coalesce(sdk_version, ''))), max(length(coalesce(platform_name, ''))), max(length(coalesce(strategies, '')))) FROM client_applications`);
  assert.ok(max <= 300, `a stored string of ${max} characters`);
});

test('bucket times are bounded: far past, far future and absurd numbers count now', async () => {
  const now = Date.now();
  const starts = ['2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 1e300, -5, new Date(now - 30 * 86400000).toISOString()];
  for (const start of starts) {
    const res = await metrics({ appName: 'time-app', instanceId: 'i1', bucket: { start, stop: new Date().toISOString(), toggles: { 'dark-mode': { yes: 1, no: 0 } } } });
    assert.equal(res.status, 202, `${start}: ${res.text}`);
  }
  const bulk = await srv.post('/api/client/metrics/bulk', {
    applications: [],
    metrics: [{ featureName: 'dark-mode', appName: 'time-app', environment: 'development', timestamp: '1999-01-01T00:00:00Z', yes: 1, no: 0 }],
  }, { Authorization: dev });
  assert.equal(bulk.status, 202, bulk.text);
  await waitFor(() => sqlNum(`SELECT coalesce(sum(yes), 0) FROM client_metrics WHERE app_name = 'time-app'`) === 6, { what: 'the six counts stored' });
  const lo = sqlNum(`SELECT min(hour) FROM client_metrics WHERE app_name = 'time-app'`);
  const hi = sqlNum(`SELECT max(hour) FROM client_metrics WHERE app_name = 'time-app'`);
  assert.ok(lo >= now - 2 * HOUR && hi <= now + HOUR, `hours ${new Date(lo).toISOString()} .. ${new Date(hi).toISOString()}`);
});
