// The access matrix of issue 4: every kind of credential against every endpoint group, with
// the expected status and body of each cell. Credentials: an admin token; PATs of an Admin,
// an Editor, a Viewer and a custom-role user; client tokens for one project, a list and all;
// a front-end token; a legacy 64-hex token; an expired, a revoked, an unknown and no
// credential; a session cookie. Issue 16 added: tokens are v2 by default (a classic one kept),
// a rotated token in its grace and its successor, one rotated with no grace, a v2 string with
// a real selector and a forged secret, a read-only PAT, a PAT narrowed to one project and a
// service account's token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixturePath, waitFor, MSG_NEED_TOKEN, MSG_WRONG_TYPE } from './harness.mjs';
import {
  ADMIN_PASSWORD,
  Api,
  startAccess,
  loginOk,
  createUser,
  createPat,
  assertPermissionError,
  assertPermissionAny,
  assertUnauthorized,
  assertLoginRequired,
  assertError,
  USER_PASSWORD,
} from './access_harness.mjs';

const fixture = JSON.parse(readFileSync(fixturePath('client-features.json'), 'utf8'));
const namesIn = (...projects) =>
  fixture.features.filter((f) => projects.includes(f.project)).map((f) => f.name).sort();
const allNames = fixture.features.map((f) => f.name).sort();

let srv;
const creds = {}; // key -> {token} | {cookie} | {}
const secrets = {}; // key -> the token string (for /edge/validate)
let customRoleId;

before(async () => {
  srv = await startAccess({
    tokens: {
      adminToken: { type: 'admin', name: 'matrix-admin' },
      clientOne: { type: 'client', projects: 'checkout' },
      clientList: { type: 'client', projects: 'checkout,search' },
      clientAll: { type: 'client' },
      frontend: { type: 'frontend' },
      expired: { type: 'client', expires: '2020-01-01T00:00:00Z' },
      revoked: { type: 'client' },
      rotatedOld: { type: 'client', name: 'rotated' },
      rotatedGone: { type: 'client', name: 'rotated-gone' },
    },
  });
  creds.classic = { token: srv.cli(['token', 'create', '--type', 'client', '--token-format', 'classic']).trim() };
  assert.match(creds.classic.token, /^\*:development\.[0-9a-f]{56}$/);
  secrets.classic = creds.classic.token;
  for (const [k, v] of Object.entries(srv.tokens)) {
    creds[k] = { token: v };
    secrets[k] = v;
  }
  const admin = new Api(srv, creds.adminToken);

  // a legacy token, stored from its given secret (picked up by the running server's watcher)
  const legacy = randomBytes(32).toString('hex');
  assert.equal(srv.cli(['token', 'create', '--type', 'client', '--secret', legacy, '--name', 'legacy']).trim(), 'stored');
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: legacy })).status === 200, {
    what: 'the legacy token to be served',
  });
  creds.legacy = { token: legacy };
  secrets.legacy = legacy;

  // revoked through the API before the matrix runs
  const del = await admin.del(`/api/admin/api-tokens/${encodeURIComponent(secrets.revoked)}`);
  assert.equal(del.status, 200, del.text);

  // rotated: one with an hour of grace (the old and the new secret both work), one with none
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: secrets.classic })).status === 200, {
    what: 'the classic token to be served',
  });
  const rot = await admin.post(`/api/admin/api-tokens/${encodeURIComponent(secrets.rotatedOld)}/rotate`, { gracePeriodSeconds: 3600 });
  assert.equal(rot.status, 201, rot.text);
  creds.rotatedNew = { token: rot.json().secret };
  secrets.rotatedNew = rot.json().secret;
  const selectorGone = /\.v2_([A-Za-z0-9_-]{22})_/.exec(secrets.rotatedGone)[1];
  const gone = await admin.post(`/api/admin/api-tokens/${selectorGone}/rotate`, { gracePeriodSeconds: 0 });
  assert.equal(gone.status, 201, gone.text);
  // the selector of a live token with a secret that is not its own
  creds.v2Forged = { token: secrets.clientAll.replace(/_[A-Za-z0-9_-]{43}$/, `_${randomBytes(32).toString('base64url')}`) };
  secrets.v2Forged = creds.v2Forged.token;
  const role = await admin.post('/api/admin/roles', {
    name: 'token-keeper',
    description: 'reads and creates client tokens',
    type: 'root-custom',
    permissions: [{ name: 'READ_CLIENT_API_TOKEN' }, { name: 'CREATE_CLIENT_API_TOKEN' }],
  });
  assert.equal(role.status, 201, role.text);
  customRoleId = role.json().id;

  for (const [key, rootRole] of [
    ['patAdmin', 'Admin'],
    ['patEditor', 2],
    ['patViewer', 'Viewer'],
    ['patCustom', customRoleId],
  ]) {
    const username = `u-${key}`;
    await createUser(admin, username, rootRole);
    const cookie = await loginOk(srv, username, USER_PASSWORD);
    const pat = await createPat(new Api(srv, { cookie }), `matrix ${key}`);
    assert.match(pat.secret, /^user:v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
    creds[key] = { token: pat.secret };
    secrets[key] = pat.secret;
  }
  // a service account with the Editor role, through its own token
  const sa = await admin.post('/api/admin/service-account', { username: 'u-serviceAccount', rootRole: 'Editor' });
  assert.equal(sa.status, 201, sa.text);
  const saTok = await admin.post(`/api/admin/service-account/${sa.json().id}/token`, { description: 'matrix', expiresAt: new Date(Date.now() + 86400000).toISOString() });
  assert.equal(saTok.status, 201, saTok.text);
  creds.serviceAccount = { token: saTok.json().secret };
  secrets.serviceAccount = saTok.json().secret;
  // PATs of Admin users, narrowed at creation
  for (const [key, scope] of [
    ['patReadOnly', { readOnly: true }],
    ['patScoped', { projects: ['checkout'] }],
  ]) {
    const username = `u-${key}`;
    await createUser(admin, username, 'Admin');
    const cookie = await loginOk(srv, username, USER_PASSWORD);
    const res = await new Api(srv, { cookie }).post('/api/admin/user/tokens', { description: key, expiresAt: new Date(Date.now() + 86400000).toISOString(), ...scope });
    assert.equal(res.status, 201, res.text);
    creds[key] = { token: res.json().secret };
    secrets[key] = res.json().secret;
  }
  creds.session = { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) };
  creds.unknown = { token: `*:development.${randomBytes(28).toString('hex')}` };
  secrets.unknown = creds.unknown.token;
  creds.none = {};
});

