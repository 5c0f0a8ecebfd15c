// The last Unleash 8.2 admin operations latch routes: the deletion of inactive users
// (POST /api/admin/user-admin/inactive/delete), on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { psql } from './pg_harness.mjs';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser } from './access_harness.mjs';

const DAY = 86400000;
let srv;
let admin;

// Age rows as only the store can (a user not seen for 200 days cannot be made otherwise).
const exec = (query) => {
  if (/^postgres/.test(srv.db)) psql(srv.db, query);
  else execFileSync('sqlite3', [srv.db, query], { encoding: 'utf8', timeout: 30000 });
};

before(async () => {
  srv = await startAccess({ fixtures: {} });
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
});

after(async () => {
  await srv?.dispose();
});

test('POST /api/admin/user-admin/inactive/delete: only inactive users, one event each', async () => {
  const old1 = await createUser(admin, 'old-one', 'Viewer');
  const old2 = await createUser(admin, 'old-two', 'Editor');
  const fresh = await createUser(admin, 'fresh-one', 'Viewer');
  await createUser(admin, 'viewer-v', 'Viewer');
  const oldAt = Date.now() - 200 * DAY;
  await srv.stop();
  exec(`UPDATE users SET created_at = ${oldAt}, seen_at = NULL WHERE username IN ('old-one', 'old-two')`);
  exec(`UPDATE users SET created_at = ${oldAt}, seen_at = ${Date.now() - DAY} WHERE username = 'fresh-one'`);
  await srv.restart();
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });

  const listed = (await admin.get('/api/admin/user-admin/inactive')).json().inactiveUsers.map((u) => u.username);
  assert.deepEqual(listed.sort(), ['old-one', 'old-two']);

  // bad input: nothing written
  for (const body of [{}, { ids: 'x' }, { ids: [old1.id, 'x'] }, { ids: [-1] }, { ids: Array(1001).fill(old1.id) }]) {
    const res = await admin.post('/api/admin/user-admin/inactive/delete', body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${res.text}`);
    assert.equal(typeof res.json().message, 'string');
  }
  const viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer-v', USER_PASSWORD) });
  const forbidden = await viewer.post('/api/admin/user-admin/inactive/delete', { ids: [old1.id] });
  assert.equal(forbidden.status, 403, forbidden.text);
  const kept = (await admin.get('/api/admin/user-admin')).json().users.filter((u) => u.username?.startsWith('old-'));
  assert.equal(kept.length, 2, 'nothing deleted yet');

  // the fresh user, an unknown id and a repeated id are passed over
  const res = await admin.post('/api/admin/user-admin/inactive/delete', { ids: [old1.id, fresh.id, old2.id, old1.id, 999999] });
  assert.equal(res.status, 200, res.text);
  const users = (await admin.get('/api/admin/user-admin')).json().users.map((u) => u.username);
  assert.ok(!users.includes('old-one') && !users.includes('old-two'), JSON.stringify(users));
  assert.ok(users.includes('fresh-one') && users.includes('admin'), JSON.stringify(users));
  assert.deepEqual((await admin.get('/api/admin/user-admin/inactive')).json().inactiveUsers, []);

  const events = (await admin.get('/api/admin/events')).json().events.filter((e) => e.type === 'user-deleted');
  assert.deepEqual(events.map((e) => e.preData.username).sort(), ['old-one', 'old-two']);
  assert.ok(events.every((e) => e.createdBy === 'admin'), JSON.stringify(events));

  const again = await admin.post('/api/admin/user-admin/inactive/delete', { ids: [old1.id] });
  assert.equal(again.status, 200, again.text);
  assert.equal((await admin.get('/api/admin/events')).json().events.filter((e) => e.type === 'user-deleted').length, 2);
});
