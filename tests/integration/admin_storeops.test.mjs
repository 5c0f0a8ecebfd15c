// The admin operations of Unleash 8.2 that need state of their own in the store: maintenance
// mode (a stored setting that refuses admin writes with 503), default strategies per project and
// environment (used when a flag is switched on with none), flag links, favourites, the flag
// lifecycle. Each with its events, bad input and a Viewer's 403 (where Unleash asks a
// permission); runs on PostgreSQL too (integration-pg).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';
import { Api, startAccess, createUser, login, loginOk, assertError, assertPermissionError, storeBytes, USER_PASSWORD } from './access_harness.mjs';

let srv;
let admin; // Api with the admin token
let viewer; // Api with a Viewer's session

const MAINTENANCE_BODY = { message: 'Unleash is currently in maintenance mode.' };

async function eventsOf(type, since) {
  const evs = await srv.eventsSince(since, srv.tokens.admin);
  return evs.filter((e) => e.type === type);
}

before(async () => {
  srv = await startAccess({
    tokens: {
      admin: { type: 'admin', name: 'admin-token' },
      dev: { type: 'client', environment: 'development' },
      prod: { type: 'client', environment: 'production' },
    },
    args: ['--metrics-interval', '1'],
  });
  admin = new Api(srv, { token: srv.tokens.admin });
  await createUser(admin, 'viewer1', 'Viewer');
  viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer1', USER_PASSWORD) });
});

after(async () => {
  await srv?.dispose();
});

// ---------- maintenance mode ----------

test('maintenance: off by default, switched on it refuses admin writes with 503, reads go on', async () => {
  let res = await admin.get('/api/admin/maintenance');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { enabled: false });
  assert.equal((await admin.get('/api/admin/ui-config')).json().maintenanceMode, false);

  const since = await srv.lastEventId();
  res = await admin.post('/api/admin/maintenance', { enabled: true });
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
  const [ev] = await eventsOf('setting-created', since);
  assert.deepEqual(ev.data, { id: 'maintenance.mode', enabled: true });
  assert.equal(ev.createdBy, 'admin-token');

  assert.deepEqual((await admin.get('/api/admin/maintenance')).json(), { enabled: true });
  assert.equal((await admin.get('/api/admin/ui-config')).json().maintenanceMode, true);

  // writes: POST, PUT, DELETE under /api/admin, whatever the resource, before any other check
  for (const [method, path, body] of [
    ['POST', '/api/admin/projects/default/features', { name: 'in-maintenance' }],
    ['PUT', '/api/admin/projects/default/features/whatever', { description: 'x' }],
    ['DELETE', '/api/admin/projects/default/features/whatever'],
    ['POST', '/api/admin/projects', { id: 'p-maint', name: 'p' }],
    ['POST', '/api/admin/user-admin', { email: 'x@example.com', rootRole: 'Viewer' }],
  ]) {
    res = await admin.send(method, path, body);
    assert.equal(res.status, 503, `${method} ${path}: ${res.text}`);
    assert.deepEqual(res.json(), MAINTENANCE_BODY);
  }
  // a Viewer is refused with 503 too (maintenance is checked before permissions), but not
  // before authentication
  res = await viewer.post('/api/admin/projects', { id: 'p-v', name: 'p' });
  assert.equal(res.status, 503);
  res = await srv.request('POST', '/api/admin/projects', { headers: { 'Content-Type': 'application/json' }, body: { id: 'x', name: 'x' } });
  assert.equal(res.status, 401);

  // reads and the client API go on; nothing was written
  assert.equal((await admin.get('/api/admin/projects/default/features/in-maintenance')).status, 404);
  assert.equal((await admin.get('/api/admin/projects')).status, 200);

  // the maintenance routes stay writable: switch it off again
  const since2 = await srv.lastEventId();
  res = await admin.post('/api/admin/maintenance', { enabled: false });
  assert.equal(res.status, 204);
  const [ev2] = await eventsOf('setting-updated', since2);
  assert.deepEqual(ev2.data, { id: 'maintenance.mode', enabled: false });
  assert.deepEqual(ev2.preData, { enabled: true });
  res = await admin.post('/api/admin/projects/default/features', { name: 'after-maintenance' });
  assert.equal(res.status, 201, res.text);
});

test('maintenance: it survives a restart (stored, not in memory)', async () => {
  assert.equal((await admin.post('/api/admin/maintenance', { enabled: true })).status, 204);
  await srv.restart();
  assert.deepEqual((await admin.get('/api/admin/maintenance')).json(), { enabled: true });
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'x-after-restart' })).status, 503);
  assert.equal((await admin.post('/api/admin/maintenance', { enabled: false })).status, 204);
  viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer1', USER_PASSWORD) });
});

test('maintenance: bad bodies are 400, a Viewer is 403', async () => {
  for (const body of [{}, { enabled: 'yes' }, { enabled: 1 }, { enabled: null }]) {
    const res = await admin.post('/api/admin/maintenance', body);
    assertError(res, 400, 'ValidationError', '"enabled" is required and a boolean.', JSON.stringify(body));
  }
  const res = await admin.send('POST', '/api/admin/maintenance', '[true]');
  assert.equal(res.status, 400);
  assertPermissionError(await viewer.post('/api/admin/maintenance', { enabled: true }), 'ADMIN');
  assert.deepEqual((await admin.get('/api/admin/maintenance')).json(), { enabled: false });
});

// ---------- default strategies per project and environment ----------

const DS_PATH = '/api/admin/projects/default/environments/production/default-strategy';