after(async () => {
  await srv?.dispose();
});

// ---------- what each cell expects ----------

const ADMIN_TOKEN_PERMS = (op) => ['ADMIN', `${op}_CLIENT_API_TOKEN`, `${op}_FRONTEND_API_TOKEN`];

function bare(status, body) {
  return (res, what) => {
    assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
    assert.equal(res.text, body, what);
  };
}
const WRONG = bare(403, MSG_WRONG_TYPE);
const NEED = bare(401, MSG_NEED_TOKEN);
const UNAUTH = (res, what) => assertUnauthorized(res, what);
const LOGIN = (res, what) => assertLoginRequired(res, what);
const PERM = (perm) => (res, what) => assertPermissionError(res, perm, what);
const ANY = (perms) => (res, what) => assertPermissionAny(res, perms, what);
const READ_ONLY = (res, what) => assertError(res, 403, 'PermissionError', 'This personal access token is read-only.', what);

// admin read: the token list, with the types the caller may see
const TOKENS = (types) => (res, what) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  const { tokens } = res.json();
  assert.ok(Array.isArray(tokens) && tokens.length > 0, what);
  const seen = new Set(tokens.map((t) => t.type));
  assert.deepEqual([...seen].sort(), [...types].sort(), `${what}: token types listed`);
  for (const t of tokens) {
    assert.ok(!Object.values(secrets).includes(t.secret), `${what}: a list shows a full secret`);
    // a v2 token is listed by its selector (Unleash's secure tokens), others by display prefix
    if (t.secure) assert.match(t.secret, /^[A-Za-z0-9_-]{22}$/, `${what}: the selector`);
    else assert.match(t.secret, /…$/, `${what}: the display prefix`);
    assert.ok(!t.secret.startsWith('user:'), `${what}: PATs are not API tokens`);
  }
};
const EVENTS = (res, what) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  const b = res.json();
  assert.equal(b.version, 1, what);
  assert.ok(b.events.length > 0 && b.totalEvents >= b.events.length, what);
  assert.ok(b.events.some((e) => e.type === 'role-created' && e.data.name === 'token-keeper'), what);
};
const CREATED_TOKEN = (res, what) => {
  assert.equal(res.status, 201, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.headers.location, 'api-tokens', what);
  const b = res.json();
  assert.match(b.secret, /^checkout:development\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/, what);
  assert.equal(b.secure, true, what);
  assert.equal(b.type, 'client', what);
  assert.deepEqual(b.projects, ['checkout'], what);
};
const CREATED_USER = (res, what) => {
  assert.equal(res.status, 201, `${what}: ${res.status} ${res.text}`);
  const b = res.json();
  assert.equal(b.rootRole, 3, what);
  assert.equal(b.accountType, 'User', what);
  assert.ok(!('password' in b) && !('passwordHash' in b), what);
};
const CREATED_ROLE = (res, what) => {
  assert.equal(res.status, 201, `${what}: ${res.status} ${res.text}`);
  const b = res.json();
  assert.equal(b.type, 'root-custom', what);
  assert.deepEqual(b.permissions, [{ name: 'CREATE_SEGMENT' }], what);
};
const FEATURES = (names) => (res, what) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(res.json().features.map((f) => f.name).sort(), names, what);
};
const FRONTEND = (res, what) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  assert.ok(Array.isArray(res.json().toggles), what);
};
const VALID = (type, projects, environment) => (res, what, key) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(res.json(), { tokens: [{ token: secrets[key], type, projects, environment, project: projects.join(',') }] }, what);
};
const ABSENT = (res, what) => {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(res.json(), { tokens: [] }, what);
};
const HEALTH = (res, what) => {
  assert.equal(res.status, 200, what);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['health', 'version'], what);
  assert.equal(body.health, 'GOOD', what);
  assert.match(body.version, /^\d+\.\d+\.\d+/, what);
};

