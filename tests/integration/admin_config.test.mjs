// The admin API for segments, dependencies, strategy definitions, context fields and tag types
// (src/api/admin_config.c), against a store seeded with tests/data/client-features.json.
// Every write is checked for its one event row and for reaching the client and front-end APIs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Latch, fixturePath } from './harness.mjs';

let srv;
let admin; // admin API token
let client; // backend token, development
let frontend; // frontend token, development

const JSON_HDR = { 'Content-Type': 'application/json' };
const call = (method, path, body, headers = {}) =>
  srv.request(method, path, {
    headers: { Authorization: admin, ...(body !== undefined ? JSON_HDR : {}), ...headers },
    body,
  });
const get = (path) => call('GET', path);
const lastEventId = () => srv.lastEventId(admin);
const eventsSince = (id) => srv.eventsSince(id, admin);

// Run fn; assert it left exactly one event of this type (and return it).
async function oneEvent(type, fn) {
  const before = await lastEventId();
  const res = await fn();
  const evs = await eventsSince(before);
  assert.equal(evs.length, 1, `expected one event, got ${JSON.stringify(evs)}`);
  assert.equal(evs[0].type, type);
  assert.equal(evs[0].createdBy, 'admin-token');
  return { res, ev: evs[0] };
}

// Run fn; assert no event was written.
async function noEvent(fn) {
  const before = await lastEventId();
  const res = await fn();
  assert.deepEqual(await eventsSince(before), []);
  return res;
}

before(async () => {
  // the fixture plus a flag whose only strategy uses segment 10 (userId IN alice)
  const doc = JSON.parse(readFileSync(fixturePath('client-features.json'), 'utf8'));
  doc.segments.push({ id: 10, name: 'fe-users', constraints: [{ contextName: 'userId', operator: 'IN', values: ['alice'] }] });
  doc.features.push({
    name: 'seg-flag', type: 'release', project: 'default', enabled: true, stale: false, impressionData: false,
    strategies: [{ name: 'default', constraints: [], parameters: {}, segments: [10] }], variants: [],
  });
  const dir = mkdtempSync(join(tmpdir(), 'latch-cfg-'));
  writeFileSync(join(dir, 'doc.json'), JSON.stringify(doc));
  srv = await Latch.start({
    fixtures: { development: join(dir, 'doc.json') },
    tokens: {
      client: { type: 'client', environment: 'development' },
      frontend: { type: 'frontend', environment: 'development' },
      admin: { type: 'admin', name: 'admin-token' },
    },
  });
  ({ admin, client, frontend } = srv.tokens);
});

after(async () => {
  await srv?.dispose();
});

// ---------- segments ----------

test('segments: list shape with usage counts', async () => {
  const res = await get('/api/admin/segments');
  assert.equal(res.status, 200);
  const { segments } = res.json();
  assert.deepEqual(segments.map((s) => s.id), [1, 2, 3, 10]);
  const s1 = segments[0];
  assert.deepEqual(Object.keys(s1), ['id', 'name', 'description', 'constraints', 'createdBy', 'createdAt', 'usedInProjects', 'usedInFeatures']);
  assert.equal(s1.name, 'beta-testers');
  assert.equal(s1.usedInFeatures, 1); // search-ranking-v2
  assert.equal(s1.usedInProjects, 1);
  const s3 = segments[2];
  assert.equal(s3.usedInFeatures, 2); // search-suggestions, mobile-offline-mode
  assert.equal(s3.usedInProjects, 2);
  assert.match(s1.createdAt, /^\d{4}-\d\d-\d\dT/);
});

