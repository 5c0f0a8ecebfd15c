// The real Node SDK (unleash-client 6.12.1 from npm) against latch seeded with `latch import`:
// it synchronises, answers isEnabled/getVariant as the flags say, registers, and its metrics
// land in the store. The server runs with a one-hour metrics interval, so what reaches the
// store got there through the flush at SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Latch, JS_MODULES, DATA, waitFor, sleep } from './harness.mjs';

const require = createRequire(import.meta.url);
const { initialize } = require(join(JS_MODULES, 'unleash-client'));
const SDK_VERSION = require(join(JS_MODULES, 'unleash-client', 'package.json')).version;

const APP = 'latch-it-node-sdk';
// every flag of the store (the fixture), to ask the admin API for their usage
const FLAGS = JSON.parse(readFileSync(join(DATA, 'client-features.json'), 'utf8')).features.map((f) => f.name);
const INSTANCE = 'it-instance-1';

let srv;
let client;
const warnings = [];
const errors = [];
const sent = []; // metrics payloads the SDK posted successfully
let registered = null;
// what the SDK counted, per flag: {yes, no, variants}
const tally = {};

function count(name, enabled, variant) {
  tally[name] ??= { yes: 0, no: 0, variants: {} };
  tally[name][enabled ? 'yes' : 'no']++;
  if (variant) tally[name].variants[variant] = (tally[name].variants[variant] ?? 0) + 1;
}

function isEnabled(name, context = {}) {
  const v = client.isEnabled(name, context);
  count(name, v);
  return v;
}

