// The access system beyond the matrix: login and sessions (cookie, rate limit, logout), PAT
// rules, role changes at the next request, expiry and revocation at the next request, token
// validation (UNLEASH-API.md §1.6) and formats (§1.2), seenAt, project-scoped token routes
// and project roles, custom roles, users, events, and malformed credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sleep, MSG_NEED_TOKEN } from './harness.mjs';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  PASSWORD_MISMATCH,
  Api,
  startAccess,
  login,
  loginOk,
  createUser,
  createPat,
  inDays,
  assertError,
  assertPermissionError,
  assertUnauthorized,
  assertLoginRequired,
} from './access_harness.mjs';

let srv;
let admin; // Api with the admin token

before(async () => {
  srv = await startAccess({ tokens: { admin: { type: 'admin', name: 'ops-token' } } });
  admin = new Api(srv, { token: srv.tokens.admin });
});

after(async () => {
  await srv?.dispose();
});

const enc = encodeURIComponent;

// ---------- login and sessions ----------

test('login answers the user JSON and an unleash-session cookie; the cookie opens the admin API', async () => {
  const { res, cookie, setCookie } = await login(srv, 'admin', ADMIN_PASSWORD);
  assert.equal(res.status, 200, res.text);
  assert.match(setCookie, /^unleash-session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Lax$/);
  assert.ok(cookie);
  const u = res.json();
  assert.deepEqual(Object.keys(u).sort(), [
    'accountType', 'createdAt', 'email', 'id', 'imageUrl', 'isAPI', 'loginAttempts', 'name', 'rootRole', 'seenAt', 'username',
  ]);
  assert.equal(u.username, 'admin');
  assert.equal(u.rootRole, 1);
  assert.equal(u.accountType, 'User');
  assert.ok(Date.parse(u.seenAt) > Date.now() - 60000);
  const me = await new Api(srv, { cookie }).get('/api/admin/user');
  assert.equal(me.status, 200, me.text);
  const body = me.json();
  assert.equal(body.user.username, 'admin');
  assert.deepEqual(body.permissions, [{ permission: 'ADMIN' }]);
});

test('login by email; wrong password and unknown user get 401 PasswordMismatch', async () => {
  await createUser(admin, 'mail-user', 'Viewer');
  const ok = await login(srv, 'Mail-User@Example.com', USER_PASSWORD);
  assert.equal(ok.res.status, 200, ok.res.text);
  assert.equal(ok.res.json().email, 'mail-user@example.com');
  for (const [u, p] of [
    ['mail-user', 'Wrong-Passw0rd!'],
    ['nobody-here', USER_PASSWORD],
    ['mail-user', ''],
  ]) {
    const { res, cookie } = await login(srv, u, p);
    if (p === '') {
      assertError(res, 400, 'BadDataError', undefined, 'empty password');
      continue;
    }
    assertError(res, 401, 'PasswordMismatch', PASSWORD_MISMATCH, `${u}/${p}`);
    assert.equal(cookie, null);
    assert.equal(res.headers['set-cookie'], undefined);
  }
  const r415 = await srv.request('POST', '/auth/simple/login', { headers: { 'Content-Type': 'text/plain' }, body: 'x' });
  assertError(r415, 415, 'ContentTypeError', undefined, 'text body');
});

test('10 failed logins a minute for a user and address, then 429 even with the right password', async () => {
  await createUser(admin, 'brute', 'Viewer');
  await createUser(admin, 'bystander', 'Viewer');
  for (let i = 0; i < 10; i++) {
    const { res } = await login(srv, 'brute', `Wrong-Passw0rd-${i}`);
    assertError(res, 401, 'PasswordMismatch', PASSWORD_MISMATCH, `attempt ${i + 1}`);
  }
  for (const pw of ['Wrong-again-1', USER_PASSWORD]) {
    const { res, cookie } = await login(srv, 'BRUTE', pw);
    assertError(res, 429, 'RateLimitError', /Try again in \d+ seconds/, 'after 10 failures');
    assert.ok(Number(res.headers['retry-after']) > 0 && Number(res.headers['retry-after']) <= 60);
    assert.equal(cookie, null);
  }
  // another user from the same address is not affected
  await loginOk(srv, 'bystander', USER_PASSWORD);
});