test('segments: create, get, update, strategies, delete with events', async () => {
  const body = {
    name: 'qa-team',
    description: 'QA',
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['q1', 'q2'] }],
  };
  const { res, ev } = await oneEvent('segment-created', () => call('POST', '/api/admin/segments', body));
  assert.equal(res.status, 201, res.text);
  const created = res.json();
  assert.equal(created.id, 11);
  assert.equal(res.headers.location, 'segments/11');
  assert.equal(created.name, 'qa-team');
  assert.equal(created.createdBy, 'admin-token');
  assert.deepEqual(created.constraints, [
    { contextName: 'userId', operator: 'IN', values: ['q1', 'q2'], inverted: false, caseInsensitive: false },
  ]);
  assert.equal(ev.data.id, 11);
  assert.equal(ev.data.name, 'qa-team');

  const got = (await get('/api/admin/segments/11')).json();
  assert.deepEqual(got, created);
  assert.equal((await get('/api/admin/segments/99')).status, 404);

  // name taken
  const dup = await noEvent(() => call('POST', '/api/admin/segments', { ...body }));
  assert.equal(dup.status, 409);
  assert.equal(dup.json().name, 'NameExistsError');

  // validate
  assert.equal((await call('POST', '/api/admin/segments/validate', { name: 'qa-team' })).status, 409);
  assert.equal((await call('POST', '/api/admin/segments/validate', { name: 'fresh' })).status, 204);
  assert.equal((await call('POST', '/api/admin/segments/validate', { name: '' })).status, 400);

  const upd = await oneEvent('segment-updated', () =>
    call('PUT', '/api/admin/segments/11', { ...body, name: 'qa', constraints: [{ contextName: 'userId', operator: 'IN', values: ['q3'] }] }),
  );
  assert.equal(upd.res.status, 204, upd.res.text);
  assert.equal(upd.ev.preData.name, 'qa-team');
  assert.equal(upd.ev.data.name, 'qa');
  assert.deepEqual((await get('/api/admin/segments/11')).json().constraints[0].values, ['q3']);
  assert.equal((await call('PUT', '/api/admin/segments/77', body)).status, 404);

  const strat = (await get('/api/admin/segments/3/strategies')).json();
  assert.deepEqual(
    strat.strategies.map((s) => [s.featureName, s.projectId, s.environment, s.strategyName]).sort(),
    [
      ['mobile-offline-mode', 'mobile', 'development', 'applicationHostname'],
      ['search-suggestions', 'search', 'development', 'default'],
    ],
  );
  assert.ok(strat.strategies.every((s) => typeof s.id === 'string' && s.id.length > 0));
  assert.deepEqual((await get('/api/admin/segments/11/strategies')).json().strategies, []);

  // in use: refused, nothing written
  const inUse = await noEvent(() => call('DELETE', '/api/admin/segments/3'));
  assert.equal(inUse.status, 409);
  const del = await oneEvent('segment-deleted', () => call('DELETE', '/api/admin/segments/11'));
  assert.equal(del.res.status, 204);
  assert.equal(del.ev.preData.id, 11);
  assert.equal((await get('/api/admin/segments/11')).status, 404);
  // deleting again: already gone, as Unleash answers
  assert.equal((await noEvent(() => call('DELETE', '/api/admin/segments/11'))).status, 204);
});

test('segments: a change reaches the client API (new ETag) and /api/frontend at once', async () => {
  const spec = { 'Unleash-Client-Spec': '4.3.0' };
  const before = await srv.features(client, { headers: spec });
  const etag = before.res.headers.etag;
  assert.ok(before.body.segments.find((s) => s.id === 10));
  const fe = async (userId) => {
    const r = await srv.get(`/api/frontend?userId=${userId}`, { Authorization: frontend });
    assert.equal(r.status, 200);
    return r.json().toggles.map((t) => t.name);
  };
  assert.ok((await fe('alice')).includes('seg-flag'));
  assert.ok(!(await fe('zed')).includes('seg-flag'));

  const seg = (await get('/api/admin/segments/10')).json();
  const res = await call('PUT', '/api/admin/segments/10', {
    name: seg.name,
    description: seg.description,
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['zed'] }],
  });
  assert.equal(res.status, 204, res.text);

  const afterRes = await srv.features(client, { headers: spec });
  assert.notEqual(afterRes.res.headers.etag, etag);
  assert.deepEqual(afterRes.body.segments.find((s) => s.id === 10).constraints[0].values, ['zed']);
  const old = await srv.get('/api/client/features', { Authorization: client, ...spec, 'If-None-Match': etag });
  assert.equal(old.status, 200);
  // inlined for older clients
  const inl = await srv.features(client);
  const sf = inl.body.features.find((f) => f.name === 'seg-flag');
  assert.deepEqual(sf.strategies[0].constraints.map((c) => c.values), [['zed']]);
  assert.ok(!(await fe('alice')).includes('seg-flag'));
  assert.ok((await fe('zed')).includes('seg-flag'));
});

