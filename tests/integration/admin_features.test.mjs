// The admin API for flags (admin_features.c) against `latch serve`: a flag's whole life over
// HTTP (create, update, patch, stale, environments on/off, strategies, variants, tags,
// archive, revive, delete) with Unleash's JSON shapes, exactly one event per write with the
// caller's name, bad input refused with a clear 4xx and nothing written, and a running Node
// SDK (unleash-client) and browser SDK (unleash-proxy-client) seeing a change on their next poll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Latch, JS_MODULES, waitFor } from './harness.mjs';

const require = createRequire(import.meta.url);

let srv;
let admin;
const P = '/api/admin/projects/default/features';

before(async () => {
  srv = await Latch.start({
    tokens: {
      admin: { type: 'admin', name: 'ops-bot' },
      sdk: { type: 'client', environment: 'development' },
      fe: { type: 'frontend', environment: 'development' },
    },
  });
  admin = srv.tokens.admin;
});

after(async () => {
  await srv?.dispose();
});

function call(method, path, body, headers = {}) {
  const h = { Authorization: admin, ...headers };
  if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
    h['Content-Type'] = 'application/json';
  return srv.request(method, path, { headers: h, body });
}

async function ok(method, path, body, status = 200) {
  const res = await call(method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${res.text}`);
  return res.text ? res.json() : null;
}

const lastEventId = () => srv.lastEventId(admin);
const eventsAfter = (id) => srv.eventsSince(id, admin);

// Run a write and check it left exactly one event of this type, attributed to the token.
async function oneEvent(type, fn, { feature, environment = null, project = 'default' } = {}) {
  const before = await lastEventId();
  const out = await fn();
  const evs = await eventsAfter(before);
  assert.equal(evs.length, 1, `one event for ${type}, got ${JSON.stringify(evs.map((e) => e.type))}`);
  assert.equal(evs[0].type, type);
  assert.equal(evs[0].createdBy, 'ops-bot');
  assert.equal(evs[0].project, project);
  if (feature) assert.equal(evs[0].featureName, feature);
  assert.equal(evs[0].environment, environment);
  return { out, event: evs[0] };
}

// A write that must be refused: status, error name, nothing changed, no event.
async function refused(method, path, body, status, name, { headers, check } = {}) {
  const before = await lastEventId();
  const snapshot = (await srv.features(srv.tokens.sdk)).body;
  const res = await call(method, path, body, headers);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${res.text}`);
  const err = res.json();
  if (name) assert.equal(err.name, name, res.text);
  assert.ok(err.id && err.message && Array.isArray(err.details), `Unleash error shape: ${res.text}`);
  assert.equal(await lastEventId(), before, 'no event for a refused write');
  assert.deepEqual((await srv.features(srv.tokens.sdk)).body, snapshot, 'client API unchanged');
  if (check) await check();
  return err;
}

const ENV_KEYS = ['name', 'environment', 'type', 'enabled', 'sortOrder', 'strategies', 'variants'];
const STRATEGY_KEYS = ['id', 'name', 'title', 'disabled', 'sortOrder', 'constraints', 'parameters', 'segments', 'variants'];