test('default strategy: stored with its event, shown in the project views, used when a flag is switched on', async () => {
  const since = await srv.lastEventId();
  const body = {
    name: 'flexibleRollout',
    title: 'Half of prod',
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['a', 'b'] }],
    parameters: { rollout: '50', stickiness: 'userId', groupId: '' },
  };
  let res = await admin.post(DS_PATH, body);
  assert.equal(res.status, 200, res.text);
  const saved = res.json();
  assert.equal(saved.name, 'flexibleRollout');
  assert.equal(saved.title, 'Half of prod');
  assert.equal(saved.id, undefined);
  assert.deepEqual(saved.parameters, { rollout: '50', stickiness: 'userId', groupId: '' });
  assert.equal(saved.constraints.length, 1);
  assert.deepEqual(saved.constraints[0].values, ['a', 'b']);
  const [ev] = await eventsOf('default-strategy-updated', since);
  assert.equal(ev.project, 'default');
  assert.equal(ev.environment, 'production');
  assert.deepEqual(ev.data, saved);
  assert.equal(ev.preData, null);

  // the views of the project's environments
  const overview = (await admin.get('/api/admin/projects/default/overview')).json();
  const prodO = overview.environments.find((e) => e.environment === 'production');
  assert.deepEqual(prodO.defaultStrategy, saved);
  assert.equal(overview.environments.find((e) => e.environment === 'development').defaultStrategy, undefined);
  const envs = (await admin.get('/api/admin/environments/project/default')).json().environments;
  assert.deepEqual(envs.find((e) => e.name === 'production').defaultStrategy, saved);
  const proj = (await admin.get('/api/admin/projects')).json().projects.find((p) => p.id === 'default');
  assert.deepEqual(proj.environments.find((e) => e.environment === 'production').defaultStrategy, saved);

  // a new flag switched on in production gets it (groupId: the flag's name); in development,
  // with no default there, Unleash's built-in 100% rollout
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'ds-flag' })).status, 201);
  const envPath = '/api/admin/projects/default/features/ds-flag/environments';
  assert.deepEqual((await admin.get(`${envPath}/production`)).json().defaultStrategy, saved);
  assert.equal((await admin.post(`${envPath}/production/on`)).status, 200);
  assert.equal((await admin.post(`${envPath}/development/on`)).status, 200);
  const flag = (await admin.get('/api/admin/projects/default/features/ds-flag')).json();
  const prod = flag.environments.find((e) => e.name === 'production');
  assert.equal(prod.enabled, true);
  assert.equal(prod.strategies.length, 1);
  assert.equal(prod.strategies[0].name, 'flexibleRollout');
  assert.equal(prod.strategies[0].title, 'Half of prod');
  assert.match(prod.strategies[0].id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(prod.strategies[0].parameters, { rollout: '50', stickiness: 'userId', groupId: 'ds-flag' });
  assert.deepEqual(prod.strategies[0].constraints.map((c) => c.values), [['a', 'b']]);
  const dev = flag.environments.find((e) => e.name === 'development');
  assert.deepEqual(dev.strategies[0].parameters, { rollout: '100', stickiness: 'default', groupId: 'ds-flag' });
  assert.deepEqual(dev.strategies[0].constraints, []);

  // replaced: the event carries the one before
  const since2 = await srv.lastEventId();
  res = await admin.post(DS_PATH, { name: 'flexibleRollout', parameters: { rollout: '25', groupId: 'shared' } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json().parameters, { rollout: '25', stickiness: 'default', groupId: 'shared' });
  const [ev2] = await eventsOf('default-strategy-updated', since2);
  assert.deepEqual(ev2.preData, saved);
});

test('default strategy: bad input is 400 (no event), unknown project or environment 404, a Viewer 403', async () => {
  const since = await srv.lastEventId();
  let res = await admin.post(DS_PATH, { name: 'default' });
  assertError(res, 400, 'BadDataError', 'Only "flexibleRollout" strategy can be used as a default strategy for an environment');
  assertError(await admin.post(DS_PATH, {}), 400, 'ValidationError', undefined, 'no name');
  res = await admin.post(DS_PATH, { name: 'flexibleRollout', parameters: { rollout: '101' } });
  assert.equal(res.status, 400, res.text);
  res = await admin.post(DS_PATH, { name: 'flexibleRollout', constraints: [{ contextName: 'userId', operator: 'NOPE', values: [] }] });
  assert.equal(res.status, 400, res.text);
  res = await admin.post(DS_PATH, { name: 'flexibleRollout', segments: [987654] });
  assert.equal(res.status, 400, res.text);
  assertError(await admin.post('/api/admin/projects/nope/environments/production/default-strategy', { name: 'flexibleRollout' }), 404, 'NotFoundError');
  assertError(await admin.post('/api/admin/projects/default/environments/nope/default-strategy', { name: 'flexibleRollout' }), 404, 'NotFoundError');
  assertPermissionError(await viewer.post(DS_PATH, { name: 'flexibleRollout' }), 'UPDATE_PROJECT');
  assert.deepEqual(await eventsOf('default-strategy-updated', since), []);
});

// ---------- flag links ----------

const LF = '/api/admin/projects/default/features/link-flag';

