// Unleash 8.2's public signup tokens (invite links, invite_links.c): an admin creates, lists,
// reads and updates them; anyone with the link validates it and signs up through it while it is
// enabled and unexpired, becoming a Viewer who then logs in with the password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser, inDays } from './access_harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await startAccess({ fixtures: {} });
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
});

after(async () => {
  await srv?.dispose();
});

async function createLink(name, expiresAt = inDays(7)) {
  const res = await admin.post('/api/admin/invite-link/tokens', { name, expiresAt });
  assert.equal(res.status, 201, res.text);
  return res;
}

test('an admin creates a link: Unleash\'s shape, Viewer role, a month at most, Location', async () => {
  const res = await createLink('team', inDays(90));
  const t = res.json();
  assert.match(t.secret, /^[0-9a-f]{32}$/);
  assert.equal(res.headers.location, `tokens/${t.secret}`);
  assert.equal(t.url, `/new-user?invite=${t.secret}`);
  assert.equal(t.name, 'team');
  assert.equal(t.enabled, true);
  assert.equal(t.createdBy, 'admin');
  assert.deepEqual(t.users, []);
  assert.equal(t.role.name, 'Viewer');
  assert.equal(t.role.type, 'root');
  const exp = Date.parse(t.expiresAt);
  assert.ok(exp <= Date.now() + 32 * 86400000 && exp > Date.now() + 29 * 86400000, t.expiresAt);
  assert.ok(Date.parse(t.createdAt) > 0);

  const list = await admin.get('/api/admin/invite-link/tokens');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json().tokens.some((x) => x.secret === t.secret && x.name === 'team'));
  const one = await admin.get(`/api/admin/invite-link/tokens/${t.secret}`);
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(one.json(), t);
  const missing = await admin.get(`/api/admin/invite-link/tokens/${'0'.repeat(32)}`);
  assert.equal(missing.status, 404, missing.text);
  assert.equal(missing.json().name, 'NotFoundError');
});

test('validate: 200 for a live link, 400 for unknown, disabled and expired ones', async () => {
  const t = (await createLink('validate')).json();
  assert.equal((await srv.request('GET', `/invite/${t.secret}/validate`)).status, 200);
  const unknown = await srv.request('GET', `/invite/${'f'.repeat(32)}/validate`);
  assert.equal(unknown.status, 400, unknown.text);
  assert.equal(typeof unknown.json().message, 'string');

  const off = await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json().enabled, false);
  assert.equal((await srv.request('GET', `/invite/${t.secret}/validate`)).status, 400);
  const on = await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, { enabled: true });
  assert.equal(on.json().enabled, true);
  assert.equal((await srv.request('GET', `/invite/${t.secret}/validate`)).status, 200);

  const past = new Date(Date.now() - 60000).toISOString();
  const expired = await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, { expiresAt: past });
  assert.equal(expired.status, 200, expired.text);
  assert.equal(expired.json().expiresAt, past);
  assert.equal((await srv.request('GET', `/invite/${t.secret}/validate`)).status, 400);
  const signup = await srv.post(`/invite/${t.secret}/signup`, { name: 'Late', email: 'late@example.com', password: USER_PASSWORD });
  assert.equal(signup.status, 400, signup.text);
  assert.equal((await admin.get('/api/admin/user-admin')).json().users.some((u) => u.email === 'late@example.com'), false);
});

test('sign up through a link: the user has its role, logs in, and is listed with the link', async () => {
  const t = (await createLink('signup')).json();
  const res = await srv.post(`/invite/${t.secret}/signup`, { name: 'New Person', email: 'new@example.com', password: USER_PASSWORD });
  assert.equal(res.status, 201, res.text);
  const u = res.json();
  assert.equal(u.email, 'new@example.com');
  assert.equal(u.name, 'New Person');
  assert.equal(u.rootRole, t.role.id);
  assert.equal(JSON.stringify(u).includes('password'), false);

  const me = new Api(srv, { cookie: await loginOk(srv, 'new@example.com', USER_PASSWORD) });
  const profile = await me.get('/api/admin/user/profile');
  assert.equal(profile.json().rootRole, 'Viewer');
  const listed = (await admin.get(`/api/admin/invite-link/tokens/${t.secret}`)).json();
  assert.deepEqual(listed.users.map((x) => x.id), [u.id]);

  const again = await srv.post(`/invite/${t.secret}/signup`, { name: 'Twin', email: 'NEW@example.com', password: USER_PASSWORD });
  assert.equal(again.status, 400, again.text);
  assert.equal(again.json().message, 'User already exists');

  // a Viewer may not manage links
  for (const [m, p, b] of [
    ['GET', '/api/admin/invite-link/tokens'],
    ['POST', '/api/admin/invite-link/tokens', { name: 'x', expiresAt: inDays(1) }],
    ['GET', `/api/admin/invite-link/tokens/${t.secret}`],
    ['PUT', `/api/admin/invite-link/tokens/${t.secret}`, { enabled: false }],
  ]) {
    const r = await me.send(m, p, b);
    assert.equal(r.status, 403, `${m} ${p}: ${r.text}`);
  }
  const anon = await srv.request('GET', '/api/admin/invite-link/tokens');
  assert.equal(anon.status, 401, anon.text);

  // a deleted user leaves the link's list with them
  assert.equal((await admin.del(`/api/admin/user-admin/${u.id}`)).status, 200);
  assert.deepEqual((await admin.get(`/api/admin/invite-link/tokens/${t.secret}`)).json().users, []);
});

