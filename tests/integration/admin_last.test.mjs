// The last Unleash 8.2 admin operations latch routes: the deletion of inactive users
// (POST /api/admin/user-admin/inactive/delete) and a project's DORA lead time
// (GET /api/admin/projects/:projectId/dora), a tag on no flag (POST /api/admin/tags), and
// Edge's token issuing as Unleash's open build answers it (POST /edge/issue-token), and the
// inviteLink of a user created through POST /api/admin/user-admin, on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { waitFor } from './harness.mjs';
import { psql } from './pg_harness.mjs';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser } from './access_harness.mjs';

const DAY = 86400000;
const ARGS = ['--metrics-interval', '1'];
let srv;
let admin;

// Age rows as only the store can (a user not seen for 200 days cannot be made otherwise).
const exec = (query) => {
  if (/^postgres/.test(srv.db)) psql(srv.db, query);
  else execFileSync('sqlite3', [srv.db, query], { encoding: 'utf8', timeout: 30000 });
};

before(async () => {
  srv = await startAccess({ fixtures: {}, tokens: { prod: { type: 'client', environment: 'production' } }, args: ARGS });
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
  await srv.restart(ARGS);
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

test('GET /api/admin/projects/:projectId/dora: initial to first live, release flags only', async () => {
  assert.equal((await admin.post('/api/admin/projects', { id: 'dora', name: 'Dora' })).status, 201);
  const F = '/api/admin/projects/dora/features';
  const empty = await admin.get('/api/admin/projects/dora/dora');
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.json(), { features: [], projectAverage: 0 });

  for (const [name, type] of [['dora-a', 'release'], ['dora-b', 'release'], ['dora-x', 'experiment'], ['dora-off', 'release']]) {
    assert.equal((await admin.post(F, { name, type })).status, 201);
    if (name !== 'dora-off') assert.equal((await admin.post(`${F}/${name}/environments/production/on`)).status, 200);
  }
  const now = new Date();
  const toggles = { 'dora-a': { yes: 1, no: 0 }, 'dora-b': { yes: 1, no: 0 }, 'dora-x': { yes: 1, no: 0 }, 'dora-off': { yes: 0, no: 1 } };
  const sent = await srv.post('/api/client/metrics', {
    appName: 'dora-app', instanceId: 'i-1', bucket: { start: new Date(now.getTime() - 1000).toISOString(), stop: now.toISOString(), toggles },
  }, { Authorization: srv.tokens.prod });
  assert.equal(sent.status, 202, sent.text);
  const stages = async (name) => (await admin.get(`${F}/${name}/lifecycle`)).json().map((x) => x.stage);
  for (const name of ['dora-a', 'dora-b', 'dora-x']) await waitFor(async () => (await stages(name)).includes('live'), { what: `${name} live` });

  const same = (await admin.get('/api/admin/projects/dora/dora')).json();
  assert.deepEqual(same, { features: [{ name: 'dora-a', timeToProduction: 0 }, { name: 'dora-b', timeToProduction: 0 }], projectAverage: 0.1 });

  // dora-a created three days (and a bit) before it went live
  await srv.stop();
  exec(`UPDATE feature_lifecycles SET created_at = created_at - ${3 * DAY + 3600000} WHERE feature = 'dora-a' AND stage = 'initial'`);
  await srv.restart(ARGS);
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
  const res = await admin.get('/api/admin/projects/dora/dora');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json(), { features: [{ name: 'dora-a', timeToProduction: 3 }, { name: 'dora-b', timeToProduction: 0 }], projectAverage: 1.5 });
  assert.deepEqual((await admin.get('/api/admin/projects/dora/insights')).json().leadTime, res.json());

  // an archived flag still counts, as in Unleash
  assert.equal((await admin.del(`${F}/dora-b`)).status, 202);
  assert.deepEqual((await admin.get('/api/admin/projects/dora/dora')).json().features.map((f) => f.name), ['dora-a', 'dora-b']);

  const viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer-v', USER_PASSWORD) });
  assert.equal((await viewer.get('/api/admin/projects/dora/dora')).status, 200, 'any user may read it, as in Unleash');
  assert.equal((await srv.request('GET', '/api/admin/projects/dora/dora')).status, 401);
  const missing = await admin.get('/api/admin/projects/nope/dora');
  assert.equal(missing.status, 404, missing.text);
});