function getVariant(name, context = {}) {
  const v = client.getVariant(name, context);
  count(name, v.feature_enabled, v.name);
  return v;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

before(async () => {
  srv = await Latch.start({
    tokens: {
      sdk: { type: 'client', environment: 'development', projects: 'default,checkout' },
      admin: { type: 'admin' },
    },
    args: ['--metrics-interval', '3600'],
  });
  client = initialize({
    url: `${srv.url}/api/`,
    appName: APP,
    instanceId: INSTANCE,
    refreshInterval: 1000,
    metricsInterval: 1000,
    customHeaders: { Authorization: srv.tokens.sdk },
    backupPath: srv.dir,
    skipInstanceCountWarning: true,
  });
  client.on('error', (e) => errors.push(e));
  client.on('warn', (w) => warnings.push(w));
  client.on('sent', (p) => sent.push(p));
  client.on('registered', (p) => {
    registered = p;
  });
  await withTimeout(
    new Promise((res) => client.once('synchronized', res)),
    30000,
    `the SDK to synchronise (errors: ${errors.join('; ')})`,
  );
});

after(async () => {
  client?.destroy();
  await srv?.dispose();
});

test('the SDK synchronises with only the flags its token may see', () => {
  assert.deepEqual(errors, []);
  const names = client.getFeatureToggleDefinitions().map((f) => f.name).sort();
  assert.deepEqual(names, ['beta-checkout', 'checkout-banner', 'dark-mode', 'new-navigation', 'ops-kill-switch']);
});

test('isEnabled answers as the flags say', () => {
  // default strategy, enabled
  assert.equal(isEnabled('new-navigation'), true);
  assert.equal(isEnabled('new-navigation', { userId: 'anyone' }), true);
  assert.equal(isEnabled('new-navigation', { userId: 'someone-else', properties: { tier: 'gold' } }), true);
  // environment off
  assert.equal(isEnabled('dark-mode'), false);
  assert.equal(isEnabled('dark-mode', { userId: 'alice' }), false);
  // enabled with no strategies
  assert.equal(isEnabled('ops-kill-switch'), true);
  // flexibleRollout 100% behind a userId constraint; its disabled "everyone" strategy is not served
  assert.equal(isEnabled('beta-checkout', { userId: 'alice' }), true);
  assert.equal(isEnabled('beta-checkout', { userId: 'bob' }), true);
  assert.equal(isEnabled('beta-checkout', { userId: 'carol' }), false);
  assert.equal(isEnabled('beta-checkout'), false);
  // flags of other projects are not visible to this token, though on in the store
  assert.equal(isEnabled('mobile-push-v2'), false);
  assert.equal(isEnabled('search-suggestions', { properties: { country: 'DE' } }), false);
  // unknown
  assert.equal(isEnabled('no-such-flag'), false);
});

test('getVariant returns the variant and its payload', () => {
  const alice = getVariant('checkout-banner', { userId: 'alice' });
  assert.equal(alice.name, 'blue');
  assert.equal(alice.enabled, true);
  assert.equal(alice.feature_enabled, true);
  assert.deepEqual(alice.payload, { type: 'json', value: '{"color":"#0000ff"}' });
  assert.deepEqual(JSON.parse(alice.payload.value), { color: '#0000ff' });
  // anyone else gets one of the two, with that variant's payload
  const other = getVariant('checkout-banner', { userId: 'user-42' });
  assert.ok(['blue', 'red'].includes(other.name), other.name);
  if (other.name === 'red') assert.deepEqual(other.payload, { type: 'string', value: 'red' });
  // no variants: the disabled variant
  const none = getVariant('new-navigation');
  assert.equal(none.name, 'disabled');
  assert.equal(none.enabled, false);
  assert.equal(none.feature_enabled, true);
  const off = getVariant('dark-mode');
  assert.equal(off.name, 'disabled');
  assert.equal(off.feature_enabled, false);
});

test('the SDK registered and polls with If-None-Match (304s)', { timeout: 30000 }, async () => {
  await waitFor(() => registered, { what: "the SDK's registration" });
  assert.equal(registered.appName, APP);
  assert.equal(registered.instanceId, INSTANCE);
  // refreshInterval is 1 s: after a few polls the server has answered 304
  const n304 = () => {
    const text = srv.get('/internal-backstage/prometheus');
    return text.then((r) => {
      const line = r.text.split('\n').find((l) => l.startsWith('http_requests_total{route="/api/client/features",status="304"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    });
  };
  await waitFor(async () => (await n304()) >= 1, { timeoutMs: 15000, what: 'a 304 to the SDK' });
  assert.deepEqual(errors, []);
});

test("the SDK's metrics posts are accepted", { timeout: 30000 }, async () => {
  const totals = () => {
    const t = {};
    for (const p of sent)
      for (const [name, c] of Object.entries(p.bucket?.toggles ?? {})) {
        t[name] ??= { yes: 0, no: 0, variants: {} };
        t[name].yes += c.yes;
        t[name].no += c.no;
        for (const [v, k] of Object.entries(c.variants ?? {})) t[name].variants[v] = (t[name].variants[v] ?? 0) + k;
      }
    return t;
  };
  await waitFor(() => JSON.stringify(sortKeys(totals())) === JSON.stringify(sortKeys(tally)), {
    timeoutMs: 20000,
    what: 'the SDK to post all its counts',
  }).catch(() => assert.deepEqual(totals(), tally));
  const bad = warnings.filter((w) => /returning \d+/.test(String(w)));
  assert.deepEqual(bad, []);
});

function sortKeys(o) {
  if (Array.isArray(o) || typeof o !== 'object' || o === null) return o;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
}

test('a change while the SDK runs reaches it', { timeout: 30000 }, async () => {
  const changed = new Promise((res) => client.once('changed', res));
  srv.importDoc(
    {
      version: 2,
      features: [
        {
          name: 'dark-mode',
          type: 'release',
          enabled: true,
          project: 'default',
          strategies: [{ name: 'default', constraints: [], parameters: {}, variants: [] }],
          variants: [],
        },
      ],
    },
    'development',
  );
  await withTimeout(changed, 20000, "the SDK's 'changed' event");
  await waitFor(() => client.isEnabled('dark-mode'), { timeoutMs: 10000, what: 'dark-mode on in the SDK' });
});

test('after SIGTERM the registration and the counts are in the store', { timeout: 60000 }, async () => {
  // the last test's isEnabled calls were not tallied; stop the SDK before anything else is sent
  client.destroy();
  client = null;
  await sleep(100);
  await srv.stop(); // checks the exit status and the sanitizer output
  // a new server on the same store answers from what the first one wrote
  await srv.restart(['--metrics-interval', '3600']);
  const res = await srv.get(`/api/admin/metrics/applications/${APP}`, { Authorization: srv.tokens.admin });
  assert.equal(res.status, 200, res.text);
  const app = res.json();
  assert.equal(app.instances.length, 1, JSON.stringify(app.instances));
  assert.equal(app.instances[0].instanceId, INSTANCE);
  assert.equal(app.instances[0].environment, 'development');
  // what the SDK sent (unleash-node-sdk:6.12.1)
  assert.equal(app.instances[0].sdkVersion, registered.sdkVersion);
  assert.ok(app.instances[0].sdkVersion.endsWith(`:${SDK_VERSION}`), app.instances[0].sdkVersion);
  // SQL: no answer shows the metrics interval an application announced
  assert.deepEqual(srv.sql(`SELECT interval_ms FROM client_applications WHERE app_name = '${APP}'`), [{ interval_ms: 1000 }]);
  const strategies = app.strategies.map((s) => s.name);
  for (const s of ['default', 'flexibleRollout', 'userWithId', 'remoteAddress', 'applicationHostname'])
    assert.ok(strategies.includes(s), `${s} not in ${strategies}`);

  const rows = await srv.usage(APP, FLAGS);
  const got = Object.fromEntries(rows.map((r) => [r.feature, r]));
  for (const r of rows) assert.equal(r.environment, 'development', r.feature);
  assert.equal(rows.length, Object.keys(got).length, 'one environment per flag');
  // SQL: no answer says which instance a count came from (the raw usage sums instances)
  assert.deepEqual(srv.sql(`SELECT DISTINCT instance_id FROM client_metrics WHERE app_name = '${APP}'`), [{ instance_id: INSTANCE }]);
  // every flag the token sees, with the SDK's own counts (the last test's calls excluded,
  // so at least the tallied counts; dark-mode may have more)
  for (const name of ['new-navigation', 'ops-kill-switch', 'beta-checkout', 'checkout-banner']) {
    assert.ok(got[name], `no metrics for ${name}: ${JSON.stringify(rows)}`);
    assert.equal(got[name].yes, tally[name].yes, `${name} yes`);
    assert.equal(got[name].no, tally[name].no, `${name} no`);
  }
  assert.ok(got['dark-mode'].no >= tally['dark-mode'].no, 'dark-mode no');
  assert.equal(tally['beta-checkout'].yes, 2);
  assert.equal(tally['beta-checkout'].no, 2);
  assert.deepEqual(got['checkout-banner'].variants, tally['checkout-banner'].variants);
});
