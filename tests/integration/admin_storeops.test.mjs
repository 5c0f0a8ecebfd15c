// The admin operations of Unleash 8.2 that need state of their own in the store: maintenance
// mode (a stored setting that refuses admin writes with 503), default strategies per project and
// environment (used when a flag is switched on with none), flag links. Each with its events, bad
// input and a Viewer's 403; runs on PostgreSQL too (integration-pg).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Api, startAccess, createUser, loginOk, assertError, assertPermissionError, USER_PASSWORD } from './access_harness.mjs';

let srv;
let admin; // Api with the admin token
let viewer; // Api with a Viewer's session

const MAINTENANCE_BODY = { message: 'Unleash is currently in maintenance mode.' };

async function eventsOf(type, since) {
  const evs = await srv.eventsSince(since, srv.tokens.admin);
  return evs.filter((e) => e.type === type);
}

before(async () => {
  srv = await startAccess({ tokens: { admin: { type: 'admin', name: 'admin-token' } } });
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
