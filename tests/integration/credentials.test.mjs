// Issue 16: credentials beyond Unleash. v2 tokens (Unleash 8.1's secure format, the default),
// stored as selector + verifier and addressed by selector; rotation with a grace period for API
// tokens and PATs (both secrets work during the grace, the old one is refused on the first
// request after it, events for each step); read-only and project-scoped PATs that never exceed
// their user's current rights; tokens expiring within 7 days in the admin API and Prometheus,
// and an event when a token expires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Latch, waitFor, sleep, MSG_NEED_TOKEN } from './harness.mjs';
import { Api, startAccess, loginOk, createUser, USER_PASSWORD, assertError, assertPermissionError } from './access_harness.mjs';

const V2_API = /^(\*|[a-z]+|\[\]):[a-z*]+\.v2_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;
const V2_PAT = /^user:v2_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;
const selectorOf = (t) => V2_API.exec(t)?.[2] ?? V2_PAT.exec(t)?.[1];
const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString();

let srv, admin;

before(async () => {
  srv = await startAccess({ tokens: { admin: { type: 'admin', name: 'cred-admin' } } });
  admin = new Api(srv, { token: srv.tokens.admin });
});
after(async () => {
  await srv?.dispose();
});

const features = (token) => srv.get('/api/client/features', { Authorization: token });
const listed = async (name) => (await admin.get(`/api/admin/api-tokens/${name}`)).json().tokens;
const events = async (since, type) => (await srv.eventsSince(since)).filter((e) => e.type === type);

test('new tokens are v2: <projects>:<env>.v2_<22>_<43> and user:v2_<22>_<43>, from the API and the CLI', async () => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName: 'v2-api', type: 'client', projects: ['checkout'] });
  assert.equal(res.status, 201, res.text);
  const b = res.json();
  const m = V2_API.exec(b.secret);
  assert.ok(m, b.secret);
  assert.equal(m[1], 'checkout');
  assert.equal(b.secure, true);
  // 16 and 32 random bytes
  assert.equal(Buffer.from(m[2], 'base64url').length, 16);
  assert.equal(Buffer.from(m[3], 'base64url').length, 32);
  assert.equal((await features(b.secret)).status, 200);
  assert.match(srv.cli(['token', 'create', '--type', 'frontend']).trim(), V2_API);
  assert.match(srv.cli(['token', 'create', '--type', 'admin']).trim(), /^\*:\*\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
  const user = await createUser(admin, 'v2-user', 'Editor');
  const cookie = await loginOk(srv, 'v2-user', USER_PASSWORD);
  const pat = await new Api(srv, { cookie }).post('/api/admin/user/tokens', { description: 'v2', expiresAt: inDays(30) });
  assert.equal(pat.status, 201, pat.text);
  assert.match(pat.json().secret, V2_PAT);
  assert.equal(pat.json().secure, true);
  assert.equal(pat.json().userId, user.id);
  assert.equal((await new Api(srv, { token: pat.json().secret }).get('/api/admin/projects')).status, 200);
});

test('a v2 token is stored as selector + SHA-256 verifier, listed and addressed by its selector', async () => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName: 'v2-store', type: 'client' });
  const secret = res.json().secret;
  const selector = selectorOf(secret);
  if (!srv.db.startsWith('postgres')) {
    // the store's own rows: what no API shows (the secret must not be there)
    const rows = srv.sql(`SELECT selector, hex(digest) AS d FROM api_tokens WHERE name = 'v2-store'`);
    assert.deepEqual(rows, [{ selector, d: createHash('sha256').update(secret).digest('hex').toUpperCase() }]);
  }
  const [t] = await listed('v2-store');
  assert.equal(t.secret, selector, 'the list shows the selector');
  assert.equal(t.secure, true);
  assert.equal(t.rotated, false);
  // the right selector with another secret is refused, as is a mangled verifier
  const forged = secret.replace(/_[A-Za-z0-9_-]{43}$/, `_${randomBytes(32).toString('base64url')}`);
  const r = await features(forged);
  assert.equal(r.status, 401);
  assert.equal(r.text, MSG_NEED_TOKEN);
  // PUT and DELETE by selector
  assert.equal((await admin.put(`/api/admin/api-tokens/${selector}`, { expiresAt: inDays(3) })).status, 200);
  assert.equal((await listed('v2-store'))[0].expiresAt.slice(0, 10), inDays(3).slice(0, 10));
  assert.equal((await admin.del(`/api/admin/api-tokens/${selector}`)).status, 200);
  assert.deepEqual(await listed('v2-store'), []);
  assert.equal((await features(secret)).status, 401);
});