test('links: added, changed and removed with 204 and their events, listed on the flag', async () => {
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'link-flag' })).status, 201);
  assert.deepEqual((await admin.get(LF)).json().links, []);
  const since = await srv.lastEventId();
  let res = await admin.post(`${LF}/link`, { url: 'WWW.Example.COM/issues/42/', title: 'Issue 42' });
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
  res = await admin.post(`${LF}/link`, { url: 'http://grafana.internal:80/d/abc?from=now-1h' });
  assert.equal(res.status, 204, res.text);
  let links = (await admin.get(LF)).json().links;
  assert.equal(links.length, 2);
  assert.match(links[0].id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual(links.map(({ url, title, feature }) => ({ url, title, feature })), [
    { url: 'https://example.com/issues/42', title: 'Issue 42', feature: 'link-flag' },
    { url: 'http://grafana.internal/d/abc?from=now-1h', title: null, feature: 'link-flag' },
  ]);
  const added = await eventsOf('feature-link-added', since);
  assert.equal(added.length, 2);
  assert.equal(added[0].featureName, 'link-flag');
  assert.equal(added[0].project, 'default');
  assert.deepEqual(added[0].data, { url: 'https://example.com/issues/42', title: 'Issue 42' });

  const since2 = await srv.lastEventId();
  res = await admin.put(`${LF}/link/${links[1].id}`, { url: 'https://grafana.internal/d/xyz', title: 'Dashboard' });
  assert.equal(res.status, 204, res.text);
  const [upd] = await eventsOf('feature-link-updated', since2);
  assert.deepEqual(upd.data, { url: 'https://grafana.internal/d/xyz', title: 'Dashboard' });
  assert.deepEqual(upd.preData, { url: 'http://grafana.internal/d/abc?from=now-1h', title: null });
  res = await admin.del(`${LF}/link/${links[0].id}`);
  assert.equal(res.status, 204, res.text);
  const [rem] = await eventsOf('feature-link-removed', since2);
  assert.deepEqual(rem.preData, { url: 'https://example.com/issues/42', title: 'Issue 42' });
  links = (await admin.get(LF)).json().links;
  assert.deepEqual(links.map((l) => [l.url, l.title]), [['https://grafana.internal/d/xyz', 'Dashboard']]);
  assert.equal((await admin.get(`${LF}`)).json().links[0].id, links[0].id);
});

test('links: bad input 400, unknown flag or link 404, more than 10 refused, a Viewer 403', async () => {
  const since = await srv.lastEventId();
  for (const body of [{}, { url: 7 }, { url: '' }, { url: 'not a url' }, { url: 'javascript:alert(1)' }, { url: 'ftp://x.example.com' },
    { url: 'mailto:a@b.example' }, { url: 'https://ok.example', title: 5 }, { url: 'https://ok.example', title: 'x'.repeat(256) },
    { url: `https://example.com/${'a'.repeat(2100)}` }]) {
    const res = await admin.post(`${LF}/link`, body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
    assert.match(res.json().name, /ValidationError|BadDataError/);
  }
  assertError(await admin.post(`${LF}/link`, { url: 'not a url' }), 400, 'BadDataError', 'Invalid URL: not a url');
  assertError(await admin.post('/api/admin/projects/default/features/no-such-flag/link', { url: 'https://a.example' }), 404, 'NotFoundError');
  assertError(await admin.put(`${LF}/link/01JUNKJUNKJUNKJUNKJUNKJUNK`, { url: 'https://a.example' }), 404, 'NotFoundError');
  assertError(await admin.del(`${LF}/link/01JUNKJUNKJUNKJUNKJUNKJUNK`), 404, 'NotFoundError');
  // a link of another flag is not this flag's
  const other = (await admin.get(LF)).json().links[0].id;
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'link-flag-2' })).status, 201);
  assertError(await admin.del(`/api/admin/projects/default/features/link-flag-2/link/${other}`), 404, 'NotFoundError');
  assertPermissionError(await viewer.post(`${LF}/link`, { url: 'https://a.example' }), 'UPDATE_FEATURE');
  assertPermissionError(await viewer.del(`${LF}/link/${other}`), 'UPDATE_FEATURE');
  assert.equal((await eventsOf('feature-link-added', since)).length, 0);
  // 10 at most
  for (let i = 1; i < 10; i++) assert.equal((await admin.post(`${LF}/link`, { url: `https://e.example/${i}` })).status, 204);
  assertError(await admin.post(`${LF}/link`, { url: 'https://e.example/11' }), 403, 'OperationDeniedError', 'Too many links (10) exist for this feature');
  assert.equal((await admin.get(LF)).json().links.length, 10);
  // archived and deleted: the links go with the flag
  assert.equal((await admin.del(LF)).status, 202);
  assert.equal((await admin.del('/api/admin/archive/link-flag')).status, 200);
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'link-flag' })).status, 201);
  assert.deepEqual((await admin.get(LF)).json().links, []);
});

// ---------- favourites ----------