test('a flag from creation to deletion, with Unleash shapes and one event per write', async () => {
  // validate the name first
  assert.equal((await call('POST', '/api/admin/features/validate', { name: 'life' })).status, 200);

  const { out: created } = await oneEvent(
    'feature-created',
    () => ok('POST', P, { name: 'life', type: 'experiment', description: 'a flag', impressionData: true, tags: [{ type: 'simple', value: 'team-a' }] }, 201),
    { feature: 'life' },
  );
  for (const k of ['name', 'type', 'description', 'project', 'enabled', 'stale', 'impressionData', 'archived', 'createdAt', 'lastSeenAt', 'environments', 'variants', 'tags', 'dependencies', 'children'])
    assert.ok(k in created, `feature JSON has ${k}`);
  assert.equal(created.type, 'experiment');
  assert.equal(created.enabled, false);
  assert.deepEqual(created.tags, [{ value: 'team-a', type: 'simple' }]);
  assert.deepEqual(created.environments.map((e) => e.name), ['development', 'production']);
  for (const e of created.environments) for (const k of ENV_KEYS) assert.ok(k in e, `env has ${k}`);

  assert.equal((await call('POST', '/api/admin/features/validate', { name: 'life' })).status, 409);
  assert.equal((await call('POST', '/api/admin/features/validate', { name: 'no spaces' })).status, 400);

  // listed in the project, and by the deprecated list
  const list = await ok('GET', P);
  assert.ok(list.features.some((f) => f.name === 'life'));
  assert.ok((await ok('GET', '/api/admin/features')).features.some((f) => f.name === 'life'));
  assert.equal((await ok('GET', '/api/admin/features/life')).name, 'life');

  // PUT and PATCH metadata
  const { out: put } = await oneEvent(
    'feature-metadata-updated',
    () => ok('PUT', `${P}/life`, { name: 'life', type: 'release', description: 'changed', impressionData: false }),
    { feature: 'life' },
  );
  assert.equal(put.description, 'changed');
  assert.equal(put.type, 'release');
  const { out: patched, event } = await oneEvent(
    'feature-metadata-updated',
    () => ok('PATCH', `${P}/life`, [{ op: 'replace', path: '/description', value: 'patched' }, { op: 'replace', path: '/impressionData', value: true }]),
    { feature: 'life' },
  );
  assert.equal(patched.description, 'patched');
  assert.equal(patched.impressionData, true);
  assert.equal(event.preData.description, 'changed');
  assert.equal(event.data.description, 'patched');
  await oneEvent('feature-stale-on', () => ok('POST', '/api/admin/projects/default/stale', { features: ['life'], stale: true }, 202), { feature: 'life' });
  assert.equal((await ok('GET', `${P}/life`)).stale, true);
  await oneEvent('feature-stale-off', () => ok('PATCH', `${P}/life`, [{ op: 'replace', path: '/stale', value: false }]), { feature: 'life' });

  // on in development: a default flexibleRollout strategy appears, as Unleash adds it
  await oneEvent('feature-environment-enabled', () => ok('POST', `${P}/life/environments/development/on`), { feature: 'life', environment: 'development' });
  let dev = (await ok('GET', `${P}/life`)).environments.find((e) => e.name === 'development');
  assert.equal(dev.enabled, true);
  assert.equal(dev.strategies.length, 1);
  assert.equal(dev.strategies[0].name, 'flexibleRollout');
  assert.deepEqual(dev.strategies[0].parameters, { rollout: '100', stickiness: 'default', groupId: 'life' });
  let client = (await srv.features(srv.tokens.sdk)).body.features.find((f) => f.name === 'life');
  assert.equal(client.enabled, true);
  // on again: nothing changes, nothing is written
  const before = await lastEventId();
  await ok('POST', `${P}/life/environments/development/on`);
  assert.equal(await lastEventId(), before);

  // strategies
  const { out: st } = await oneEvent(
    'feature-strategy-add',
    () => ok('POST', `${P}/life/environments/development/strategies`, {
      name: 'flexibleRollout',
      title: 'half',
      parameters: { rollout: 50, stickiness: 'userId' },
      constraints: [
        { contextName: 'appVersion', operator: 'SEMVER_GTE', value: '1.2.3' },
        { contextName: 'userId', operator: 'IN', values: ['a', 'b'] },
      ],
      variants: [
        { name: 'blue', weight: 0, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: '{"c":1}' } },
        { name: 'red', weight: 300, weightType: 'fix', stickiness: 'default' },
      ],
    }),
    { feature: 'life', environment: 'development' },
  );
  assert.match(st.id, /^[0-9a-f-]{36}$/);
  for (const k of STRATEGY_KEYS) assert.ok(k in st, `strategy has ${k}`);
  assert.deepEqual(st.parameters, { rollout: '50', stickiness: 'userId', groupId: 'life' });
  assert.deepEqual(st.variants.map((v) => [v.name, v.weight]), [['blue', 700], ['red', 300]]);
  assert.equal(st.sortOrder, 1);
  const S = `${P}/life/environments/development/strategies`;
  assert.deepEqual(await ok('GET', `${S}/${st.id}`), st);
  assert.equal((await ok('GET', S)).length, 2);

  const { out: st2 } = await oneEvent(
    'feature-strategy-update',
    () => ok('PUT', `${S}/${st.id}`, { name: 'userWithId', parameters: { userIds: 'x,y' }, constraints: [] }),
    { feature: 'life', environment: 'development' },
  );
  assert.equal(st2.id, st.id);
  assert.equal(st2.name, 'userWithId');
  assert.equal(st2.sortOrder, 1, 'PUT without sortOrder keeps the order');
  const { out: st3 } = await oneEvent(
    'feature-strategy-update',
    () => ok('PATCH', `${S}/${st.id}`, [{ op: 'replace', path: '/parameters/userIds', value: 'z' }, { op: 'add', path: '/title', value: 'patched' }]),
    { feature: 'life', environment: 'development' },
  );
  assert.deepEqual(st3.parameters, { userIds: 'z' });
  assert.equal(st3.title, 'patched');

  dev = (await ok('GET', `${P}/life`)).environments.find((e) => e.name === 'development');
  const defaultId = dev.strategies[0].id;
  await oneEvent(
    'strategy-order-changed',
    () => ok('POST', `${S}/set-sort-order`, [{ id: st.id, sortOrder: 0 }, { id: defaultId, sortOrder: 1 }]),
    { feature: 'life', environment: 'development' },
  );
  dev = (await ok('GET', `${P}/life`)).environments.find((e) => e.name === 'development');
  assert.deepEqual(dev.strategies.map((s) => s.id), [st.id, defaultId]);
  client = (await srv.features(srv.tokens.sdk)).body.features.find((f) => f.name === 'life');
  assert.deepEqual(client.strategies.map((s) => s.name), ['userWithId', 'flexibleRollout']);

  await oneEvent('feature-strategy-remove', () => ok('DELETE', `${S}/${st.id}`), { feature: 'life', environment: 'development' });
  assert.equal((await call('GET', `${S}/${st.id}`)).status, 404);

  // variants per environment
  const V = `${P}/life/environments/development/variants`;
  const { out: vs } = await oneEvent(
    'feature-environment-variants-updated',
    () => ok('PUT', V, [
      { name: 'b', weight: 0, weightType: 'variable' },
      { name: 'a', weight: 0, weightType: 'variable', overrides: [{ contextName: 'userId', values: ['u1'] }] },
      { name: 'c', weight: 0, weightType: 'variable' },
    ]),
    { feature: 'life', environment: 'development' },
  );
  assert.deepEqual(vs.variants.map((v) => [v.name, v.weight]), [['a', 333], ['b', 334], ['c', 333]], 'the remainder goes to the first variable variant given, as Unleash');
  const { out: vp } = await oneEvent(
    'feature-environment-variants-updated',
    () => ok('PATCH', V, [{ op: 'remove', path: '/2' }]),
    { feature: 'life', environment: 'development' },
  );
  assert.deepEqual(vp.variants.map((v) => [v.name, v.weight]), [['a', 500], ['b', 500]]);
  assert.deepEqual((await ok('GET', V)).variants.map((v) => v.name), ['a', 'b']);
  client = (await srv.features(srv.tokens.sdk)).body.features.find((f) => f.name === 'life');
  assert.deepEqual(client.variants.map((v) => v.name), ['a', 'b']);
  await oneEvent(
    'feature-environment-variants-updated',
    () => ok('PUT', `${P}/life/variants-batch`, { variants: [{ name: 'only', weight: 1000, weightType: 'variable' }], environments: ['development', 'production'] }),
    { feature: 'life' },
  );
  const envs = (await ok('GET', `${P}/life`)).environments;
  assert.deepEqual(envs.map((e) => e.variants.map((v) => v.name)), [['only'], ['only']]);

  // tags
  const tagged = await oneEvent('feature-tagged', () => ok('POST', '/api/admin/features/life/tags', { type: 'simple', value: 'extra' }, 201), { feature: 'life' });
  assert.deepEqual(tagged.out, { value: 'extra', type: 'simple' });
  // re-adding a tag the flag has: 201 and its event as Unleash answers, the tag kept once
  const again = await oneEvent('feature-tagged', () => ok('POST', '/api/admin/features/life/tags', { type: 'simple', value: 'extra' }, 201), { feature: 'life' });
  assert.deepEqual(again.out, { value: 'extra', type: 'simple' });
  assert.deepEqual((await ok('GET', '/api/admin/features/life/tags')).tags.map((t) => t.value).sort(), ['extra', 'team-a']);
  await oneEvent('feature-untagged', () => ok('DELETE', '/api/admin/features/life/tags/simple/extra'), { feature: 'life' });
  assert.deepEqual((await ok('GET', '/api/admin/features/life/tags')).tags, [{ value: 'team-a', type: 'simple' }]);

  // off, archive, revive, delete
  await oneEvent('feature-environment-disabled', () => ok('POST', `${P}/life/environments/development/off`), { feature: 'life', environment: 'development' });
  await oneEvent('feature-environment-enabled', () => ok('POST', `${P}/life/environments/development/on`), { feature: 'life', environment: 'development' });
  await oneEvent('feature-archived', () => ok('DELETE', `${P}/life`, undefined, 202), { feature: 'life' });
  assert.equal((await call('GET', `${P}/life`)).status, 404);
  assert.ok((await ok('GET', '/api/admin/archive/features')).features.some((f) => f.name === 'life' && f.archived));
  assert.ok((await ok('GET', '/api/admin/projects/default/archived-features')).features.some((f) => f.name === 'life'));
  assert.ok(!(await srv.features(srv.tokens.sdk)).body.features.some((f) => f.name === 'life'), 'archived flags leave the client API');
  assert.equal((await call('POST', P, { name: 'life' })).status, 409, 'an archived name is taken');
  await oneEvent('feature-revived', () => ok('POST', '/api/admin/archive/revive/life'), { feature: 'life' });
  const revived = await ok('GET', `${P}/life`);
  assert.ok(revived.environments.every((e) => !e.enabled), 'revived flags come back off');
  assert.equal(revived.environments[0].strategies.length, 1, 'strategies survive the archive');
  const strategyIds = revived.environments.flatMap((e) => e.strategies.map((s) => s.id));
  assert.equal(await srv.strategyIdsFree(strategyIds), false, 'the probe sees the strategies of a stored flag');
  await refused('DELETE', '/api/admin/archive/life', undefined, 403, 'InvalidOperationError');
  await oneEvent('feature-archived', () => ok('DELETE', `${P}/life`, undefined, 202), { feature: 'life' });
  assert.ok(srv.exportAll().features.some((f) => f.name === 'life' && f.archived), 'the export holds archived flags');
  await oneEvent('feature-deleted', () => ok('DELETE', '/api/admin/archive/life'), { feature: 'life' });
  // gone from the store, not archived: the export holds archived flags too
  assert.ok(!(await ok('GET', '/api/admin/archive/features')).features.some((f) => f.name === 'life'));
  assert.ok(!srv.exportAll().features.some((f) => f.name === 'life'), 'life is still in the store');
  assert.ok(await srv.strategyIdsFree(strategyIds), "the deleted flag's strategies are still stored");
});