const GROUPS = ['tokens', 'events', 'createToken', 'createUser', 'createRole', 'client', 'frontend', 'edge', 'health'];

const ADMIN_ROW = {
  tokens: TOKENS(['admin', 'client', 'frontend']),
  events: EVENTS,
  createToken: CREATED_TOKEN,
  createUser: CREATED_USER,
  createRole: CREATED_ROLE,
  client: WRONG,
  frontend: WRONG,
  edge: ABSENT,
  health: HEALTH,
};
const apiRow = (client, frontend, edge) => ({
  tokens: WRONG,
  events: WRONG,
  createToken: WRONG,
  createUser: WRONG,
  createRole: WRONG,
  client,
  frontend,
  edge,
  health: HEALTH,
});
const deadRow = (admin) => ({
  tokens: admin,
  events: admin,
  createToken: admin,
  createUser: admin,
  createRole: admin,
  client: NEED,
  frontend: NEED,
  edge: ABSENT,
  health: HEALTH,
});

const MATRIX = {
  adminToken: { ...ADMIN_ROW, edge: VALID('admin', ['*'], '*') },
  session: { ...ADMIN_ROW, client: NEED, frontend: NEED },
  patAdmin: ADMIN_ROW,
  patEditor: {
    ...ADMIN_ROW,
    tokens: TOKENS(['client', 'frontend']),
    events: PERM('ADMIN'),
    createUser: PERM('ADMIN'),
    createRole: PERM('ADMIN'),
  },
  patViewer: {
    ...ADMIN_ROW,
    tokens: ANY(ADMIN_TOKEN_PERMS('READ')),
    events: PERM('ADMIN'),
    createToken: ANY(ADMIN_TOKEN_PERMS('CREATE')),
    createUser: PERM('ADMIN'),
    createRole: PERM('ADMIN'),
  },
  patCustom: {
    ...ADMIN_ROW,
    tokens: TOKENS(['client']),
    events: PERM('ADMIN'),
    createUser: PERM('ADMIN'),
    createRole: PERM('ADMIN'),
  },
  clientOne: apiRow(FEATURES(namesIn('checkout')), WRONG, VALID('client', ['checkout'], 'development')),
  clientList: apiRow(FEATURES(namesIn('checkout', 'search')), WRONG, VALID('client', ['checkout', 'search'], 'development')),
  clientAll: apiRow(FEATURES(allNames), WRONG, VALID('client', ['*'], 'development')),
  classic: apiRow(FEATURES(allNames), WRONG, VALID('client', ['*'], 'development')),
  rotatedOld: apiRow(FEATURES(allNames), WRONG, VALID('client', ['*'], 'development')),
  rotatedNew: apiRow(FEATURES(allNames), WRONG, VALID('client', ['*'], 'development')),
  rotatedGone: deadRow(UNAUTH),
  v2Forged: deadRow(UNAUTH),
  serviceAccount: {
    ...ADMIN_ROW,
    tokens: TOKENS(['client', 'frontend']),
    events: PERM('ADMIN'),
    createUser: PERM('ADMIN'),
    createRole: PERM('ADMIN'),
  },
  patReadOnly: { ...ADMIN_ROW, createToken: READ_ONLY, createUser: READ_ONLY, createRole: READ_ONLY },
  patScoped: {
    ...ADMIN_ROW,
    tokens: ANY(ADMIN_TOKEN_PERMS('READ')),
    events: PERM('ADMIN'),
    createToken: ANY(ADMIN_TOKEN_PERMS('CREATE')),
    createUser: PERM('ADMIN'),
    createRole: PERM('ADMIN'),
  },
  legacy: apiRow(FEATURES(allNames), WRONG, VALID('client', ['*'], '*')),
  frontend: apiRow(WRONG, FRONTEND, VALID('frontend', ['*'], 'development')),
  expired: deadRow(UNAUTH),
  revoked: deadRow(UNAUTH),
  unknown: deadRow(UNAUTH),
  none: deadRow(LOGIN),
};

