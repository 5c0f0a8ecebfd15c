// The operations of Unleash 8.2's admin API that its own UI reads first (ui_config.c,
// project_views.c, search.c, profile.c): each answer's shape against `latch serve`, and one
// error each (no principal, a project that does not exist, a filter Unleash refuses).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor } from './harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await Latch.start({
    fixtures: {},
    tokens: {
      admin: { type: 'admin', name: 'compat-bot' },
      dev: { type: 'client', environment: 'development' },
    },
  });
  admin = srv.tokens.admin;
  await ok('POST', '/api/admin/projects', { id: 'shop', name: 'Shop' }, 201);
  const flags = [
    ['default', 'alpha-one', 'release', 'first of all'],
    ['default', 'beta-two', 'experiment', null],
    ['default', 'gamma-three', 'operational', 'Checkout switch'],
    ['shop', 'delta-four', 'release', null],
    ['shop', 'epsilon-five', 'kill-switch', null],
  ];
  for (const [project, name, type, description] of flags) {
    const body = { name, type };
    if (description) body.description = description;
    await ok('POST', `/api/admin/projects/${project}/features`, body, 201);
  }
  await ok('POST', '/api/admin/features/beta-two/tags', { type: 'simple', value: 'web' }, 201);
  await ok('POST', '/api/admin/features/delta-four/tags', { type: 'simple', value: 'web' }, 201);
  await ok('POST', '/api/admin/features/delta-four/tags', { type: 'simple', value: 'mobile' }, 201);
  await ok('POST', '/api/admin/projects/default/stale', { features: ['gamma-three'], stale: true }, 202);
});

after(async () => {
  await srv?.dispose();
});

