// `latch edge` in front of a real unleash-server 8.2.0 (tests/.peers, installed by
// scripts/deps.sh --test) on a fresh database of the private PostgreSQL: flags seeded through
// Unleash's admin API (strategies, constraints, strategy variants, a segment); then the Node
// SDK through the edge answers as one connected to Unleash directly, /api/client/features
// through the edge equals Unleash's, the browser SDK works through the edge's /api/frontend
// with an Unleash front-end token, a token Unleash does not know is refused by the edge (and
// Unleash's /edge/validate does not know it either), and usage sent to the edge reaches
// Unleash's metrics. Skipped, loudly, when unleash-server is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JS_MODULES, waitFor } from './harness.mjs';
import { tempDir, removeDir, contextQuery } from './frontend_harness.mjs';
import { newClient } from './frontend_sdk_lib.mjs';
import { startEdge, getJson } from './edge_harness.mjs';
import { startPostgres } from './pg_harness.mjs';
import { unleashSkip, startUnleash, seedUnleash } from './unleash_peer.mjs';

const SKIP = unleashSkip('edge_unleash.test.mjs');

const require = createRequire(import.meta.url);
const { Unleash } = require(join(JS_MODULES, 'unleash-client'));

const hex = () => randomBytes(24).toString('hex');
const ADMIN = `*:*.${hex()}`;
const CLIENT = `*:development.${hex()}`;
const FRONTEND = `*:development.${hex()}`;
const UNKNOWN = `default:development.${hex()}`;

// What is seeded (bench/peers.mjs seed reads the document `latch import` reads).
const STATE = {
  segments: [{ id: 1, name: 'beta-users', constraints: [{ contextName: 'userId', operator: 'IN', values: ['alice', 'carol'], inverted: false, caseInsensitive: false }] }],
  features: [
    { name: 'eu-on', project: 'default', enabled: true, strategies: [{ name: 'default', constraints: [], parameters: {} }] },
    { name: 'eu-off', project: 'default', enabled: false, strategies: [{ name: 'default', constraints: [], parameters: {} }] },
    {
      name: 'eu-gold', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-gold' },
        constraints: [{ contextName: 'tier', operator: 'IN', values: ['gold'], inverted: false, caseInsensitive: false }],
      }],
    },
    {
      name: 'eu-half', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout', constraints: [],
        parameters: { rollout: '50', stickiness: 'userId', groupId: 'eu-half' },
        variants: [
          { name: 'red', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'r' } },
          { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'json', value: '{"c":"b"}' } },
        ],
      }],
    },
    {
      name: 'eu-beta', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout', constraints: [], segments: [1],
        parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-beta' },
      }],
    },
  ],
};
const NAMES = STATE.features.map((f) => f.name);
const CONTEXTS = [{ userId: 'alice' }, { userId: 'bob' }, { userId: 'carol', properties: { tier: 'gold' } },
  { userId: 'dave', sessionId: 's-1', properties: { tier: 'silver' } }, { userId: 'erin' }, { userId: 'frank' }];

let pg;
let unleash; // {child, url, log}
let edge;
let dir;

const unleashGet = (path, token) => fetch(`${unleash.url}${path}`, { headers: { Authorization: token } });

before(async () => {
  if (SKIP) return;
  dir = tempDir('latch-edge-unleash-');
  pg = await startPostgres();
  unleash = await startUnleash(pg.createDatabase('unleash'), { admin: ADMIN, client: CLIENT, frontend: FRONTEND });
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(STATE));
  await seedUnleash(unleash.url, ADMIN, stateFile, 'development');
  await waitFor(async () => {
    const r = await unleashGet('/api/client/features', CLIENT);
    return r.status === 200 && (await r.json()).features.length === NAMES.length;
  }, { timeoutMs: 30000, what: 'Unleash serving the seeded flags' });
  edge = await startEdge({ upstream: unleash.url, tokens: [CLIENT] });
}, { timeout: 240000 });

after(async () => {
  await edge?.dispose();
  if (unleash) {
    unleash.child.kill('SIGTERM');
    await new Promise((r) => (unleash.child.exitCode !== null ? r() : unleash.child.on('exit', r)));
  }
  pg?.dispose();
  if (dir) removeDir(dir);
});