function headersOf(key) {
  const c = creds[key];
  const h = {};
  if (c.token !== undefined) h.Authorization = c.token;
  if (c.cookie !== undefined) h.Cookie = `unleash-session=${c.cookie}`;
  return h;
}

function call(group, key) {
  const headers = headersOf(key);
  const json = { ...headers, 'Content-Type': 'application/json' };
  const name = `m-${key}`;
  switch (group) {
    case 'tokens':
      return srv.request('GET', '/api/admin/api-tokens', { headers });
    case 'events':
      return srv.request('GET', '/api/admin/events', { headers });
    case 'createToken':
      return srv.request('POST', '/api/admin/api-tokens', {
        headers: json,
        body: { tokenName: name, type: 'client', environment: 'development', projects: ['checkout'] },
      });
    case 'createUser':
      return srv.request('POST', '/api/admin/user-admin', { headers: json, body: { username: name, rootRole: 'Viewer' } });
    case 'createRole':
      return srv.request('POST', '/api/admin/roles', {
        headers: json,
        body: { name, type: 'root-custom', permissions: [{ name: 'CREATE_SEGMENT' }] },
      });
    case 'client':
      return srv.request('GET', '/api/client/features', { headers });
    case 'frontend':
      return srv.request('GET', '/api/frontend?appName=matrix', { headers });
    case 'edge': {
      // the credential's string (a cookie value is not a token; no credential: an empty list)
      const c = creds[key];
      const tokens = c.token !== undefined ? [c.token] : c.cookie !== undefined ? [c.cookie] : [];
      return srv.request('POST', '/edge/validate', { headers: { 'Content-Type': 'application/json' }, body: { tokens } });
    }
    case 'health':
      return srv.request('GET', '/health', { headers });
  }
  throw new Error(group);
}

test('the matrix covers every credential and every group', () => {
  assert.deepEqual(Object.keys(MATRIX).sort(), Object.keys(creds).sort());
  for (const [key, row] of Object.entries(MATRIX)) assert.deepEqual(Object.keys(row).sort(), [...GROUPS].sort(), key);
});