test('logout ends the session; tampered and unknown cookies are refused', async () => {
  const cookie = await loginOk(srv, 'admin', ADMIN_PASSWORD);
  const api = new Api(srv, { cookie });
  assert.equal((await api.get('/api/admin/user')).status, 200);
  const flipped = cookie.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  for (const bad of [flipped, cookie.slice(1), `${cookie}0`, '', '"' + cookie.slice(2) + '"', 'x'.repeat(5000)])
    assertLoginRequired(await new Api(srv, { cookie: bad }).get('/api/admin/user'), `cookie ${bad.slice(0, 20)}`);
  const out = await srv.request('POST', '/logout', { headers: { Cookie: `unleash-session=${cookie}` } });
  assert.equal(out.status, 302);
  assert.equal(out.headers.location, '/');
  assert.match(out.headers['set-cookie'][0], /^unleash-session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
  assertLoginRequired(await api.get('/api/admin/user'), 'after logout');
});

// ---------- personal access tokens ----------

test('PAT rules: expiry required and in the future, unique description, at most 10, no secret in lists', async () => {
  await createUser(admin, 'pat-owner', 'Editor');
  const api = new Api(srv, { cookie: await loginOk(srv, 'pat-owner', USER_PASSWORD) });
  assertError(await api.post('/api/admin/user/tokens', { description: 'no expiry' }), 400, 'ValidationError', 'expiresAt is required.');
  assertError(
    await api.post('/api/admin/user/tokens', { description: 'past', expiresAt: '2020-01-01T00:00:00Z' }),
    400,
    'ValidationError',
    'The expiry date should be in future.',
  );
  assertError(await api.post('/api/admin/user/tokens', { description: '', expiresAt: inDays(1) }), 400, 'ValidationError');
  assertError(await api.post('/api/admin/user/tokens', { description: 'x', expiresAt: 'tomorrow' }), 400, 'ValidationError');
  const made = [];
  for (let i = 0; i < 10; i++) made.push(await createPat(api, `pat ${i}`));
  // Unleash's fields, then latch's (issue 16: v2, scope, rotation, expiry warning)
  assert.deepEqual(Object.keys(made[0]).sort(), [
    'createdAt', 'description', 'expiresAt', 'expiringSoon', 'graceEndsAt', 'id', 'inGrace', 'projects',
    'readOnly', 'requestsPerSecond', 'rotated', 'secret', 'secure', 'seenAt', 'userId',
  ]);
  assert.equal(made[0].seenAt, null);
  assertError(await api.post('/api/admin/user/tokens', { description: 'pat 3', expiresAt: inDays(1) }), 409, 'NameExistsError');
  assertError(await api.post('/api/admin/user/tokens', { description: 'eleventh', expiresAt: inDays(1) }), 403, 'OperationDeniedError');
  const list = await api.get('/api/admin/user/tokens');
  assert.equal(list.status, 200);
  const { pats } = list.json();
  assert.deepEqual(pats.map((p) => p.description), made.map((p) => p.description));
  for (const p of pats) {
    assert.ok(!('secret' in p));
    assert.ok(!list.text.includes(p.id && made.find((m) => m.id === p.id).secret.slice(5)));
  }
  // a PAT works, then is deleted and refused at the next request
  const pat = new Api(srv, { token: made[0].secret });
  assert.equal((await pat.get('/api/admin/user')).json().user.username, 'pat-owner');
  assert.notEqual((await api.get('/api/admin/user/tokens')).json().pats[0].seenAt, null, 'seenAt after use');
  assert.equal((await api.del(`/api/admin/user/tokens/${made[0].id}`)).status, 200);
  assertUnauthorized(await pat.get('/api/admin/user'), 'deleted PAT');
  // another user cannot delete mine
  await createUser(admin, 'pat-thief', 'Admin');
  const thief = new Api(srv, { cookie: await loginOk(srv, 'pat-thief', USER_PASSWORD) });
  assert.equal((await thief.del(`/api/admin/user/tokens/${made[1].id}`)).status, 200);
  assert.equal((await new Api(srv, { token: made[1].secret }).get('/api/admin/user')).status, 200);
  // admin tokens have no user to own PATs
  assertError(await admin.get('/api/admin/user/tokens'), 403, 'ForbiddenError');
});

test('a role change applies to the user PAT at the very next request', async () => {
  const u = await createUser(admin, 'role-flip', 'Viewer');
  const pat = (await createPat(new Api(srv, { cookie: await loginOk(srv, 'role-flip', USER_PASSWORD) }), 'flip')).secret;
  const api = new Api(srv, { token: pat });
  const body = (n) => ({ tokenName: `flip-${n}`, type: 'client', environment: 'development' });
  assert.equal((await api.post('/api/admin/api-tokens', body(1))).status, 403);
  assert.equal((await admin.put(`/api/admin/user-admin/${u.id}`, { rootRole: 'Editor' })).status, 200);
  assert.equal((await api.post('/api/admin/api-tokens', body(2))).status, 201);
  assertPermissionError(await api.get('/api/admin/user-admin'), 'ADMIN');
  assert.equal((await admin.put(`/api/admin/user-admin/${u.id}`, { rootRole: 1 })).status, 200);
  assert.equal((await api.get('/api/admin/user-admin')).status, 200);
  assert.equal((await admin.put(`/api/admin/user-admin/${u.id}`, { rootRole: 'Viewer' })).status, 200);
  assert.equal((await api.post('/api/admin/api-tokens', body(3))).status, 403);
  // deleting the user ends the PAT and the session
  const cookie = await loginOk(srv, 'role-flip', USER_PASSWORD);
  assert.equal((await admin.del(`/api/admin/user-admin/${u.id}`)).status, 200);
  assertUnauthorized(await api.get('/api/admin/user'), 'PAT of a deleted user');
  assertLoginRequired(await new Api(srv, { cookie }).get('/api/admin/user'), 'session of a deleted user');
});

test('an expiring PAT is refused at the first request after its expiry', async () => {
  await createUser(admin, 'short-lived', 'Editor');
  const api = new Api(srv, { cookie: await loginOk(srv, 'short-lived', USER_PASSWORD) });
  const pat = await createPat(api, 'brief', new Date(Date.now() + 1500).toISOString());
  const p = new Api(srv, { token: pat.secret });
  assert.equal((await p.get('/api/admin/user')).status, 200);
  await sleep(1600);
  assertUnauthorized(await p.get('/api/admin/user'), 'expired PAT');
  assert.equal((await srv.get('/api/client/features', { Authorization: pat.secret })).status, 401);
});

// ---------- API tokens ----------

test('revocation and a past expiry take effect at the next request; unknown secrets answer 200', async () => {
  const mk = async (tokenName) => {
    const res = await admin.post('/api/admin/api-tokens', { tokenName, type: 'client', environment: 'development' });
    assert.equal(res.status, 201, res.text);
    return res.json().secret;
  };
  const a = await mk('to-revoke');
  const b = await mk('to-expire');
  for (const s of [a, b]) assert.equal((await srv.get('/api/client/features', { Authorization: s })).status, 200);
  assert.equal((await admin.del(`/api/admin/api-tokens/${enc(a)}`)).status, 200);
  const r1 = await srv.get('/api/client/features', { Authorization: a });
  assert.equal(r1.status, 401);
  assert.equal(r1.text, MSG_NEED_TOKEN);
  const past = new Date(Date.now() - 1000).toISOString();
  assert.equal((await admin.put(`/api/admin/api-tokens/${enc(b)}`, { expiresAt: past })).status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: b })).status, 401);
  const listed = (await admin.get('/api/admin/api-tokens/to-expire')).json().tokens;
  assert.equal(listed.length, 1);
  assert.equal(Date.parse(listed[0].expiresAt), Date.parse(past));
  // PUT back to the future revives it
  assert.equal((await admin.put(`/api/admin/api-tokens/${enc(b)}`, { expiresAt: inDays(1) })).status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: b })).status, 200);
  const ghost = `*:development.${randomBytes(28).toString('hex')}`;
  assert.equal((await admin.put(`/api/admin/api-tokens/${enc(ghost)}`, { expiresAt: inDays(1) })).status, 200);
  assert.equal((await admin.del(`/api/admin/api-tokens/${enc(ghost)}`)).status, 200);
  assertError(await admin.put(`/api/admin/api-tokens/${enc(b)}`, {}), 400, 'ValidationError');
  const types = (await admin.get('/api/admin/search/events?query=to-expire')).json().events.map((e) => e.type);
  assert.deepEqual(types, ['api-token-updated', 'api-token-updated', 'api-token-created']);
});

