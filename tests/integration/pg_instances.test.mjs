// Three `latch serve` on one PostgreSQL database: a flag change, a token revocation, a role
// change and a user deletion made through one instance apply on the other two within a second
// (LISTEN/NOTIFY; asserted with a loose bound a loaded machine cannot flip, the real figures
// printed as diagnostics and kept in bench/). Usage counted on several instances adds up in the
// database. Issue 11: the login limits hold across the instances (counted in the database), a
// token's usage report merges every instance's counts, a PAT's last use shows on another
// instance. Uses a private cluster (pg_harness.mjs), or LATCH_TEST_PG_URL's server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor } from './harness.mjs';
import { startPostgres, postgresAvailable } from './pg_harness.mjs';
import { ADMIN_PASSWORD, USER_PASSWORD, Api, loginOk, createUser, createPat } from './access_harness.mjs';

const skip = postgresAvailable() ? false : 'no PostgreSQL server binaries here';
const GOAL_MS = 1000; // the goal; the assertion below allows for a loaded machine
const BOUND_MS = 5000;
const LOGIN_LIMIT = 15;

let pg, url, nodes, admin, figures;

before(async () => {
  if (skip) return;
  pg = await startPostgres();
  url = pg.createDatabase('multi');
  const env = { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD };
  // the poll fallback is slow on purpose (10 s): what the test sees within 1 s is the notification
  // a trusted proxy (the test itself) so each login test comes from an address of its own;
  // 15 attempts per address and minute, so the (user, address) failure limit (10) shows alone
  const args = ['--watch-interval', '10000', '--trusted-proxies', '127.0.0.1', '--login-limit', String(LOGIN_LIMIT)];
  const first = await Latch.start({ db: url, env, args, tokens: { admin: { type: 'admin' }, client: { type: 'client' } } });
  const others = await Promise.all([1, 2].map(() => Latch.start({ db: url, env, args, fixtures: {} })));
  nodes = [first, ...others];
  admin = new Api(first, { token: first.tokens.admin });
  figures = [];
});

after(async () => {
  if (skip) return;
  for (const n of nodes ?? []) await n.dispose();
  if (figures?.length) console.log(`# propagation (ms, write acknowledged -> visible on another instance): ${figures.join('; ')}`);
  pg?.dispose();
});

// Time from now until check(node) holds on every other instance; returns the slowest, in ms.
async function propagation(what, others, check) {
  const t0 = performance.now();
  let slowest = 0;
  await Promise.all(
    others.map(async (n) => {
      await waitFor(() => check(n), { timeoutMs: 20000, intervalMs: 10, what: `${what} on ${n.url}` });
      slowest = Math.max(slowest, performance.now() - t0);
    }),
  );
  figures.push(`${what} ${slowest.toFixed(0)}`);
  assert.ok(slowest < BOUND_MS, `${what}: ${slowest.toFixed(0)} ms on the slowest instance (goal ${GOAL_MS} ms)`);
  return slowest;
}

const enabledOn = async (n, token, name) => {
  const r = await n.get('/api/client/features', { Authorization: token });
  return r.status === 200 && r.json().features.find((f) => f.name === name)?.enabled === true;
};

test('a flag change through one instance is served by the others within a second', { skip }, async () => {
  const [a, b, c] = nodes;
  const name = 'multi-flag';
  assert.equal((await admin.post('/api/admin/projects/default/features', { name })).status, 201);
  const seen = async (n) => {
    const r = await n.get('/api/client/features', { Authorization: a.tokens.client });
    return r.status === 200 && r.json().features.some((f) => f.name === name);
  };
  await propagation('flag created', [b, c], seen);
  assert.equal(await enabledOn(b, a.tokens.client, name), false);
  const on = await admin.post(`/api/admin/projects/default/features/${name}/environments/development/on`);
  assert.equal(on.status, 200, on.text);
  await propagation('flag enabled', [b, c], (n) => enabledOn(n, a.tokens.client, name));
  // and the other way round: a write on c reaches a and b
  const cApi = new Api(c, { token: a.tokens.admin });
  assert.equal((await cApi.post(`/api/admin/projects/default/features/${name}/environments/development/off`)).status, 200);
  await propagation('flag disabled (via another instance)', [a, b], async (n) => !(await enabledOn(n, a.tokens.client, name)));
});