test('favourites: per user, any signed-in user may set them, shown as favorite and first in search', async () => {
  for (const name of ['fav-a', 'fav-b', 'fav-c']) assert.equal((await admin.post('/api/admin/projects/default/features', { name })).status, 201);
  assert.equal((await admin.post('/api/admin/projects', { id: 'favproj', name: 'Fav project' })).status, 201);
  const since = await srv.lastEventId();
  // a Viewer may (Unleash asks no permission): 200, empty
  let res = await viewer.post('/api/admin/projects/default/features/fav-b/favorites');
  assert.equal(res.status, 200, res.text);
  res = await viewer.post('/api/admin/projects/favproj/favorites');
  assert.equal(res.status, 200, res.text);
  const [fe] = await eventsOf('feature-favorited', since);
  assert.equal(fe.featureName, 'fav-b');
  assert.equal(fe.createdBy, 'viewer1');
  assert.deepEqual(fe.data, { feature: 'fav-b' });
  const [pe] = await eventsOf('project-favorited', since);
  assert.equal(pe.project, 'favproj');
  assert.deepEqual(pe.data, { project: 'favproj' });

  // the Viewer sees them; another user does not
  assert.equal((await viewer.get('/api/admin/projects/default/features/fav-b')).json().favorite, true);
  assert.equal((await viewer.get('/api/admin/projects/default/features/fav-a')).json().favorite, false);
  assert.equal((await admin.get('/api/admin/projects/default/features/fav-b')).json().favorite, false);
  const projects = (await viewer.get('/api/admin/projects')).json().projects;
  assert.equal(projects.find((p) => p.id === 'favproj').favorite, true);
  assert.equal(projects.find((p) => p.id === 'default').favorite, false);
  assert.equal((await viewer.get('/api/admin/projects/favproj/overview')).json().favorite, true);
  assert.equal((await admin.get('/api/admin/projects')).json().projects.find((p) => p.id === 'favproj').favorite, false);

  // search: favoritesFirst puts them first, whatever the order asked
  const q = '/api/admin/search/features?query=fav-&sortBy=name&sortOrder=asc';
  assert.deepEqual((await viewer.get(q)).json().features.map((f) => f.name), ['fav-a', 'fav-b', 'fav-c']);
  let hits = (await viewer.get(`${q}&favoritesFirst=true`)).json().features;
  assert.deepEqual(hits.map((f) => [f.name, f.favorite]), [['fav-b', true], ['fav-a', false], ['fav-c', false]]);

  // twice is fine; removed: the event all the same
  assert.equal((await viewer.post('/api/admin/projects/default/features/fav-b/favorites')).status, 200);
  const since2 = await srv.lastEventId();
  assert.equal((await viewer.del('/api/admin/projects/default/features/fav-b/favorites')).status, 200);
  assert.equal((await viewer.del('/api/admin/projects/favproj/favorites')).status, 200);
  assert.equal((await eventsOf('feature-unfavorited', since2)).length, 1);
  assert.equal((await eventsOf('project-unfavorited', since2)).length, 1);
  assert.equal((await viewer.get('/api/admin/projects/default/features/fav-b')).json().favorite, false);
  hits = (await viewer.get(`${q}&favoritesFirst=true`)).json().features;
  assert.deepEqual(hits.map((f) => f.name), ['fav-a', 'fav-b', 'fav-c']);
});

test('favourites: unknown flag or project 404, an admin token (no user) 400, no session 401', async () => {
  assertError(await viewer.post('/api/admin/projects/default/features/no-such/favorites'), 404, 'NotFoundError');
  assertError(await viewer.post('/api/admin/projects/no-such/favorites'), 404, 'NotFoundError');
  assertError(await admin.post('/api/admin/projects/default/favorites'), 400, 'BadDataError');
  const res = await srv.request('POST', '/api/admin/projects/default/favorites', {});
  assert.equal(res.status, 401);
});

// ---------- flag lifecycle ----------

const LC = '/api/admin/projects/default/features';
const stagesOf = async (name) => (await admin.get(`${LC}/${name}/lifecycle`)).json().map((s) => s.stage);
const sendMetrics = (token, toggles) => {
  const now = new Date();
  return srv.post('/api/client/metrics', {
    appName: 'lc-app', instanceId: 'i-1',
    bucket: { start: new Date(now.getTime() - 1000).toISOString(), stop: now.toISOString(), toggles },
  }, { Authorization: token });
};

test('lifecycle: initial on create, pre-live on metrics, live on production metrics while on, completed, archived', async () => {
  // flags imported at start have theirs too
  const all = (await admin.get('/api/admin/search/features?limit=100')).json().features;
  assert.ok(all.length > 3);
  for (const f of all) assert.ok(f.lifecycle?.stage, `${f.name}: ${JSON.stringify(f.lifecycle)}`);

  for (const name of ['lc-flag', 'lc-off']) assert.equal((await admin.post(LC, { name })).status, 201);
  let res = await admin.get(`${LC}/lc-flag/lifecycle`);
  assert.equal(res.status, 200);
  const [initial] = res.json();
  assert.deepEqual(Object.keys(initial), ['stage', 'enteredStageAt']);
  assert.equal(initial.stage, 'initial');
  assert.ok(Math.abs(Date.parse(initial.enteredStageAt) - Date.now()) < 60000);
  assert.deepEqual((await admin.get(`${LC}/lc-flag`)).json().lifecycle, initial);

  // metrics: pre-live anywhere; live only from a production environment where the flag is on
  assert.equal((await admin.post(`${LC}/lc-flag/environments/production/on`)).status, 200);
  assert.equal((await sendMetrics(srv.tokens.dev, { 'lc-flag': { yes: 1, no: 0 } })).status, 202);
  await waitFor(async () => (await stagesOf('lc-flag')).includes('pre-live'), { what: 'pre-live' });
  assert.equal((await sendMetrics(srv.tokens.prod, { 'lc-flag': { yes: 3, no: 1 }, 'lc-off': { yes: 0, no: 2 } })).status, 202);
  await waitFor(async () => (await stagesOf('lc-flag')).includes('live'), { what: 'live' });
  await waitFor(async () => (await stagesOf('lc-off')).includes('pre-live'), { what: 'lc-off pre-live' });
  assert.deepEqual(await stagesOf('lc-off'), ['initial', 'pre-live']);
  assert.deepEqual(await stagesOf('lc-flag'), ['initial', 'pre-live', 'live']);
  assert.equal((await admin.get(`${LC}/lc-flag`)).json().lifecycle.stage, 'live');

  // completed by hand, with its event; uncompleted
  const since = await srv.lastEventId();
  res = await admin.post(`${LC}/lc-flag/lifecycle/complete`, { status: 'kept', statusValue: 'variant-b' });
  assert.equal(res.status, 200, res.text);
  const [ev] = await eventsOf('feature-completed', since);
  assert.equal(ev.featureName, 'lc-flag');
  assert.equal(ev.project, 'default');
  assert.deepEqual(ev.data, { status: 'kept', statusValue: 'variant-b', kept: true });
  const cur = (await admin.get(`${LC}/lc-flag`)).json().lifecycle;
  assert.equal(cur.stage, 'completed');
  assert.equal(cur.status, 'kept');
  const stages = (await admin.get(`${LC}/lc-flag/lifecycle`)).json();
  assert.deepEqual(Object.keys(stages[3]), ['stage', 'status', 'enteredStageAt']);
  let count = (await admin.get('/api/admin/lifecycle/count')).json();
  assert.deepEqual(Object.keys(count), ['initial', 'preLive', 'live', 'completed', 'archived']);
  assert.equal(count.completed, 1);
  assert.ok(count.preLive >= 1);
  assert.ok(count.initial >= all.length);
  res = await admin.post(`${LC}/lc-flag/lifecycle/uncomplete`);
  assert.equal(res.status, 200, res.text);
  assert.equal((await eventsOf('feature-uncompleted', since)).length, 1);
  assert.equal((await admin.get(`${LC}/lc-flag`)).json().lifecycle.stage, 'live');
  assert.equal((await admin.get('/api/admin/lifecycle/count')).json().completed, 0);

  // archived; revived starts over
  assert.equal((await admin.del(`${LC}/lc-flag`)).status, 202);
  assert.deepEqual(await stagesOf('lc-flag'), ['initial', 'pre-live', 'live', 'archived']);
  count = (await admin.get('/api/admin/lifecycle/count')).json();
  assert.equal(count.archived, 1);
  assert.equal((await admin.post('/api/admin/archive/revive/lc-flag')).status, 200);
  assert.deepEqual(await stagesOf('lc-flag'), ['initial']);
});