test('POST /api/admin/tags: a tag on no flag, listed, kept over a restart, deletable', async () => {
  const res = await admin.post('/api/admin/tags', { type: 'simple', value: '  lone-tag ' });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json(), { version: 1, tag: { value: 'lone-tag', type: 'simple' } });
  const dup = await admin.post('/api/admin/tags', { value: 'lone-tag' });
  assert.equal(dup.status, 409, dup.text);
  assert.equal(dup.json().name, 'NameExistsError');

  // a tag a flag carries exists too
  assert.equal((await admin.post('/api/admin/projects/default/features', { name: 'tagged-flag' })).status, 201);
  assert.equal((await admin.post('/api/admin/features/tagged-flag/tags', { type: 'simple', value: 'on-flag' })).status, 201);
  assert.equal((await admin.post('/api/admin/tags', { type: 'simple', value: 'on-flag' })).status, 409);

  for (const body of [{}, { value: 7 }, { value: 'x' }, { value: 'y'.repeat(51) }, { type: 'no-such-type', value: 'abc' }, { type: 'bad type!', value: 'abc' }]) {
    const bad = await admin.post('/api/admin/tags', body);
    assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.text}`);
    assert.equal(typeof bad.json().message, 'string');
  }
  const viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer-v', USER_PASSWORD) });
  const forbidden = await viewer.post('/api/admin/tags', { value: 'viewer-tag' });
  assert.equal(forbidden.status, 403, forbidden.text);

  const listed = async (path = '/api/admin/tags') => (await admin.get(path)).json().tags.map((t) => `${t.type}:${t.value}`);
  assert.deepEqual(await listed(), ['simple:lone-tag', 'simple:on-flag']);
  assert.deepEqual(await listed('/api/admin/tags/simple'), ['simple:lone-tag', 'simple:on-flag']);
  assert.deepEqual((await admin.get('/api/admin/tags/simple/lone-tag')).json(), { version: 1, tag: { value: 'lone-tag', type: 'simple' } });
  const created = (await admin.get('/api/admin/events')).json().events.filter((e) => e.type === 'tag-created');
  assert.deepEqual(created.map((e) => e.data), [{ value: 'lone-tag', type: 'simple' }]);

  await srv.restart(ARGS);
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
  assert.deepEqual(await listed(), ['simple:lone-tag', 'simple:on-flag']);

  assert.equal((await admin.del('/api/admin/tags/simple/lone-tag')).status, 200);
  assert.deepEqual(await listed(), ['simple:on-flag']);
  assert.equal((await admin.get('/api/admin/tags/simple/lone-tag')).status, 404);
  const deleted = (await admin.get('/api/admin/events')).json().events.filter((e) => e.type === 'tag-deleted');
  assert.deepEqual(deleted.map((e) => e.preData), [{ value: 'lone-tag', type: 'simple' }]);
  // and it can be created again
  assert.equal((await admin.post('/api/admin/tags', { value: 'lone-tag' })).status, 201);

  // a tag type's deletion takes the tags created on their own of that type with it
  assert.equal((await admin.post('/api/admin/tag-types', { name: 'team' })).status, 201);
  assert.equal((await admin.post('/api/admin/tags', { type: 'team', value: 'core' })).status, 201);
  assert.deepEqual(await listed('/api/admin/tags/team'), ['team:core']);
  assert.equal((await admin.del('/api/admin/tag-types/team')).status, 200);
  assert.deepEqual(await listed('/api/admin/tags/team'), []);
});

test('POST /edge/issue-token: as the open build without an Edge client secret, nothing issued', async () => {
  const body = { tokens: [{ environment: 'development', projects: ['default'] }] };
  const tokensBefore = (await admin.get('/api/admin/api-tokens')).json().tokens.length;
  const post = (b, headers = {}) => srv.request('POST', '/edge/issue-token', {
    headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(b),
  });
  for (const bad of [{}, { tokens: 'x' }, { tokens: [{ environment: 'development' }] }, { tokens: [{ environment: 'development', projects: [1] }] },
    { tokens: [{ environment: 'development', projects: [], extra: 1 }] }]) {
    const res = await post(bad);
    assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${res.text}`);
    assert.equal(typeof res.json().message, 'string');
  }
  const expect = async (headers, error) => {
    const res = await post(body, headers);
    assert.equal(res.status, 401, res.text);
    assert.deepEqual(res.json(), { error });
  };
  await expect({}, 'Missing HMAC authorization header');
  await expect({ Authorization: srv.tokens.prod }, 'Missing HMAC authorization header');
  await expect({ Authorization: 'HMAC enterprise-edge:' }, 'Missing HMAC authorization header');
  const signed = { Authorization: 'HMAC enterprise-edge:c2lnbmF0dXJl', 'x-nonce': 'n-1', 'content-sha256': 'ab' };
  await expect({ Authorization: signed.Authorization }, 'Missing content headers');
  await expect({ ...signed, 'x-timestamp': new Date(Date.now() - 10 * 60000).toISOString() }, 'Stale request');
  await expect({ ...signed, 'x-timestamp': new Date().toISOString() }, 'Unknown client');
  await expect({ ...signed, 'x-timestamp': 'not a time' }, 'Unknown client');
  assert.equal((await admin.get('/api/admin/api-tokens')).json().tokens.length, tokensBefore, 'no token created');
});