function call(method, path, body, headers = { Authorization: admin }) {
  const h = { ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  return srv.request(method, path, { headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function ok(method, path, body, status = 200) {
  const res = await call(method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${res.text}`);
  return res.text ? res.json() : null;
}

async function refused(method, path, status, name, headers) {
  const res = await call(method, path, undefined, headers);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${res.text}`);
  if (name) assert.equal(res.json().name, name, res.text);
  return res.json();
}

test('GET /api/admin/ui-config: the fields Unleash requires, and 401 without a principal', async () => {
  const c = await ok('GET', '/api/admin/ui-config');
  for (const k of ['version', 'unleashUrl', 'baseUriPath', 'versionInfo']) assert.ok(k in c, k);
  assert.equal(c.version, '8.2.0');
  assert.equal(c.baseUriPath, '');
  assert.equal(c.authenticationType, 'open-source');
  assert.equal(c.emailEnabled, false);
  assert.equal(c.versionInfo.current.oss, '8.2.0');
  assert.equal(typeof c.versionInfo.isLatest, 'boolean');
  assert.deepEqual(c.frontendApiOrigins, ['*']);
  assert.equal(c.resourceLimits.featureEnvironmentStrategies, 30);
  assert.equal(c.resourceLimits.segmentValues, c.segmentValuesLimit);
  assert.equal(typeof c.flags, 'object');
  assert.ok(Array.isArray(c.links));
  await refused('GET', '/api/admin/ui-config', 401, null, {});
});

test('maintenance, telemetry settings and instance statistics', async () => {
  assert.deepEqual(await ok('GET', '/api/admin/maintenance'), { enabled: false });
  assert.deepEqual(await ok('GET', '/api/admin/telemetry/settings'), {
    versionInfoCollectionEnabled: false,
    featureInfoCollectionEnabled: false,
  });
  await refused('GET', '/api/admin/maintenance', 401, null, {});
  await refused('GET', '/api/admin/telemetry/settings', 401, null, {});
  const s = await ok('GET', '/api/admin/instance-admin/statistics');
  assert.equal(s.featureToggles, 5);
  assert.equal(s.projects, 2);
  assert.ok(s.environments >= 1);
  assert.ok(!Number.isNaN(Date.parse(s.timestamp)));
  await refused('GET', '/api/admin/instance-admin/statistics', 401, null, {});
  const csv = await call('GET', '/api/admin/instance-admin/statistics/csv');
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.headers['content-type'], /^text\/csv/);
  const [head, row] = csv.text.trim().split('\r\n').map((l) => l.split(','));
  const byName = Object.fromEntries(head.map((h, i) => [h, row[i]]));
  assert.equal(byName.featureToggles, String(s.featureToggles));
  assert.equal(byName.projects, '2');
  assert.equal(byName.versionOSS, '8.2.0');
  assert.equal((await call('GET', '/api/admin/instance-admin/statistics/csv', undefined, {})).status, 401);
});

test('GET /api/admin/projects/:p/overview: the project, its environments, type counts, health', async () => {
  const o = await ok('GET', '/api/admin/projects/default/overview');
  assert.equal(o.version, 1);
  assert.equal(o.name, 'Default');
  assert.equal(o.mode, 'open');
  assert.deepEqual(o.onboardingStatus, { status: 'onboarded' });
  assert.ok(o.environments.length >= 1 && o.environments.every((e) => typeof e.environment === 'string'));
  const counts = Object.fromEntries(o.featureTypeCounts.map((t) => [t.type, t.count]));
  assert.deepEqual(counts, { release: 1, experiment: 1, operational: 1 });
  assert.equal(o.health, 67); // one of three flags is stale
  assert.equal(typeof o.stats, 'object');
  const shop = await ok('GET', '/api/admin/projects/shop/overview');
  assert.equal(shop.health, 100);
  assert.equal(shop.name, 'Shop');
  const err = await refused('GET', '/api/admin/projects/nope/overview', 404, 'NotFoundError');
  assert.match(err.message, /nope/);
});

test('GET /api/admin/projects/:p/health-report: the overview with its flags and stale counts', async () => {
  const h = await ok('GET', '/api/admin/projects/default/health-report');
  assert.equal(h.name, 'Default');
  assert.equal(h.health, 67);
  assert.equal(h.activeCount, 2);
  assert.equal(h.staleCount, 1);
  assert.equal(h.potentiallyStaleCount, 0);
  assert.deepEqual(h.features.map((f) => f.name).sort(), ['alpha-one', 'beta-two', 'gamma-three']);
  assert.equal(h.features.find((f) => f.name === 'gamma-three').stale, true);
  await refused('GET', '/api/admin/projects/nope/health-report', 404, 'NotFoundError');
});

test('GET /api/admin/projects/:p/insights: health, flag types and members', async () => {
  const i = await ok('GET', '/api/admin/projects/default/insights');
  assert.deepEqual(i.health, { rating: 67, activeCount: 2, potentiallyStaleCount: 0, staleCount: 1 });
  assert.deepEqual(Object.fromEntries(i.featureTypeCounts.map((t) => [t.type, t.count])), { release: 1, experiment: 1, operational: 1 });
  assert.equal(typeof i.members.currentMembers, 'number');
  assert.deepEqual(i.leadTime, { projectAverage: 0, features: [] });
  assert.equal(typeof i.stats, 'object');
  await refused('GET', '/api/admin/projects/nope/insights', 404, 'NotFoundError');
});

test('GET /api/admin/projects/:p/status and flag-creators', async () => {
  const s = await ok('GET', '/api/admin/projects/default/status');
  assert.deepEqual(s.staleFlags, { total: 1 });
  assert.equal(s.health.current, 67);
  assert.equal(s.lifecycleSummary.live.currentFlags, 3);
  assert.deepEqual(Object.keys(s.resources).sort(), ['apiTokens', 'members', 'segments']);
  assert.ok(Array.isArray(s.activityCountByDate));
  const creators = await ok('GET', '/api/admin/projects/shop/flag-creators');
  assert.deepEqual(creators.map((c) => c.name), ['compat-bot']);
  assert.equal(typeof creators[0].id, 'number');
  await refused('GET', '/api/admin/projects/nope/status', 404, 'NotFoundError');
  await refused('GET', '/api/admin/projects/nope/flag-creators', 404, 'NotFoundError');
});

const search = async (q) => ok('GET', `/api/admin/search/features?${q}`);
const names = (r) => r.features.map((f) => f.name);

test('GET /api/admin/search/features: filters in Unleash syntax', async () => {
  const all = await search('');
  assert.equal(all.total, 5);
  assert.equal(all.features.length, 5);
  const f = all.features.find((x) => x.name === 'delta-four');
  assert.equal(f.project, 'shop');
  assert.equal(f.type, 'release');
  assert.ok(Array.isArray(f.environments) && f.environments.every((e) => 'enabled' in e && 'name' in e));
  assert.deepEqual(f.tags.map((t) => `${t.type}:${t.value}`).sort(), ['simple:mobile', 'simple:web']);

  assert.deepEqual(names(await search('project=IS:shop&sortBy=name')), ['delta-four', 'epsilon-five']);
  assert.deepEqual(names(await search('project=IS_NOT:shop&sortBy=name')), ['alpha-one', 'beta-two', 'gamma-three']);
  assert.deepEqual(names(await search('type=IS_ANY_OF:experiment,kill-switch&sortBy=name')), ['beta-two', 'epsilon-five']);
  assert.deepEqual(names(await search('type=IS_NONE_OF:release&sortBy=name')), ['beta-two', 'epsilon-five', 'gamma-three']);
  assert.deepEqual(names(await search('state=IS:stale')), ['gamma-three']);
  assert.deepEqual(names(await search(`tag=${encodeURIComponent('INCLUDE:simple:web')}&sortBy=name`)), ['beta-two', 'delta-four']);
  assert.deepEqual(names(await search(`tag=${encodeURIComponent('INCLUDE_ALL_OF:simple:web,simple:mobile')}`)), ['delta-four']);
  assert.deepEqual(names(await search(`tag=${encodeURIComponent('DO_NOT_INCLUDE:simple:web')}&sortBy=name`)), ['alpha-one', 'epsilon-five', 'gamma-three']);
  // query: the name, the description or a tag value, case-insensitive
  assert.deepEqual(names(await search('query=CHECKOUT')), ['gamma-three']);
  assert.deepEqual(names(await search('query=mobi')), ['delta-four']);
  assert.deepEqual(names(await search('query=First')), ['alpha-one']);
  assert.deepEqual(names(await search('query=ta&sortBy=name')), ['beta-two', 'delta-four']);
  // filters combine
  assert.deepEqual(names(await search('project=IS:default&type=IS:release')), ['alpha-one']);
});

test('GET /api/admin/search/features: sorting and paging, and what it refuses', async () => {
  const desc = await search('sortBy=name&sortOrder=desc');
  assert.deepEqual(names(desc), ['gamma-three', 'epsilon-five', 'delta-four', 'beta-two', 'alpha-one']);
  const page = await search('sortBy=name&offset=1&limit=2');
  assert.deepEqual(names(page), ['beta-two', 'delta-four']);
  assert.equal(page.total, 5, 'total counts every match, not the page');
  assert.deepEqual(names(await search('sortBy=name&offset=9')), []);
  // created in this order
  assert.deepEqual(names(await search('sortBy=createdAt&project=IS:shop')), ['delta-four', 'epsilon-five']);
  assert.deepEqual(names(await search('sortBy=type&project=IS:shop')), ['epsilon-five', 'delta-four']);
  await refused('GET', '/api/admin/search/features?project=LIKE:shop', 400, 'ValidationError');
  await refused('GET', '/api/admin/search/features?state=IS:sleepy', 400, 'ValidationError');
  await refused('GET', '/api/admin/search/features?limit=ten', 400, 'ValidationError');
  await refused('GET', '/api/admin/search/features?sortOrder=up', 400, 'ValidationError');
  await refused('GET', '/api/admin/search/features', 401, null, {});
});

test('GET /api/admin/tags, by type, and one tag: the distinct tags over every flag', async () => {
  await ok('POST', '/api/admin/tag-types', { name: 'team', description: 'who owns it' }, 201);
  await ok('POST', '/api/admin/features/alpha-one/tags', { type: 'team', value: 'core' }, 201);
  const all = await ok('GET', '/api/admin/tags');
  assert.equal(all.version, 1);
  assert.deepEqual(all.tags, [
    { value: 'mobile', type: 'simple' },
    { value: 'web', type: 'simple' },
    { value: 'core', type: 'team' },
  ]);
  assert.deepEqual((await ok('GET', '/api/admin/tags/team')).tags, [{ value: 'core', type: 'team' }]);
  assert.deepEqual((await ok('GET', '/api/admin/tags/nosuch')).tags, []);
  assert.deepEqual(await ok('GET', '/api/admin/tags/simple/web'), { version: 1, tag: { value: 'web', type: 'simple' } });
  await refused('GET', '/api/admin/tags/simple/absent', 404, 'NotFoundError');
  await refused('GET', '/api/admin/tags', 401, null, {});
  await refused('GET', '/api/admin/tags/simple', 401, null, {});
});

test('POST /api/admin/playground: every flag evaluated for a context, strategy by strategy', async () => {
  const PE = '/api/admin/projects/shop/features/delta-four/environments/development';
  await ok('POST', `${PE}/strategies`, {
    name: 'flexibleRollout',
    parameters: { rollout: '100', stickiness: 'default', groupId: 'delta-four' },
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['u1'] }],
  });
  await ok('POST', `${PE}/strategies`, { name: 'default', disabled: true });
  await ok('POST', `${PE}/on`, undefined);
  const play = (body) => ok('POST', '/api/admin/playground', body);

  const hit = await play({ environment: 'development', projects: ['shop'], context: { appName: 'x', userId: 'u1' } });
  assert.deepEqual(hit.input, { environment: 'development', projects: ['shop'], context: { appName: 'x', userId: 'u1' } });
  assert.deepEqual(hit.features.map((f) => f.name).sort(), ['delta-four', 'epsilon-five']);
  const d = hit.features.find((f) => f.name === 'delta-four');
  assert.equal(d.projectId, 'shop');
  assert.equal(d.isEnabled, true);
  assert.equal(d.isEnabledInCurrentEnvironment, true);
  assert.equal(d.hasUnsatisfiedDependency, false);
  assert.equal(d.strategies.result, true);
  assert.equal(d.strategies.data.length, 2);
  const [rollout, off] = d.strategies.data;
  assert.equal(rollout.name, 'flexibleRollout');
  assert.deepEqual(rollout.result, { enabled: true, evaluationStatus: 'complete' });
  assert.equal(rollout.constraints[0].contextName, 'userId');
  assert.equal(off.disabled, true);
  assert.deepEqual(d.variant, { name: 'disabled', enabled: false, feature_enabled: true });
  assert.ok(Array.isArray(d.variants));
  const e = hit.features.find((f) => f.name === 'epsilon-five');
  assert.equal(e.isEnabled, false);
  assert.equal(e.isEnabledInCurrentEnvironment, false);

  const miss = await play({ environment: 'development', context: { userId: 'u2' } });
  assert.equal(miss.input.projects, '*');
  assert.equal(miss.features.length, 5);
  const d2 = miss.features.find((f) => f.name === 'delta-four');
  assert.equal(d2.isEnabled, false);
  assert.equal(d2.strategies.result, false);
  assert.equal(d2.strategies.data[0].result.enabled, false);

  const none = await call('POST', '/api/admin/playground', { context: {} });
  assert.equal(none.status, 400, none.text);
  assert.equal(none.json().name, 'ValidationError');
  const res = await call('POST', '/api/admin/playground', { environment: 'nowhere', context: {} });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json().name, 'BadDataError');
  const bad = await call('POST', '/api/admin/playground', { environment: 'development', context: {}, projects: 'shop' });
  assert.equal(bad.status, 400, bad.text);
});