test('--token-format classic opts out; classic and legacy tokens keep working', async () => {
  const classic = await Latch.start({ args: ['--token-format', 'classic'], tokens: { admin: { type: 'admin' } } });
  try {
    const res = await classic.post('/api/admin/api-tokens', { tokenName: 'c', type: 'client' }, { Authorization: classic.tokens.admin });
    assert.equal(res.status, 201, res.text);
    assert.match(res.json().secret, /^\*:development\.[0-9a-f]{56}$/);
    assert.equal(res.json().secure, false);
    assert.equal((await classic.get('/api/client/features', { Authorization: res.json().secret })).status, 200);
    // the v2 admin token made by the CLI before start works on the classic server too
    assert.match(classic.tokens.admin, /\.v2_/);
  } finally {
    await classic.dispose();
  }
  const legacy = randomBytes(32).toString('hex');
  assert.equal(srv.cli(['token', 'create', '--type', 'client', '--secret', legacy]).trim(), 'stored');
  await waitFor(async () => (await features(legacy)).status === 200, { what: 'the legacy token' });
  assert.throws(() => srv.cli(['token', 'create', '--type', 'client', '--token-format', 'hex']), /--token-format must be v2 or classic/);
});

test('rotation: both secrets work during the grace, the old one is refused on the first request after it', async () => {
  const since = await srv.lastEventId();
  const created = await admin.post('/api/admin/api-tokens', { tokenName: 'rot', type: 'client', projects: ['checkout'], expiresAt: inDays(20) });
  const old = created.json().secret;
  const res = await admin.post(`/api/admin/api-tokens/${encodeURIComponent(old)}/rotate`, { gracePeriodSeconds: 2 });
  assert.equal(res.status, 201, res.text);
  const fresh = res.json();
  assert.match(fresh.secret, V2_API);
  assert.notEqual(fresh.secret, old);
  assert.equal(fresh.tokenName, 'rot');
  assert.deepEqual(fresh.projects, ['checkout']);
  assert.equal(fresh.expiresAt, created.json().expiresAt, 'the expiry carries over');
  // the list: the old one in grace until its end, the new one not rotated; no secret shown
  const list = await listed('rot');
  assert.equal(list.length, 2);
  const oldRow = list.find((t) => t.secret === selectorOf(old));
  const newRow = list.find((t) => t.secret === selectorOf(fresh.secret));
  assert.equal(oldRow.rotated, true);
  assert.equal(oldRow.inGrace, true);
  const graceEnd = Date.parse(oldRow.graceEndsAt);
  assert.ok(graceEnd > Date.now() && graceEnd <= Date.now() + 2500, oldRow.graceEndsAt);
  assert.equal(newRow.rotated, false);
  assert.equal(newRow.graceEndsAt, null);
  // both work during the grace
  if (Date.now() < graceEnd - 300) {
    assert.equal((await features(old)).status, 200, 'old secret during the grace');
    assert.equal((await features(fresh.secret)).status, 200, 'new secret during the grace');
  }
  // a rotated token cannot be rotated again
  const again = await admin.post(`/api/admin/api-tokens/${selectorOf(old)}/rotate`, {});
  assertError(again, 409, 'ConflictError', /rotated already/);
  // the first request after the grace is refused, whether or not the sweeper ran
  await sleep(Math.max(0, graceEnd - Date.now() + 50));
  const after = await features(old);
  assert.equal(after.status, 401);
  assert.equal(after.text, MSG_NEED_TOKEN);
  assert.equal((await features(fresh.secret)).status, 200);
  // then the old record goes, with its event
  await waitFor(async () => (await listed('rot')).length === 1, { what: 'the old token to be deleted' });
  const rotated = await events(since, 'api-token-rotated');
  assert.equal(rotated.length, 1);
  assert.equal(rotated[0].createdBy, 'cred-admin');
  assert.equal(rotated[0].data.gracePeriodSeconds, 2);
  assert.equal(rotated[0].data.graceEndsAt, oldRow.graceEndsAt);
  const ended = await waitFor(async () => (await events(since, 'api-token-grace-ended'))[0], { what: 'api-token-grace-ended' });
  assert.equal(ended.preData.tokenName, 'rot');
  for (const e of await srv.eventsSince(since)) {
    assert.ok(!JSON.stringify(e).includes(old.slice(-43)), `event ${e.type} holds the old secret`);
    assert.ok(!JSON.stringify(e).includes(fresh.secret.slice(-43)), `event ${e.type} holds the new secret`);
  }
});