test('token creation validates as Unleash does (§1.6) and mints the §1.2 formats', async () => {
  const post = (body) => admin.post('/api/admin/api-tokens', body);
  const bad = [
    [{ tokenName: 'a', type: 'admin', projects: ['default'] }, 'Admin token cannot be scoped to single project'],
    [{ tokenName: 'a', type: 'admin', environment: 'development' }, 'Admin token cannot be scoped to single environment'],
    [{ tokenName: 'a', type: 'client', environment: '*' }, 'Client token cannot be scoped to all environments'],
    [{ tokenName: 'a', type: 'frontend', environment: '*' }, 'Frontend token cannot be scoped to all environments'],
    [{ tokenName: 'a', type: 'client', environment: 'staging' }, 'Environment=staging does not exist'],
    [{ tokenName: 'a', type: 'client', projects: ['checkout', 'nope'] }, 'Project=nope does not exist'],
    [{ tokenName: 'a', type: 'client', project: 'nope' }, 'Project=nope does not exist'],
  ];
  for (const [body, msg] of bad) assertError(await post(body), 400, 'BadDataError', msg, JSON.stringify(body));
  for (const body of [
    { type: 'client' },
    { tokenName: '', type: 'client' },
    { tokenName: 'a', type: 'pat' },
    { tokenName: 'a', type: 'superuser' },
    { tokenName: 'a', type: 'client', projects: [] },
    { tokenName: 'a', type: 'client', projects: 'checkout' },
    { tokenName: 'a', type: 'client', expiresAt: 'never' },
    { tokenName: 'a', type: 'client', expiresAt: '2020-01-01T00:00:00Z' },
  ])
    assertError(await post(body), 400, 'ValidationError', undefined, JSON.stringify(body));
  const formats = [
    [{ tokenName: 'f1', type: 'client', projects: ['checkout'] }, /^checkout:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['checkout']],
    [{ tokenName: 'f2', type: 'backend', projects: ['checkout', 'search'] }, /^\[\]:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['checkout', 'search']],
    [{ tokenName: 'f3', type: 'client', projects: ['checkout', '*'] }, /^\*:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['*']],
    [{ tokenName: 'f4', type: 'frontend', environment: 'production' }, /^\*:production\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['*']],
    [{ tokenName: 'f5', type: 'client', project: 'search' }, /^search:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['search']],
    [{ tokenName: 'f6', type: 'admin' }, /^\*:\*\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, ['*']],
  ];
  for (const [body, re, projects] of formats) {
    const res = await post(body);
    assert.equal(res.status, 201, res.text);
    const t = res.json();
    assert.match(t.secret, re, body.tokenName);
    assert.deepEqual(t.projects, projects, body.tokenName);
    assert.equal(t.project, projects.join(','), body.tokenName);
    assert.equal(t.type, body.type === 'backend' ? 'client' : body.type, body.tokenName);
    assert.equal(t.expiresAt, null);
    assert.equal(t.seenAt, null);
    const listed = (await admin.get(`/api/admin/api-tokens/${body.tokenName}`)).json().tokens;
    assert.equal(listed.length, 1);
    // a v2 token is listed by its selector, as Unleash lists secure tokens
    assert.equal(listed[0].secret, /\.v2_([A-Za-z0-9_-]{22})_/.exec(t.secret)[1]);
    assert.equal(listed[0].secure, true);
  }
  // an Editor may create client tokens but not admin tokens
  await createUser(admin, 'tok-editor', 'Editor');
  const ed = new Api(srv, { cookie: await loginOk(srv, 'tok-editor', USER_PASSWORD) });
  assertPermissionError(await ed.post('/api/admin/api-tokens', { tokenName: 'nope', type: 'admin' }), 'ADMIN');
  assert.equal((await ed.post('/api/admin/api-tokens', { tokenName: 'yes', type: 'frontend' })).status, 201);
  // an Editor does not see admin tokens, nor may delete one
  const adminSecret = srv.tokens.admin;
  assert.ok(!(await ed.get('/api/admin/api-tokens')).json().tokens.some((t) => t.type === 'admin'));
  assertPermissionError(await ed.del(`/api/admin/api-tokens/${enc(adminSecret)}`), 'ADMIN');
  assert.equal((await admin.get('/api/admin/user')).status, 200, 'the admin token survived');
});