test('lifecycle: bad input 400, unknown flag 404, a Viewer 403 on complete', async () => {
  for (const body of [{}, { status: 'maybe' }, { status: 'kept', extra: 1 }, { status: 'kept', statusValue: 5 }]) {
    assertError(await admin.post(`${LC}/lc-off/lifecycle/complete`, body), 400, 'ValidationError', undefined, JSON.stringify(body));
  }
  assertError(await admin.get(`${LC}/nope/lifecycle`), 404, 'NotFoundError');
  assertError(await admin.post(`${LC}/nope/lifecycle/complete`, { status: 'kept' }), 404, 'NotFoundError');
  assertPermissionError(await viewer.post(`${LC}/lc-off/lifecycle/complete`, { status: 'kept' }), 'UPDATE_FEATURE');
  assertPermissionError(await viewer.post(`${LC}/lc-off/lifecycle/uncomplete`), 'UPDATE_FEATURE');
  assert.equal((await viewer.get(`${LC}/lc-off/lifecycle`)).status, 200);
  assert.equal((await viewer.get('/api/admin/lifecycle/count')).status, 200);
  assert.deepEqual(await stagesOf('lc-off'), ['initial', 'pre-live']);
});

// ---------- project-scoped context fields ----------

const PCX = '/api/admin/projects/ctxproj/context';

test('project context fields: created in a project, listed there (not globally), scoped writes, usable in its flags', async () => {
  assert.equal((await admin.post('/api/admin/projects', { id: 'ctxproj', name: 'Ctx project' })).status, 201);
  const since = await srv.lastEventId();
  let res = await admin.post(PCX, { name: 'tenant', description: 'Tenant id', legalValues: [{ value: 'acme' }] });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json().project, 'ctxproj');
  assert.equal(res.json().name, 'tenant');
  const [ev] = await eventsOf('context-field-created', since);
  assert.equal(ev.project, 'ctxproj');
  assert.equal(ev.data.project, 'ctxproj');

  assert.deepEqual((await admin.get(PCX)).json().map((c) => c.name), ['tenant']);
  const global = (await admin.get('/api/admin/context')).json().map((c) => c.name);
  assert.ok(!global.includes('tenant'), JSON.stringify(global));
  assert.ok(global.includes('userId'));
  assert.ok((await admin.get('/api/admin/context?include=project')).json().some((c) => c.name === 'tenant'));
  const withRoot = (await admin.get(`${PCX}?include=root`)).json().map((c) => c.name);
  assert.ok(withRoot.includes('tenant') && withRoot.includes('userId'));
  assert.equal((await admin.get(`${PCX}/tenant`)).json().project, 'ctxproj');

  // update, legal values, in its project
  assert.equal((await admin.put(`${PCX}/tenant`, { name: 'tenant', description: 'The tenant', legalValues: [{ value: 'acme' }] })).status, 200);
  assert.equal((await admin.post(`${PCX}/tenant/legal-values`, { value: 'globex', description: 'G' })).status, 200);
  let got = (await admin.get(`${PCX}/tenant`)).json();
  assert.equal(got.description, 'The tenant');
  assert.equal(got.project, 'ctxproj');
  assert.deepEqual(got.legalValues.map((v) => v.value), ['acme', 'globex']);
  assert.equal((await admin.del(`${PCX}/tenant/legal-values/acme`)).status, 200);
  assert.deepEqual((await admin.get(`${PCX}/tenant`)).json().legalValues.map((v) => v.value), ['globex']);
  assert.deepEqual((await admin.get(`${PCX}/tenant/strategies`)).json(), { strategies: [] });

  // not another project's, nor a global field through a project
  assertError(await admin.put('/api/admin/projects/default/context/tenant', { name: 'tenant' }), 404, 'NotFoundError', 'Could not find context field tenant in project default');
  assertError(await admin.del('/api/admin/projects/default/context/userId'), 404, 'NotFoundError');
  assertError(await admin.post('/api/admin/projects/nope/context', { name: 'x1' }), 404, 'NotFoundError');
  assertError(await admin.get('/api/admin/projects/nope/context'), 404, 'NotFoundError');
  assertError(await admin.post(PCX, { name: 'tenant' }), 409, 'NameExistsError');
  assertError(await admin.post(`${PCX}/validate`, { name: 'tenant' }), 409, 'NameExistsError');
  assert.equal((await admin.post(`${PCX}/validate`, { name: 'fresh-name' })).status, 200);
  assert.equal((await admin.post(PCX, { name: 'bad name!' })).status, 400);
  assert.equal((await admin.post(PCX, { name: 'x2', legalValues: 'no' })).status, 400);

  // a Viewer may read, not write; deleting it, then the project takes nothing else along
  assert.equal((await viewer.get(PCX)).status, 200);
  assertPermissionError(await viewer.post(PCX, { name: 'v1' }), 'CREATE_CONTEXT_FIELD');
  assertPermissionError(await viewer.del(`${PCX}/tenant`), 'DELETE_CONTEXT_FIELD');
  assert.equal((await admin.del(`${PCX}/tenant`)).status, 200);
  assert.deepEqual((await admin.get(PCX)).json(), []);
  // a field goes with its project
  assert.equal((await admin.post(PCX, { name: 'region-x' })).status, 201);
  assert.equal((await admin.del('/api/admin/projects/ctxproj')).status, 200);
  assert.ok(!(await admin.get('/api/admin/context?include=project')).json().some((c) => c.name === 'region-x'));
});