test('rotation: bad bodies, unknown tokens and permissions', async () => {
  const t = (await admin.post('/api/admin/api-tokens', { tokenName: 'rot-bad', type: 'frontend' })).json().secret;
  const sel = selectorOf(t);
  for (const body of [{ gracePeriodSeconds: -1 }, { gracePeriodSeconds: 1.5 }, { gracePeriodSeconds: '60' }, { gracePeriodSeconds: 31 * 86400 }])
    assertError(await admin.post(`/api/admin/api-tokens/${sel}/rotate`, body), 400, 'ValidationError', /gracePeriodSeconds/, JSON.stringify(body));
  assertError(await admin.post(`/api/admin/api-tokens/${'A'.repeat(22)}/rotate`, {}), 404, 'NotFoundError');
  await createUser(admin, 'rot-viewer', 'Viewer');
  const cookie = await loginOk(srv, 'rot-viewer', USER_PASSWORD);
  const denied = await new Api(srv, { cookie }).post(`/api/admin/api-tokens/${sel}/rotate`, {});
  assert.equal(denied.status, 403);
  assert.equal((await listed('rot-bad')).length, 1, 'nothing changed');
  // grace 0: the old one is refused at once
  const r = await admin.post(`/api/admin/api-tokens/${sel}/rotate`, { gracePeriodSeconds: 0 });
  assert.equal(r.status, 201, r.text);
  assert.equal((await srv.get('/api/frontend', { Authorization: t })).status, 401);
  assert.equal((await srv.get('/api/frontend', { Authorization: r.json().secret })).status, 200);
});

test('rotation of a PAT under its own path, and `latch token rotate`', async () => {
  await createUser(admin, 'rot-pat', 'Editor');
  const cookie = await loginOk(srv, 'rot-pat', USER_PASSWORD);
  const me = new Api(srv, { cookie });
  const pat = (await me.post('/api/admin/user/tokens', { description: 'rot', expiresAt: inDays(10) })).json();
  const since = await srv.lastEventId();
  const res = await me.post(`/api/admin/user/tokens/${pat.id}/rotate`, { gracePeriodSeconds: 600 });
  assert.equal(res.status, 201, res.text);
  const fresh = res.json();
  assert.match(fresh.secret, V2_PAT);
  assert.equal(fresh.description, 'rot');
  assert.equal((await new Api(srv, { token: pat.secret }).get('/api/admin/projects')).status, 200);
  assert.equal((await new Api(srv, { token: fresh.secret }).get('/api/admin/projects')).status, 200);
  const pats = (await me.get('/api/admin/user/tokens')).json().pats;
  assert.deepEqual(pats.map((p) => [p.id === pat.id, p.inGrace]).sort(), [[false, false], [true, true]]);
  assert.equal((await events(since, 'pat-rotated')).length, 1);
  // another user's PAT is not found
  assertError(await admin.post(`/api/admin/user/tokens/${pat.id}/rotate`, {}), 403, 'ForbiddenError');

  const cliOld = srv.cli(['token', 'create', '--type', 'client', '--name', 'cli-rot']).trim();
  const cliNew = srv.cli(['token', 'rotate', selectorOf(cliOld), '--grace', '600']).trim();
  assert.match(cliNew, V2_API);
  await waitFor(async () => (await features(cliNew)).status === 200, { what: 'the CLI-rotated token' });
  assert.equal((await features(cliOld)).status, 200, 'in its grace');
  assert.throws(() => srv.cli(['token', 'rotate', cliOld]), /rotated already/);
  assert.throws(() => srv.cli(['token', 'rotate', cliNew, '--grace', 'soon']), /--grace takes whole seconds/);
});

