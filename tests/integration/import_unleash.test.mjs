// `latch import --from-unleash` against a real unleash-server 8.2.0 (tests/.peers) on its own
// database of the private PostgreSQL. Unleash is seeded through its admin API (context field,
// custom strategy, segment, tag type and tags, flags with strategies, constraints, segments and
// strategy variants, a dependency, an archived flag, users with passwords, v2 API tokens, a v2
// PAT) and, where the open-source edition has no admin API (a second project, a custom role,
// project roles, feature-level variants), by SQL into its own tables as its enterprise API
// would write them. Unleash keeps running; latch imports into SQLite, then: the client
// features latch serves to each of Unleash's client tokens equal Unleash's field for field,
// the front-end token and the PAT work, an Unleash user logs in with their bcrypt password
// (twice: the second time against the argon2id hash the first login stored), a wrong password
// is refused, a second run changes nothing, --dry-run writes nothing and no output holds a
// secret. The same import into latch's PostgreSQL store gives the same export document.
// Skipped, loudly, when unleash-server or PostgreSQL is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, latch, sql } from './harness.mjs';
import { tempDir, removeDir, LatchProcess } from './frontend_harness.mjs';
import { startPostgres, psql } from './pg_harness.mjs';
import { unleashSkip, startUnleash } from './unleash_peer.mjs';

const SKIP = unleashSkip('import_unleash.test.mjs');

const hex = () => randomBytes(24).toString('hex');
// classic tokens (Unleash's INIT_* tokens are classic even with secure storage on)
const ADMIN = `*:*.${hex()}`;
const CLIENT = `*:development.${hex()}`;
const FRONTEND = `default:development.${hex()}`;
const ALIAS = `proxy-key-${hex()}`;
const ED_PASSWORD = `Ed-${hex().slice(0, 12)}!`;
const VI_PASSWORD = `Vi-${hex().slice(0, 12)}!`;
const DB_PASSWORD = `pw-${hex().slice(0, 16)}`; // in the --from-unleash URL: must never be printed

let pg;
let unleashDb; // the URL of Unleash's database
let fromUrl; // the same with a user and password, as a migrating team would give it
let unleash; // {child, url, log}
let dir;
let db; // latch's SQLite store
let srv; // latch serve on it
const secrets = []; // every token string Unleash handed out, for the "never printed" checks
let v2Tokens = {}; // name -> secret of the v2 tokens made through the admin API
let pat; // a v2 PAT of ed

async function call(method, path, body, { token = ADMIN, headers = {}, ok = [200, 201, 202] } = {}) {
  const r = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { Authorization: token, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!ok.includes(r.status)) throw new Error(`Unleash ${method} ${path}: ${r.status} ${text.slice(0, 400)}`);
  return text ? JSON.parse(text) : null;
}

const q = (query) => psql(unleashDb, query);