for (const group of GROUPS) {
  test(`access matrix: ${group}`, async () => {
    for (const [key, row] of Object.entries(MATRIX)) {
      const res = await call(group, key);
      row[group](res, `${key} × ${group}`, key);
    }
  });
}

test('denied writes changed nothing; allowed ones are in the store', async () => {
  const admin = new Api(srv, creds.adminToken);
  const allowed = ['adminToken', 'session', 'patAdmin'];
  const users = (await admin.get('/api/admin/user-admin')).json().users.map((u) => u.username);
  const roles = (await admin.get('/api/admin/roles')).json().roles.map((r) => r.name);
  const tokens = (await admin.get('/api/admin/api-tokens')).json().tokens.map((t) => t.tokenName);
  for (const key of Object.keys(MATRIX)) {
    const name = `m-${key}`;
    assert.equal(users.includes(name), allowed.includes(key), `user ${name}`);
    assert.equal(roles.includes(name), allowed.includes(key), `role ${name}`);
    const tokenAllowed = [...allowed, 'patEditor', 'patCustom', 'serviceAccount'].includes(key);
    assert.equal(tokens.includes(name), tokenAllowed, `token ${name}`);
  }
});

test('the event log names who did each write: a PAT its user, an admin token its name', async () => {
  const admin = new Api(srv, creds.adminToken);
  const { events } = (await admin.get('/api/admin/search/events?type=api-token-created&limit=100')).json();
  const byName = new Map(events.map((e) => [e.data.tokenName, e]));
  const users = new Map((await admin.get('/api/admin/user-admin')).json().users.map((u) => [u.username, u.id]));
  for (const key of ['patEditor', 'patCustom', 'patAdmin']) {
    const e = byName.get(`m-${key}`);
    assert.ok(e, key);
    assert.equal(e.createdBy, `u-${key}`, key);
    assert.equal(e.createdByUserId, users.get(`u-${key}`), key);
  }
  const e = byName.get('m-adminToken');
  assert.equal(e.createdBy, 'matrix-admin');
  assert.equal(e.createdByUserId, null);
  assert.equal(byName.get('m-session').createdBy, 'admin');
});

// ---------- root and project roles in projects (issue 10, point 8) ----------
// Unleash's rules: Admin may do everything; an Editor holds Member's rights in `default` only,
// and owns the projects they create; a Viewer writes nothing; a project Owner has every
// project permission in its project, a Member the flag ones (not UPDATE_PROJECT); a custom
// project role exactly its rows. Each principal tries four writes in three projects.

const PROJECT_OPS = {
  toggle: 'UPDATE_FEATURE_ENVIRONMENT',
  createFlag: 'CREATE_FEATURE',
  projectToken: 'CREATE_PROJECT_API_TOKEN',
  updateProject: 'UPDATE_PROJECT',
};
const FLAG_IN = { default: 'dark-mode', checkout: 'beta-checkout', 'ed-proj': 'ed-flag' };
const ALL_OPS = Object.keys(PROJECT_OPS);
const FLAG_OPS = ['toggle', 'createFlag', 'projectToken'];
const roleCreds = {};

const ROLE_MATRIX = {
  // principal -> project -> the operations allowed there
  admin: { default: ALL_OPS, checkout: ALL_OPS, 'ed-proj': ALL_OPS },
  editor: { default: FLAG_OPS, checkout: [], 'ed-proj': ALL_OPS },
  otherEditor: { default: FLAG_OPS, checkout: [], 'ed-proj': [] },
  viewer: { default: [], checkout: [], 'ed-proj': [] },
  owner: { default: [], checkout: ALL_OPS, 'ed-proj': [] },
  member: { default: [], checkout: FLAG_OPS, 'ed-proj': [] },
  customProject: { default: [], checkout: ['toggle'], 'ed-proj': [] },
};

