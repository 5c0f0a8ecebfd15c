// Issue 10's access and input points against the real binary: ids that token strings could
// confuse (10), the database's file mode (12), numbers out of an integer's range from public
// and admin input (13: the sanitizer build turns a bad conversion into a crash), and client
// tokens with many projects (14).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, existsSync } from 'node:fs';
import { Latch, waitFor } from './harness.mjs';
import { Api, assertError, createPat, createUser, loginOk, USER_PASSWORD } from './access_harness.mjs';

let srv;
let admin; // Authorization header of an admin token

before(async () => {
  srv = await Latch.start({
    tokens: {
      admin: { type: 'admin', name: 'hardening-admin' },
      client: { type: 'client', environment: 'development' },
      frontend: { type: 'frontend', environment: 'development' },
    },
  });
  admin = { Authorization: srv.tokens.admin };
});

after(async () => {
  await srv?.dispose();
});

const send = (method, path, body, headers = admin) =>
  srv.request(method, path, { headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' }, body });

async function assertServing(what) {
  const res = await srv.get('/api/client/features', { Authorization: srv.tokens.client });
  assert.equal(res.status, 200, `${what}: the server still serves`);
}

// ---------- 10: ids a token string could confuse ----------

const BAD_IDS = ['*', 'a*', 'a:b', 'a.b', '[]', 'a[0]', 'a,b', 'a b', 'tab\there', ' lead', 'trail '];

test('project ids with a character token formats use are refused with a 400 in Unleash\'s shape', async () => {
  for (const id of BAD_IDS) {
    const res = await send('POST', '/api/admin/projects', { id, name: `project ${JSON.stringify(id)}` });
    assertError(res, 400, 'ValidationError', /"id" must be 1 to 100 letters, digits/, `project ${JSON.stringify(id)}`);
  }
  const names = (await send('GET', '/api/admin/projects')).json().projects.map((p) => p.id);
  for (const id of BAD_IDS) assert.ok(!names.includes(id), `project ${JSON.stringify(id)} was stored`);
  const ok = await send('POST', '/api/admin/projects', { id: 'plain-id_1~x', name: 'fine' });
  assert.equal(ok.status, 201, ok.text);
});

test('environment names with a character token formats use are refused with a 400', async () => {
  for (const name of BAD_IDS) {
    const res = await send('POST', '/api/admin/environments', { name, type: 'development' });
    assertError(res, 400, 'ValidationError', /"name" must be 1 to 100 letters, digits/, `environment ${JSON.stringify(name)}`);
  }
  const envs = (await send('GET', '/api/admin/environments')).json().environments.map((e) => e.name);
  for (const name of BAD_IDS) assert.ok(!envs.includes(name), `environment ${JSON.stringify(name)} was stored`);
});

test('an import cannot bring in a project or environment named "*"', async () => {
  const flag = { name: 'star-flag', type: 'release', project: '*', enabled: true, stale: false, impressionData: false, strategies: [], variants: [] };
  assert.throws(() => srv.importDoc({ version: 2, features: [flag] }, 'development'));
  const good = { ...flag, name: 'plain-flag', project: 'default' };
  assert.throws(() => srv.importDoc({ version: 2, features: [good] }, '*'));
  const envs = (await send('GET', '/api/admin/environments')).json().environments.map((e) => e.name);
  assert.ok(!envs.includes('*'), envs.join());
  const projects = (await send('GET', '/api/admin/projects')).json().projects.map((p) => p.id);
  assert.ok(!projects.includes('*'), projects.join());
});

test('/edge/validate leaves out a token whose stored scope names "*" as a project (an older store)', async () => {
  const scoped = srv.createToken({ type: 'client', environment: 'development', projects: ['checkout'] });
  const star = srv.createToken({ type: 'client', environment: 'development', projects: ['search'] });
  // as an older latch could have stored it: a project literally named "*" and a token for it
  srv.sql(`INSERT INTO projects (id, name, mode, created_at) VALUES ('*', 'star', 'open', 0);
           UPDATE api_token_projects SET project = '*' WHERE digest = (SELECT digest FROM api_tokens ORDER BY id DESC LIMIT 1);`);
  srv.createToken({ type: 'client', environment: 'development', name: 'reload-trigger' }); // an event: the server reloads
  let body;
  await waitFor(async () => {
    const res = await srv.post('/edge/validate', { tokens: [scoped, star] });
    assert.equal(res.status, 200, res.text);
    body = res.json();
    return body.tokens.length === 1;
  }, { what: 'the reload with the "*" project' });
  assert.deepEqual(body.tokens.map((t) => t.token), [scoped], JSON.stringify(body));
  assert.deepEqual(body.tokens[0].projects, ['checkout']);
});

test('deleting an environment never takes the all-environment tokens with it', async () => {
  const before = (await send('GET', '/api/admin/api-tokens')).json().tokens.filter((t) => t.environment === '*');
  assert.ok(before.length > 0, 'an admin token has environment "*"');
  const res = await send('DELETE', '/api/admin/environments/*');
  assert.ok(res.status === 404 || res.status === 400, `${res.status} ${res.text}`);
  const now = (await send('GET', '/api/admin/api-tokens')).json().tokens.filter((t) => t.environment === '*');
  assert.equal(now.length, before.length);
});

// ---------- 12: the database and its WAL are the owner's alone ----------

test('the database and its -wal and -shm files are created 0600', async () => {
  // a write makes sure the WAL and shared-memory files exist
  assert.equal((await send('POST', '/api/admin/projects', { id: 'mode-probe', name: 'mode probe' })).status, 201);
  for (const f of [srv.db, `${srv.db}-wal`, `${srv.db}-shm`]) {
    assert.ok(existsSync(f), `${f} exists`);
    assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);
  }
});

// ---------- 13: numbers out of an integer's range ----------

test('numbers out of an integer\'s range in public and admin input get an answer, never a crash', async () => {
  const fe = { Authorization: srv.tokens.frontend };
  for (const userId of [1e300, -1e300, 9.3e18, 1.5e19]) {
    const res = await send('POST', '/api/frontend', { context: { userId, sessionId: userId, properties: { n: userId } } }, fe);
    assert.equal(res.status, 200, `userId ${userId}: ${res.status} ${res.text}`);
  }
  const client = { Authorization: srv.tokens.client };
  const reg = await send('POST', '/api/client/register', { appName: 'big', instanceId: 'i', strategies: ['default'], started: 1e300, interval: 1e300 }, client);
  assert.equal(reg.status, 202, reg.text);
  const met = await send('POST', '/api/client/metrics', { appName: 'big', instanceId: 'i', bucket: { start: 1e300, stop: -1e300, toggles: { 'dark-mode': { yes: 1, no: 0 } } } }, client);
  assert.equal(met.status, 202, met.text);
  const bulk = await send('POST', '/api/client/metrics/bulk', { applications: [], metrics: [{ featureName: 'dark-mode', appName: 'big', environment: 'development', timestamp: 1e300, yes: 1, no: 0 }] }, client);
  assert.equal(bulk.status, 202, bulk.text);
  const env = await send('POST', '/api/admin/environments', { name: 'huge-order', type: 'development', sortOrder: 1e300 });
  assertError(env, 400, 'ValidationError', '"sortOrder" must be an integer', 'environment sortOrder 1e300');
  const order = await send('PUT', '/api/admin/environments/sort-order', { development: 1e300 });
  assert.equal(order.status, 400, order.text);
  const strat = await send('POST', '/api/admin/projects/default/features/dark-mode/environments/development/strategies', { name: 'default', sortOrder: 1e300, segments: [1e300] });
  assert.equal(strat.status, 400, strat.text);
  const strat2 = await send('POST', '/api/admin/projects/default/features/dark-mode/environments/development/strategies', { name: 'default', sortOrder: -1e300 });
  assert.equal(strat2.status, 200, strat2.text);
  const ctx = await send('POST', '/api/admin/context', { name: 'bigOrder', sortOrder: 1e300 });
  assert.ok(ctx.status === 201 || ctx.status === 200, ctx.text);
  await assertServing('after numbers out of range');
});

// ---------- 14: a client token with more projects than any fixed cap ----------

test('a client token scoped to 70 projects sees the flags of every one of them', async () => {
  const ids = Array.from({ length: 70 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
  for (const id of ids) {
    const res = await send('POST', '/api/admin/projects', { id, name: id });
    assert.equal(res.status, 201, res.text);
  }
  // a flag in the last project (sorted), and one in the first
  for (const id of [ids[0], ids[69]]) {
    const res = await send('POST', `/api/admin/projects/${id}/features`, { name: `flag-in-${id}` });
    assert.equal(res.status, 201, res.text);
  }
  const tok = await send('POST', '/api/admin/api-tokens', { tokenName: 'many', type: 'client', environment: 'development', projects: ids });
  assert.equal(tok.status, 201, tok.text);
  const { body } = await srv.features(tok.json().secret);
  assert.deepEqual(body.features.map((f) => f.name).sort(), [`flag-in-${ids[0]}`, `flag-in-${ids[69]}`]);
});

// ---------- 9: project segments stay in their project ----------

test('a strategy may use a global segment or one of its flag\'s project, never another project\'s', async () => {
  const mk = async (name, project) => {
    const res = await send('POST', '/api/admin/segments', { name, ...(project ? { project } : {}), constraints: [] });
    assert.equal(res.status, 201, res.text);
    return res.json().id;
  };
  const inCheckout = await mk('seg-checkout', 'checkout');
  const global = await mk('seg-global');
  const path = (p, f) => `/api/admin/projects/${p}/features/${f}/environments/development/strategies`;
  const other = await send('POST', path('search', 'search-legacy'), { name: 'default', segments: [inCheckout] });
  assertError(other, 400, 'BadDataError', /belongs to project checkout/, 'another project\'s segment');
  const strategies = (await send('GET', path('search', 'search-legacy'))).json();
  assert.ok(!strategies.some((s) => (s.segments ?? []).includes(inCheckout)), JSON.stringify(strategies));
  const own = await send('POST', path('checkout', 'beta-checkout'), { name: 'default', segments: [inCheckout] });
  assert.equal(own.status, 200, own.text);
  const glob = await send('POST', path('search', 'search-legacy'), { name: 'default', segments: [global] });
  assert.equal(glob.status, 200, glob.text);
  // an update of a strategy is held to the same rule
  const sid = glob.json().id;
  const upd = await send('PUT', `${path('search', 'search-legacy')}/${sid}`, { name: 'default', segments: [inCheckout] });
  assertError(upd, 400, 'BadDataError', /belongs to project checkout/, 'update with another project\'s segment');
});

test('moving a segment is checked against the project it moves to', async () => {
  const user = await createUser(new Api(srv, { token: srv.tokens.admin }), 'seg-owner', 'Viewer');
  const bind = await send('PUT', `/api/admin/projects/mobile/users/${user.id}/roles`, { roles: [4] });
  assert.equal(bind.status, 200, bind.text);
  const cookie = await loginOk(srv, 'seg-owner', USER_PASSWORD);
  const owner = { Authorization: (await createPat(new Api(srv, { cookie }), 'seg owner')).secret };
  const seg = await send('POST', '/api/admin/segments', { name: 'seg-mobile', project: 'mobile', constraints: [] });
  assert.equal(seg.status, 201, seg.text);
  const id = seg.json().id;
  // the owner of mobile may change it in mobile
  const stay = await send('PUT', `/api/admin/segments/${id}`, { name: 'seg-mobile', description: 'still mobile', project: 'mobile', constraints: [] }, owner);
  assert.ok(stay.status === 200 || stay.status === 204, stay.text);
  // but not move it to a project they have no role in, nor make it global
  const away = await send('PUT', `/api/admin/segments/${id}`, { name: 'seg-mobile', project: 'search', constraints: [] }, owner);
  assertError(away, 403, 'PermissionError', undefined, 'move to search');
  const global = await send('PUT', `/api/admin/segments/${id}`, { name: 'seg-mobile', constraints: [] }, owner);
  assertError(global, 403, 'PermissionError', undefined, 'move to global');
  const stored = (await send('GET', `/api/admin/segments/${id}`)).json();
  assert.equal(stored.project, 'mobile');
  // an admin may move it
  const moved = await send('PUT', `/api/admin/segments/${id}`, { name: 'seg-mobile', project: 'search', constraints: [] });
  assert.ok(moved.status === 200 || moved.status === 204, moved.text);
});
