// API tokens on the client API: the 401/403 bodies of UNLEASH-API.md §2.3, expiry,
// revocation while serving, project and environment scope, INIT_*_API_TOKENS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Latch,
  fixturePath,
  byName,
  waitFor,
  MSG_NEED_TOKEN,
  MSG_WRONG_TYPE,
} from './harness.mjs';

const fixture = JSON.parse(readFileSync(fixturePath('client-features.json'), 'utf8'));
const prodFixture = JSON.parse(readFileSync(fixturePath('client-features-production.json'), 'utf8'));
const namesOf = (body) => body.features.map((f) => f.name).sort();
const namesIn = (...projects) =>
  fixture.features.filter((f) => projects.includes(f.project)).map((f) => f.name).sort();

const FIXTURES = {
  development: fixturePath('client-features.json'),
  production: fixturePath('client-features-production.json'),
};

let srv;
let t;

before(async () => {
  srv = await Latch.start({
    fixtures: FIXTURES,
    tokens: {
      dev: { type: 'client', environment: 'development' },
      prod: { type: 'client', environment: 'production' },
      checkout: { type: 'client', environment: 'development', projects: 'checkout' },
      multi: { type: 'client', environment: 'development', projects: 'checkout,search' },
      expired: { type: 'client', environment: 'development', expires: '2020-01-01T00:00:00Z' },
      future: { type: 'client', environment: 'development', expires: '30d' },
      frontend: { type: 'frontend', environment: 'development' },
      admin: { type: 'admin' },
    },
  });
  t = srv.tokens;
});

after(async () => {
  await srv?.dispose();
});

function assert401(res, what) {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.text, MSG_NEED_TOKEN, what);
  assert.match(res.headers['content-type'], /^application\/json/, what);
}

function assert403(res, what) {
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.text, MSG_WRONG_TYPE, what);
  assert.match(res.headers['content-type'], /^application\/json/, what);
}

const ENDPOINTS = [
  ['GET', '/api/client/features'],
  ['GET', '/api/client/features/new-navigation'],
  ['POST', '/api/client/register'],
  ['POST', '/api/client/metrics'],
  ['POST', '/api/client/metrics/bulk'],
];

function call(method, path, headers) {
  if (method === 'GET') return srv.get(path, headers);
  return srv.post(path, { appName: 'auth-test', strategies: [], started: Date.now(), interval: 1 }, headers);
}

test('401 byte-for-byte without an Authorization header', async () => {
  for (const [method, path] of ENDPOINTS) assert401(await call(method, path, {}), `${method} ${path}`);
});

test('401 byte-for-byte for garbage and unknown tokens', async () => {
  const unknown = t.dev.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  const cases = [
    'garbage',
    'Bearer',
    'Bearer ',
    '*:development.',
    '*:development.0000000000000000000000000000000000000000000000000000000000',
    unknown,
    `${t.dev}x`,
    t.dev.slice(0, -1),
    `Basic ${Buffer.from('admin:unleash4all').toString('base64')}`,
    'user:' + 'a'.repeat(56),
  ];
  for (const auth of cases)
    for (const [method, path] of ENDPOINTS) assert401(await call(method, path, { Authorization: auth }), `${method} ${path} ${auth}`);
});

test('401 byte-for-byte for an expired token; an unexpired one works', async () => {
  for (const [method, path] of ENDPOINTS) assert401(await call(method, path, { Authorization: t.expired }), `${method} ${path}`);
  const res = await srv.get('/api/client/features', { Authorization: t.future });
  assert.equal(res.status, 200);
});

test('403 byte-for-byte for a frontend token and an admin token', async () => {
  for (const key of ['frontend', 'admin'])
    for (const [method, path] of ENDPOINTS) assert403(await call(method, path, { Authorization: t[key] }), `${key} ${method} ${path}`);
  assert403(await srv.get('/api/client/features', { Authorization: `Bearer ${t.admin}` }), 'Bearer admin');
});

test('a token for project A never sees project B', async () => {
  const mine = namesIn('checkout');
  for (const query of ['', '?project=search', '?project=search&project=mobile', '?project=checkout', '?namePrefix=search-']) {
    const { body } = await srv.features(t.checkout, { query });
    const names = namesOf(body);
    for (const n of names) assert.ok(mine.includes(n), `${query}: ${n} is not in project checkout`);
    if (!query.includes('namePrefix')) assert.deepEqual(names, mine, query);
    assert.deepEqual(body.query.project, ['checkout'], query);
    for (const f of body.features) assert.equal(f.project, 'checkout');
  }
  for (const other of namesIn('default', 'search', 'mobile')) {
    const res = await srv.get(`/api/client/features/${other}`, { Authorization: t.checkout });
    assert.equal(res.status, 404, other);
  }
  const res = await srv.get('/api/client/features/beta-checkout', { Authorization: t.checkout });
  assert.equal(res.status, 200);
  // with spec >= 4.2.0 no segment of another project's flags leaks either
  const { body } = await srv.features(t.checkout, { headers: { 'Unleash-Client-Spec': '5.0.0' } });
  assert.deepEqual(body.segments, []);
});

test('a multi-project token sees both projects and nothing else', async () => {
  assert.match(t.multi, /^\[\]:development\./);
  for (const query of ['', '?project=mobile', '?project=default&project=checkout']) {
    const { body } = await srv.features(t.multi, { query });
    assert.deepEqual(namesOf(body), namesIn('checkout', 'search'), query);
    assert.deepEqual([...body.query.project].sort(), ['checkout', 'search'], query);
  }
  assert.equal((await srv.get('/api/client/features/mobile-push-v2', { Authorization: t.multi })).status, 404);
  assert.equal((await srv.get('/api/client/features/new-navigation', { Authorization: t.multi })).status, 404);
  assert.equal((await srv.get('/api/client/features/search-legacy', { Authorization: t.multi })).status, 200);
});