// ---------- feature-type lifetimes ----------

test('feature types: a lifetime is stored (0 and null: never), with its event; bad input 400, unknown 404, a Viewer 403', async () => {
  const types = () => admin.get('/api/admin/feature-types').then((r) => Object.fromEntries(r.json().types.map((t) => [t.id, t.lifetimeDays])));
  assert.equal((await types()).release, 40);
  const since = await srv.lastEventId();
  let res = await admin.put('/api/admin/feature-types/release/lifetime', { lifetimeDays: 12 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.json()), ['id', 'name', 'description', 'lifetimeDays']);
  assert.equal(res.json().lifetimeDays, 12);
  const [ev] = await eventsOf('feature-type-updated', since);
  assert.equal(ev.data.lifetimeDays, 12);
  assert.equal(ev.preData.lifetimeDays, 40);
  assert.equal(ev.data.id, 'release');
  assert.equal((await types()).release, 12);
  res = await admin.put('/api/admin/feature-types/Experiment/lifetime', { lifetimeDays: 0 });
  assert.equal(res.status, 200);
  assert.equal(res.json().lifetimeDays, null);
  assert.equal((await admin.put('/api/admin/feature-types/kill-switch/lifetime', { lifetimeDays: null })).status, 200);
  const t = await types();
  assert.equal(t.experiment, null);
  assert.equal(t['kill-switch'], null);
  assert.equal(t.operational, 7);
  for (const body of [{}, { lifetimeDays: -1 }, { lifetimeDays: 1.5 }, { lifetimeDays: '3' }, { lifetimeDays: 3e9 }]) {
    assertError(await admin.put('/api/admin/feature-types/release/lifetime', body), 400, 'ValidationError', undefined, JSON.stringify(body));
  }
  assertError(await admin.put('/api/admin/feature-types/nope/lifetime', { lifetimeDays: 3 }), 404, 'NotFoundError', 'The feature type you tried to update ("nope") does not exist.');
  assertPermissionError(await viewer.put('/api/admin/feature-types/release/lifetime', { lifetimeDays: 3 }), 'ADMIN');
  assert.equal((await types()).release, 12);
});

// ---------- outdated SDKs ----------

test('outdated SDKs: registrations older than Unleash 8.2.0\'s minimum versions, in all and per project', async () => {
  const reg = (appName, sdkVersion) => srv.post('/api/client/register', {
    appName, instanceId: `${appName}-1`, sdkVersion, strategies: ['default'], started: new Date().toISOString(), interval: 15000,
  }, { Authorization: srv.tokens.dev });
  assert.equal((await reg('old-shop', 'unleash-client-node:5.0.0')).status, 202);
  assert.equal((await reg('old-shop-2', 'unleash-client-node:5.0.0')).status, 202);
  assert.equal((await reg('new-shop', 'unleash-client-node:6.12.1')).status, 202);
  assert.equal((await reg('renamed', 'unleash-node-sdk:6.6.0-beta.1')).status, 202);
  assert.equal((await reg('other', 'my-own-sdk:0.0.1')).status, 202);
  let res = await admin.get('/api/admin/metrics/sdks/outdated');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { sdks: [
    { sdkVersion: 'unleash-client-node:5.0.0', applications: ['old-shop', 'old-shop-2'] },
    { sdkVersion: 'unleash-node-sdk:6.6.0-beta.1', applications: ['renamed'] },
  ] });
  // in a project: the applications that evaluated its flags
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'sdk-flag' })).status, 201);
  const now = new Date();
  assert.equal((await srv.post('/api/client/metrics', {
    appName: 'old-shop', instanceId: 'old-shop-1',
    bucket: { start: new Date(now.getTime() - 1000).toISOString(), stop: now.toISOString(), toggles: { 'sdk-flag': { yes: 1, no: 0 } } },
  }, { Authorization: srv.tokens.dev })).status, 202);
  await waitFor(async () => (await admin.get('/api/admin/projects/default/sdks/outdated')).json().sdks.length === 1, { what: 'project usage' });
  assert.deepEqual((await admin.get('/api/admin/projects/default/sdks/outdated')).json(), { sdks: [
    { sdkVersion: 'unleash-client-node:5.0.0', applications: ['old-shop'] },
  ] });
  assertError(await admin.get('/api/admin/projects/nope/sdks/outdated'), 404, 'NotFoundError');
  assert.equal((await viewer.get('/api/admin/metrics/sdks/outdated')).status, 200);
});

