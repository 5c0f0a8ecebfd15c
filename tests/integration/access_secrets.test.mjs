// Secrets never leave the moment they are made: not in the server log (read at debug level),
// not in list responses or events, not in the database file (scanned byte by byte; it must
// hold the SHA-256 digests instead). Also the CLI of the access system (`latch user`,
// `latch token create --secret|--expires`) and the first-start admin user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Latch, waitFor } from './harness.mjs';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  Api,
  startAccess,
  login,
  loginOk,
  createUser,
  createPat,
  storeBytes,
  secretPart,
} from './access_harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await startAccess({ tokens: { admin: { type: 'admin' } }, env: { LATCH_LOG_LEVEL: 'debug' } });
  admin = new Api(srv, { token: srv.tokens.admin });
});

after(async () => {
  await srv?.dispose();
});

test('no secret in logs, lists, events or the database; digests are what is stored', async () => {
  const tokens = [srv.tokens.admin];
  const passwords = [ADMIN_PASSWORD, USER_PASSWORD, 'Wr0ng-but-secret!', 'Ch4nged-Passw0rd!'];
  const cookies = [];
  for (const body of [
    { tokenName: 's-client', type: 'client', projects: ['checkout'] },
    { tokenName: 's-list', type: 'client', projects: ['checkout', 'search'] },
    { tokenName: 's-front', type: 'frontend' },
    { tokenName: 's-admin', type: 'admin' },
  ]) {
    const res = await admin.post('/api/admin/api-tokens', body);
    assert.equal(res.status, 201, res.text);
    tokens.push(res.json().secret);
  }
  tokens.push(srv.cli(['token', 'create', '--type', 'client', '--name', 's-cli']).trim());
  const legacy = randomBytes(32).toString('hex');
  srv.cli(['token', 'create', '--type', 'frontend', '--secret', legacy, '--environment', 'development']);
  tokens.push(legacy);
  const u = await createUser(admin, 'secret-keeper', 'Editor');
  const cookie = await loginOk(srv, 'secret-keeper', USER_PASSWORD);
  cookies.push(cookie, await loginOk(srv, 'admin', ADMIN_PASSWORD));
  const pat = await createPat(new Api(srv, { cookie }), 'secret pat');
  tokens.push(pat.secret);

  // use them all, fail with some, and push a few through error paths
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: tokens[5] })).status === 200, { what: 'cli token' });
  for (const t of tokens) {
    await srv.get('/api/client/features', { Authorization: t });
    await srv.get('/api/frontend', { Authorization: t });
    await srv.get('/api/admin/api-tokens', { Authorization: t });
    await srv.post('/edge/validate', { tokens: [t] });
    await srv.get(`/api/admin/api-tokens/${encodeURIComponent(t)}`, { Authorization: t });
  }
  await login(srv, 'secret-keeper', 'Wr0ng-but-secret!');
  await admin.post(`/api/admin/user-admin/${u.id}/change-password`, { password: 'Ch4nged-Passw0rd!' });
  await admin.put(`/api/admin/api-tokens/${encodeURIComponent(tokens[1])}`, { expiresAt: 'garbage' });
  await admin.del(`/api/admin/api-tokens/${encodeURIComponent(tokens[2])}`);
  await srv.request('POST', '/logout', { headers: { Cookie: `unleash-session=${cookies[1]}` } });

  // the responses that list things
  const lists = [
    (await admin.get('/api/admin/api-tokens')).text,
    (await new Api(srv, { token: pat.secret }).get('/api/admin/user/tokens')).text,
    (await admin.get('/api/admin/events?limit=1000')).text,
    (await admin.get('/api/admin/search/events?limit=1000')).text,
    (await admin.get('/api/admin/user-admin')).text,
    (await admin.get(`/api/admin/user-admin/${u.id}`)).text,
  ];
  await srv.stop();
  const log = srv.stderr;
  // the file itself: only its bytes can show that no secret, in any form, was stored
  const db = storeBytes(srv);
  assert.ok(log.includes('http: listening'), 'the log was captured');

  const needles = [
    ...tokens.map((t) => ['token', secretPart(t)]),
    ...passwords.map((p) => ['password', p]),
    ...cookies.map((c) => ['cookie', c]),
  ];
  for (const [kind, s] of needles) {
    assert.ok(s.length >= 10, `${kind} needle long enough`);
    assert.ok(!log.includes(s), `${kind} ${s.slice(0, 6)}… in the server log`);
    for (const l of lists) assert.ok(!l.includes(s), `${kind} ${s.slice(0, 6)}… in a list response`);
    assert.equal(db.indexOf(Buffer.from(s)), -1, `${kind} ${s.slice(0, 6)}… in the database`);
    const hexForm = Buffer.from(s).toString('hex');
    assert.equal(db.indexOf(Buffer.from(hexForm)), -1, `${kind} in hex in the database`);
  }
  // positive control: the scan sees what is stored — each live token's digest, and argon2id hashes
  for (const t of [tokens[0], tokens[3], tokens[5], legacy, pat.secret]) {
    const digest = createHash('sha256').update(t).digest();
    assert.notEqual(db.indexOf(digest), -1, `digest of ${t.slice(0, 8)}… stored`);
  }
  // only the file can show how a password is stored (the API never returns the hash)
  const hashes = srv.sql('SELECT username, password_hash FROM users ORDER BY id');
  for (const h of hashes) assert.match(h.password_hash, /^\$argon2id\$v=19\$/, h.username);
  assert.ok(db.includes(Buffer.from(hashes[0].password_hash)));
  await srv.restart([], { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD });
  // sessions survive a restart (their digests are stored), logged-out ones do not
  assert.equal((await new Api(srv, { cookie: cookies[1] }).get('/api/admin/user')).status, 401);
});