test("a production token sees production's state, not development's", async () => {
  const { body: prod } = await srv.features(t.prod);
  const { body: dev } = await srv.features(t.dev);
  assert.equal(prod.query.environment, 'production');
  assert.equal(dev.query.environment, 'development');
  assert.notEqual(prod.meta.etag, dev.meta.etag);
  const p = byName(prod.features);
  const d = byName(dev.features);
  for (const pf of prodFixture.features) {
    const got = p.get(pf.name);
    assert.ok(got, pf.name);
    assert.equal(got.enabled, pf.enabled, `production ${pf.name}`);
    assert.deepEqual(got.strategies.map((s) => s.name), pf.strategies.map((s) => s.name), pf.name);
    assert.deepEqual(got.strategies.map((s) => s.parameters), pf.strategies.map((s) => s.parameters), pf.name);
  }
  assert.equal(p.get('new-navigation').enabled, false);
  assert.equal(d.get('new-navigation').enabled, true);
  assert.equal(p.get('dark-mode').enabled, true);
  assert.equal(d.get('dark-mode').enabled, false);
  assert.deepEqual(p.get('beta-checkout').strategies[0].parameters, { userIds: 'dave' });
  assert.equal(d.get('beta-checkout').strategies[0].name, 'flexibleRollout');
  // flags never configured in production are not on there
  for (const f of prod.features)
    if (!prodFixture.features.some((x) => x.name === f.name)) {
      assert.equal(f.enabled, false, f.name);
      assert.deepEqual(f.strategies, [], f.name);
    }
  // the single-flag endpoint too, and a query cannot ask for another environment
  const one = await srv.get('/api/client/features/dark-mode', { Authorization: t.prod });
  assert.equal(one.json().enabled, true);
  const { body: asked } = await srv.features(t.prod, { query: '?environment=development' });
  assert.equal(asked.query.environment, 'production');
  assert.equal(byName(asked.features).get('dark-mode').enabled, true);
});

test('a token revoked while serving is refused within ~2 s', { timeout: 60000 }, async () => {
  const secret = srv.createToken({ type: 'client', environment: 'development', name: 'short-lived' });
  // new tokens show up once the server has seen the store change
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: secret })).status === 200, {
    timeoutMs: 15000,
    what: 'the new token to be accepted',
  });
  const out = srv.cli(['token', 'revoke', secret]);
  assert.match(out, /revoked/);
  const t0 = Date.now();
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: secret })).status === 401, {
    timeoutMs: 15000,
    what: 'the revoked token to be refused',
  });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 5000, `revocation took ${elapsed} ms`);
  assert401(await srv.get('/api/client/features', { Authorization: secret }), 'revoked');
  assert401(await srv.post('/api/client/metrics', { appName: 'x' }, { Authorization: secret }), 'revoked metrics');
  // the others still work
  assert.equal((await srv.get('/api/client/features', { Authorization: t.dev })).status, 200);
  // revoking an unknown token fails
  assert.throws(() => srv.cli(['token', 'revoke', secret]), /no such token/);
});

test('INIT_*_API_TOKENS provision an empty token table, with their scope', { timeout: 60000 }, async () => {
  const hex = (c) => c.repeat(56);
  const backendDefault = `default:development.${hex('a')}`;
  const backendProd = `*:production.${hex('b')}`;
  const frontend = `*:development.${hex('c')}`;
  const admin = `*:*.${hex('d')}`;
  const env = {
    INIT_BACKEND_API_TOKENS: `${backendDefault}, ${backendProd}`,
    INIT_FRONTEND_API_TOKENS: frontend,
    INIT_ADMIN_API_TOKENS: admin,
  };
  const init = await Latch.start({ fixtures: FIXTURES, tokens: {}, env });
  try {
    let { body } = await init.features(backendDefault);
    assert.deepEqual(namesOf(body), namesIn('default'));
    assert.equal(body.query.environment, 'development');
    ({ body } = await init.features(backendProd));
    assert.equal(body.query.environment, 'production');
    assert.equal(byName(body.features).get('dark-mode').enabled, true);
    assert403(await init.get('/api/client/features', { Authorization: frontend }), 'INIT frontend');
    assert403(await init.get('/api/client/features', { Authorization: admin }), 'INIT admin');
    assert401(await init.get('/api/client/features', { Authorization: `default:development.${hex('e')}` }), 'unlisted');
    // a restart with other INIT tokens ignores them: the table is not empty any more
    await init.restart([], { INIT_BACKEND_API_TOKENS: `*:development.${hex('f')}` });
    assert401(await init.get('/api/client/features', { Authorization: `*:development.${hex('f')}` }), 'second INIT');
    assert.equal((await init.get('/api/client/features', { Authorization: backendDefault })).status, 200);
  } finally {
    await init.dispose();
  }
});

test('INIT tokens are ignored when the store has tokens already', { timeout: 60000 }, async () => {
  const extra = `*:development.${'9'.repeat(56)}`;
  const s = await Latch.start({ tokens: { own: { type: 'client' } }, env: { INIT_BACKEND_API_TOKENS: extra } });
  try {
    assert401(await s.get('/api/client/features', { Authorization: extra }), 'INIT over a non-empty table');
    assert.equal((await s.get('/api/client/features', { Authorization: s.tokens.own })).status, 200);
  } finally {
    await s.dispose();
  }
});