async function seed() {
  // what the open-source edition has no API for, by SQL as the enterprise API writes it
  q(`INSERT INTO projects (id, name, description) VALUES ('shop', 'Shop', 'the shop');
     INSERT INTO project_environments (project_id, environment_name) VALUES ('shop', 'development'), ('shop', 'production')`);
  await call('POST', '/api/admin/context', { name: 'tier', description: 'plan', stickiness: false, legalValues: [{ value: 'gold' }, { value: 'silver' }] });
  await call('POST', '/api/admin/strategies', {
    name: 'byRegion', description: 'regions', parameters: [{ name: 'regions', type: 'list', description: 'which', required: true }],
  });
  const seg = await call('POST', '/api/admin/segments', {
    name: 'beta-users', description: 'the beta', constraints: [{ contextName: 'userId', operator: 'IN', values: ['alice', 'carol'], inverted: false, caseInsensitive: false }],
  });
  await call('POST', '/api/admin/tag-types', { name: 'team', description: 'owning team' });
  const flag = async (project, name, env, strategies, on = true) => {
    await call('POST', `/api/admin/projects/${project}/features`, { name, type: 'release', description: `${name} flag`, impressionData: name === 'eu-gold' });
    for (const s of strategies) await call('POST', `/api/admin/projects/${project}/features/${name}/environments/${env}/strategies`, s);
    if (on) await call('POST', `/api/admin/projects/${project}/features/${name}/environments/${env}/on`);
  };
  const dflt = { name: 'default', constraints: [], parameters: {} };
  await flag('default', 'eu-on', 'development', [dflt]);
  await flag('default', 'eu-off', 'development', [dflt], false);
  await flag('default', 'eu-gold', 'development', [{
    name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-gold' },
    constraints: [{ contextName: 'tier', operator: 'IN', values: ['gold'], inverted: false, caseInsensitive: false },
      { contextName: 'currentTime', operator: 'DATE_AFTER', value: '2024-01-01T00:00:00.000Z', inverted: false, caseInsensitive: false }],
  }]);
  await flag('default', 'eu-half', 'development', [{
    name: 'flexibleRollout', constraints: [], parameters: { rollout: '50', stickiness: 'userId', groupId: 'eu-half' },
    title: 'half of them',
    variants: [
      { name: 'red', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'r' } },
      { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'json', value: '{"c":"b"}' } },
    ],
  }, {
    name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-half' },
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['zed'], inverted: false, caseInsensitive: true }],
  }]);
  await flag('default', 'eu-beta', 'development', [{
    name: 'flexibleRollout', constraints: [], segments: [seg.id], parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-beta' },
  }]);
  await flag('default', 'eu-region', 'development', [{ name: 'byRegion', constraints: [], parameters: { regions: 'eu,us' } }]);
  await flag('default', 'eu-child', 'development', [dflt]);
  await call('POST', '/api/admin/projects/default/features/eu-child/dependencies', { feature: 'eu-half', enabled: true, variants: ['red'] });
  await flag('default', 'eu-prod', 'production', [{ name: 'flexibleRollout', constraints: [], parameters: { rollout: '30', stickiness: 'default', groupId: 'eu-prod' } }]);
  await flag('shop', 'shop-cart', 'development', [dflt]);
  await flag('shop', 'shop-pay', 'production', [{ name: 'default', constraints: [{ contextName: 'tier', operator: 'NOT_IN', values: ['silver'], inverted: false, caseInsensitive: false }], parameters: {} }]);
  await flag('default', 'eu-gone', 'development', [dflt]);
  await call('DELETE', '/api/admin/projects/default/features/eu-gone'); // archived
  await call('POST', '/api/admin/features/eu-on/tags', { type: 'team', value: 'checkout' });
  await call('POST', '/api/admin/features/eu-on/tags', { type: 'simple', value: 'web' });
  // feature-level variants: Unleash 8 refuses them through the API (403), old data has them
  q(`UPDATE feature_environments SET variants = '[{"name":"legacy","weight":1000,"weightType":"variable","stickiness":"default","overrides":[{"contextName":"userId","values":["bob"]}],"payload":{"type":"string","value":"old"}}]'
     WHERE feature_name = 'shop-cart' AND environment = 'development'`);
  // users with passwords, a custom role, project roles
  const ed = await call('POST', '/api/admin/user-admin', { email: 'ed@example.com', name: 'Ed', rootRole: 2, password: ED_PASSWORD });
  const vi = await call('POST', '/api/admin/user-admin', { username: 'vi', email: 'vi@example.com', name: 'Vi', rootRole: 3, password: VI_PASSWORD });
  const [[flipper]] = q(`INSERT INTO roles (name, description, type) VALUES ('Flipper', 'flips flags', 'custom') RETURNING id`);
  q(`INSERT INTO role_permission (role_id, permission, environment) VALUES (${flipper}, 'UPDATE_FEATURE_ENVIRONMENT', 'development'), (${flipper}, 'UPDATE_FEATURE', NULL),
       (${flipper}, 'PROJECT_USER_ACCESS_READ', NULL);
     INSERT INTO role_user (role_id, user_id, project) VALUES (${flipper}, ${vi.id}, 'shop'), (4, ${ed.id}, 'shop')`);
  // a group (latch has none: its members get its project roles)
  const [[team]] = q(`INSERT INTO groups (name, description) VALUES ('shop-team', 'the shop team') RETURNING id`);
  q(`INSERT INTO group_user (group_id, user_id) VALUES (${team}, ${ed.id});
     INSERT INTO group_role (group_id, role_id, project) VALUES (${team}, 5, 'shop'), (${team}, 5, 'default')`);
  // v2 API tokens through the admin API, and a v2 PAT of ed (logged in with his password)
  for (const [name, body] of Object.entries({
    shopProd: { type: 'client', environment: 'production', projects: ['shop'] },
    allProd: { type: 'client', environment: 'production', projects: ['*'] },
    twoDev: { type: 'client', environment: 'development', projects: ['default', 'shop'] },
  })) {
    const t = await call('POST', '/api/admin/api-tokens', { tokenName: `sdk-${name}`, ...body });
    assert.match(t.secret, /\.v2_/, 'Unleash made a v2 token');
    v2Tokens[name] = t.secret;
  }
  const login = await fetch(`${unleash.url}/auth/simple/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'ed@example.com', password: ED_PASSWORD }),
  });
  assert.equal(login.status, 200, 'ed logs in to Unleash');
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const made = await fetch(`${unleash.url}/api/admin/user/tokens`, {
    method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' },
    body: JSON.stringify({ description: 'ed-cli', expiresAt: new Date(Date.now() + 86400e3 * 30).toISOString() }),
  });
  assert.equal(made.status, 201, await made.clone().text());
  pat = (await made.json()).secret;
  assert.match(pat, /^user:v2_/, 'a v2 PAT');
  // a last write through the API so Unleash's client cache reads the SQL-written rows
  await call('POST', '/api/admin/projects/shop/features/shop-cart/environments/development/off');
  await call('POST', '/api/admin/projects/shop/features/shop-cart/environments/development/on');
  // a token's alias (Unleash's embedded-proxy migration): accepted as the token itself
  q(`UPDATE api_tokens SET alias = '${ALIAS}' WHERE secret = '${CLIENT}'`);
  secrets.push(ADMIN, CLIENT, FRONTEND, ALIAS, pat, ...Object.values(v2Tokens));
}

const clientTokens = () => [CLIENT, ...Object.values(v2Tokens)];
const byName = (fs) => [...fs].sort((a, b) => (a.name < b.name ? -1 : 1));
const importArgs = (...more) => ['import', '--from-unleash', fromUrl, ...more];

function assertNoSecret(text, what) {
  for (const s of secrets) assert.ok(!text.includes(s), `${what} holds a token secret`);
  for (const s of secrets) {
    const part = /v2_[A-Za-z0-9_-]{22}_([A-Za-z0-9_-]{43})$/.exec(s)?.[1];
    if (part) assert.ok(!text.includes(part), `${what} holds a v2 secret part`);
  }
  assert.ok(!text.includes(DB_PASSWORD), `${what} holds the database password`);
  assert.ok(!text.includes('$2b$'), `${what} holds a bcrypt hash`);
}

before(async () => {
  if (SKIP) return;
  dir = tempDir('latch-import-unleash-');
  pg = await startPostgres();
  unleashDb = pg.createDatabase('unleash');
  // a login role with a password, for a URL like a real one (trust auth: it is not checked)
  q(`DO $$ BEGIN CREATE ROLE importer LOGIN PASSWORD '${DB_PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  const u = new URL(unleashDb);
  u.username = 'importer';
  u.password = DB_PASSWORD;
  fromUrl = u.toString();
  unleash = await startUnleash(unleashDb, { admin: ADMIN, client: CLIENT, frontend: FRONTEND }, {
    // tokens and PATs made through the API are v2 (selector and verifier, no secret stored)
    UNLEASH_EXPERIMENTAL_SECURE_TOKEN: 'true', UNLEASH_EXPERIMENTAL_SECURE_ACCOUNT_TOKEN: 'true',
  });
  await seed();
  q(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO importer`);
  db = join(dir, 'latch.db');
}, { timeout: 300000 });

after(async () => {
  await srv?.dispose();
  if (unleash) {
    unleash.child.kill('SIGTERM');
    await new Promise((r) => (unleash.child.exitCode !== null ? r() : unleash.child.on('exit', r)));
  }
  pg?.dispose();
  if (dir) removeDir(dir);
});

test('--dry-run names what it would import and writes nothing', { skip: SKIP, timeout: 60000 }, () => {
  const out = latch(importArgs('--dry-run', '--db', db));
  assert.ok(!existsSync(db), 'no store was created');
  assert.match(out, /^flags\s+11: eu-beta, eu-child, eu-gold, eu-gone, eu-half, eu-off, eu-on, eu-prod, eu-region, shop-cart, shop-pay$/m);
  assert.match(out, /^projects\s+2: default, shop$/m);
  assert.match(out, /^custom roles\s+\d+: .*Flipper/m);
  assert.match(out, /^users\s+3: admin, ed@example.com, vi$/m);
  assert.match(out, /^project roles\s+4$/m, 'vi\'s, ed\'s own, and ed\'s two through his group');
  assert.match(out, /^tokens\s+8: /m, 'three classic tokens, an alias, three v2 tokens, one PAT');
  assert.match(out, /sdk-shopProd \(client shop:production\.v2_/);
  assert.match(out, /note: 1 permissions of custom roles are for Unleash features latch does not have/);
  assertNoSecret(out, 'the dry run');
  // the latch store may not be Unleash's own tables
  assert.throws(() => latch(importArgs(), { env: { DATABASE_URL: unleashDb } }), /must not be Unleash's own database/);
});

test('the import: the client features of every Unleash token are Unleash\'s, field for field', { skip: SKIP, timeout: 120000 }, async () => {
  const out = latch(importArgs('--db', db, '--events'));
  assertNoSecret(out, 'the import');
  assert.match(out, /users 3 created, 0 updated/);
  srv = new LatchProcess('serve', ['--port', '0', '--bind', '127.0.0.1', '--db', db], {}, dir);
  await srv.spawn();
  for (const token of clientTokens()) {
    for (const spec of [null, '5.2.0']) {
      const headers = { Authorization: token, ...(spec ? { 'Unleash-Client-Spec': spec } : {}) };
      const direct = await call('GET', '/api/client/features', undefined, { token, headers });
      const r = await srv.fetch('/api/client/features', { headers });
      assert.equal(r.status, 200, `latch refused ${token.slice(0, 20)}`);
      const mine = await r.json();
      const what = `token ${token.slice(0, token.indexOf('.') + 8)}, spec ${spec}`;
      assert.ok(direct.features.length > 0, `${what}: Unleash serves flags`);
      assert.deepEqual(byName(mine.features), byName(direct.features), `${what}: features`);
      // Unleash lists every segment any strategy uses, whatever the token's scope; latch lists
      // those the flags it serves use (client_api.test.mjs), so a scoped token does not see
      // another project's segments: the same where both list one
      const used = new Set(mine.features.flatMap((f) => f.strategies.flatMap((st) => st.segments ?? [])));
      assert.deepEqual(mine.segments, direct.segments?.filter((g) => used.has(g.id)), `${what}: segments`);
      if (token === CLIENT && spec) assert.deepEqual(mine.segments, direct.segments, `${what}: all segments`);
      assert.deepEqual(mine.query, direct.query, `${what}: query`);
      assert.equal(mine.version, direct.version);
    }
  }
  // the alias gets what its token gets
  const viaAlias = await srv.fetch('/api/client/features', { headers: { Authorization: ALIAS } });
  assert.equal(viaAlias.status, 200, 'the alias is a token');
  const viaToken = await (await srv.fetch('/api/client/features', { headers: { Authorization: CLIENT } })).json();
  assert.deepEqual((await viaAlias.json()).features, viaToken.features);
  // the front-end token: the same toggles as Unleash's front-end API for a few users
  for (const userId of ['alice', 'bob', 'zed']) {
    const direct = await call('GET', `/api/frontend?userId=${userId}`, undefined, { token: FRONTEND });
    const r = await srv.fetch(`/api/frontend?userId=${userId}`, { headers: { Authorization: FRONTEND } });
    assert.equal(r.status, 200);
    const names = (l) => l.map((t) => [t.name, t.enabled, t.variant?.name]).sort();
    assert.deepEqual(names((await r.json()).toggles), names(direct.toggles), `front-end toggles of ${userId}`);
  }
  // the admin token and ed's PAT work on the admin API
  for (const token of [ADMIN, pat]) {
    const r = await srv.fetch('/api/admin/projects', { headers: { Authorization: token } });
    assert.equal(r.status, 200, `admin API with ${token.slice(0, 8)}`);
    const ids = (await r.json()).projects.map((p) => p.id).sort();
    assert.deepEqual(ids, ['default', 'shop']);
  }
  // roles: vi holds the custom role in shop, ed owns shop and is a Member of default (group)
  const edRoles = sql(db, `SELECT b.project, b.role_id FROM role_bindings b JOIN users u ON u.id = b.user_id
    WHERE u.email = 'ed@example.com' ORDER BY 1, 2`); // no admin API lists a user's project roles
  assert.deepEqual(edRoles.map((x) => [x.project, x.role_id]), [['default', 5], ['shop', 4], ['shop', 5]]);
  const users = await (await srv.fetch('/api/admin/user-admin', { headers: { Authorization: ADMIN } })).json();
  const vi = users.users.find((x) => x.username === 'vi');
  assert.equal(vi.rootRole, 3, 'vi is a Viewer');
  const roles = await (await srv.fetch('/api/admin/roles', { headers: { Authorization: ADMIN } })).json();
  const flipper = (roles.roles ?? roles).find((r) => r.name === 'Flipper');
  assert.ok(flipper, 'the custom role is there');
  const perms = await (await srv.fetch(`/api/admin/roles/${flipper.id}`, { headers: { Authorization: ADMIN } })).json();
  assert.deepEqual(perms.permissions.map((p) => [p.name, p.environment ?? null]).sort(),
    [['UPDATE_FEATURE', null], ['UPDATE_FEATURE_ENVIRONMENT', 'development']]);
  // events: Unleash's log is there, once
  const ev = await (await srv.fetch('/api/admin/events/eu-on', { headers: { Authorization: ADMIN } })).json();
  assert.ok(ev.events.some((e) => e.type === 'feature-created'), 'Unleash\'s feature-created event of eu-on');
});

test('an Unleash user logs in with their password, twice (bcrypt, then argon2id); a wrong one is refused', { skip: SKIP, timeout: 60000 }, async () => {
  const login = (username, password) => srv.fetch('/auth/simple/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const hashOf = (email) => sql(db, `SELECT password_hash FROM users WHERE email = '${email}'`)[0].password_hash; // hashes: no API shows them
  assert.match(hashOf('ed@example.com'), /^\$2b\$10\$/, 'the bcrypt hash was imported as it was');
  assert.equal((await login('ed@example.com', 'Not-his-password-1')).status, 401, 'a wrong password');
  assert.match(hashOf('ed@example.com'), /^\$2b\$/, 'a failed login changes nothing');
  const r1 = await login('ed@example.com', ED_PASSWORD);
  assert.equal(r1.status, 200, await r1.clone().text());
  assert.equal((await r1.json()).email, 'ed@example.com');
  assert.match(hashOf('ed@example.com'), /^\$argon2id\$/, 'replaced by argon2id at the first login');
  const r2 = await login('ed@example.com', ED_PASSWORD);
  assert.equal(r2.status, 200, 'the second login, against argon2id');
  assert.equal((await login('ed@example.com', 'Not-his-password-1')).status, 401, 'still refused');
  const r3 = await login('vi', VI_PASSWORD);
  assert.equal(r3.status, 200, 'by username too');
  const cookie = r3.headers.get('set-cookie').split(';')[0];
  const me = await (await srv.fetch('/api/admin/user', { headers: { Cookie: cookie } })).json();
  assert.equal(me.user.username, 'vi');
});

test('a second run changes nothing (and keeps the password latch upgraded); --dry-run leaves the store alone', { skip: SKIP, timeout: 60000 }, async () => {
  const before = latch(['export', '--all', '--db', db]);
  const edHash = sql(db, `SELECT password_hash FROM users WHERE email = 'ed@example.com'`)[0].password_hash;
  const counts = () => sql(db, `SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM api_tokens) AS t, (SELECT count(*) FROM roles) AS r, (SELECT count(*) FROM events WHERE type = 'feature-created') AS e`)[0];
  const c0 = counts();
  const dry = latch(importArgs('--dry-run', '--db', db));
  assertNoSecret(dry, 'the dry run');
  const out = latch(importArgs('--db', db, '--events'));
  assertNoSecret(out, 'the second import');
  assert.match(out, /users 0 created, 3 updated \(2 kept their latch password\)/);
  assert.match(out, /the event log was imported before/);
  assert.equal(latch(['export', '--all', '--db', db]), before, 'the same flags, byte for byte');
  assert.deepEqual(counts(), c0, 'no user, token, role or event twice');
  assert.equal(sql(db, `SELECT password_hash FROM users WHERE email = 'ed@example.com'`)[0].password_hash, edHash, 'the argon2id hash kept');
  // the running server still serves every token
  for (const token of clientTokens()) {
    await waitFor(async () => (await srv.fetch('/api/client/features', { headers: { Authorization: token } })).status === 200,
      { timeoutMs: 10000, what: 'the token after the second run' });
  }
});

test('into latch\'s PostgreSQL store (DATABASE_URL): the same export document, the same logins', { skip: SKIP, timeout: 90000 }, async () => {
  const latchPg = pg.createDatabase('latch_import');
  const out = latch(importArgs(), { env: { DATABASE_URL: latchPg } });
  assertNoSecret(out, 'the import into PostgreSQL');
  const strip = (doc) => doc.replace(/"createdAt":"[^"]*"/g, '"createdAt":""');
  assert.equal(strip(latch(['export', '--all'], { env: { DATABASE_URL: latchPg } })),
    strip(latch(['export', '--all', '--db', db])));
  const again = latch(importArgs(), { env: { DATABASE_URL: latchPg } });
  assert.match(again, /users 0 created, 3 updated/);
  const onPg = new LatchProcess('serve', ['--port', '0', '--bind', '127.0.0.1'], { DATABASE_URL: latchPg }, dir);
  await onPg.spawn();
  try {
    const hash = () => sql(latchPg, `SELECT password_hash FROM users WHERE username = 'vi'`)[0].password_hash; // no API shows it
    assert.match(hash(), /^\$2b\$/);
    for (const want of [/^\$argon2id\$/, /^\$argon2id\$/]) {
      const r = await onPg.fetch('/auth/simple/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'vi', password: VI_PASSWORD }),
      });
      assert.equal(r.status, 200);
      assert.match(hash(), want);
    }
    const r = await onPg.fetch('/api/client/features', { headers: { Authorization: v2Tokens.shopProd } });
    assert.equal(r.status, 200, 'a v2 token on the PostgreSQL store');
  } finally {
    await onPg.stop();
  }
});
