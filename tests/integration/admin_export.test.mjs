// `latch export` (everything) and `latch import` of that document: a round trip between two
// instances gives byte-identical exports, and the second instance serves the same flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Latch, fixturePath, sleep } from './harness.mjs';

let a;
let b;

const JSON_HDR = { 'Content-Type': 'application/json' };
const call = (srv, method, path, body) =>
  srv.request(method, path, { headers: { Authorization: srv.tokens.admin, ...JSON_HDR }, body });

before(async () => {
  a = await Latch.start({
    fixtures: {
      development: fixturePath('client-features.json'),
      production: fixturePath('client-features-production.json'),
    },
    tokens: { admin: { type: 'admin' }, client: { type: 'client', environment: 'development' } },
  });
  b = await Latch.start({
    fixtures: {},
    tokens: { admin: { type: 'admin' }, client: { type: 'client', environment: 'development' } },
  });
});

after(async () => {
  await a?.dispose();
  await b?.dispose();
});

test('export everything, import into a fresh instance, export again: identical', async () => {
  // configuration made through the admin API
  assert.equal((await call(a, 'POST', '/api/admin/segments', { name: 'vip', project: 'search', description: 'VIPs', constraints: [{ contextName: 'userId', operator: 'IN', values: ['v1'] }] })).status, 201);
  assert.equal((await call(a, 'POST', '/api/admin/projects/mobile/features/mobile-push-v2/dependencies', { feature: 'mobile-offline-mode', variants: ['x'] })).status, 200);
  assert.equal((await call(a, 'POST', '/api/admin/context', { name: 'plan', stickiness: true, legalValues: [{ value: 'free', description: 'Free' }] })).status, 201);
  assert.equal((await call(a, 'POST', '/api/admin/strategies', { name: 'orgs', title: 'Orgs', parameters: [{ name: 'ids', type: 'list' }] })).status, 201);
  assert.equal((await call(a, 'POST', '/api/admin/strategies/gradualRolloutRandom/reactivate')).status, 200);
  assert.equal((await call(a, 'POST', '/api/admin/tag-types', { name: 'team', description: 'Owner', icon: 'i' })).status, 201);
  for (const tag of [{ type: 'simple', value: 'ui' }, { type: 'team', value: 'web' }])
    assert.equal((await call(a, 'POST', '/api/admin/features/new-navigation/tags', tag)).status, 201);

  const fileA = join(a.dir, 'export-a.json');
  a.cli(['export', '--output', fileA]);
  const textA = readFileSync(fileA, 'utf8');
  const doc = JSON.parse(textA);
  assert.equal(doc.latchExport, 1);
  for (const k of ['projects', 'environments', 'projectEnvironments', 'segments', 'tagTypes', 'contextFields', 'strategyDefinitions', 'features'])
    assert.ok(Array.isArray(doc[k]), k);
  const nav = doc.features.find((f) => f.name === 'new-navigation');
  assert.deepEqual(nav.environments.map((e) => e.name), ['development', 'production']);
  assert.deepEqual(nav.tags, [{ type: 'simple', value: 'ui' }, { type: 'team', value: 'web' }]);
  assert.deepEqual(doc.features.find((f) => f.name === 'mobile-push-v2').dependencies, [{ feature: 'mobile-offline-mode', enabled: true, variants: ['x'] }]);
  assert.ok(doc.segments.find((s) => s.name === 'vip' && s.project === 'search'));
  assert.ok(doc.strategyDefinitions.find((s) => s.name === 'orgs'));
  // --all is the same document; stdout too
  assert.equal(a.cli(['export', '--all']), textA);

  b.cli(['import', fileA]);
  const fileB = join(b.dir, 'export-b.json');
  b.cli(['export', '--output', fileB]);
  assert.equal(readFileSync(fileB, 'utf8'), textA);

  // B serves the same flags once its watcher has seen the import
  const strip = (body) => body.features.map((f) => JSON.stringify(f)).sort();
  const want = strip((await a.features(a.tokens.client)).body);
  let got;
  for (let i = 0; i < 50; i++) {
    got = strip((await b.features(b.tokens.client)).body);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await sleep(100);
  }
  assert.deepEqual(got, want);
  const segsA = (await a.request('GET', '/api/admin/segments', { headers: { Authorization: a.tokens.admin } })).json();
  const segsB = (await b.request('GET', '/api/admin/segments', { headers: { Authorization: b.tokens.admin } })).json();
  assert.deepEqual(segsB.segments.map((s) => [s.id, s.name, s.constraints]), segsA.segments.map((s) => [s.id, s.name, s.constraints]));
  const stratB = (await b.request('GET', '/api/admin/strategies/orgs', { headers: { Authorization: b.tokens.admin } })).json();
  assert.equal(stratB.title, 'Orgs');

  // importing the same document again changes nothing
  b.cli(['import', fileA]);
  assert.equal(b.cli(['export']), textA);
  // one event per import
  const imports = (await b.request('GET', '/api/admin/search/events?type=features-imported', { headers: { Authorization: b.tokens.admin } })).json();
  assert.equal(imports.total, 2);
  assert.deepEqual(imports.events.map((e) => e.type), ['features-imported', 'features-imported']);
});

test('a bad document is refused whole', async () => {
  const before = b.cli(['export']);
  const doc = JSON.parse(before);
  const bad = (mutate) => {
    const d = structuredClone(doc);
    mutate(d);
    const file = join(b.dir, `bad-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(d));
    assert.throws(() => b.cli(['import', file]), /latch import/);
    assert.equal(b.cli(['export']), before);
  };
  bad((d) => { d.features[0].project = 'missing'; d.features[0].description = 'changed'; });
  bad((d) => { d.features.at(-1).environments[0].name = 'staging'; d.features[0].description = 'changed'; });
  bad((d) => { d.features[0].dependencies = [{ feature: 'nowhere', enabled: true }]; });
  bad((d) => { d.features[0].environments[0].strategies = [{ name: 'default', segments: [999] }]; });
  bad((d) => { d.segments.push({ ...d.segments[0] }); });
  bad((d) => { d.latchExport = 99; });
  bad((d) => { d.features.push({ ...d.features[0] }); });
  // a client-features document still needs --environment
  const file = join(b.dir, 'client.json');
  writeFileSync(file, readFileSync(fixturePath('client-features.json')));
  assert.throws(() => b.cli(['import', file]), /usage/);
});