test('POST /api/admin/user-admin: inviteLink, a single-use /new-user link that sets the password', async () => {
  const res = await admin.post('/api/admin/user-admin', { email: 'invited@example.com', name: 'Invited', rootRole: 'Editor' });
  assert.equal(res.status, 201, res.text);
  const u = res.json();
  assert.equal(u.email, 'invited@example.com');
  assert.equal(u.emailSent, false);
  const link = new URL(u.inviteLink);
  assert.equal(link.origin, srv.url.replace(/\/$/, ''));
  assert.equal(link.pathname, '/new-user');
  const token = link.searchParams.get('token');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(srv.exportAll()).includes(token), 'the secret is stored only as its digest');
  const events = (await admin.get('/api/admin/events')).json().events;
  assert.ok(!JSON.stringify(events).includes(token), 'nor in an event');

  const valid = await srv.request('GET', `/auth/reset/validate?token=${token}`);
  assert.equal(valid.status, 200, valid.text);
  assert.equal(valid.json().email, 'invited@example.com');
  const set = await srv.post('/auth/reset/password', { token, password: USER_PASSWORD });
  assert.equal(set.status, 200, set.text);
  await loginOk(srv, 'invited@example.com', USER_PASSWORD);
  const again = await srv.post('/auth/reset/password', { token, password: 'An0ther-Passw0rd!' });
  assert.equal(again.status, 403, again.text);

  // a user created with a password gets one too, as in Unleash; a refused user, none
  const withPw = (await admin.post('/api/admin/user-admin', { username: 'with-pw', rootRole: 'Viewer', password: USER_PASSWORD })).json();
  assert.match(withPw.inviteLink, /\/new-user\?token=[0-9a-f]{64}$/);
  // the invite is no reset link: one may be made at once
  assert.equal((await admin.post('/api/admin/user-admin', { email: 'second@example.com', rootRole: 'Viewer' })).status, 201);
  const reset = await admin.post('/api/admin/user-admin/reset-password', { id: 'second@example.com' });
  assert.equal(reset.status, 200, reset.text);
  const viewer = new Api(srv, { cookie: await loginOk(srv, 'viewer-v', USER_PASSWORD) });
  assert.equal((await viewer.post('/api/admin/user-admin', { email: 'no@example.com', rootRole: 'Viewer' })).status, 403);
  assert.equal((await admin.post('/api/admin/user-admin', { email: 'no@example.com' })).status, 400);
  const dup = await admin.post('/api/admin/user-admin', { email: 'invited@example.com', rootRole: 'Viewer' });
  assert.equal(dup.status, 409, dup.text);
  assert.ok(!(await admin.get('/api/admin/user-admin')).json().users.some((x) => x.email === 'no@example.com'));
});