test('a token revoked through one instance is refused by the others within a second', { skip }, async () => {
  const [a, b, c] = nodes;
  const made = await admin.post('/api/admin/api-tokens', { tokenName: 'doomed', type: 'client', environment: 'development' });
  assert.equal(made.status, 201, made.text);
  const secret = made.json().secret;
  const status = async (n) => (await n.get('/api/client/features', { Authorization: secret })).status;
  await propagation('token created', [b, c], async (n) => (await status(n)) === 200);
  assert.equal((await admin.del(`/api/admin/api-tokens/${encodeURIComponent(secret)}`)).status, 200);
  assert.equal(await status(a), 401, 'refused at once where it was revoked');
  await propagation('token revoked', [b, c], async (n) => (await status(n)) === 401);
});

test('a role change and a user deletion through one instance apply on the others within a second', { skip }, async () => {
  const [a, b, c] = nodes;
  const u = await createUser(admin, 'multi-user', 'Viewer');
  await waitFor(async () => (await b.post('/auth/simple/login', { username: 'multi-user', password: USER_PASSWORD })).status === 200, { what: 'the user on b' });
  // a session made on b and a PAT: both are known to every instance (the store keeps them)
  const users = async (n, cred) => (await new Api(n, cred).get('/api/admin/user-admin')).status;
  const cookie = await loginOk(b, 'multi-user', USER_PASSWORD);
  // a login has no event: its own notification tells the others (Viewer: 403, not 401)
  await propagation('session known', [a, c], async (n) => (await users(n, { cookie })) === 403);
  const pat = (await createPat(new Api(b, { cookie }), 'multi')).secret;
  await propagation('PAT known', [a, c], async (n) => (await users(n, { token: pat })) === 403);
  // a logout on one instance ends the session on the others
  const brief = await loginOk(c, 'multi-user', USER_PASSWORD);
  await propagation('second session known', [a, b], async (n) => (await users(n, { cookie: brief })) === 403);
  const out = await c.request('POST', '/logout', { headers: { Cookie: `unleash-session=${brief}` } });
  assert.ok(out.status < 400, `logout: ${out.status}`);
  await propagation('logout', [a, b], async (n) => (await users(n, { cookie: brief })) === 401);
  // Viewer -> Admin on a: the PAT may list users on b and c
  assert.equal((await admin.put(`/api/admin/user-admin/${u.id}`, { rootRole: 1 })).status, 200);
  await propagation('role changed', [b, c], async (n) => (await users(n, { token: pat })) === 200);
  // deleted on a: its PAT and its session are refused on b and c
  assert.equal((await admin.del(`/api/admin/user-admin/${u.id}`)).status, 200);
  await propagation('user deleted (PAT)', [b, c], async (n) => (await users(n, { token: pat })) === 401);
  await propagation('user deleted (session)', [b, c], async (n) => (await users(n, { cookie })) === 401);
});