test('segments: bad input is a clear 4xx and writes nothing', async () => {
  const cases = [
    [{ name: 'x', constraints: [{ contextName: 'userId', operator: 'LIKE', values: ['a'] }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'userId', operator: 'NUM_GT', value: 'ten' }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'userId', operator: 'NUM_GT' }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'v', operator: 'SEMVER_EQ', value: '1.2' }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'd', operator: 'DATE_AFTER', value: 'tomorrow' }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'd', operator: 'REGEX', value: '(' }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'd', operator: 'IN', values: [] }] }, 400],
    [{ name: 'x', constraints: [{ contextName: 'd', operator: 'IN', values: [1, 2] }] }, 400],
    [{ name: 'x', constraints: [{ operator: 'IN', values: ['a'] }] }, 400],
    [{ name: 'x' }, 400],
    [{ constraints: [] }, 400],
    [{ name: 'x', constraints: [], project: 'no-such-project' }, 400],
    [{ name: 'x', constraints: 'nope' }, 400],
  ];
  for (const [body, status] of cases) {
    const res = await noEvent(() => call('POST', '/api/admin/segments', body));
    assert.equal(res.status, status, `${JSON.stringify(body)} -> ${res.status} ${res.text}`);
    const err = res.json();
    assert.ok(err.id && err.name && err.message && Array.isArray(err.details), res.text);
  }
  // 1000 values in all is the limit, 1001 is over it
  const values = (n) => Array.from({ length: n }, (_, i) => `u${i}`);
  const over = await noEvent(() =>
    call('POST', '/api/admin/segments', {
      name: 'big',
      constraints: [
        { contextName: 'userId', operator: 'IN', values: values(600) },
        { contextName: 'sessionId', operator: 'IN', values: values(401) },
      ],
    }),
  );
  assert.equal(over.status, 400);
  assert.match(over.json().message, /more than 1000 values/);
  const ok = await call('POST', '/api/admin/segments', {
    name: 'big',
    constraints: [{ contextName: 'userId', operator: 'IN', values: values(1000) }],
  });
  assert.equal(ok.status, 201, ok.text);
  // wrong content type, not JSON
  const ct = await noEvent(() =>
    srv.request('POST', '/api/admin/segments', { headers: { Authorization: admin, 'Content-Type': 'text/plain' }, body: '{"name":"a","constraints":[]}' }),
  );
  assert.equal(ct.status, 415);
  const nj = await noEvent(() => call('POST', '/api/admin/segments', '{"name":'));
  assert.equal(nj.status, 400);
  // no credentials, wrong token type
  assert.equal((await srv.request('POST', '/api/admin/segments', { headers: JSON_HDR, body: { name: 'a', constraints: [] } })).status, 401);
  assert.equal((await srv.request('GET', '/api/admin/segments', { headers: { Authorization: client } })).status, 403);
});

test('segments: project-scoped, and a project change must fit the strategies using it', async () => {
  const res = await call('POST', '/api/admin/segments', { name: 'search-only', project: 'search', constraints: [] });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json().project, 'search');
  // segment 3 is used in projects search and mobile: it cannot become search's
  const s3 = (await get('/api/admin/segments/3')).json();
  const bad = await noEvent(() => call('PUT', '/api/admin/segments/3', { name: s3.name, constraints: s3.constraints, project: 'search' }));
  assert.equal(bad.status, 400);
  assert.match(bad.json().message, /other projects/);
});

// ---------- dependencies ----------