test('bad bodies are 400 and write nothing', async () => {
  const t = (await createLink('bodies')).json();
  const before = (await admin.get('/api/admin/invite-link/tokens')).json().tokens.length;
  for (const body of [
    {},
    { name: 'x' },
    { expiresAt: inDays(1) },
    { name: '', expiresAt: inDays(1) },
    { name: 'x', expiresAt: 'tomorrow' },
    { name: 'x', expiresAt: new Date(Date.now() - 1000).toISOString() },
    { name: 'x', expiresAt: inDays(1), role: 'Admin' },
    { name: 'x'.repeat(300), expiresAt: inDays(1) },
  ]) {
    const r = await admin.post('/api/admin/invite-link/tokens', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(typeof r.json().message, 'string');
  }
  assert.equal((await admin.get('/api/admin/invite-link/tokens')).json().tokens.length, before);
  for (const body of [{}, { enabled: 'yes' }, { expiresAt: 'soon' }, { secret: 'abc', enabled: true }]) {
    const r = await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  const gone = await admin.put(`/api/admin/invite-link/tokens/${'a'.repeat(32)}`, { enabled: false });
  assert.equal(gone.status, 404, gone.text);

  const users = (await admin.get('/api/admin/user-admin')).json().users.length;
  for (const body of [
    {},
    { name: 'A', email: 'a@example.com' },
    { name: 'A', password: USER_PASSWORD },
    { name: 'A', email: 'not-an-address', password: USER_PASSWORD },
    { name: 'A', email: 'a@example.com', password: 'weak' },
    { name: 'A', email: 'a@example.com', password: USER_PASSWORD, rootRole: 1 },
    { name: 'A', email: 'a@example.com', password: USER_PASSWORD, username: 'has space' },
  ]) {
    const r = await srv.post(`/invite/${t.secret}/signup`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  const notJson = await srv.request('POST', `/invite/${t.secret}/signup`, { headers: { 'Content-Type': 'application/json' }, body: '{' });
  assert.equal(notJson.status, 400, notJson.text);
  assert.equal((await admin.get('/api/admin/user-admin')).json().users.length, users);
});

test('events: created, updated and user-added, none with the secret or a password', async () => {
  const t = (await createLink('events')).json();
  assert.equal((await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, { enabled: false })).status, 200);
  assert.equal((await admin.put(`/api/admin/invite-link/tokens/${t.secret}`, { enabled: true })).status, 200);
  const s = await srv.post(`/invite/${t.secret}/signup`, { name: 'Ev', email: 'ev@example.com', password: USER_PASSWORD, username: 'ev' });
  assert.equal(s.status, 201, s.text);
  const events = (await admin.get('/api/admin/events')).json().events;
  const types = events.map((e) => e.type);
  for (const ty of ['public-signup-token-created', 'public-signup-token-updated', 'public-signup-token-user-added', 'user-created'])
    assert.ok(types.includes(ty), `${ty} in ${types}`);
  const added = events.find((e) => e.type === 'public-signup-token-user-added');
  assert.equal(added.data.userId, s.json().id);
  assert.equal(added.data.name, 'events');
  const text = JSON.stringify(events);
  assert.equal(text.includes(t.secret), false, 'no invite secret in events');
  assert.equal(text.includes(USER_PASSWORD), false, 'no password in events');
  assert.equal(text.includes('$argon2'), false, 'no password hash in events');
  const list = JSON.stringify((await admin.get('/api/admin/invite-link/tokens')).json());
  assert.equal(list.includes('$argon2'), false);
  assert.equal(list.includes('password'), false);
});

test('signups count against the login limit per address', async () => {
  const limitedSrv = await startAccess({ fixtures: {}, env: { SIMPLE_LOGIN_LIMIT_PER_MINUTE: '10' } });
  try {
    const adm = new Api(limitedSrv, { cookie: await loginOk(limitedSrv, 'admin', ADMIN_PASSWORD) });
    const t = (await adm.post('/api/admin/invite-link/tokens', { name: 'limit', expiresAt: inDays(1) })).json();
    let limited = null;
    for (let i = 0; i < 12 && !limited; i++) {
      const r = await limitedSrv.post(`/invite/${t.secret}/signup`, { name: 'L', email: `l${i}@example.com`, password: 'weak' });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 400, r.text);
    }
    assert.ok(limited, 'a 429 within 12 signups a minute at a limit of 10');
    assert.equal(limited.json().name, 'RateLimitError');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  } finally {
    await limitedSrv.dispose();
  }
});

test('a Viewer made by createUser cannot create links either', async () => {
  await createUser(admin, 'plainviewer', 'Viewer');
  const v = new Api(srv, { cookie: await loginOk(srv, 'plainviewer', USER_PASSWORD) });
  const r = await v.post('/api/admin/invite-link/tokens', { name: 'x', expiresAt: inDays(1) });
  assert.equal(r.status, 403, r.text);
});