// ---------- applications: metadata and deletion ----------

test('applications: metadata set (202) and shown, an application deleted (200) with its registrations; bad input 400, a Viewer 403', async () => {
  const since = await srv.lastEventId();
  let res = await admin.post('/api/admin/metrics/applications/new-shop', { description: 'The shop', url: 'https://shop.example', color: '#ff0000', icon: 'shop' });
  assert.equal(res.status, 202, res.text);
  res = await admin.post('/api/admin/metrics/applications/meta-only', { appName: 'meta-only', description: 'Not seen yet' });
  assert.equal(res.status, 202, res.text);
  assert.equal((await eventsOf('application-created', since)).length, 2);
  const list = (await admin.get('/api/admin/metrics/applications')).json();
  const byName = Object.fromEntries(list.applications.map((a) => [a.appName, a]));
  assert.equal(list.total, list.applications.length);
  assert.equal(byName['new-shop'].description, 'The shop');
  assert.equal(byName['new-shop'].color, '#ff0000');
  assert.equal(byName['new-shop'].sdkVersion, 'unleash-client-node:6.12.1');
  assert.equal(byName['meta-only'].description, 'Not seen yet');
  assert.deepEqual(byName['meta-only'].usage, []);
  const names = list.applications.map((a) => a.appName);
  assert.deepEqual(names, [...names].sort());
  const one = (await admin.get('/api/admin/metrics/applications/new-shop')).json();
  assert.equal(one.url, 'https://shop.example');
  assert.equal(one.instances.length, 1);
  const meta = await admin.get('/api/admin/metrics/applications/meta-only');
  assert.equal(meta.status, 200, meta.text);
  assert.deepEqual(meta.json().instances, []);
  // replaced whole, as Unleash's upsert
  assert.equal((await admin.post('/api/admin/metrics/applications/new-shop', { description: 'Shop v2' })).status, 202);
  const v2 = (await admin.get('/api/admin/metrics/applications/new-shop')).json();
  assert.equal(v2.description, 'Shop v2');
  assert.equal(v2.url, undefined);
  assert.equal((await eventsOf('application-updated', since)).length, 1);

  for (const body of [{ description: 5 }, { url: ['x'] }, { color: 'c'.repeat(300) }]) {
    assertError(await admin.post('/api/admin/metrics/applications/new-shop', body), 400, 'ValidationError', undefined, JSON.stringify(body));
  }
  assertPermissionError(await viewer.post('/api/admin/metrics/applications/new-shop', { description: 'x' }), 'UPDATE_APPLICATION');
  assertPermissionError(await viewer.del('/api/admin/metrics/applications/new-shop'), 'UPDATE_APPLICATION');

  // deleted: registrations and metadata go; deleting what is not there is a 200 too
  assert.equal((await admin.del('/api/admin/metrics/applications/new-shop')).status, 200);
  assert.equal((await admin.del('/api/admin/metrics/applications/meta-only')).status, 200);
  assert.equal((await admin.del('/api/admin/metrics/applications/never-was')).status, 200);
  assertError(await admin.get('/api/admin/metrics/applications/new-shop'), 404, 'NotFoundError');
  assertError(await admin.get('/api/admin/metrics/applications/meta-only'), 404, 'NotFoundError');
  const left = (await admin.get('/api/admin/metrics/applications')).json().applications.map((a) => a.appName);
  assert.ok(!left.includes('new-shop') && !left.includes('meta-only') && left.includes('old-shop'), JSON.stringify(left));
  assert.equal((await eventsOf('application-deleted', since)).length, 3);
});

// ---------- password-reset links ----------

test('password reset: an admin makes a link; its token is checked, sets the password once, ends the sessions, is kept only as a digest', async () => {
  const since = await srv.lastEventId();
  let res = await admin.post('/api/admin/user-admin/reset-password', { id: 'VIEWER1@example.com' });
  assert.equal(res.status, 200, res.text);
  const url = res.json().resetPasswordUrl;
  const m = /^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=([0-9a-f]{64})$/.exec(url);
  assert.ok(m, url);
  const token = m[1];
  assertError(await admin.post('/api/admin/user-admin/reset-password', { id: 'viewer1@example.com' }), 429, 'RateLimitError');
  assertError(await admin.post('/api/admin/user-admin/reset-password', { id: 'nobody@example.com' }), 404, 'NotFoundError');
  assertError(await admin.post('/api/admin/user-admin/reset-password', {}), 400, 'ValidationError');
  assertPermissionError(await viewer.post('/api/admin/user-admin/reset-password', { id: 'viewer1@example.com' }), 'ADMIN');

  // validate: public, with the user it is for
  res = await srv.request('GET', `/auth/reset/validate?token=${token}`);
  assert.equal(res.status, 200, res.text);
  const tu = res.json();
  assert.equal(tu.token, token);
  assert.equal(tu.email, 'viewer1@example.com');
  assert.equal(tu.createdBy, 'admin-token');
  assert.equal(tu.role.name, 'Viewer');
  assertError(await srv.request('GET', `/auth/reset/validate?token=${'0'.repeat(64)}`), 401, 'InvalidTokenError', 'Token was not valid');
  assertError(await srv.request('GET', '/auth/reset/validate'), 401, 'InvalidTokenError');

  // a weak password is refused and leaves the token usable
  const post = (body) => srv.request('POST', '/auth/reset/password', { headers: { 'Content-Type': 'application/json' }, body });
  assertError(await post({ token, password: 'short' }), 400, 'OwaspValidationError');
  assertError(await post({ token: 'f'.repeat(64), password: 'N3w-Passw0rd!x' }), 401, 'InvalidTokenError');
  assertError(await post({ password: 'N3w-Passw0rd!x' }), 400, 'ValidationError');
  res = await post({ token, password: 'N3w-Passw0rd!x' });
  assert.equal(res.status, 200, res.text);
  // once only; the old session and password are gone, the new one logs in
  assertError(await post({ token, password: 'An0ther-Passw0rd!' }), 403, 'UsedTokenError');
  assertError(await srv.request('GET', `/auth/reset/validate?token=${token}`), 403, 'UsedTokenError');
  assert.equal((await viewer.get('/api/admin/projects')).status, 401);
  assert.equal((await login(srv, 'viewer1', USER_PASSWORD)).res.status, 401);
  viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer1', 'N3w-Passw0rd!x') });
  assert.equal((await viewer.get('/api/admin/projects')).status, 200);

  // the secret is in no event and not in the store
  const evs = await srv.eventsSince(since, srv.tokens.admin);
  assert.ok(evs.some((e) => e.type === 'user-password-reset-link-created'));
  assert.ok(evs.some((e) => e.type === 'user-password-changed'));
  assert.ok(!JSON.stringify(evs).includes(token));
  if (!process.env.LATCH_IT_PG_URL) assert.ok(!storeBytes(srv).includes(Buffer.from(token)), 'the secret is stored');
});