test('GET /api/admin/event-creators: who wrote events, once each', async () => {
  const c = await ok('GET', '/api/admin/event-creators');
  const names = c.map((x) => x.name);
  assert.equal(names[0], 'compat-bot', 'the newest event\'s writer first');
  assert.ok(names.includes('cli'), 'the token created with the CLI');
  assert.equal(new Set(names).size, names.length, 'each once');
  assert.equal(typeof c[0].id, 'number');
  await refused('GET', '/api/admin/event-creators', 401, null, {});
});

test('GET /api/admin/segments/strategies/:strategyId: the segments a strategy uses', async () => {
  const seg = await ok('POST', '/api/admin/segments', {
    name: 'beta-users',
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['b1'] }],
  }, 201);
  const PE = '/api/admin/projects/default/features/alpha-one/environments/development';
  const st = await ok('POST', `${PE}/strategies`, { name: 'default', segments: [seg.id] });
  const got = await ok('GET', `/api/admin/segments/strategies/${st.id}`);
  assert.deepEqual(got.segments.map((s) => s.name), ['beta-users']);
  assert.equal(got.segments[0].id, seg.id);
  assert.equal(got.segments[0].constraints[0].contextName, 'userId');
  assert.deepEqual(await ok('GET', '/api/admin/segments/strategies/no-such-strategy'), { segments: [] });
  await refused('GET', `/api/admin/segments/strategies/${st.id}`, 401, null, {});
});