test('seenAt: a token used on the client API shows when; an unused one shows null', async () => {
  const mk = async (tokenName) => (await admin.post('/api/admin/api-tokens', { tokenName, type: 'client' })).json().secret;
  const used = await mk('seen-used');
  await mk('seen-unused');
  const before = Date.now();
  assert.equal((await srv.get('/api/client/features', { Authorization: used })).status, 200);
  const get = async (n) => (await admin.get(`/api/admin/api-tokens/${n}`)).json().tokens[0];
  assert.ok(Date.parse((await get('seen-used')).seenAt) >= before - 1000);
  assert.equal((await get('seen-unused')).seenAt, null);
});

test('project-scoped token routes and a custom project role bound to one project', async () => {
  const mk = (project, tokenName, extra = {}) =>
    admin.post(`/api/admin/projects/${project}/api-tokens`, { tokenName, type: 'client', ...extra });
  const a = await mk('checkout', 'p-checkout', { projects: ['search'] });
  assert.equal(a.status, 201, a.text);
  assert.deepEqual(a.json().projects, ['checkout'], 'the route decides the project');
  assert.equal((await mk('search', 'p-search')).status, 201);
  assertError(await mk('nope', 'p-nope'), 404, 'NotFoundError');
  const wide = (await admin.post('/api/admin/api-tokens', { tokenName: 'p-wide', type: 'client', projects: ['checkout', 'search'] })).json();
  const names = (await admin.get('/api/admin/projects/checkout/api-tokens')).json().tokens.map((t) => t.tokenName).sort();
  assert.ok(names.includes('p-checkout') && names.includes('p-wide'), names.join());
  assert.ok(!names.includes('p-search'), 'another project');
  assert.ok(!(await admin.get('/api/admin/projects/checkout/api-tokens')).json().tokens.some((t) => t.projects.includes('*')));
  assertError(await admin.del(`/api/admin/projects/checkout/api-tokens/${enc(wide.secret)}`), 400, 'BadDataError');
  assert.equal((await srv.get('/api/client/features', { Authorization: wide.secret })).status, 200, 'still there');
  assert.equal((await admin.del(`/api/admin/projects/checkout/api-tokens/${enc(a.json().secret)}`)).status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: a.json().secret })).status, 401);

  // a Viewer with a custom project role in checkout reads checkout's tokens only
  const role = await admin.post('/api/admin/roles', {
    name: 'token-reader',
    type: 'custom',
    permissions: [{ name: 'READ_PROJECT_API_TOKEN' }, { permission: 'UPDATE_FEATURE_STRATEGY', environment: 'production' }],
  });
  assert.equal(role.status, 201, role.text);
  const roleId = role.json().id;
  const u = await createUser(admin, 'proj-viewer', 'Viewer');
  const api = new Api(srv, { cookie: await loginOk(srv, 'proj-viewer', USER_PASSWORD) });
  assertPermissionError(await api.get('/api/admin/projects/checkout/api-tokens'), 'READ_PROJECT_API_TOKEN');
  const bind = `/api/admin/projects/checkout/users/${u.id}/roles/${roleId}`;
  assert.equal((await admin.post(bind)).status, 200);
  assert.equal((await api.get('/api/admin/projects/checkout/api-tokens')).status, 200);
  assertPermissionError(await api.get('/api/admin/projects/search/api-tokens'), 'READ_PROJECT_API_TOKEN');
  const perms = (await api.get('/api/admin/user')).json().permissions;
  assert.deepEqual(perms, [
    { permission: 'READ_PROJECT_API_TOKEN', project: 'checkout' },
    { permission: 'UPDATE_FEATURE_STRATEGY', project: 'checkout', environment: 'production' },
  ]);
  const roles = (await api.get('/api/admin/user/roles?projectId=checkout')).json();
  assert.deepEqual(roles.roles.map((r) => r.name), ['token-reader']);
  assertError(await admin.del(`/api/admin/roles/${roleId}`), 400, 'RoleInUseError');
  assert.equal((await admin.del(bind)).status, 200);
  assertPermissionError(await api.get('/api/admin/projects/checkout/api-tokens'), 'READ_PROJECT_API_TOKEN');
  assertError(await admin.post(`/api/admin/projects/checkout/users/${u.id}/roles/1`), 400, 'BadDataError', undefined, 'root role');
  assert.equal((await admin.put(`/api/admin/projects/checkout/users/${u.id}/roles`, { roles: [5] })).status, 200);
  assert.equal((await api.get('/api/admin/projects/checkout/api-tokens')).status, 200, 'Member reads project tokens');
  assert.equal((await admin.del(`/api/admin/roles/${roleId}`)).status, 200);
});