// ---------- UI prompts: splash screens and feedback ----------

test('splash and feedback: kept per user and listed in /api/admin/user; an admin token 400, bad input 400', async () => {
  let res = await viewer.post('/api/admin/splash/new-ui');
  assert.equal(res.status, 200, res.text);
  const me = (await viewer.get('/api/admin/user')).json();
  assert.deepEqual(me.splash, { 'new-ui': true });
  assert.equal(res.json().seen, true);
  assert.equal(res.json().splashId, 'new-ui');
  assert.equal(res.json().userId, me.user.id);
  res = await viewer.post('/api/admin/feedback', { feedbackId: 'pnps', neverShow: false });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().feedbackId, 'pnps');
  assert.equal(res.json().neverShow, false);
  assert.ok(Math.abs(Date.parse(res.json().given) - Date.now()) < 60000);
  res = await viewer.put('/api/admin/feedback/pnps', { neverShow: true, given: '2026-01-02T03:04:05.000Z' });
  assert.equal(res.status, 200, res.text);
  const fb = (await viewer.get('/api/admin/user')).json().feedback;
  assert.deepEqual(fb, [{ userId: me.user.id, feedbackId: 'pnps', given: '2026-01-02T03:04:05.000Z', neverShow: true }]);
  // another user sees none of it
  const adminMe = (await admin.get('/api/admin/user')).json();
  assert.deepEqual([adminMe.feedback, adminMe.splash], [[], {}]);
  assertError(await admin.post('/api/admin/splash/new-ui'), 400, 'BadDataError');
  assertError(await viewer.post('/api/admin/feedback', {}), 400, 'BadDataError');
  assert.equal((await viewer.post('/api/admin/feedback', { feedbackId: 'x', neverShow: 'yes' })).status, 400);
  assert.equal((await viewer.put('/api/admin/feedback/pnps', { given: 'not a date' })).status, 400);
  assert.equal((await viewer.post(`/api/admin/splash/${'s'.repeat(101)}`)).status, 400);
  assert.equal((await srv.request('POST', '/api/admin/splash/new-ui', {})).status, 401);
});

// ---------- front-end CORS origins at run time ----------

test('ui-config/cors: origins stored (204, setting event), shown in ui-config and applied to the front-end API at once', async () => {
  const preflight = (origin) => srv.request('OPTIONS', '/api/frontend', { headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
  assert.deepEqual((await admin.get('/api/admin/ui-config')).json().frontendApiOrigins, ['*']);
  assert.equal((await preflight('https://anything.example')).headers['access-control-allow-origin'], '*');
  const since = await srv.lastEventId();
  let res = await admin.post('/api/admin/ui-config/cors', { frontendApiOrigins: ['https://app.example.com', 'http://localhost:3000'] });
  assert.equal(res.status, 204, res.text);
  const [ev] = await eventsOf('setting-created', since);
  assert.deepEqual(ev.data, { id: 'unleash.frontend', frontendApiOrigins: ['https://app.example.com', 'http://localhost:3000'] });
  assert.deepEqual((await admin.get('/api/admin/ui-config')).json().frontendApiOrigins, ['https://app.example.com', 'http://localhost:3000']);
  res = await preflight('https://app.example.com');
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal((await preflight('http://localhost:3000')).headers['access-control-allow-origin'], 'http://localhost:3000');
  for (const o of ['https://evil.example', 'https://app.example.com.evil.example', 'https://app.example', '"https://app.example.com"']) {
    assert.equal((await preflight(o)).headers['access-control-allow-origin'], undefined, o);
  }
  for (const body of [{}, { frontendApiOrigins: 'https://a.example' }, { frontendApiOrigins: ['not-an-origin'] },
    { frontendApiOrigins: ['https://a.example/path'] }, { frontendApiOrigins: ['https://*.example'] }, { frontendApiOrigins: [7] }]) {
    res = await admin.post('/api/admin/ui-config/cors', body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
  }
  assertError(await admin.post('/api/admin/ui-config/cors', { frontendApiOrigins: ['not-an-origin'] }), 400, 'BadDataError', 'Invalid origin: not-an-origin');
  assertPermissionError(await viewer.post('/api/admin/ui-config/cors', { frontendApiOrigins: ['*'] }), 'ADMIN');
  assert.equal((await admin.post('/api/admin/ui-config/cors', { frontendApiOrigins: ['*'] })).status, 204);
  assert.equal((await preflight('https://evil.example')).headers['access-control-allow-origin'], '*');
});