test('POST /api/admin/projects/:p/archive and archive/validate: several flags at once, or none', async () => {
  await ok('POST', '/api/admin/projects/shop/features', { name: 'zeta-parent' }, 201);
  await ok('POST', '/api/admin/projects/shop/features', { name: 'eta-child' }, 201);
  await ok('POST', '/api/admin/projects/shop/features', { name: 'theta-lone' }, 201);
  await ok('POST', '/api/admin/projects/shop/features/eta-child/dependencies', { feature: 'zeta-parent' });

  const v = await ok('POST', '/api/admin/projects/shop/archive/validate', { features: ['zeta-parent'] });
  assert.deepEqual(v, { parentsWithChildFeatures: ['zeta-parent'], hasDeletedDependencies: false });
  const both = await ok('POST', '/api/admin/projects/shop/archive/validate', { features: ['zeta-parent', 'eta-child'] });
  assert.deepEqual(both, { parentsWithChildFeatures: [], hasDeletedDependencies: true });

  const notList = await call('POST', '/api/admin/projects/shop/archive/validate', { features: 'zeta-parent' });
  assert.equal(notList.status, 400, notList.text);

  const before = await srv.lastEventId(admin);
  const res = await call('POST', '/api/admin/projects/shop/archive', { features: ['theta-lone', 'zeta-parent'] });
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json().name, 'InvalidOperationError');
  const missing = await call('POST', '/api/admin/projects/shop/archive', { features: ['theta-lone', 'alpha-one'] });
  assert.equal(missing.status, 404, missing.text);
  assert.equal(await srv.lastEventId(admin), before, 'nothing archived by a refused call');
  assert.equal((await ok('GET', '/api/admin/projects/shop/features/theta-lone')).archived, false);

  await ok('POST', '/api/admin/projects/shop/archive', { features: ['theta-lone', 'zeta-parent', 'eta-child'] }, 202);
  const evs = await srv.eventsSince(before, admin);
  assert.deepEqual(evs.map((e) => e.type), ['feature-archived', 'feature-archived', 'feature-archived']);
  const archived = (await ok('GET', '/api/admin/projects/shop/archived-features')).features.map((f) => f.name).sort();
  assert.deepEqual(archived, ['eta-child', 'theta-lone', 'zeta-parent']);
});