const byName = (fs) => [...fs].sort((a, b) => (a.name < b.name ? -1 : 1));

test('/api/client/features through the edge equals Unleash\'s, field for field', { skip: SKIP, timeout: 60000 }, async () => {
  // without Unleash-Client-Spec Unleash inlines segment constraints; with it (as SDKs send it)
  // it lists the segments and refers to them by id: the edge follows both
  for (const spec of [null, '5.2.0']) {
    const headers = spec ? { 'Unleash-Client-Spec': spec } : {};
    const direct = await (await fetch(`${unleash.url}/api/client/features`, { headers: { Authorization: CLIENT, ...headers } })).json();
    const via = await getJson(edge, '/api/client/features', CLIENT, headers);
    assert.equal(via.status, 200, via.text);
    assert.deepEqual(byName(via.json.features), byName(direct.features), `features, spec ${spec}`);
    assert.deepEqual(via.json.segments, direct.segments, `segments, spec ${spec}`);
    assert.deepEqual(via.json.query, direct.query, `query, spec ${spec}`);
    assert.equal(via.json.version, direct.version);
    const beta = via.json.features.find((f) => f.name === 'eu-beta').strategies[0];
    if (spec) {
      assert.deepEqual(beta.segments, [direct.segments[0].id], 'a segment by id');
      assert.equal(via.json.segments[0].name, 'beta-users');
    } else {
      assert.equal(beta.segments, undefined);
      assert.deepEqual(beta.constraints.map((c) => c.values), [['alice', 'carol']], 'the segment inlined');
    }
  }
  // one flag by name too
  const direct = await (await unleashGet('/api/client/features', CLIENT)).json();
  const one = await getJson(edge, '/api/client/features/eu-half', CLIENT);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, direct.features.find((f) => f.name === 'eu-half'));
});

function sdk(url, appName) {
  const client = new Unleash({
    url: `${url}/api/`, appName, instanceId: `${appName}-1`, refreshInterval: 1000, metricsInterval: 1000,
    customHeaders: { Authorization: CLIENT },
    storageProvider: { set: async () => {}, get: async () => undefined }, skipInstanceCountWarning: true,
  });
  client.errors = [];
  client.on('error', (e) => client.errors.push(e));
  client.on('warn', () => {});
  return client;
}
const synced = (c) => new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Error(`no sync in 30 s: ${c.errors.join('; ')}`)), 30000);
  c.once('synchronized', () => {
    clearTimeout(timer);
    res();
  });
});

test('the Node SDK through the edge answers as one on Unleash, and its usage reaches Unleash', { skip: SKIP, timeout: 120000 }, async () => {
  const app = `edge-unleash-${hex().slice(0, 8)}`;
  const viaEdge = sdk(edge.url, app);
  const direct = sdk(unleash.url, `${app}-direct`);
  try {
    await Promise.all([synced(viaEdge), synced(direct)]);
    assert.deepEqual(viaEdge.errors, []);
    let yes = 0;
    for (const name of NAMES)
      for (const ctx of CONTEXTS) {
        const a = viaEdge.isEnabled(name, ctx);
        assert.equal(a, direct.isEnabled(name, ctx), `${name} ${JSON.stringify(ctx)}`);
        yes += a ? 1 : 0;
        assert.deepEqual(viaEdge.getVariant(name, ctx), direct.getVariant(name, ctx), `variant of ${name} ${JSON.stringify(ctx)}`);
      }
    assert.ok(yes > 0 && yes < NAMES.length * CONTEXTS.length, 'the contexts tell flags apart');
    assert.equal(viaEdge.isEnabled('eu-beta', { userId: 'alice' }), true, 'segment: alice in');
    assert.equal(viaEdge.isEnabled('eu-beta', { userId: 'bob' }), false, 'segment: bob out');
    // usage: the SDK sends to the edge, the edge forwards in bulk, Unleash stores it
    const t0 = Date.now();
    const seen = await waitFor(async () => {
      const r = await unleashGet(`/api/admin/metrics/applications/${app}`, ADMIN);
      return r.status === 200 ? r.json() : null;
    }, { timeoutMs: 60000, intervalMs: 500, what: `application ${app} registered in Unleash through the edge` });
    assert.equal(seen.appName, app);
    const counted = await waitFor(async () => {
      const r = await unleashGet('/api/admin/client-metrics/features/eu-on/raw?hoursBack=1', ADMIN);
      if (r.status !== 200) return null;
      const rows = ((await r.json()).data ?? []).filter((m) => m.appName === app);
      const sum = rows.reduce((s, m) => s + (m.yes ?? 0), 0);
      return sum >= CONTEXTS.length ? sum : null;
    }, { timeoutMs: 90000, intervalMs: 1000, what: 'eu-on counts from the edge in Unleash\'s metrics' });
    assert.ok(counted >= CONTEXTS.length);
    console.log(`usage through the edge visible in Unleash after ${Date.now() - t0} ms (edge metrics interval 1 s)`);
  } finally {
    viaEdge.destroy();
    direct.destroy();
  }
});