test('dependencies: add, client API, remove one, remove all, events', async () => {
  const P = '/api/admin/projects/search/features';
  // search-legacy has no parents and no children... it is a parent of search-suggestions, so
  // use mobile flags: mobile-push-v2 depends on mobile-offline-mode
  const M = '/api/admin/projects/mobile/features';
  const add = await oneEvent('feature-dependency-added', () =>
    call('POST', `${M}/mobile-push-v2/dependencies`, { feature: 'mobile-offline-mode', variants: ['a'] }),
  );
  assert.equal(add.res.status, 200, add.res.text);
  assert.equal(add.ev.featureName, 'mobile-push-v2');
  assert.equal(add.ev.project, 'mobile');
  assert.deepEqual(add.ev.data, { feature: 'mobile-offline-mode', enabled: true, variants: ['a'] });
  const { body } = await srv.features(client);
  const f = body.features.find((x) => x.name === 'mobile-push-v2');
  assert.deepEqual(f.dependencies, [{ feature: 'mobile-offline-mode', enabled: true, variants: ['a'] }]);
  // upsert: the same parent again replaces it
  assert.equal((await call('POST', `${M}/mobile-push-v2/dependencies`, { feature: 'mobile-offline-mode', enabled: false })).status, 200);
  const f2 = (await srv.features(client)).body.features.find((x) => x.name === 'mobile-push-v2');
  assert.deepEqual(f2.dependencies, [{ feature: 'mobile-offline-mode', enabled: false }]);

  assert.deepEqual((await get(`${M}/mobile-push-v2/parents`)).json(), ['mobile-offline-mode']);
  assert.deepEqual((await get(`${P}/search-ranking-v2/parent-variants`)).json(), ['model-a', 'model-b']);
  assert.deepEqual((await get(`${P}/search-legacy/parent-variants`)).json(), []);
  assert.equal((await get('/api/admin/projects/mobile/dependencies')).text, 'true');

  const rm = await oneEvent('feature-dependency-removed', () => call('DELETE', `${M}/mobile-push-v2/dependencies/mobile-offline-mode`));
  assert.equal(rm.res.status, 200);
  assert.deepEqual(rm.ev.data, { feature: 'mobile-offline-mode' });
  const f3 = (await srv.features(client)).body.features.find((x) => x.name === 'mobile-push-v2');
  assert.equal(f3.dependencies, undefined);
  assert.equal((await noEvent(() => call('DELETE', `${M}/mobile-push-v2/dependencies/mobile-offline-mode`))).status, 404);
  assert.equal((await noEvent(() => call('DELETE', `${M}/mobile-push-v2/dependencies`))).status, 404);

  // remove all of search-suggestions' two
  const all = await oneEvent('feature-dependencies-removed', () => call('DELETE', `${P}/search-suggestions/dependencies`));
  assert.equal(all.res.status, 200);
  const f4 = (await srv.features(client)).body.features.find((x) => x.name === 'search-suggestions');
  assert.equal(f4.dependencies, undefined);
  // put them back for later tests
  assert.equal((await call('POST', `${P}/search-suggestions/dependencies`, { feature: 'search-ranking-v2', variants: ['model-a'] })).status, 200);
  assert.equal((await call('POST', `${P}/search-suggestions/dependencies`, { feature: 'search-legacy', enabled: false })).status, 200);
});

test('dependencies: self, cycles, transitive, unknown parent, other project are refused', async () => {
  const P = '/api/admin/projects/search/features';
  const cases = [
    // self
    [`${P}/search-legacy/dependencies`, { feature: 'search-legacy' }, 403],
    // a cycle: search-ranking-v2 is a parent of search-suggestions
    [`${P}/search-ranking-v2/dependencies`, { feature: 'search-suggestions' }, 403],
    // transitive: the parent has parents
    [`${P}/search-legacy/dependencies`, { feature: 'search-suggestions' }, 403],
    // transitive: the child is a parent
    [`${P}/search-ranking-v2/dependencies`, { feature: 'search-legacy' }, 403],
    // unknown parent
    [`${P}/search-suggestions/dependencies`, { feature: 'nope' }, 403],
    // parent in another project
    ['/api/admin/projects/mobile/features/mobile-push-v2/dependencies', { feature: 'new-navigation' }, 404],
    // child not in the project of the path
    ['/api/admin/projects/default/features/mobile-push-v2/dependencies', { feature: 'new-navigation' }, 404],
    // bad bodies
    [`${P}/search-legacy/dependencies`, {}, 400],
    [`${P}/search-legacy/dependencies`, { feature: 'search-ranking-v2', enabled: 'yes' }, 400],
    [`${P}/search-legacy/dependencies`, { feature: 'search-ranking-v2', variants: 'a' }, 400],
  ];
  const etag = (await srv.features(client)).res.headers.etag;
  for (const [path, body, status] of cases) {
    const res = await noEvent(() => call('POST', path, body));
    assert.equal(res.status, status, `${path} ${JSON.stringify(body)} -> ${res.status} ${res.text}`);
    assert.ok(res.json().message);
  }
  assert.equal((await srv.features(client)).res.headers.etag, etag);
});