test('POST /api/admin/segments/strategies: set the segments of one strategy', async () => {
  const s1 = await ok('POST', '/api/admin/segments', { name: 'seg-one', constraints: [] }, 201);
  const s2 = await ok('POST', '/api/admin/segments', { name: 'seg-two', constraints: [] }, 201);
  const PE = '/api/admin/projects/default/features/beta-two/environments/development';
  const st = await ok('POST', `${PE}/strategies`, { name: 'default' });
  const body = { projectId: 'default', environmentId: 'development', strategyId: st.id, segmentIds: [s2.id, s1.id] };
  const before = await srv.lastEventId(admin);
  const out = await ok('POST', '/api/admin/segments/strategies', body, 201);
  assert.deepEqual(out.segmentIds.slice().sort(), [s1.id, s2.id].sort());
  const got = await ok('GET', `${PE}/strategies/${st.id}`);
  assert.deepEqual(got.segments.slice().sort(), [s1.id, s2.id].sort());
  const evs = await srv.eventsSince(before, admin);
  assert.deepEqual(evs.map((e) => e.type), ['feature-strategy-update']);

  const missing = await call('POST', '/api/admin/segments/strategies', { ...body, segmentIds: [999999] });
  assert.equal(missing.status, 400, missing.text);
  const wrong = await call('POST', '/api/admin/segments/strategies', { ...body, projectId: 'shop' });
  assert.equal(wrong.status, 404, wrong.text);
  const partial = await call('POST', '/api/admin/segments/strategies', { projectId: 'default' });
  assert.equal(partial.status, 400, partial.text);
  assert.equal(await srv.lastEventId(admin), evs.at(-1).id, 'no event for a refused call');
});

test('POST /api/admin/constraints/validate: 204 for a good constraint, 400 BadDataError otherwise', async () => {
  const good = await call('POST', '/api/admin/constraints/validate', { contextName: 'userId', operator: 'IN', values: ['a'] });
  assert.equal(good.status, 204, good.text);
  const num = await call('POST', '/api/admin/constraints/validate', { contextName: 'age', operator: 'NUM_GT', value: 'twelve' });
  assert.equal(num.status, 400, num.text);
  assert.equal(num.json().name, 'BadDataError');
  const op = await call('POST', '/api/admin/constraints/validate', { contextName: 'userId', operator: 'LIKE', values: ['a'] });
  assert.equal(op.status, 400, op.text);
  assert.equal(op.json().name, 'BadDataError');
});