test('scoped PATs: a read-only PAT reads but its writes are 403; a project PAT writes only in its projects', async () => {
  // an Admin: rights in every project, so what narrows a project PAT is the PAT alone (an
  // Editor holds project rights in `default` only, as in Unleash)
  const editor = await createUser(admin, 'scoped', 'Admin');
  const cookie = await loginOk(srv, 'scoped', USER_PASSWORD);
  const me = new Api(srv, { cookie });
  const ro = (await me.post('/api/admin/user/tokens', { description: 'ro', expiresAt: inDays(5), readOnly: true })).json();
  assert.equal(ro.readOnly, true);
  const roApi = new Api(srv, { token: ro.secret });
  assert.equal((await roApi.get('/api/admin/projects/checkout/features')).status, 200);
  const write = await roApi.post('/api/admin/projects/checkout/features', { name: 'ro-write' });
  assertError(write, 403, 'PermissionError', 'This personal access token is read-only.');
  assert.equal((await me.post('/api/admin/projects/checkout/features', { name: 'ro-write-session' })).status, 201, 'the user may write');
  assertError(await roApi.post('/api/admin/user/tokens', { description: 'escape', expiresAt: inDays(1) }), 403, 'PermissionError');

  const pj = (await me.post('/api/admin/user/tokens', { description: 'pj', expiresAt: inDays(5), projects: ['checkout'] })).json();
  assert.deepEqual(pj.projects, ['checkout']);
  const pjApi = new Api(srv, { token: pj.secret });
  assert.equal((await pjApi.post('/api/admin/projects/checkout/features', { name: 'pj-in' })).status, 201);
  assertPermissionError(await pjApi.post('/api/admin/projects/search/features', { name: 'pj-out' }), 'CREATE_FEATURE');
  assertError(await me.post('/api/admin/user/tokens', { description: 'nope', expiresAt: inDays(5), projects: ['no-such'] }), 400, 'BadDataError');
  assertError(await me.post('/api/admin/user/tokens', { description: 'nope', expiresAt: inDays(5), readOnly: 'yes' }), 400, 'ValidationError');

  // never more than the user's current rights: a role change applies at once
  const put = await admin.put(`/api/admin/user-admin/${editor.id}`, { rootRole: 'Viewer' });
  assert.equal(put.status, 200, put.text);
  assertPermissionError(await pjApi.post('/api/admin/projects/checkout/features', { name: 'pj-after' }), 'CREATE_FEATURE');
});

test('tokens and PATs expiring within 7 days: the admin API and a Prometheus gauge; an event when one expires', async () => {
  const since = await srv.lastEventId();
  const soon = (await admin.post('/api/admin/api-tokens', { tokenName: 'soon', type: 'client', expiresAt: inDays(3) })).json();
  await admin.post('/api/admin/api-tokens', { tokenName: 'later', type: 'client', expiresAt: inDays(30) });
  await createUser(admin, 'exp-user', 'Viewer');
  const cookie = await loginOk(srv, 'exp-user', USER_PASSWORD);
  await new Api(srv, { cookie }).post('/api/admin/user/tokens', { description: 'pat-soon', expiresAt: inDays(2) });
  const res = await admin.get('/api/admin/api-tokens-expiring');
  assert.equal(res.status, 200, res.text);
  const b = res.json();
  assert.equal(b.withinDays, 7);
  const names = b.tokens.map((t) => t.tokenName);
  assert.ok(names.includes('soon') && !names.includes('later'), names.join());
  assert.ok(b.tokens.every((t) => t.expiringSoon === true && !V2_API.test(t.secret)));
  assert.ok(b.pats.some((p) => p.description === 'pat-soon'));
  const prom = (await srv.get('/internal-backstage/prometheus')).text;
  const gauge = (type) => Number(new RegExp(`^latch_tokens_expiring_soon\\{type="${type}"\\} (\\d+)$`, 'm').exec(prom)?.[1]);
  assert.equal(gauge('client'), b.tokens.filter((t) => t.type === 'client').length);
  assert.equal(gauge('pat'), b.pats.length);
  assert.ok(gauge('client') >= 1 && gauge('pat') >= 1);
  // a viewer may not list them
  assert.equal((await new Api(srv, { cookie }).get('/api/admin/api-tokens-expiring')).status, 403);
  // an expiring token: refused at once when its time comes, and one api-token-expired event
  assert.ok(soon.secret);
  const brief = (await admin.post('/api/admin/api-tokens', { tokenName: 'brief', type: 'client', expiresAt: new Date(Date.now() + 1500).toISOString() })).json();
  assert.equal((await features(brief.secret)).status, 200);
  await sleep(1600);
  assert.equal((await features(brief.secret)).status, 401);
  const ev = await waitFor(async () => (await events(since, 'api-token-expired')).find((e) => e.data.tokenName === 'brief'), { what: 'api-token-expired' });
  assert.equal(ev.createdBy, 'system');
  await sleep(1500); // more sweeps: still one event
  assert.equal((await events(since, 'api-token-expired')).filter((e) => e.data.tokenName === 'brief').length, 1);
});

