// The admin API for projects and environments (admin_projects.c) against `latch serve`:
// create, read, update and delete over HTTP with Unleash's JSON shapes, environments added to
// and removed from projects (taking the flags' state there with them), environment on/off and
// sort order, one event per write with the caller's name, and bad input refused with nothing
// written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await Latch.start({
    tokens: { admin: { type: 'admin', name: 'infra-bot' } },
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

async function oneEvent(type, fn, { project = null, environment = null } = {}) {
  const before = await lastEventId();
  const out = await fn();
  const evs = await eventsAfter(before);
  assert.equal(evs.length, 1, `one event for ${type}, got ${JSON.stringify(evs.map((e) => e.type))}`);
  assert.equal(evs[0].type, type);
  assert.equal(evs[0].createdBy, 'infra-bot');
  assert.equal(evs[0].project, project);
  assert.equal(evs[0].environment, environment);
  return { out, event: evs[0] };
}

async function refused(method, path, body, status, name, headers) {
  const before = await lastEventId();
  const projects = await ok('GET', '/api/admin/projects');
  const envs = await ok('GET', '/api/admin/environments');
  const res = await call(method, path, body, headers);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${res.text}`);
  if (name) assert.equal(res.json().name, name, res.text);
  assert.equal(await lastEventId(), before, 'no event for a refused write');
  assert.deepEqual(await ok('GET', '/api/admin/projects'), projects);
  assert.deepEqual(await ok('GET', '/api/admin/environments'), envs);
}

test('projects: create, read, update, environments, delete', async () => {
  const list = await ok('GET', '/api/admin/projects');
  assert.equal(list.version, 1);
  const def = list.projects.find((p) => p.id === 'default');
  for (const k of ['id', 'name', 'description', 'featureCount', 'memberCount', 'health', 'createdAt', 'favorite', 'mode'])
    assert.ok(k in def, `project has ${k}`);
  assert.equal(def.featureCount, 3);

  const { out: created, event } = await oneEvent(
    'project-created',
    () => ok('POST', '/api/admin/projects', { id: 'payments', name: 'Payments', description: 'money' }, 201),
    { project: 'payments' },
  );
  assert.equal(created.id, 'payments');
  assert.equal(created.name, 'Payments');
  assert.equal(created.mode, 'open');
  assert.equal(event.data.id, 'payments');
  const got = await ok('GET', '/api/admin/projects/payments');
  assert.equal(got.name, 'Payments');
  assert.equal(got.description, 'money');
  assert.deepEqual(got.features, []);
  assert.deepEqual(got.environments.map((e) => e.environment), ['development', 'production']);

  const upd = await oneEvent('project-updated', () => ok('PUT', '/api/admin/projects/payments', { name: 'Payments team', description: 'more money' }), { project: 'payments' });
  assert.equal(upd.event.preData.name, 'Payments');
  assert.equal(upd.event.data.name, 'Payments team');
  assert.equal((await ok('GET', '/api/admin/projects/payments')).name, 'Payments team');

  // environments of the project
  await oneEvent('project-environment-removed', () => ok('DELETE', '/api/admin/projects/payments/environments/production'), { project: 'payments', environment: 'production' });
  let pe = await ok('GET', '/api/admin/environments/project/payments');
  assert.deepEqual(pe.environments.map((e) => [e.name, e.visible]), [['development', true], ['production', false]]);
  await oneEvent('project-environment-added', () => ok('POST', '/api/admin/projects/payments/environments', { environment: 'production' }), { project: 'payments', environment: 'production' });
  await refused('POST', '/api/admin/projects/payments/environments', { environment: 'production' }, 409, 'NameExistsError');
  await refused('POST', '/api/admin/projects/payments/environments', { environment: 'nosuch' }, 400, 'BadDataError');
  await refused('POST', '/api/admin/projects/nosuch/environments', { environment: 'production' }, 404, 'NotFoundError');
  await refused('DELETE', '/api/admin/projects/payments/environments/nosuch', undefined, 404, 'NotFoundError');

  // a flag in it: its production state goes when production leaves the project
  await ok('POST', '/api/admin/projects/payments/features', { name: 'pay-flag' }, 201);
  await ok('POST', '/api/admin/projects/payments/features/pay-flag/environments/production/on');
  const strategyIds = (await ok('GET', '/api/admin/projects/payments/features/pay-flag')).environments.flatMap((e) => e.strategies.map((s) => s.id));
  assert.equal(strategyIds.length, 1, 'on in production added its default strategy');
  assert.equal(await srv.strategyIdsFree(strategyIds), false, 'the probe sees the strategies of a stored flag');
  await ok('DELETE', '/api/admin/projects/payments/environments/production');
  const flag = await ok('GET', '/api/admin/projects/payments/features/pay-flag');
  assert.deepEqual(flag.environments.map((e) => e.name), ['development']);
  assert.deepEqual(srv.exportAll().features.find((f) => f.name === 'pay-flag').environments.map((e) => e.name), ['development']);
  assert.ok(await srv.strategyIdsFree(strategyIds), "the flag's production strategies are still stored");
  await ok('POST', '/api/admin/projects/payments/environments', { environment: 'production' });
  const back = (await ok('GET', '/api/admin/projects/payments/features/pay-flag')).environments.find((e) => e.name === 'production');
  assert.equal(back.enabled, false);
  assert.deepEqual(back.strategies, []);

  // delete: refused while it holds flags (live or archived), then allowed
  await refused('DELETE', '/api/admin/projects/payments', undefined, 403, 'InvalidOperationError');
  await ok('DELETE', '/api/admin/projects/payments/features/pay-flag', undefined, 202);
  await refused('DELETE', '/api/admin/projects/payments', undefined, 403, 'InvalidOperationError');
  await ok('DELETE', '/api/admin/archive/pay-flag');
  await oneEvent('project-deleted', () => ok('DELETE', '/api/admin/projects/payments'), { project: 'payments' });
  assert.equal((await call('GET', '/api/admin/projects/payments')).status, 404);
  await refused('DELETE', '/api/admin/projects/default', undefined, 403, 'InvalidOperationError');
});

test('projects: bad input', async () => {
  await refused('POST', '/api/admin/projects', { id: 'has space', name: 'x' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/projects', { id: 'a'.repeat(101), name: 'x' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/projects', { id: 'fine' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/projects', { id: 'fine', name: 'x', mode: 'secret' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/projects', { id: 'default', name: 'x' }, 409, 'NameExistsError');
  await refused('POST', '/api/admin/projects', '{"id":"fine","name":"x"}', 415, 'ContentTypeError', { 'Content-Type': 'text/plain' });
  await refused('POST', '/api/admin/projects', '[1]', 400, null);
  await refused('PUT', '/api/admin/projects/nosuch', { name: 'x' }, 404, 'NotFoundError');
  await refused('PUT', '/api/admin/projects/default', { description: 'no name' }, 400, 'ValidationError');
  await refused('DELETE', '/api/admin/projects/nosuch', undefined, 404, 'NotFoundError');
  const anon = await srv.request('GET', '/api/admin/projects');
  assert.equal(anon.status, 401);
});

test('environments: create, update, on/off, sort order, delete', async () => {
  const list = await ok('GET', '/api/admin/environments');
  assert.equal(list.version, 1);
  const dev = list.environments.find((e) => e.name === 'development');
  for (const k of ['name', 'type', 'enabled', 'protected', 'sortOrder', 'projectCount', 'apiTokenCount', 'enabledToggleCount'])
    assert.ok(k in dev, `environment has ${k}`);
  assert.ok(dev.enabledToggleCount >= 1);

  const { out: created } = await oneEvent('environment-created', () => ok('POST', '/api/admin/environments', { name: 'staging', type: 'test' }, 201), { environment: 'staging' });
  assert.deepEqual(created, { name: 'staging', type: 'test', enabled: true, protected: false, sortOrder: 3 });
  assert.deepEqual(await ok('GET', '/api/admin/environments/staging'), created);
  await refused('POST', '/api/admin/environments', { name: 'staging', type: 'test' }, 409, 'NameExistsError');
  await refused('POST', '/api/admin/environments', { name: 'bad name', type: 'test' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/environments', { name: 'qa' }, 400, 'ValidationError');
  await refused('POST', '/api/admin/environments', { name: 'qa', type: 'test', sortOrder: 'first' }, 400, 'ValidationError');

  const upd = await oneEvent('environment-updated', () => ok('PUT', '/api/admin/environments/update/staging', { type: 'preproduction', sortOrder: 7 }), { environment: 'staging' });
  assert.equal(upd.out.type, 'preproduction');
  assert.equal(upd.out.sortOrder, 7);
  await refused('PUT', '/api/admin/environments/update/nosuch', { type: 'x' }, 404, 'NotFoundError');

  const off = await call('POST', '/api/admin/environments/staging/off');
  assert.equal(off.status, 204);
  assert.equal((await ok('GET', '/api/admin/environments/staging')).enabled, false);
  assert.equal((await call('POST', '/api/admin/environments/staging/on')).status, 204);
  assert.equal((await ok('GET', '/api/admin/environments/staging')).enabled, true);
  assert.equal((await call('POST', '/api/admin/environments/nosuch/on')).status, 404);

  await oneEvent('environment-updated', () => ok('PUT', '/api/admin/environments/sort-order', { staging: 0, development: 1, production: 2 }));
  const order = (await ok('GET', '/api/admin/environments')).environments.map((e) => e.name);
  assert.deepEqual(order, ['staging', 'development', 'production']);
  await refused('PUT', '/api/admin/environments/sort-order', { staging: 5, nosuch: 1 }, 404, 'NotFoundError');
  await refused('PUT', '/api/admin/environments/sort-order', { staging: 'x' }, 400, 'ValidationError');

  // a project uses it; the flag's state there goes with the environment
  await ok('POST', '/api/admin/projects/default/environments', { environment: 'staging' });
  await ok('POST', '/api/admin/projects/default/features/dark-mode/environments/staging/on');
  const t = srv.createToken({ type: 'client', environment: 'staging' });
  await srv.restart(); // the CLI wrote a token; pick it up for sure
  const feats = (await srv.features(t)).body.features;
  assert.equal(feats.find((f) => f.name === 'dark-mode').enabled, true);
  await oneEvent('environment-deleted', () => ok('DELETE', '/api/admin/environments/staging'), { environment: 'staging' });
  assert.equal((await call('GET', '/api/admin/environments/staging')).status, 404);
  const envs = (await ok('GET', '/api/admin/projects/default/features/dark-mode')).environments.map((e) => e.name);
  assert.deepEqual(envs, ['development', 'production']);
  assert.equal((await srv.get('/api/client/features', { Authorization: t })).status, 401, 'its tokens went with it');
});