// ---------- strategy definitions ----------

test('strategies: built-ins listed as Unleash lists them', async () => {
  const res = await get('/api/admin/strategies');
  assert.equal(res.status, 200);
  const body = res.json();
  assert.equal(body.version, 1);
  const names = body.strategies.map((s) => s.name);
  assert.deepEqual(names.slice(0, 8), [
    'flexibleRollout', 'default', 'userWithId', 'remoteAddress', 'applicationHostname',
    'gradualRolloutRandom', 'gradualRolloutSessionId', 'gradualRolloutUserId',
  ]);
  const flex = body.strategies[0];
  assert.deepEqual(Object.keys(flex), ['displayName', 'name', 'editable', 'description', 'parameters', 'deprecated', 'title']);
  assert.equal(flex.displayName, 'Gradual rollout');
  assert.equal(flex.editable, false);
  assert.equal(flex.deprecated, false);
  assert.deepEqual(flex.parameters.map((p) => p.name), ['rollout', 'stickiness', 'groupId']);
  assert.ok(body.strategies.find((s) => s.name === 'gradualRolloutRandom').deprecated);
  const ra = (await get('/api/admin/strategies/remoteAddress')).json();
  assert.deepEqual(ra.parameters, [{ name: 'IPs', type: 'list', description: 'List of IPs to enable the feature toggle for.', required: true }]);
  assert.equal((await get('/api/admin/strategies/nope')).status, 404);
});

test('strategies: custom create, update, deprecate, reactivate, delete with events', async () => {
  const body = { name: 'orgs', description: 'By organisation', parameters: [{ name: 'orgIds', type: 'list', required: true }] };
  const c = await oneEvent('strategy-created', () => call('POST', '/api/admin/strategies', body));
  assert.equal(c.res.status, 201, c.res.text);
  assert.equal(c.res.headers.location, 'strategies/orgs');
  assert.deepEqual(c.res.json(), {
    displayName: null, name: 'orgs', editable: true, description: 'By organisation',
    parameters: [{ name: 'orgIds', type: 'list', description: '', required: true }], deprecated: false, title: null,
  });
  assert.equal(c.ev.data.name, 'orgs');
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies', body))).status, 409);
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies', { ...body, name: 'default' }))).status, 409);
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies', { ...body, name: 'with space' }))).status, 400);
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies', { name: 'x' }))).status, 400);
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies', { name: 'x', parameters: [{ name: 'a' }] }))).status, 400);

  const u = await oneEvent('strategy-updated', () => call('PUT', '/api/admin/strategies/orgs', { description: 'Orgs', parameters: [] }));
  assert.equal(u.res.status, 200, u.res.text);
  assert.equal(u.ev.preData.description, 'By organisation');
  assert.equal((await get('/api/admin/strategies/orgs')).json().description, 'Orgs');
  assert.equal((await noEvent(() => call('PUT', '/api/admin/strategies/default', { parameters: [] }))).status, 400);
  assert.equal((await noEvent(() => call('PUT', '/api/admin/strategies/nope', { parameters: [] }))).status, 404);

  assert.equal((await oneEvent('strategy-deprecated', () => call('POST', '/api/admin/strategies/orgs/deprecate'))).res.status, 200);
  assert.equal((await get('/api/admin/strategies/orgs')).json().deprecated, true);
  assert.equal((await oneEvent('strategy-reactivated', () => call('POST', '/api/admin/strategies/orgs/reactivate'))).res.status, 200);
  assert.equal((await get('/api/admin/strategies/orgs')).json().deprecated, false);
  // a built-in can be deprecated too, and stays built in
  assert.equal((await oneEvent('strategy-deprecated', () => call('POST', '/api/admin/strategies/applicationHostname/deprecate'))).res.status, 200);
  const ah = (await get('/api/admin/strategies/applicationHostname')).json();
  assert.equal(ah.deprecated, true);
  assert.equal(ah.editable, false);
  assert.equal((await call('POST', '/api/admin/strategies/applicationHostname/reactivate')).status, 200);
  assert.equal((await get('/api/admin/strategies')).json().strategies.filter((s) => s.name === 'applicationHostname').length, 1);
  assert.equal((await noEvent(() => call('POST', '/api/admin/strategies/nope/deprecate'))).status, 404);

  const d = await oneEvent('strategy-deleted', () => call('DELETE', '/api/admin/strategies/orgs'));
  assert.equal(d.res.status, 200);
  assert.deepEqual(d.ev.data, { name: 'orgs' });
  assert.equal((await get('/api/admin/strategies/orgs')).status, 404);
  assert.equal((await noEvent(() => call('DELETE', '/api/admin/strategies/flexibleRollout'))).status, 400);
});

