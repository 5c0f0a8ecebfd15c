// The user operations of Unleash 8.2's admin API that its UI calls around passwords and the
// profile (profile.c): GET /api/admin/user/profile for a logged-in user, and the password
// check of /auth/reset/validate-password and /api/admin/user-admin/validate-password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser } from './access_harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await startAccess({ fixtures: {} });
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
});

after(async () => {
  await srv?.dispose();
});

test('GET /api/admin/user/profile: root role by name and the projects the user has a role in', async () => {
  assert.equal((await admin.post('/api/admin/projects', { id: 'shop', name: 'Shop' })).status, 201);
  const u = await createUser(admin, 'prof', 'Editor');
  const roles = (await admin.get('/api/admin/roles')).json().roles;
  const member = roles.find((r) => r.name === 'Member');
  assert.ok(member, JSON.stringify(roles));
  const bind = await admin.post(`/api/admin/projects/shop/users/${u.id}/roles/${member.id}`);
  assert.equal(bind.status, 200, bind.text);

  const me = new Api(srv, { cookie: await loginOk(srv, 'prof', USER_PASSWORD) });
  const res = await me.get('/api/admin/user/profile');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json(), { rootRole: 'Editor', projects: ['shop'], features: [] });
  const mine = (await admin.get('/api/admin/user/profile')).json();
  assert.equal(mine.rootRole, 'Admin');
  assert.deepEqual(mine.projects, ['shop'], 'the creator of a project is its owner');

  const anon = await srv.request('GET', '/api/admin/user/profile');
  assert.equal(anon.status, 401, anon.text);
});

test('POST /auth/reset/validate-password: 200 for a good password, OwaspValidationError otherwise', async () => {
  const good = await srv.post('/auth/reset/validate-password', { password: 'Sup3r-Secret-Pw' });
  assert.equal(good.status, 200, good.text);
  const bad = await srv.post('/auth/reset/validate-password', { password: 'short' });
  assert.equal(bad.status, 400, bad.text);
  const body = bad.json();
  assert.equal(body.name, 'OwaspValidationError');
  assert.equal(typeof body.message, 'string');
  assert.equal(body.details[0].message, body.message);
  const none = await srv.post('/auth/reset/validate-password', { pw: 'x' });
  assert.equal(none.status, 400, none.text);
  assert.equal(none.json().name, 'ValidationError');
});

test('POST /api/admin/user-admin/validate-password: the same rules, for a principal only', async () => {
  const good = await admin.post('/api/admin/user-admin/validate-password', { password: 'Sup3r-Secret-Pw' });
  assert.equal(good.status, 200, good.text);
  const bad = await admin.post('/api/admin/user-admin/validate-password', { password: 'alllowercase-and-long' });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json().name, 'OwaspValidationError');
  const anon = await srv.post('/api/admin/user-admin/validate-password', { password: 'Sup3r-Secret-Pw' });
  assert.equal(anon.status, 401, anon.text);
});

test('user-admin: admin-count, search, access and inactive users', async () => {
  await createUser(admin, 'searchable-sam', 'Viewer');
  assert.equal((await admin.post('/api/admin/user-admin', { email: 'nopass@example.com', rootRole: 'Admin' })).status, 201);
  const count = (await admin.get('/api/admin/user-admin/admin-count')).json();
  assert.deepEqual(count, { password: 1, noPassword: 1, service: 0 });

  const found = (await admin.get('/api/admin/user-admin/search?q=SEARCHABLE')).json();
  assert.deepEqual(found.map((u) => u.username), ['searchable-sam']);
  assert.deepEqual((await admin.get('/api/admin/user-admin/search?q=nobody-like-this')).json(), []);
  const byMail = (await admin.get('/api/admin/user-admin/search?q=nopass%40')).json();
  assert.deepEqual(byMail.map((u) => u.email), ['nopass@example.com']);

  const long = await admin.get(`/api/admin/user-admin/search?q=${'x'.repeat(300)}`);
  assert.equal(long.status, 400, long.text);
  assert.equal((await srv.request('GET', '/api/admin/user-admin/access')).status, 401);
  const access = (await admin.get('/api/admin/user-admin/access')).json();
  assert.deepEqual(access.groups, []);
  assert.ok(access.users.some((u) => u.username === 'searchable-sam' && typeof u.id === 'number'));

  const inactive = (await admin.get('/api/admin/user-admin/inactive')).json();
  assert.equal(inactive.version, 1);
  assert.deepEqual(inactive.inactiveUsers, [], 'every user here was created just now');

  const usersBefore = (await admin.get('/api/admin/user-admin')).json().users.length;
  assert.equal((await admin.del('/api/admin/user-admin/scim-users')).status, 200);
  assert.equal((await admin.get('/api/admin/user-admin')).json().users.length, usersBefore, 'no user is a SCIM user');

  const viewer = new Api(srv, { cookie: await loginOk(srv, 'searchable-sam', USER_PASSWORD) });
  assert.equal((await viewer.del('/api/admin/user-admin/scim-users')).status, 403);
  const res = await viewer.get('/api/admin/user-admin/admin-count');
  assert.equal(res.status, 403, res.text);
  assert.equal((await viewer.get('/api/admin/user-admin/inactive')).status, 403);
});

test('GET /api/admin/personal-dashboard and /personal-dashboard/:projectId', async () => {
  assert.equal((await admin.post('/api/admin/projects', { id: 'dash', name: 'Dash' })).status, 201);
  assert.equal((await admin.post('/api/admin/projects/dash/features', { name: 'mine-flag', type: 'experiment' })).status, 201);
  const res = await admin.get('/api/admin/personal-dashboard');
  assert.equal(res.status, 200, res.text);
  const dash = res.json();
  const p = dash.projects.find((x) => x.id === 'dash');
  assert.ok(p, JSON.stringify(dash.projects));
  assert.equal(p.name, 'Dash');
  assert.equal(p.featureCount, 1);
  assert.equal(p.health, 100);
  assert.deepEqual(p.roles.map((r) => r.name), ['Owner']);
  assert.deepEqual(p.owners.map((o) => o.ownerType), ['user']);
  assert.deepEqual(dash.flags, [{ name: 'mine-flag', type: 'experiment', project: 'dash' }]);
  assert.ok(dash.admins.some((a) => a.username === 'admin'));

  const viewer = new Api(srv, { cookie: await loginOk(srv, 'searchable-sam', USER_PASSWORD) });
  const theirs = (await viewer.get('/api/admin/personal-dashboard')).json();
  assert.deepEqual(theirs.projects, []);
  assert.deepEqual(theirs.flags, []);

  const detail = (await admin.get('/api/admin/personal-dashboard/dash')).json();
  assert.ok(detail.latestEvents.some((e) => e.summary.includes('mine-flag')), JSON.stringify(detail.latestEvents));
  assert.equal(detail.insights.totalFlags, 1);
  assert.deepEqual(detail.onboardingStatus, { status: 'onboarded' });
  assert.deepEqual(detail.roles.map((r) => r.name), ['Owner']);
  assert.equal((await srv.request('GET', '/api/admin/personal-dashboard')).status, 401);
  const nope = await admin.get('/api/admin/personal-dashboard/nope');
  assert.equal(nope.status, 404, nope.text);
});