test('an application\'s overview and its instances in one environment', async () => {
  const dev = srv.tokens.dev;
  for (const id of ['i-1', 'i-2']) {
    const reg = await srv.post('/api/client/register', {
      appName: 'checkout', instanceId: id, sdkVersion: `unleash-client-node:6.12.${id === 'i-1' ? 1 : 0}`,
      strategies: ['default'], started: new Date().toISOString(), interval: 15000,
    }, { Authorization: dev });
    assert.equal(reg.status, 202, reg.text);
  }
  const now = new Date();
  const m = await srv.post('/api/client/metrics', {
    appName: 'checkout', instanceId: 'i-1',
    bucket: { start: new Date(now.getTime() - 1000).toISOString(), stop: now.toISOString(),
      toggles: { 'alpha-one': { yes: 1, no: 0 }, 'delta-four': { yes: 0, no: 2 } } },
  }, { Authorization: dev });
  assert.equal(m.status, 202, m.text);

  const o = await ok('GET', '/api/admin/metrics/applications/checkout/overview');
  assert.deepEqual(o.projects, ['default', 'shop']);
  assert.equal(o.featureCount, 2);
  assert.equal(o.environments.length, 1);
  const e = o.environments[0];
  assert.equal(e.name, 'development');
  assert.equal(e.instanceCount, 2);
  assert.deepEqual(e.sdks, ['unleash-client-node:6.12.0', 'unleash-client-node:6.12.1']);
  assert.ok(!Number.isNaN(Date.parse(e.lastSeen)));

  const inst = await ok('GET', '/api/admin/metrics/instances/checkout/environment/development');
  assert.deepEqual(inst.instances.map((i) => i.instanceId).sort(), ['i-1', 'i-2']);
  assert.deepEqual(await ok('GET', '/api/admin/metrics/instances/checkout/environment/production'), { instances: [] });
  const shopApps = await ok('GET', '/api/admin/projects/shop/applications');
  assert.equal(shopApps.total, 1);
  assert.deepEqual(shopApps.applications, [{
    name: 'checkout', environments: ['development'], instances: ['i-1'],
    sdks: [{ name: 'unleash-client-node', versions: ['6.12.0', '6.12.1'] }],
  }]);
  await refused('GET', '/api/admin/projects/nope/applications', 404, 'NotFoundError');
  await refused('GET', '/api/admin/metrics/applications/nobody/overview', 404, 'NotFoundError');
  await refused('GET', '/api/admin/metrics/instances/nobody/environment/development', 404, 'NotFoundError');
});

test('POST /api/admin/record-ui-error: logged on one line without its stack, 204', async () => {
  const res = await call('POST', '/api/admin/record-ui-error', { errorMessage: 'boom\nin the flag table', errorStack: 'at secret-stack-frame' });
  assert.equal(res.status, 204, res.text);
  await waitFor(() => srv.stderr.includes('admin UI error: boom in the flag table'), { what: 'the log line' });
  assert.ok(!srv.stderr.includes('secret-stack-frame'), 'the stack stays out of the log');
  const bad = await call('POST', '/api/admin/record-ui-error', { errorStack: 'x' });
  assert.equal(bad.status, 400, bad.text);
  await refused('POST', '/api/admin/record-ui-error', 401, null, {});
});