test('usage counted on several instances adds up in the database', { skip }, async () => {
  const [a, b, c] = nodes;
  const token = a.tokens.client;
  const bucket = (yes, no) => ({
    appName: 'multi-app',
    instanceId: 'i-1',
    environment: 'development',
    bucket: { start: new Date(Date.now() - 1000).toISOString(), stop: new Date().toISOString(), toggles: { 'multi-usage': { yes, no, variants: {} } } },
  });
  // usage is kept only for flags that exist: make the flag, and let every instance know it
  const made = await a.post('/api/admin/projects/default/features', { name: 'multi-usage' }, { Authorization: a.tokens.admin });
  assert.ok(made.status === 201 || made.status === 200, `flag created: ${made.status} ${made.text}`);
  for (const n of [b, c])
    await waitFor(async () => (await n.get('/api/client/features/multi-usage', { Authorization: token })).status === 200, { what: `multi-usage on ${n.url}` });
  for (const [n, yes, no] of [[a, 1, 2], [b, 10, 20], [c, 100, 200]]) {
    const r = await n.post('/api/client/metrics', bucket(yes, no), { Authorization: token });
    assert.ok(r.status === 202 || r.status === 200, `metrics on ${n.url}: ${r.status} ${r.text}`);
  }
  // every instance writes its counts within --metrics-interval (1 s); any of them shows the sum
  const sum = await waitFor(async () => {
    const got = await b.usage('multi-app', ['multi-usage'], { token: a.tokens.admin });
    return got.length === 1 && got[0].yes === 111 ? got[0] : null;
  }, { what: 'the summed usage' });
  assert.deepEqual([sum.yes, sum.no], [111, 222]);
  // and one more batch through one instance adds on top, never replacing
  await c.post('/api/client/metrics', bucket(1000, 0), { Authorization: token });
  await waitFor(async () => (await a.usage('multi-app', ['multi-usage']))[0]?.yes === 1111, { what: 'usage added again' });
});

test('writes through three instances at once keep one event chain', { skip }, async () => {
  const auth = { Authorization: nodes[0].tokens.admin };
  const before = nodes[0].cli(['events', 'export']).trim().split('\n').length;
  // 3 instances x 12 flags, all in flight together: each write reads the previous hash under
  // the advisory lock its transaction holds, so no two link to the same row
  const writes = nodes.flatMap((n, i) =>
    Array.from({ length: 12 }, (_, k) => n.post('/api/admin/projects/default/features', { name: `chain-${i}-${k}` }, auth)),
  );
  for (const r of await Promise.all(writes)) assert.equal(r.status, 201, r.text);
  const out = nodes[0].cli(['events', 'verify']);
  const m = /^(\d+) events checked: OK$/m.exec(out);
  assert.ok(m, out);
  assert.equal(Number(m[1]), before + 36);
});

// The login limits count in fixed minutes: start a burst early in one, so that it stays in it.
async function freshMinute() {
  while (Date.now() % 60000 > 40000) await new Promise((r) => setTimeout(r, 250));
}

const loginFrom = (n, address, username, password) =>
  n.post('/auth/simple/login', { username, password }, { 'X-Forwarded-For': address });

function assertLimited(res, what) {
  assert.equal(res.status, 429, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json().name, 'RateLimitError', what);
  assert.ok(Number(res.headers['retry-after']) >= 1, `${what}: Retry-After ${res.headers['retry-after']}`);
}

test('failed logins of one user spread over three instances meet one limit on all of them', { skip }, async () => {
  await createUser(admin, 'limit-user', 'Viewer');
  await freshMinute();
  const from = '198.51.100.11';
  // 10 failures, round-robin: at most 4 on any one instance, under its own memory's limit
  for (let i = 0; i < 10; i++) {
    const res = await loginFrom(nodes[i % 3], from, 'limit-user', 'wrong password');
    assert.equal(res.status, 401, `failure ${i + 1} on instance ${i % 3}: ${res.status} ${res.text}`);
  }
  // the eleventh on every instance is refused before any hashing, the right password too
  for (const [i, n] of nodes.entries()) assertLimited(await loginFrom(n, from, 'limit-user', USER_PASSWORD), `instance ${i}`);
  // the limit is the (user, address) pair's: another user from there, and the user from another address, go on
  assert.equal((await loginFrom(nodes[1], from, 'admin', ADMIN_PASSWORD)).status, 200);
  assert.equal((await loginFrom(nodes[2], '198.51.100.12', 'limit-user', USER_PASSWORD)).status, 200);
});