test('the browser SDK through the edge\'s /api/frontend, with an Unleash front-end token', { skip: SKIP, timeout: 60000 }, async () => {
  for (const ctx of CONTEXTS) {
    const q = contextQuery(ctx);
    const direct = await (await unleashGet(`/api/frontend?${q}`, FRONTEND)).json();
    const via = await getJson(edge, `/api/frontend?${q}`, FRONTEND);
    assert.equal(via.status, 200, via.text);
    assert.deepEqual(byName(via.json.toggles), byName(direct.toggles), `front-end answer for ${JSON.stringify(ctx)}`);
  }
  const client = newClient(`${edge.url}/api/frontend`, FRONTEND);
  try {
    await client.updateContext({ userId: 'alice' });
    await client.start();
    assert.deepEqual(client.errors, []);
    assert.equal(client.isEnabled('eu-on'), true);
    assert.equal(client.isEnabled('eu-off'), false);
    assert.equal(client.isEnabled('eu-beta'), true, 'segment: alice in');
    await client.updateContext({ userId: 'bob' });
    assert.equal(client.isEnabled('eu-beta'), false, 'segment: bob out');
    await client.updateContext({ userId: 'carol', properties: { tier: 'gold' } });
    assert.equal(client.isEnabled('eu-gold'), true);
    const direct = await (await unleashGet(`/api/frontend?${contextQuery({ userId: 'carol', properties: { tier: 'gold' } })}`, FRONTEND)).json();
    const half = direct.toggles.find((t) => t.name === 'eu-half');
    assert.equal(client.getVariant('eu-half').name, half ? half.variant.name : 'disabled');
    assert.deepEqual(client.errors, []);
  } finally {
    client.stop();
  }
});

test('a token Unleash does not know is refused by the edge', { skip: SKIP, timeout: 30000 }, async () => {
  const asked = await fetch(`${unleash.url}/edge/validate`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tokens: [UNKNOWN, CLIENT, FRONTEND] }),
  });
  assert.equal(asked.status, 200);
  const known = (await asked.json()).tokens.map((t) => t.token).sort();
  assert.deepEqual(known, [CLIENT, FRONTEND].sort(), 'Unleash 8.2 answers /edge/validate with the ones it knows');
  assert.equal((await getJson(edge, '/api/client/features', UNKNOWN)).status, 401);
  assert.equal((await getJson(edge, '/api/frontend', UNKNOWN)).status, 401);
  assert.equal((await getJson(edge, '/api/client/features', ADMIN)).status, 401, 'an admin token opens nothing at the edge');
  assert.equal((await getJson(edge, '/api/client/features', FRONTEND)).status, 403, 'a front-end token opens no client API');
  // every /edge/validate call got an answer (unleash-server 8.2 refuses one that carries a
  // client token in Authorization: the edge sends none)
  const prom = await (await edge.fetch('/internal-backstage/prometheus')).text();
  assert.match(prom, /^latch_edge_validation_failures_total 0$/m);
  assert.match(prom, /^latch_edge_upstream_up 1$/m);
});