test('clone, bulk on/off, project revive, feature types', async () => {
  await ok('POST', P, { name: 'src-flag' }, 201);
  await ok('POST', `${P}/src-flag/environments/development/strategies`, { name: 'flexibleRollout', parameters: { rollout: '30', groupId: 'src-flag' } });
  const clone = await oneEvent('feature-created', () => ok('POST', `${P}/src-flag/clone`, { name: 'cloned-flag' }, 201), { feature: 'cloned-flag' });
  const cst = clone.out.environments.find((e) => e.name === 'development').strategies[0];
  assert.equal(cst.parameters.groupId, 'cloned-flag');
  assert.equal(cst.parameters.rollout, '30');

  const before = await lastEventId();
  await ok('POST', '/api/admin/projects/default/bulk_features/environments/production/on', { features: ['src-flag', 'cloned-flag'] });
  const evs = await eventsAfter(before);
  assert.deepEqual(evs.map((e) => [e.type, e.featureName, e.environment]), [
    ['feature-environment-enabled', 'src-flag', 'production'],
    ['feature-environment-enabled', 'cloned-flag', 'production'],
  ]);
  // one unknown flag: the whole bulk is refused
  await refused('POST', '/api/admin/projects/default/bulk_features/environments/production/off', { features: ['src-flag', 'nope'] }, 404, 'NotFoundError');
  await ok('POST', '/api/admin/projects/default/bulk_features/environments/production/off', { features: ['src-flag', 'cloned-flag'] });
  const prod = [];
  for (const name of ['cloned-flag', 'src-flag'])
    prod.push([name, (await ok('GET', `${P}/${name}`)).environments.find((e) => e.name === 'production').enabled]);
  assert.deepEqual(prod, [['cloned-flag', false], ['src-flag', false]]);

  await ok('DELETE', `${P}/src-flag`, undefined, 202);
  await ok('DELETE', `${P}/cloned-flag`, undefined, 202);
  await ok('POST', '/api/admin/projects/default/revive', { features: ['src-flag', 'cloned-flag'] });
  assert.equal((await ok('GET', `${P}/cloned-flag`)).archived, false);

  const types = await ok('GET', '/api/admin/feature-types');
  assert.deepEqual(types.types.map((t) => t.id), ['release', 'experiment', 'operational', 'kill-switch', 'permission', 'sunset']);
  assert.equal(types.types[0].lifetimeDays, 40);
});