test('service accounts: users that cannot log in, with roles, acting through their own user: tokens', async () => {
  const since = await srv.lastEventId();
  const res = await admin.post('/api/admin/service-account', { username: 'ci-bot', name: 'CI', rootRole: 'Editor' });
  assert.equal(res.status, 201, res.text);
  const sa = res.json();
  assert.equal(sa.accountType, 'Service Account');
  assert.equal(sa.rootRole, 2);
  assertError(await admin.post('/api/admin/service-account', { username: 'ci-bot', rootRole: 'Editor' }), 409, 'NameExistsError');
  assertError(await admin.post('/api/admin/service-account', { username: 'no-role' }), 400, 'ValidationError', 'rootRole is required.');
  const list = (await admin.get('/api/admin/service-account')).json();
  assert.deepEqual(list.serviceAccounts.map((a) => a.username), ['ci-bot']);
  assert.ok(list.rootRoles.some((r) => r.name === 'Editor'));
  // not a user of user-admin: not listed, not addressable, so never given a password
  const users = (await admin.get('/api/admin/user-admin')).json().users.map((u) => u.username);
  assert.ok(!users.includes('ci-bot'));
  assert.equal((await admin.post(`/api/admin/user-admin/${sa.id}/change-password`, { password: USER_PASSWORD + 'x' })).status, 404);
  const login = await srv.post('/auth/simple/login', { username: 'ci-bot', password: USER_PASSWORD });
  assert.equal(login.status, 401);
  assert.equal(login.headers['set-cookie'], undefined);

  const tok = await admin.post(`/api/admin/service-account/${sa.id}/token`, { description: 'deploy', expiresAt: inDays(30) });
  assert.equal(tok.status, 201, tok.text);
  assert.match(tok.json().secret, V2_PAT);
  assert.equal(tok.json().userId, sa.id);
  const bot = new Api(srv, { token: tok.json().secret });
  // an Editor writes in `default` (as in Unleash: not in projects it has no role in)
  assert.equal((await bot.post('/api/admin/projects/default/features', { name: 'by-bot' })).status, 201);
  assertPermissionError(await bot.post('/api/admin/user-admin', { username: 'x', rootRole: 'Viewer' }), 'ADMIN');
  assert.equal((await admin.get(`/api/admin/service-account/${sa.id}/token`)).json().pats.length, 1);
  // its role changes at once
  assert.equal((await admin.put(`/api/admin/service-account/${sa.id}`, { rootRole: 'Viewer' })).status, 200);
  assertPermissionError(await bot.post('/api/admin/projects/default/features', { name: 'by-bot-2' }), 'CREATE_FEATURE');
  // rotation as any PAT
  const rot = await admin.post(`/api/admin/service-account/${sa.id}/token/${tok.json().id}/rotate`, { gracePeriodSeconds: 0 });
  assert.equal(rot.status, 201, rot.text);
  assert.equal((await bot.get('/api/admin/projects')).status, 401);
  assert.equal((await new Api(srv, { token: rot.json().secret }).get('/api/admin/projects')).status, 200);
  // only ADMIN
  await createUser(admin, 'sa-editor', 'Editor');
  const cookie = await loginOk(srv, 'sa-editor', USER_PASSWORD);
  assertPermissionError(await new Api(srv, { cookie }).get('/api/admin/service-account'), 'ADMIN');
  assert.equal((await admin.get('/api/admin/service-account/999999/token')).status, 404);
  assert.equal((await admin.get(`/api/admin/service-account/${(await createUser(admin, 'plain', 'Viewer')).id}/token`)).status, 404, 'a plain user is not a service account');
  // deleting the account deletes its tokens
  assert.equal((await admin.del(`/api/admin/service-account/${sa.id}`)).status, 200);
  assert.equal((await new Api(srv, { token: rot.json().secret }).get('/api/admin/projects')).status, 401);
  const types = (await srv.eventsSince(since)).map((e) => e.type);
  for (const t of ['user-created', 'pat-created', 'pat-rotated', 'user-updated', 'user-deleted']) assert.ok(types.includes(t), t);
});