test('latch user add|passwd|list work on the store of a running server', async () => {
  assert.match(srv.cli(['user', 'add', 'cli-user', '--email', 'cli@example.com', '--role', 'Editor', '--password', 'Cl1-Passw0rd!']), /added user cli-user \(id \d+\)/);
  const res = await login(srv, 'cli@example.com', 'Cl1-Passw0rd!');
  assert.equal(res.res.status, 200, res.res.text);
  assert.equal(res.res.json().rootRole, 2);
  assert.throws(() => srv.cli(['user', 'add', 'cli-user', '--password', 'Cl1-Passw0rd!']), /exists/);
  assert.throws(() => srv.cli(['user', 'add', 'weakling', '--password', 'short']), /at least 10 characters/);
  assert.throws(() => srv.cli(['user', 'add', 'x', '--role', 'Owner']), /root role/);
  assert.match(srv.cli(['user', 'passwd', 'cli-user'], { input: 'An0ther-Passw0rd!\n' }), /password changed/);
  assert.equal((await login(srv, 'cli-user', 'Cl1-Passw0rd!')).res.status, 401);
  await loginOk(srv, 'cli-user', 'An0ther-Passw0rd!');
  assert.throws(() => srv.cli(['user', 'passwd', 'nobody'], { input: 'An0ther-Passw0rd!\n' }), /no user/);
  const list = srv.cli(['user', 'list']);
  assert.match(list, /^ID\s+USERNAME\s+EMAIL\s+ROLE/);
  assert.match(list, /\badmin\s+-\s+Admin\b/);
  assert.match(list, /\bcli-user\s+cli@example\.com\s+Editor\b/);
  assert.ok(!list.includes('argon2'), 'no hash in the list');
  const ev = (await admin.get('/api/admin/search/events?createdBy=cli')).json().events.map((e) => e.type);
  assert.deepEqual(ev.slice(0, 2), ['user-password-changed', 'user-created']);
});

test('latch token create validates --expires and --secret', async () => {
  for (const bad of ['0d', 'soon', '-5d', '2024-13-45']) assert.throws(() => srv.cli(['token', 'create', '--type', 'client', '--expires', bad]), /--expires/, bad);
  assert.throws(() => srv.cli(['token', 'create', '--type', 'client', '--secret', 'user:' + 'a'.repeat(56)]), /--secret/);
  assert.throws(() => srv.cli(['token', 'create', '--type', 'client', '--secret', 'plain-words']), /--secret/);
  assert.throws(
    () => srv.cli(['token', 'create', '--type', 'client', '--environment', 'production', '--secret', 'default:development.' + 'b'.repeat(40)]),
    /contradicts/,
  );
  assert.throws(() => srv.cli(['token', 'create', '--type', 'admin', '--secret', 'default:development.' + 'c'.repeat(40)]), /admin token/);
  assert.throws(() => srv.cli(['token', 'create', '--type', 'client', '--secret', '*:*.' + 'd'.repeat(40)]), /all environments/);
  assert.equal(srv.cli(['token', 'create', '--type', 'client', '--secret', 'checkout:production.' + 'e'.repeat(40)]).trim(), 'stored');
  // the running server sees the CLI's token once its watcher has reloaded; lists show the display prefix
  const row = await waitFor(async () => {
    const list = (await admin.get('/api/admin/api-tokens')).json().tokens;
    return list.find((t) => t.secret.startsWith('checkout:production.'));
  }, { what: 'the stored token in the list' });
  assert.deepEqual(
    { secret: row.secret, type: row.type, environment: row.environment, project: row.project, projects: row.projects },
    { secret: 'checkout:production.eeeeee…', type: 'client', environment: 'production', project: 'checkout', projects: ['checkout'] },
  );
  assert.match(srv.cli(['token', 'create', '--type', 'client', '--expires', '2020-01-01T00:00:00Z']), /^\*:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}\n$/);
});

test('first start without UNLEASH_DEFAULT_ADMIN_PASSWORD off a terminal: admin exists, password only via the CLI', async () => {
  const fresh = await Latch.start({ tokens: { a: { type: 'admin' } } });
  try {
    assert.match(fresh.stderr, /first start: created user admin \(Admin\) with a generated password that is shown only on a terminal; set one with `latch user passwd admin`/);
    assert.match(fresh.cli(['user', 'list']), /\badmin\s+-\s+Admin\b/);
    for (const guess of ['unleash4all', 'admin', ADMIN_PASSWORD]) assert.equal((await login(fresh, 'admin', guess)).res.status, 401);
    fresh.cli(['user', 'passwd', 'admin', '--password', 'R3covered-admin!']);
    await loginOk(fresh, 'admin', 'R3covered-admin!');
    // a restart with the variable set does not touch the existing admin
    await fresh.restart([], { UNLEASH_DEFAULT_ADMIN_PASSWORD: 'Other-Passw0rd!' });
    assert.equal((await login(fresh, 'admin', 'Other-Passw0rd!')).res.status, 401);
    const users = (await new Api(fresh, { token: fresh.tokens.a }).get('/api/admin/user-admin')).json().users;
    assert.deepEqual(users.map((u) => u.username), ['admin']);
  } finally {
    await fresh.dispose();
  }
});