test('POST /api/admin/playground/advanced: environments times the contexts comma-separated values make', async () => {
  const out = await ok('POST', '/api/admin/playground/advanced', {
    environments: ['development', 'production'], projects: ['shop'],
    context: { appName: 'x', userId: 'u1, u2' },
  });
  assert.deepEqual(out.input.environments, ['development', 'production']);
  const d = out.features.find((f) => f.name === 'delta-four');
  assert.equal(d.projectId, 'shop');
  assert.deepEqual(Object.keys(d.environments), ['development', 'production']);
  const dev = d.environments.development;
  assert.deepEqual(dev.map((e) => e.context.userId), ['u1', 'u2']);
  assert.deepEqual(dev.map((e) => e.isEnabled), [true, false]);
  assert.ok(dev.every((e) => e.environment === 'development' && e.context.appName === 'x'));
  assert.deepEqual(d.environments.production.map((e) => e.isEnabled), [false, false]);
  assert.equal(dev[0].strategies.data[0].result.enabled, true);

  const many = await call('POST', '/api/admin/playground/advanced', {
    environments: ['development'],
    context: { userId: Array.from({ length: 40 }, (_, i) => `u${i}`).join(','), sessionId: Array.from({ length: 40 }, (_, i) => `s${i}`).join(',') },
  });
  assert.equal(many.status, 400, many.text);
  assert.equal(many.json().name, 'BadDataError');
  const noEnv = await call('POST', '/api/admin/playground/advanced', { environments: [], context: {} });
  assert.equal(noEnv.status, 400, noEnv.text);
  const badEnv = await call('POST', '/api/admin/playground/advanced', { environments: ['nowhere'], context: {} });
  assert.equal(badEnv.status, 400, badEnv.text);
});

test('POST /api/admin/projects/:p/delete: archived flags deleted for good, all or none', async () => {
  // theta-lone, zeta-parent and eta-child were archived above
  const before = await srv.lastEventId(admin);
  const live = await call('POST', '/api/admin/projects/shop/delete', { features: ['theta-lone', 'delta-four'] });
  assert.equal(live.status, 403, live.text);
  const other = await call('POST', '/api/admin/projects/default/delete', { features: ['theta-lone'] });
  assert.equal(other.status, 404, other.text);
  assert.equal(await srv.lastEventId(admin), before, 'nothing deleted by a refused call');
  await ok('POST', '/api/admin/projects/shop/delete', { features: ['theta-lone', 'zeta-parent'] });
  const evs = await srv.eventsSince(before, admin);
  assert.deepEqual(evs.map((e) => [e.type, e.featureName]), [['feature-deleted', 'theta-lone'], ['feature-deleted', 'zeta-parent']]);
  const archived = (await ok('GET', '/api/admin/projects/shop/archived-features')).features.map((f) => f.name);
  assert.deepEqual(archived, ['eta-child']);
});

test('PUT /api/admin/projects/:p/tags and DELETE /api/admin/tags/:type/:value: tags on several flags at once', async () => {
  const tagsOf = async (name) => (await ok('GET', `/api/admin/features/${name}/tags`)).tags.map((t) => `${t.type}:${t.value}`).sort();
  // delta-four has simple:web and simple:mobile, epsilon-five none
  const before = await srv.lastEventId(admin);
  await ok('PUT', '/api/admin/projects/shop/tags', {
    features: ['delta-four', 'epsilon-five'],
    tags: { addedTags: [{ type: 'simple', value: 'batch' }], removedTags: [{ type: 'simple', value: 'mobile' }] },
  });
  assert.deepEqual(await tagsOf('delta-four'), ['simple:batch', 'simple:web']);
  assert.deepEqual(await tagsOf('epsilon-five'), ['simple:batch']);
  const evs = await srv.eventsSince(before, admin);
  assert.deepEqual(evs.map((e) => `${e.type} ${e.featureName}`).sort(), [
    'feature-tagged delta-four', 'feature-tagged epsilon-five', 'feature-untagged delta-four',
  ]);
  const wrong = await call('PUT', '/api/admin/projects/shop/tags', { features: ['alpha-one'], tags: { addedTags: [{ type: 'simple', value: 'batch' }], removedTags: [] } });
  assert.equal(wrong.status, 404, wrong.text);
  const badType = await call('PUT', '/api/admin/projects/shop/tags', { features: ['delta-four'], tags: { addedTags: [{ type: 'nosuchtype', value: 'xx' }], removedTags: [] } });
  assert.equal(badType.status, 400, badType.text);

  const mid = await srv.lastEventId(admin);
  await ok('DELETE', '/api/admin/tags/simple/batch');
  assert.deepEqual(await tagsOf('delta-four'), ['simple:web']);
  assert.deepEqual(await tagsOf('epsilon-five'), []);
  assert.deepEqual((await srv.eventsSince(mid, admin)).map((e) => e.type), ['tag-deleted']);
  await refused('GET', '/api/admin/tags/simple/batch', 404, 'NotFoundError');
  await ok('DELETE', '/api/admin/tags/simple/never-there');
  await refused('DELETE', '/api/admin/tags/simple/web', 401, null, {});
});