test('login attempts from one address spread over three instances meet one limit', { skip }, async () => {
  await freshMinute();
  const from = '198.51.100.21';
  // names sprayed from one address: each a first failure, so only the address limit applies
  for (let i = 0; i < LOGIN_LIMIT; i++) {
    const res = await loginFrom(nodes[i % 3], from, `sprayed-${i}`, 'guess');
    assert.equal(res.status, 401, `attempt ${i + 1}: ${res.status} ${res.text}`);
  }
  for (const [i, n] of nodes.entries()) assertLimited(await loginFrom(n, from, `sprayed-more-${i}`, 'guess'), `instance ${i}`);
  // another address is not held back
  assert.equal((await loginFrom(nodes[0], '198.51.100.22', 'admin', ADMIN_PASSWORD)).status, 200);
});

test('the login limits\' secret is kept in the database, never in an export', { skip }, async () => {
  const out = nodes[0].cli(['export']);
  assert.ok(!/login_limit|secrets/.test(out), 'the export names no secret');
});

test('a token used on three instances: its usage report adds every instance\'s counts', { skip }, async () => {
  const [a, b, c] = nodes;
  const made = await admin.post('/api/admin/api-tokens', { tokenName: 'spread', type: 'client', environment: 'development' });
  assert.equal(made.status, 201, made.text);
  const secret = made.json().secret;
  const path = `/api/admin/api-tokens/${encodeURIComponent(secret)}/usage`;
  // known on b and c (asked with the admin token, so that nothing is counted for this one)
  for (const n of [b, c])
    await waitFor(async () => (await n.get(path, { Authorization: a.tokens.admin })).status === 200, { what: `the token on ${n.url}` });
  const usageOn = async (n) => {
    const r = await n.get(path, { Authorization: a.tokens.admin });
    assert.equal(r.status, 200, r.text);
    return r.json().usage;
  };
  const total = async (n) => (await usageOn(n)).requestsLast7Days;
  for (const [n, k] of [[a, 3], [b, 5], [c, 7]])
    for (let i = 0; i < k; i++)
      assert.equal((await n.get('/api/client/features', { Authorization: secret, 'unleash-appname': `app-${n.url.slice(-5)}` })).status, 200);
  // every instance flushes its own row within --metrics-interval (1 s); every report shows the
  // sum of the 15 (each instance's own counts from memory, the others' from the database)
  let last = [];
  await waitFor(async () => {
    last = await Promise.all(nodes.map(total));
    return last.every((v) => v === 15);
  }, { what: `the sum on every instance (last: ${last.join(', ')})` });
  const report = await usageOn(b);
  const apps = report.applications.map((x) => x.appName).sort();
  assert.deepEqual(apps, nodes.map((n) => `app-${n.url.slice(-5)}`).sort(), 'the applications seen on every instance');
  // and more requests on one instance add on top, never replacing the others' counts
  const before = await total(a);
  for (let i = 0; i < 4; i++) await c.get('/api/client/features', { Authorization: secret });
  await waitFor(async () => (await total(a)) === before + 4, { what: 'four more, seen on another instance' });
});

test('a PAT used on one instance shows its last use on another', { skip }, async () => {
  const [a, b, c] = nodes;
  await createUser(admin, 'seen-user', 'Viewer');
  const cookie = await (async () => {
    const res = await loginFrom(a, '198.51.100.31', 'seen-user', USER_PASSWORD);
    assert.equal(res.status, 200, res.text);
    return /^unleash-session=([0-9a-f]{64});/.exec(res.headers['set-cookie'][0])[1];
  })();
  const pat = (await createPat(new Api(a, { cookie }), 'seen')).secret;
  const pats = async (n) => {
    const r = await new Api(n, { cookie }).get('/api/admin/user/tokens');
    return r.status === 200 ? r.json().pats : [];
  };
  await waitFor(async () => (await pats(c)).length === 1, { what: 'the PAT listed on c' });
  assert.equal((await pats(c))[0].seenAt, null, 'never used yet');
  const t0 = Date.now();
  assert.equal((await new Api(b, { token: pat }).get('/api/admin/user')).status, 200);
  // b writes the sighting within --metrics-interval; c reads it though nothing else changed
  await waitFor(async () => {
    const p = (await pats(c))[0];
    return p?.seenAt && Date.parse(p.seenAt) >= t0 - 1000;
  }, { what: 'the PAT\'s last use on c' });
});