test('custom roles: validation, built-in roles are fixed, events record changes', async () => {
  const post = (body) => admin.post('/api/admin/roles', body);
  assertError(await post({ name: 'x', type: 'root-custom', permissions: [{ name: 'FLY' }] }), 400, 'ValidationError');
  assertError(await post({ name: 'x', type: 'root-custom', permissions: [{ name: 'ADMIN' }] }), 400, 'ValidationError');
  assertError(await post({ name: 'x', type: 'custom', permissions: [{ name: 'CREATE_SEGMENT' }] }), 400, 'ValidationError');
  assertError(await post({ name: 'x', type: 'root', permissions: [] }), 400, 'ValidationError');
  assertError(await post({ name: 'x', type: 'custom', permissions: [{ name: 'UPDATE_FEATURE_STRATEGY', environment: 'mars' }] }), 400, 'BadDataError');
  assertError(await post({ name: 'editor', type: 'root-custom', permissions: [] }), 409, 'NameExistsError');
  assertError(await admin.put('/api/admin/roles/2', { name: 'Editor', type: 'root-custom', permissions: [] }), 403, 'InvalidOperationError');
  assertError(await admin.del('/api/admin/roles/3'), 403, 'InvalidOperationError');
  const r = await post({ name: 'segmenter', description: 'segments', type: 'root-custom', permissions: ['CREATE_SEGMENT'] });
  assert.equal(r.status, 201, r.text);
  const id = r.json().id;
  const u = await createUser(admin, 'segment-person', id);
  assert.equal(u.rootRole, id);
  const api = new Api(srv, { cookie: await loginOk(srv, 'segment-person', USER_PASSWORD) });
  assert.deepEqual((await api.get('/api/admin/user')).json().permissions, [{ permission: 'CREATE_SEGMENT' }]);
  const put = await admin.put(`/api/admin/roles/${id}`, { name: 'segmenter', type: 'root-custom', permissions: ['UPDATE_SEGMENT'] });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await api.get('/api/admin/user')).json().permissions, [{ permission: 'UPDATE_SEGMENT' }]);
  assert.deepEqual((await api.get(`/api/admin/roles/${id}`)).json().permissions, [{ name: 'UPDATE_SEGMENT' }]);
  assertError(await admin.del(`/api/admin/roles/${id}`), 400, 'RoleInUseError');
  const ev = (await admin.get('/api/admin/search/events?query=segmenter')).json().events;
  assert.deepEqual(ev.map((e) => e.type), ['role-updated', 'role-created']);
  assert.deepEqual(ev[0].preData.permissions, [{ name: 'CREATE_SEGMENT' }]);
  assert.equal(ev[0].createdBy, 'ops-token');
  const perms = (await api.get('/api/admin/permissions')).json().permissions;
  assert.ok(perms.root.some((p) => p.name === 'CREATE_SEGMENT'));
  assert.ok(perms.project.some((p) => p.name === 'CREATE_FEATURE'));
  assert.deepEqual(perms.environments.map((e) => e.name).sort(), ['development', 'production']);
});