// ---------- context fields ----------

test('context fields: built-ins, create, update, legal values, delete with events', async () => {
  const list = (await get('/api/admin/context')).json();
  assert.ok(Array.isArray(list));
  for (const n of ['appName', 'currentTime', 'environment', 'remoteAddress', 'sessionId', 'userId'])
    assert.ok(list.find((c) => c.name === n), n);
  assert.deepEqual(list.map((c) => c.name), [...list.map((c) => c.name)].sort());
  const userId = list.find((c) => c.name === 'userId');
  assert.equal(userId.stickiness, true);
  assert.equal(userId.usedInFeatures, 2); // beta-checkout, mobile-offline-mode
  assert.equal(userId.usedInProjects, 2);
  assert.deepEqual(Object.keys(list.find((c) => c.name === 'sessionId')), ['name', 'description', 'stickiness', 'sortOrder', 'legalValues', 'createdAt']);

  const body = { name: 'plan', description: 'Plan', stickiness: false, legalValues: [{ value: 'free' }, { value: 'pro', description: 'Paying' }] };
  const c = await oneEvent('context-field-created', () => call('POST', '/api/admin/context', body));
  assert.equal(c.res.status, 201, c.res.text);
  assert.equal(c.res.headers.location, 'context/plan');
  assert.deepEqual(c.res.json().legalValues, body.legalValues);
  assert.equal(c.ev.data.name, 'plan');
  assert.equal((await noEvent(() => call('POST', '/api/admin/context', body))).status, 409);
  assert.equal((await call('POST', '/api/admin/context/validate', { name: 'plan' })).status, 409);
  assert.equal((await call('POST', '/api/admin/context/validate', { name: 'ok-name' })).status, 200);
  assert.equal((await call('POST', '/api/admin/context/validate', { name: 'no good' })).status, 400);
  assert.equal((await noEvent(() => call('POST', '/api/admin/context', { name: 'dup', legalValues: [{ value: 'a' }, { value: 'a' }] }))).status, 400);
  assert.equal((await noEvent(() => call('POST', '/api/admin/context', { name: 'x', legalValues: [{ value: '' }] }))).status, 400);
  assert.equal((await noEvent(() => call('POST', '/api/admin/context', { name: 'x', stickiness: 'yes' }))).status, 400);

  // legal values are enforced on segment constraints
  const bad = await noEvent(() =>
    call('POST', '/api/admin/segments', { name: 'plans', constraints: [{ contextName: 'plan', operator: 'IN', values: ['gold'] }] }),
  );
  assert.equal(bad.status, 400);
  assert.match(bad.json().message, /legal value/);
  assert.equal((await call('POST', '/api/admin/segments', { name: 'plans', constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro'] }] })).status, 201);

  const u = await oneEvent('context-field-updated', () => call('PUT', '/api/admin/context/plan', { description: 'Plans', stickiness: true, legalValues: [{ value: 'pro' }] }));
  assert.equal(u.res.status, 200, u.res.text);
  assert.equal(u.ev.preData.description, 'Plan');
  const got = (await get('/api/admin/context/plan')).json();
  assert.equal(got.description, 'Plans');
  assert.equal(got.stickiness, true);
  assert.equal((await oneEvent('context-field-updated', () => call('POST', '/api/admin/context/plan/legal-values', { value: 'team' }))).res.status, 200);
  assert.deepEqual((await get('/api/admin/context/plan')).json().legalValues.map((v) => v.value), ['pro', 'team']);
  assert.equal((await oneEvent('context-field-updated', () => call('DELETE', '/api/admin/context/plan/legal-values/team'))).res.status, 200);
  assert.deepEqual((await get('/api/admin/context/plan')).json().legalValues.map((v) => v.value), ['pro']);

  // in use by a flag's constraints: refused
  const inUse = await noEvent(() => call('DELETE', '/api/admin/context/userId'));
  assert.equal(inUse.status, 409);
  const strategies = (await get('/api/admin/context/userId/strategies')).json().strategies;
  assert.ok(strategies.length >= 1);
  const d = await oneEvent('context-field-deleted', () => call('DELETE', '/api/admin/context/plan'));
  assert.equal(d.res.status, 200);
  assert.equal(d.ev.preData.name, 'plan');
  assert.equal((await get('/api/admin/context/plan')).status, 404);
  assert.equal((await noEvent(() => call('DELETE', '/api/admin/context/plan'))).status, 404);
});

// ---------- tag types ----------

test('tag types: simple built in, create, validate, update, delete with events', async () => {
  const list = (await get('/api/admin/tag-types')).json();
  assert.equal(list.version, 1);
  assert.deepEqual(list.tagTypes.find((t) => t.name === 'simple'), { name: 'simple', description: 'Used to simplify filtering of features', icon: '#', color: null });
  const c = await oneEvent('tag-type-created', () => call('POST', '/api/admin/tag-types', { name: 'team', description: 'Owner team' }));
  assert.equal(c.res.status, 201, c.res.text);
  assert.equal(c.res.headers.location, 'tag-types/team');
  assert.deepEqual(c.res.json(), { name: 'team', description: 'Owner team', icon: null, color: null });
  assert.equal((await noEvent(() => call('POST', '/api/admin/tag-types', { name: 'team' }))).status, 409);
  assert.equal((await noEvent(() => call('POST', '/api/admin/tag-types', { name: 't' }))).status, 400);
  const v = await call('POST', '/api/admin/tag-types/validate', { name: 'other' });
  assert.equal(v.status, 200);
  assert.equal(v.json().valid, true);
  assert.equal((await call('POST', '/api/admin/tag-types/validate', { name: 'team' })).status, 409);
  const u = await oneEvent('tag-type-updated', () => call('PUT', '/api/admin/tag-types/team', { description: 'Team', icon: 'x' }));
  assert.equal(u.res.status, 200);
  assert.deepEqual((await get('/api/admin/tag-types/team')).json(), { version: 1, tagType: { name: 'team', description: 'Team', icon: 'x', color: null } });
  assert.equal((await noEvent(() => call('PUT', '/api/admin/tag-types/nope', { description: '' }))).status, 404);
  const d = await oneEvent('tag-type-deleted', () => call('DELETE', '/api/admin/tag-types/team'));
  assert.equal(d.res.status, 200);
  assert.equal(d.ev.preData.name, 'team');
  assert.equal((await get('/api/admin/tag-types/team')).status, 404);
});

// ---------- permissions ----------

test('writes need their permission; reads only authentication', async () => {
  // a frontend token is not an admin credential
  for (const [method, path, body] of [
    ['GET', '/api/admin/strategies'],
    ['GET', '/api/admin/context'],
    ['POST', '/api/admin/tag-types', { name: 'zz' }],
  ]) {
    const res = await srv.request(method, path, { headers: { Authorization: frontend, ...JSON_HDR }, body });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
  const res = await srv.request('GET', '/api/admin/context', {});
  assert.equal(res.status, 401);
});