// set up once, by the first test that needs it (after the matrix's own setup)
let rolesReady;
const rolesSetup = () => (rolesReady ??= setupRoles());
async function setupRoles() {
  const admin = new Api(srv, creds.adminToken);
  const role = await admin.post('/api/admin/roles', {
    name: 'toggler',
    description: 'switches flags in development',
    type: 'custom',
    permissions: [{ name: 'UPDATE_FEATURE_ENVIRONMENT', environment: 'development' }],
  });
  assert.equal(role.status, 201, role.text);
  const binds = { owner: 4, member: 5, customProject: role.json().id };
  for (const [key, rootRole] of [
    ['admin', 'Admin'],
    ['editor', 'Editor'],
    ['otherEditor', 'Editor'],
    ['viewer', 'Viewer'],
    ['owner', 'Viewer'],
    ['member', 'Viewer'],
    ['customProject', 'Viewer'],
  ]) {
    const user = await createUser(admin, `r-${key}`, rootRole);
    if (binds[key]) {
      const res = await admin.put(`/api/admin/projects/checkout/users/${user.id}/roles`, { roles: [binds[key]] });
      assert.equal(res.status, 200, `${key}: ${res.text}`);
    }
    const cookie = await loginOk(srv, `r-${key}`, USER_PASSWORD);
    roleCreds[key] = { token: (await createPat(new Api(srv, { cookie }), `roles ${key}`)).secret };
  }
  // the editor creates a project (and so owns it) and a flag in it
  const editor = new Api(srv, roleCreds.editor);
  const created = await editor.post('/api/admin/projects', { id: 'ed-proj', name: 'Editor project' });
  assert.equal(created.status, 201, created.text);
  const flag = await editor.post('/api/admin/projects/ed-proj/features', { name: 'ed-flag' });
  assert.equal(flag.status, 201, flag.text);
}

function projectOp(op, key, project) {
  const api = new Api(srv, roleCreds[key]);
  const tag = `${key}-${project}`;
  switch (op) {
    case 'toggle':
      return api.post(`/api/admin/projects/${project}/features/${FLAG_IN[project]}/environments/development/on`);
    case 'createFlag':
      return api.post(`/api/admin/projects/${project}/features`, { name: `f-${tag}` });
    case 'projectToken':
      return api.post(`/api/admin/projects/${project}/api-tokens`, { tokenName: `t-${tag}`, type: 'client', environment: 'development' });
    case 'updateProject':
      return api.put(`/api/admin/projects/${project}`, { name: `renamed by ${key}` });
  }
  throw new Error(op);
}

for (const op of ALL_OPS) {
  test(`roles in projects: ${op}`, async () => {
    await rolesSetup();
    for (const [key, row] of Object.entries(ROLE_MATRIX)) {
      for (const [project, allowed] of Object.entries(row)) {
        const res = await projectOp(op, key, project);
        const what = `${key} × ${op} in ${project}`;
        if (allowed.includes(op)) assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`);
        else assertPermissionError(res, PROJECT_OPS[op], what);
      }
    }
  });
}

test('roles in projects: refused writes left the projects as they were', async () => {
  await rolesSetup();
  const admin = new Api(srv, creds.adminToken);
  for (const [key, row] of Object.entries(ROLE_MATRIX)) {
    for (const [project, allowed] of Object.entries(row)) {
      const flag = await admin.get(`/api/admin/projects/${project}/features/f-${key}-${project}`);
      assert.equal(flag.status, allowed.includes('createFlag') ? 200 : 404, `${key} flag in ${project}`);
      const tokens = (await admin.get(`/api/admin/projects/${project}/api-tokens`)).json().tokens.map((t) => t.tokenName);
      assert.equal(tokens.includes(`t-${key}-${project}`), allowed.includes('projectToken'), `${key} token in ${project}`);
    }
  }
});

test('roles in projects: the creator of a project is its Owner, as GET /api/admin/user/roles shows', async () => {
  await rolesSetup();
  const res = await new Api(srv, roleCreds.editor).get('/api/admin/user/roles?projectId=ed-proj');
  assert.equal(res.status, 200, res.text);
  assert.ok(JSON.stringify(res.json()).includes('"Owner"'), res.text);
  const other = await new Api(srv, roleCreds.otherEditor).get('/api/admin/user/roles?projectId=ed-proj');
  assert.ok(!JSON.stringify(other.json()).includes('"Owner"'), other.text);
});