test('user admin: validation, duplicates, password policy, change-password ends sessions', async () => {
  const post = (body) => admin.post('/api/admin/user-admin', body);
  assertError(await post({ rootRole: 'Viewer' }), 400, 'ValidationError', 'You must specify username or email.');
  assertError(await post({ username: 'nr' }), 400, 'ValidationError', 'rootRole is required.');
  assertError(await post({ username: 'x', rootRole: 'Owner' }), 400, 'BadDataError');
  assertError(await post({ email: 'not-an-email', rootRole: 3 }), 400, 'ValidationError');
  assertError(await post({ username: 'weak', rootRole: 3, password: 'password' }), 400, 'OwaspValidationError');
  assertError(await post({ username: 'weak', rootRole: 3, password: 'passwordpassword1!' }), 400, 'OwaspValidationError');
  const u = await createUser(admin, 'pw-user', 'Editor');
  assertError(await post({ username: 'PW-USER', rootRole: 3 }), 409, 'NameExistsError');
  const list = (await admin.get('/api/admin/user-admin')).json();
  assert.deepEqual(list.rootRoles.map((r) => r.name).slice(0, 3), ['Admin', 'Editor', 'Viewer']);
  assert.ok(list.users.some((x) => x.username === 'pw-user'));
  const cookie = await loginOk(srv, 'pw-user', USER_PASSWORD);
  const path = `/api/admin/user-admin/${u.id}/change-password`;
  assertError(await admin.post(path, { password: 'short' }), 400, 'OwaspValidationError');
  assert.equal((await admin.post(path, { password: 'N3w-Passw0rd!' })).status, 200);
  assertLoginRequired(await new Api(srv, { cookie }).get('/api/admin/user'), 'session after a password change');
  assert.equal((await login(srv, 'pw-user', USER_PASSWORD)).res.status, 401);
  await loginOk(srv, 'pw-user', 'N3w-Passw0rd!');
  const ev = (await admin.get('/api/admin/search/events?type=user-password-changed')).json().events;
  assert.equal(ev[0].data.username, 'pw-user');
  assertError(await admin.get('/api/admin/user-admin/99999'), 404, 'NotFoundError');
  assertError(await admin.del('/api/admin/user-admin/99999'), 404, 'NotFoundError');
});