test('bad input: a clear 4xx and nothing written', async () => {
  await ok('POST', P, { name: 'guarded' }, 201);
  await ok('POST', `${P}/guarded/environments/development/on`);
  const S = `${P}/guarded/environments/development/strategies`;
  const strategyIs = (body) => refused('POST', S, body, 400);

  await refused('POST', P, { name: 'has space' }, 400, 'ValidationError');
  await refused('POST', P, { name: 'x'.repeat(101) }, 400, 'ValidationError');
  await refused('POST', P, { name: '..' }, 400, 'ValidationError');
  await refused('POST', P, { name: 'ok-name', type: 'banana' }, 400, 'ValidationError');
  await refused('POST', P, { name: 'ok-name', tags: [{ type: 'nosuchtype', value: 'vv' }] }, 400, 'BadDataError');
  await refused('POST', P, { name: 'guarded' }, 409, 'NameExistsError');
  await refused('POST', '/api/admin/projects/nosuch/features', { name: 'ok-name' }, 404, 'NotFoundError');
  await refused('POST', P, '{"name":"ok-name"}', 415, 'ContentTypeError', { headers: { 'Content-Type': 'text/plain' } });
  await refused('POST', P, '{"name":', 400, null);
  await refused('PUT', `${P}/guarded`, { name: 'other' }, 400, 'BadDataError');
  await refused('PATCH', `${P}/guarded`, [{ op: 'replace', path: '/name', value: 'x' }], 400, 'ValidationError');
  await refused('PATCH', `${P}/guarded`, [{ op: 'replace', path: '/type', value: 'nope' }], 400, 'ValidationError');
  await refused('PATCH', `${P}/guarded`, { op: 'replace' }, 400, null);

  await strategyIs({ name: 'noSuchStrategy' });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'userId', operator: 'LIKE', values: ['a'] }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'n', operator: 'NUM_GT', value: 'abc' }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'n', operator: 'NUM_GT' }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'd', operator: 'DATE_AFTER', value: 'tomorrow' }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'SEMVER_EQ', value: '1.2' }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'REGEX', value: '(a' }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'REGEX', value: 'a+', inverted: true }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'IN', values: [] }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'IN', values: [1, 2] }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'ip', operator: 'IN_CIDR', values: ['10.0.0.0/99'] }] });
  await strategyIs({ name: 'default', constraints: [{ contextName: 'v', operator: 'IN', values: Array.from({ length: 251 }, (_, i) => `v${i}`) }] });
  await strategyIs({ name: 'default', constraints: 'nope' });
  await strategyIs({ name: 'default', parameters: { nested: { a: 1 } } });
  await strategyIs({ name: 'flexibleRollout', parameters: { rollout: '150' } });
  await strategyIs({ name: 'default', segments: [999] });
  await strategyIs({ name: 'default', segments: [1, 2, 3, 4, 5, 6] });
  await strategyIs({ name: 'default', variants: [{ name: 'v', weight: 0, weightType: 'fix', stickiness: 'default' }] });
  await strategyIs({ name: 'default', variants: [{ name: 'v', weight: 1200, weightType: 'variable', stickiness: 'default' }] });
  await strategyIs({ name: 'default', variants: [{ name: 'v', weight: 0, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: '{bad' } }] });
  await strategyIs({ name: 'default', variants: [{ name: 'v', weight: 0, weightType: 'variable', stickiness: 'default', payload: { type: 'xml', value: '<a/>' } }] });
  await refused('POST', `${P}/guarded/environments/nosuch/strategies`, { name: 'default' }, 404, 'NotFoundError');
  await refused('POST', `${P}/nosuch/environments/development/strategies`, { name: 'default' }, 404, 'NotFoundError');
  await refused('PUT', `${S}/00000000-0000-0000-0000-000000000000`, { name: 'default' }, 404, 'NotFoundError');
  await refused('DELETE', `${S}/00000000-0000-0000-0000-000000000000`, undefined, 404, 'NotFoundError');
  await refused('POST', `${S}/set-sort-order`, [{ id: 'nope', sortOrder: 1 }], 400, 'BadDataError');
  await refused('PUT', `${P}/guarded/environments/development/variants`, [{ name: 'a', weight: 600, weightType: 'fix' }, { name: 'b', weight: 600, weightType: 'fix' }], 400);
  await refused('PUT', `${P}/guarded/environments/development/variants`, [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }], 400);
  await refused('POST', `${P}/guarded/environments/nosuch/on`, undefined, 404, 'NotFoundError');
  await refused('POST', '/api/admin/projects/other/features/guarded/environments/development/on', undefined, 404, 'NotFoundError');

  // accepted values of every type do go through
  const good = await ok('POST', S, {
    name: 'default',
    constraints: [
      { contextName: 'n', operator: 'NUM_LTE', value: '3.5' },
      { contextName: 'd', operator: 'DATE_BEFORE', value: '2030-01-01T00:00:00.000Z' },
      { contextName: 'ip', operator: 'IN_CIDR', values: ['10.0.0.0/8', '::1'] },
      { contextName: 'e', operator: 'REGEX', value: '^a.*z$', caseInsensitive: true },
      { contextName: 'e', operator: 'STR_ENDS_WITH', values: ['@x.io'], inverted: true },
    ],
    segments: [1, 2],
  });
  assert.deepEqual(good.segments, [1, 2]);
  assert.equal(good.constraints.length, 5);

  // no credentials: 401; a client token: 403
  const anon = await srv.request('POST', P, { headers: { 'Content-Type': 'application/json' }, body: { name: 'anon' } });
  assert.equal(anon.status, 401);
  const client = await srv.request('POST', P, { headers: { 'Content-Type': 'application/json', Authorization: srv.tokens.sdk }, body: { name: 'anon' } });
  assert.equal(client.status, 403);
});