test('per-token quotas: past its requests per second a token gets 429 with Retry-After', async () => {
  const t = (await admin.post('/api/admin/api-tokens', { tokenName: 'quota', type: 'client' })).json().secret;
  const sel = selectorOf(t);
  for (const body of [{}, { requestsPerSecond: -1 }, { requestsPerSecond: 2.5 }, { requestsPerSecond: '3' }, { requestsPerSecond: 100001 }])
    assertError(await admin.put(`/api/admin/api-tokens/${sel}/quota`, body), 400, 'ValidationError', /requestsPerSecond/, JSON.stringify(body));
  assert.equal((await admin.put(`/api/admin/api-tokens/${'A'.repeat(22)}/quota`, { requestsPerSecond: 2 })).status, 404);
  // without a quota: 12 requests at once all pass
  const burst = () => Promise.all(Array.from({ length: 12 }, () => features(t)));
  assert.deepEqual([...new Set((await burst()).map((r) => r.status))], [200]);
  const since = await srv.lastEventId();
  assert.equal((await admin.put(`/api/admin/api-tokens/${sel}/quota`, { requestsPerSecond: 2 })).status, 200);
  assert.equal((await listed('quota'))[0].requestsPerSecond, 2);
  const ev = (await events(since, 'api-token-updated'))[0];
  assert.equal(ev.data.requestsPerSecond, 2);
  assert.equal(ev.preData.requestsPerSecond, 0);
  // 12 requests span at most two one-second windows on any machine that answers them in under
  // a second, so at most 4 are admitted; the rest get 429 with Retry-After
  const t0 = Date.now();
  const res = await burst();
  const took = Date.now() - t0;
  const ok = res.filter((r) => r.status === 200).length;
  const limited = res.filter((r) => r.status === 429);
  if (took < 1000) assert.ok(ok >= 1 && ok <= 4, `${ok} admitted in ${took} ms`);
  assert.ok(limited.length >= 1, `no 429 among ${res.map((r) => r.status)}`);
  for (const r of limited) {
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json().name, 'TooManyRequestsError');
  }
  // OFREP counts against the same quota
  const ofrep = await Promise.all(Array.from({ length: 12 }, () =>
    srv.post('/ofrep/v1/evaluate/flags/quota-probe', { context: { targetingKey: 'u1' } }, { Authorization: t })));
  const ofrepLimited = ofrep.filter((r) => r.status === 429);
  assert.ok(ofrepLimited.length >= 1, `no 429 among OFREP answers ${ofrep.map((r) => r.status)}`);
  for (const r of ofrepLimited) assert.equal(r.headers['retry-after'], '1');
  // the quota carries over a rotation; null removes it
  const rot = (await admin.post(`/api/admin/api-tokens/${sel}/rotate`, { gracePeriodSeconds: 0 })).json();
  assert.equal(rot.requestsPerSecond, 2);
  assert.equal((await admin.put(`/api/admin/api-tokens/${selectorOf(rot.secret)}/quota`, { requestsPerSecond: null })).status, 200);
  assert.deepEqual([...new Set((await Promise.all(Array.from({ length: 12 }, () => features(rot.secret)))).map((r) => r.status))], [200]);
});