test('events: feature route, search filters, paging', async () => {
  // the log and a page of it, read while no event came in between (a background writer, such
  // as the expiry sweep, may append one at any time)
  let all, page;
  for (let i = 0; i < 10; i++) {
    all = (await admin.get('/api/admin/events')).json();
    page = (await admin.get('/api/admin/search/events?limit=2&offset=1')).json();
    const again = (await admin.get('/api/admin/events')).json();
    if (again.totalEvents === all.totalEvents) break;
  }
  assert.equal(all.version, 1);
  assert.ok(all.totalEvents >= all.events.length && all.events.length > 5);
  const ids = all.events.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  for (const k of ['id', 'type', 'createdAt', 'createdBy', 'createdByUserId', 'environment', 'project', 'featureName', 'data', 'preData', 'tags'])
    assert.ok(k in all.events[0], k);
  assert.deepEqual(page.events.map((e) => e.id), ids.slice(1, 3));
  assert.equal(page.total, all.totalEvents);
  const typed = (await admin.get('/api/admin/search/events?type=IS:user-created')).json();
  assert.ok(typed.events.length > 0 && typed.events.every((e) => e.type === 'user-created'));
  const feat = (await admin.get('/api/admin/events/no-such-flag')).json();
  assert.deepEqual(feat, { version: 1, toggleName: 'no-such-flag', events: [], totalEvents: 0 });
});

test('malformed credentials get clear 401s and the server keeps serving', async () => {
  const cases = [
    '',
    ' ',
    'Bearer',
    'x'.repeat(16000),
    '*:*',
    '*:*.',
    '**..::',
    'user:',
    'user:' + 'z'.repeat(56),
    `${srv.tokens.admin} `,
    srv.tokens.admin.replace(':', ';'),
    srv.tokens.admin.replace('.', ':'),
  ];
  for (const c of cases) {
    const res = await srv.request('GET', '/api/admin/user', { headers: { Authorization: c } });
    if (c.trim() === '') assertLoginRequired(res, JSON.stringify(c));
    else assertUnauthorized(res, JSON.stringify(c.slice(0, 30)));
  }
  // bytes no fetch would send: non-ASCII, NUL, control characters
  for (const bytes of [
    Buffer.from('Authorization: *:*.\xff\xfe\xe9t\xe9\r\n', 'latin1'),
    Buffer.from('Authorization: user:\x00abc\r\n', 'latin1'),
    Buffer.from('Authorization: ' + 'é'.repeat(100) + '\r\n', 'utf8'),
    Buffer.from('Cookie: unleash-session=\x01\x02\x03\r\n', 'latin1'),
  ]) {
    const req = Buffer.concat([Buffer.from('GET /api/admin/user HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'), bytes, Buffer.from('\r\n')]);
    const out = await srv.raw(req);
    assert.match(out, /^HTTP\/1\.1 (400|401) /, JSON.stringify(bytes.toString('latin1').slice(0, 40)));
  }
  const health = await srv.get('/health');
  assert.equal(health.status, 200);
  const me = await admin.get('/api/admin/user');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json().user, { username: 'ops-token', name: 'ops-token', isAPI: true, accountType: 'Service' });
});