test('a running Node SDK and browser SDK see a change on their next poll', async () => {
  await ok('POST', P, { name: 'sdk-live' }, 201);
  const { initialize } = require(join(JS_MODULES, 'unleash-client'));
  const { UnleashClient, InMemoryStorageProvider } = require(join(JS_MODULES, 'unleash-proxy-client'));
  const node = initialize({
    url: `${srv.url}/api/`,
    appName: 'admin-it',
    refreshInterval: 300,
    disableMetrics: true,
    customHeaders: { Authorization: srv.tokens.sdk },
    backupPath: srv.dir,
    skipInstanceCountWarning: true,
  });
  node.on('error', () => {});
  const browser = new UnleashClient({
    url: `${srv.url}/api/frontend`,
    clientKey: srv.tokens.fe,
    appName: 'admin-it-browser',
    refreshInterval: 1,
    disableMetrics: true,
    storageProvider: new InMemoryStorageProvider(),
  });
  browser.on('error', () => {});
  try {
    await new Promise((res) => node.once('synchronized', res));
    await browser.start();
    assert.equal(node.isEnabled('sdk-live'), false);
    assert.equal(browser.isEnabled('sdk-live'), false);

    const etag1 = (await srv.features(srv.tokens.sdk)).res.headers.etag;
    await ok('POST', `${P}/sdk-live/environments/development/on`);
    const etag2 = (await srv.features(srv.tokens.sdk)).res.headers.etag;
    assert.notEqual(etag1, etag2, 'a write publishes a new ETag before it answers');
    await waitFor(() => node.isEnabled('sdk-live'), { what: 'the Node SDK to see the flag on' });
    await waitFor(() => browser.isEnabled('sdk-live'), { what: 'the browser SDK to see the flag on' });

    // a constraint that excludes the browser's user, then off
    await ok('POST', `${P}/sdk-live/environments/development/strategies`, { name: 'userWithId', parameters: { userIds: 'alice' } });
    const def = (await ok('GET', `${P}/sdk-live/environments/development/strategies`)).find((s) => s.name === 'flexibleRollout');
    await ok('DELETE', `${P}/sdk-live/environments/development/strategies/${def.id}`);
    await waitFor(() => !node.isEnabled('sdk-live', { userId: 'bob' }) && node.isEnabled('sdk-live', { userId: 'alice' }), { what: 'the Node SDK to see the strategy change' });
    await ok('POST', `${P}/sdk-live/environments/development/off`);
    await waitFor(() => !node.isEnabled('sdk-live', { userId: 'alice' }), { what: 'the Node SDK to see the flag off' });
    await waitFor(() => !browser.isEnabled('sdk-live'), { what: 'the browser SDK to see the flag off' });
  } finally {
    node.destroy();
    browser.stop();
  }
});

test('constraints on a context field with legal values may only use those', async () => {
  const ctx = await call('POST', '/api/admin/context', { name: 'region', legalValues: [{ value: 'eu' }, { value: 'us' }] });
  assert.equal(ctx.status, 201, `POST /api/admin/context answered ${ctx.status}`);
  await ok('POST', P, { name: 'legal' }, 201);
  const S = `${P}/legal/environments/development/strategies`;
  await refused('POST', S, { name: 'default', constraints: [{ contextName: 'region', operator: 'IN', values: ['eu', 'mars'] }] }, 400, 'BadDataError');
  await ok('POST', S, { name: 'default', constraints: [{ contextName: 'region', operator: 'IN', values: ['eu', 'us'] }] });
});
