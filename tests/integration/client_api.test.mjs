// The client API for server-side SDKs (UNLEASH-API.md §3) against a store seeded with
// tests/data/client-features.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  Latch,
  fixturePath,
  expectedFeature,
  canonical,
  expectedSegment,
  byName,
  waitFor,
} from './harness.mjs';

const fixture = JSON.parse(readFileSync(fixturePath('client-features.json'), 'utf8'));
const NAMES = fixture.features.map((f) => f.name).sort();
const namesOf = (body) => body.features.map((f) => f.name).sort();
const namesWhere = (pred) => fixture.features.filter(pred).map((f) => f.name).sort();

let srv;
let all; // all projects, development
let search; // project search only, development

before(async () => {
  srv = await Latch.start({
    fixtures: {
      development: fixturePath('client-features.json'),
      production: fixturePath('client-features-production.json'),
    },
    tokens: {
      all: { type: 'client', environment: 'development' },
      search: { type: 'client', environment: 'development', projects: 'search' },
      admin: { type: 'admin' },
    },
    // the usage writer logs each batch at debug level (the metrics test waits for it)
    env: { LATCH_LOG_LEVEL: 'debug' },
  });
  ({ all, search } = srv.tokens);
});

after(async () => {
  await srv?.dispose();
});

test('GET /api/client/features: body shape, query echo and meta', async () => {
  const { res, body } = await srv.features(all);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(Object.keys(body).sort(), ['features', 'meta', 'query', 'version']);
  assert.equal(body.version, 2);
  assert.ok(Array.isArray(body.features));
  assert.deepEqual(body.query, { environment: 'development', inlineSegmentConstraints: true });
  assert.ok(Number.isInteger(body.meta.revisionId) && body.meta.revisionId > 0, JSON.stringify(body.meta));
  assert.equal(typeof body.meta.etag, 'string');
  assert.match(body.meta.etag, /^".+"$/);
  assert.equal(typeof body.meta.queryHash, 'string');
  assert.ok(body.meta.queryHash.length > 0);
  assert.ok(body.meta.etag.includes(String(body.meta.revisionId)));
  assert.equal(res.headers.etag, body.meta.etag);
});

test('every model field round-trips from the fixture (segments inlined)', async () => {
  const { body } = await srv.features(all);
  assert.deepEqual(namesOf(body), NAMES);
  const got = byName(body.features);
  for (const f of fixture.features)
    assert.deepEqual(canonical(got.get(f.name)), expectedFeature(f, fixture.segments, { inline: true }), f.name);
});

test('every model field round-trips from the fixture (segments by reference)', async () => {
  const { body } = await srv.features(all, { headers: { 'Unleash-Client-Spec': '5.2.0' } });
  assert.deepEqual(namesOf(body), NAMES);
  const got = byName(body.features);
  for (const f of fixture.features)
    assert.deepEqual(canonical(got.get(f.name)), expectedFeature(f, fixture.segments, { inline: false }), f.name);
  assert.deepEqual(
    [...body.segments].sort((a, b) => a.id - b.id),
    fixture.segments.map(expectedSegment),
  );
});

test('Unleash-Client-Spec >= 4.2.0 gives segments by reference', async () => {
  for (const spec of ['4.2.0', '4.3.1', '5.2.0']) {
    const { body } = await srv.features(all, { headers: { 'Unleash-Client-Spec': spec } });
    assert.equal(body.query.inlineSegmentConstraints, false, spec);
    const strat = byName(body.features).get('search-ranking-v2').strategies[0];
    assert.deepEqual(strat.segments, [1, 2], spec);
    assert.equal(strat.constraints.length, 5, spec);
    assert.ok(!strat.constraints.some((c) => c.contextName === 'userId'), spec);
    assert.deepEqual(body.segments.map((s) => s.id).sort(), [1, 2, 3], spec);
    // strategies without segments carry no segments key
    const plain = byName(body.features).get('new-navigation').strategies[0];
    assert.ok(!('segments' in plain), spec);
    // every referenced id is listed at the top level
    const listed = new Set(body.segments.map((s) => s.id));
    for (const f of body.features)
      for (const s of f.strategies) for (const id of s.segments ?? []) assert.ok(listed.has(id), `${f.name}: ${id}`);
  }
});

test('without Unleash-Client-Spec (or < 4.2.0) segment constraints are inlined', async () => {
  for (const headers of [{}, { 'Unleash-Client-Spec': '4.1.9' }, { 'Unleash-Client-Spec': '3.0.0' }]) {
    const { res, body } = await srv.features(all, { headers });
    const what = JSON.stringify(headers);
    assert.equal(body.query.inlineSegmentConstraints, true, what);
    assert.ok(!('segments' in body), what);
    assert.ok(!res.text.includes('"segments"'), `${what}: a segments key in ${res.text}`);
    const strat = byName(body.features).get('search-ranking-v2').strategies[0];
    // its 5 own constraints, then segment 1 (userId IN), then segment 2 (email ENDS_WITH)
    assert.equal(strat.constraints.length, 7, what);
    assert.deepEqual(strat.constraints.slice(5), [
      ...fixture.segments[0].constraints,
      ...fixture.segments[1].constraints,
    ]);
    const sugg = byName(body.features).get('search-suggestions').strategies[0];
    assert.deepEqual(sugg.constraints, fixture.segments[2].constraints, what);
  }
});

test('an invalid Unleash-Client-Spec header is a 400', async () => {
  for (const spec of ['v4.2.0', 'latest', '4.2', 'x']) {
    const res = await srv.get('/api/client/features', { Authorization: all, 'Unleash-Client-Spec': spec });
    assert.equal(res.status, 400, `${spec}: ${res.text}`);
    const body = res.json();
    assert.equal(body.name, 'BadDataError', spec);
    assert.equal(typeof body.message, 'string');
  }
});

test('disabled strategies are omitted', async () => {
  const { res, body } = await srv.features(all);
  const beta = byName(body.features).get('beta-checkout');
  assert.deepEqual(
    beta.strategies.map((s) => s.name),
    ['flexibleRollout'],
  );
  assert.ok(!res.text.includes('Everyone (paused)'));
  assert.ok(!res.text.includes('"disabled"'));
  assert.ok(!res.text.includes('"sortOrder"'));
  assert.ok(!res.text.includes('"title"'));
});

test('ETag and If-None-Match: 304 with an empty body and no ETag/Content-Type', async () => {
  const { res } = await srv.features(all);
  const etag = res.headers.etag;
  assert.ok(etag);
  const again = await srv.get('/api/client/features', { Authorization: all });
  assert.equal(again.headers.etag, etag, 'the ETag is stable while nothing changes');
  const r304 = await srv.get('/api/client/features', { Authorization: all, 'If-None-Match': etag });
  assert.equal(r304.status, 304);
  assert.equal(r304.body.length, 0);
  assert.equal(r304.headers.etag, undefined);
  assert.equal(r304.headers['content-type'], undefined);
  assert.equal(r304.headers['content-encoding'], undefined);
  // an old or foreign etag gets the full body
  const r200 = await srv.get('/api/client/features', { Authorization: all, 'If-None-Match': '"abc:1:v1"' });
  assert.equal(r200.status, 200);
  assert.equal(r200.headers.etag, etag);
  assert.equal(r200.text, res.text);
  // the etag depends on the query: a filtered body has another one
  const { res: filtered } = await srv.features(all, { query: '?project=search' });
  assert.notEqual(filtered.headers.etag, etag);
  const cross = await srv.get('/api/client/features?project=search', { Authorization: all, 'If-None-Match': etag });
  assert.equal(cross.status, 200);
});

test('gzip when the client accepts it, and the same document', async () => {
  const plain = await srv.get('/api/client/features', { Authorization: all });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  const gz = await srv.get('/api/client/features', { Authorization: all, 'Accept-Encoding': 'gzip' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.etag, plain.headers.etag);
  const unzipped = gunzipSync(gz.body);
  assert.ok(unzipped.equals(plain.body), 'gunzipped body differs from the plain one');
  const gz2 = await srv.get('/api/client/features', { Authorization: all, 'Accept-Encoding': 'deflate, gzip, br' });
  assert.equal(gz2.headers['content-encoding'], 'gzip');
  const refused = await srv.get('/api/client/features', { Authorization: all, 'Accept-Encoding': 'gzip;q=0' });
  assert.equal(refused.headers['content-encoding'], undefined);
  assert.ok(refused.body.equals(plain.body));
});

test('project (repeatable) and namePrefix filters with an all-projects token', async () => {
  let { body } = await srv.features(all, { query: '?project=search' });
  assert.deepEqual(namesOf(body), namesWhere((f) => f.project === 'search'));
  assert.deepEqual(body.query.project, ['search']);

  ({ body } = await srv.features(all, { query: '?project=search&project=mobile' }));
  assert.deepEqual(namesOf(body), namesWhere((f) => ['search', 'mobile'].includes(f.project)));
  assert.deepEqual([...body.query.project].sort(), ['mobile', 'search']);

  ({ body } = await srv.features(all, { query: '?namePrefix=search-' }));
  assert.deepEqual(namesOf(body), namesWhere((f) => f.name.startsWith('search-')));
  assert.equal(body.query.namePrefix, 'search-');
  assert.ok(!('project' in body.query));

  ({ body } = await srv.features(all, { query: '?namePrefix=mobile-&project=mobile&project=default' }));
  assert.deepEqual(namesOf(body), ['mobile-offline-mode', 'mobile-push-v2']);

  ({ body } = await srv.features(all, { query: '?project=default&namePrefix=search-' }));
  assert.deepEqual(body.features, []);

  ({ body } = await srv.features(all, { query: '?project=no-such-project' }));
  assert.deepEqual(body.features, []);
});

test('tag filters: a flag needs one of the tags asked for', async () => {
  const admin = srv.createToken({ type: 'admin' });
  // the CLI wrote the token to the store; the server picks it up within its watch interval
  await waitFor(async () => (await srv.get('/api/admin/tag-types', { Authorization: admin })).status === 200,
    { what: 'the admin token to be live' });
  const [a, b] = NAMES;
  for (const [name, value] of [[a, 'blue'], [b, 'green']]) {
    const res = await srv.request('POST', `/api/admin/features/${encodeURIComponent(name)}/tags`, {
      headers: { Authorization: admin, 'Content-Type': 'application/json' },
      body: { type: 'simple', value },
    });
    assert.ok(res.status === 200 || res.status === 201, `tagging ${name}: ${res.status} ${res.text}`);
  }
  let { body } = await srv.features(all, { query: '?tag=simple:blue' });
  assert.deepEqual(namesOf(body), [a]);
  assert.deepEqual(body.query.tag, [['simple', 'blue']]);
  ({ body } = await srv.features(all, { query: '?tag=simple:blue&tag=simple:green' }));
  assert.deepEqual(namesOf(body), [a, b].sort());
  ({ body } = await srv.features(all, { query: '?tag=simple:red' }));
  assert.deepEqual(body.features, []);
  const bad = await srv.get('/api/client/features?tag=no-colon', { Authorization: all });
  assert.equal(bad.status, 400);
});

test('a single-project token ignores a query asking for another project', async () => {
  const searchNames = namesWhere((f) => f.project === 'search');
  let { body } = await srv.features(search);
  assert.deepEqual(namesOf(body), searchNames);
  assert.deepEqual(body.query.project, ['search']);
  ({ body } = await srv.features(search, { query: '?project=checkout' }));
  assert.deepEqual(namesOf(body), searchNames);
  assert.deepEqual(body.query.project, ['search']);
  ({ body } = await srv.features(search, { query: '?project=checkout&project=search&project=mobile' }));
  assert.deepEqual(namesOf(body), searchNames);
  // spec >= 4.2.0: only segments that the visible flags use, and all of those
  ({ body } = await srv.features(search, { headers: { 'Unleash-Client-Spec': '4.2.0' } }));
  const used = new Set(body.features.flatMap((f) => f.strategies.flatMap((s) => s.segments ?? [])));
  assert.deepEqual(body.segments.map((s) => s.id).sort(), [...used].sort());
});

test('GET /api/client/features/:name returns one feature', async () => {
  const { body: list } = await srv.features(all);
  for (const name of ['beta-checkout', 'search-suggestions', 'checkout-banner']) {
    const res = await srv.get(`/api/client/features/${name}`, { Authorization: all });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.deepEqual(res.json(), byName(list.features).get(name));
  }
  const ref = await srv.get('/api/client/features/search-ranking-v2', {
    Authorization: all,
    'Unleash-Client-Spec': '4.2.0',
  });
  assert.deepEqual(ref.json().strategies[0].segments, [1, 2]);
});

test('GET /api/client/features/:name: unknown or out of scope is a 404 NotFoundError', async () => {
  const res = await srv.get('/api/client/features/no-such-flag', { Authorization: all });
  assert.equal(res.status, 404);
  const body = res.json();
  assert.equal(body.name, 'NotFoundError');
  assert.equal(body.message, 'Could not find feature flag no-such-flag');
  assert.deepEqual(body.details, [{ message: 'Could not find feature flag no-such-flag' }]);
  assert.equal(typeof body.id, 'string');
  // a flag of another project is not visible to a search token
  const other = await srv.get('/api/client/features/beta-checkout', { Authorization: search });
  assert.equal(other.status, 404);
  assert.equal(other.json().name, 'NotFoundError');
  const mine = await srv.get('/api/client/features/search-legacy', { Authorization: search });
  assert.equal(mine.status, 200);
  // a token is still needed
  const anon = await srv.get('/api/client/features/beta-checkout');
  assert.equal(anon.status, 401);
});

test('a "Bearer " prefix is accepted', async () => {
  const plain = await srv.get('/api/client/features', { Authorization: all });
  for (const auth of [`Bearer ${all}`, `bearer ${all}`, `BEARER  ${all}`]) {
    const res = await srv.get('/api/client/features', { Authorization: auth });
    assert.equal(res.status, 200, auth);
    assert.equal(res.text, plain.text);
  }
  const reg = await srv.post('/api/client/register', registration('bearer-app'), { Authorization: `Bearer ${all}` });
  assert.equal(reg.status, 202);
});

function registration(appName, extra = {}) {
  return {
    appName,
    instanceId: `${appName}-1`,
    sdkVersion: 'unleash-client-test:1.0.0',
    strategies: ['default', 'flexibleRollout'],
    started: new Date().toISOString(),
    interval: 10000,
    platformName: 'node',
    ...extra,
  };
}

test('POST /api/client/register: 202 for a registration, 400 for a bad body', async () => {
  const ok = await srv.post('/api/client/register', registration('it-register'), { Authorization: all });
  assert.equal(ok.status, 202, ok.text);
  assert.equal(ok.body.length, 0);
  const epoch = await srv.post('/api/client/register', registration('it-register-epoch', { started: Date.now() }), {
    Authorization: all,
  });
  assert.equal(epoch.status, 202, epoch.text);
  const bad = [
    {},
    registration(''),
    { ...registration('x'), appName: undefined },
    { ...registration('x'), strategies: 'default' },
    { ...registration('x'), strategies: [1, 2] },
    { ...registration('x'), interval: undefined },
    { ...registration('x'), started: undefined },
    [],
    'not json at all',
  ];
  for (const body of bad) {
    const res = await srv.post('/api/client/register', body, { Authorization: all });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
    assert.equal(typeof res.json().message, 'string');
  }
  const anon = await srv.post('/api/client/register', registration('x'));
  assert.equal(anon.status, 401);
});

function metrics(appName, instanceId, toggles) {
  const now = Date.now();
  return {
    appName,
    instanceId,
    bucket: { start: new Date(now - 1000).toISOString(), stop: new Date(now).toISOString(), toggles },
  };
}

test('POST /api/client/metrics: 202 for metrics, 400 for a bad body', async () => {
  const ok = await srv.post('/api/client/metrics', metrics('it-m', 'i', { 'new-navigation': { yes: 1, no: 0, variants: {} } }), {
    Authorization: all,
  });
  assert.equal(ok.status, 202, ok.text);
  assert.equal(ok.body.length, 0);
  const bad = [
    {},
    { bucket: { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: {} } },
    metrics('', 'i', {}),
    metrics('it-m', 'i', { f: { yes: 'many', no: 0 } }),
    metrics('it-m', 'i', { f: { yes: 1, no: 0, variants: [1] } }),
    metrics('it-m', 'i', { f: 5 }),
    { ...metrics('it-m', 'i', {}), bucket: { start: new Date().toISOString(), toggles: [] } },
    { ...metrics('it-m', 'i', {}), bucket: 'yesterday' },
    'garbage',
  ];
  for (const body of bad) {
    const res = await srv.post('/api/client/metrics', body, { Authorization: all });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
  }
});

function bulk(appName, environment, metricsList) {
  return {
    applications: [
      {
        appName,
        instanceId: `${appName}-edge`,
        environment,
        interval: 10000,
        started: new Date().toISOString(),
        strategies: ['default'],
        sdkVersion: 'unleash-edge:19.0.0',
        sdkType: 'backend',
      },
    ],
    metrics: metricsList.map((m) => ({ appName, environment, timestamp: new Date().toISOString(), ...m })),
  };
}

test('POST /api/client/metrics/bulk: 202 for metrics, 400 for a bad body', async () => {
  const ok = await srv.post('/api/client/metrics/bulk', bulk('it-bulk-ok', 'development', [{ featureName: 'dark-mode', yes: 0, no: 2 }]), {
    Authorization: all,
  });
  assert.equal(ok.status, 202, ok.text);
  const empty = await srv.post('/api/client/metrics/bulk', { applications: [], metrics: [] }, { Authorization: all });
  assert.equal(empty.status, 202, empty.text);
  const bad = [
    { applications: {}, metrics: [] },
    { applications: [], metrics: {} },
    { applications: [], metrics: [{ appName: 'a', yes: 1, no: 0 }] },
    { applications: [], metrics: [{ featureName: 'f', yes: 1, no: 0 }] },
    { applications: [], metrics: [{ featureName: 'f', appName: 'a', yes: '1', no: 0 }] },
    { applications: [{ instanceId: 'x' }], metrics: [] },
    [],
  ];
  for (const body of bad) {
    const res = await srv.post('/api/client/metrics/bulk', body, { Authorization: all });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
  }
});

test('metrics and registrations reach the store, summed across posts', { timeout: 60000 }, async () => {
  const auth = { Authorization: all };
  const app = 'it-store';
  let res = await srv.post('/api/client/register', registration(app, { instanceId: 'node-7' }), auth);
  assert.equal(res.status, 202);
  res = await srv.post(
    '/api/client/metrics',
    metrics(app, 'node-7', {
      'new-navigation': { yes: 3, no: 1, variants: {} },
      'checkout-banner': { yes: 2, no: 0, variants: { blue: 1, red: 1 } },
    }),
    auth,
  );
  assert.equal(res.status, 202);
  res = await srv.post(
    '/api/client/metrics',
    metrics(app, 'node-7', {
      'new-navigation': { yes: 2, no: 4 },
      'checkout-banner': { yes: 1, no: 0, variants: { blue: 1 } },
    }),
    auth,
  );
  assert.equal(res.status, 202);
  // a rejected post adds nothing, even for its valid toggles
  res = await srv.post(
    '/api/client/metrics',
    metrics(app, 'node-7', { 'new-navigation': { yes: 100, no: 100 }, bad: { yes: 'x' } }),
    auth,
  );
  assert.equal(res.status, 400);
  // bulk: only the token's environment is stored
  res = await srv.post(
    '/api/client/metrics/bulk',
    bulk('it-store-edge', 'development', [{ featureName: 'dark-mode', yes: 0, no: 7 }]),
    auth,
  );
  assert.equal(res.status, 202);
  res = await srv.post(
    '/api/client/metrics/bulk',
    bulk('it-store-edge-prod', 'production', [{ featureName: 'dark-mode', yes: 9, no: 9 }]),
    auth,
  );
  assert.equal(res.status, 202);

  // The periodic write (--metrics-interval 1) puts them in the store, with no admin read or
  // shutdown to force it. The flush thread logs each batch it wrote (debug level; empty ones
  // are not logged), one batch at a time and in order: once a batch is logged after the posts,
  // a registration posted then is written alone in a later batch, after everything above.
  // Then SIGKILL (no shutdown write), restart, and read what the store holds.
  const afterPosts = srv.stderr.length;
  await waitFor(() => /usage: wrote /.test(srv.stderr.slice(afterPosts)), { what: 'a usage write after the posts' });
  const afterFirst = srv.stderr.length;
  assert.equal((await srv.post('/api/client/register', registration('it-flush-sentinel'), auth)).status, 202);
  await waitFor(() => /usage: wrote 1 registrations and 0 counts/.test(srv.stderr.slice(afterFirst)), { what: 'the sentinel written alone' });
  await srv.kill();
  await srv.restart();

  const adminGet = async (path) => {
    const r = await srv.get(path, { Authorization: srv.tokens.admin });
    assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
    return r.json();
  };
  // 'bad' is asked for too: the rejected post named it
  const usage = (appName) => srv.usage(appName, [...NAMES, 'bad']);
  const sum = async (appName) => (await usage(appName)).map(({ feature, environment, yes, no }) => ({ feature, environment, yes, no }));
  assert.deepEqual(await sum(app), [
    { feature: 'checkout-banner', environment: 'development', yes: 3, no: 0 },
    { feature: 'new-navigation', environment: 'development', yes: 5, no: 5 },
  ]);
  // SQL: no answer says which instance a count came from (the raw usage sums instances)
  const instances = srv.sql(`SELECT DISTINCT instance_id FROM client_metrics WHERE app_name = '${app}'`);
  assert.deepEqual(instances, [{ instance_id: 'node-7' }]);
  const banner = (await usage(app)).find((e) => e.feature === 'checkout-banner');
  assert.deepEqual(banner.variants, { blue: 2, red: 1 });
  assert.deepEqual(await sum('it-store-edge'), [{ feature: 'dark-mode', environment: 'development', yes: 0, no: 7 }]);
  assert.deepEqual(await sum('it-store-edge-prod'), [], 'metrics of another environment were stored');

  const one = await adminGet(`/api/admin/metrics/applications/${app}`);
  assert.deepEqual(
    one.instances.map((i) => [i.instanceId, i.environment, i.sdkVersion]),
    [['node-7', 'development', 'unleash-client-test:1.0.0']],
    JSON.stringify(one.instances),
  );
  assert.deepEqual(one.strategies.map((st) => st.name), ['default', 'flexibleRollout']);
  // SQL: no answer shows the metrics interval an application announced
  assert.deepEqual(srv.sql(`SELECT interval_ms FROM client_applications WHERE app_name = '${app}'`), [{ interval_ms: 10000 }]);
  const listed = (await adminGet('/api/admin/metrics/applications')).applications;
  assert.ok(listed.some((a) => a.appName === 'it-flush-sentinel'), 'the sentinel was stored before the kill');
  const edgeApps = listed.filter((a) => a.appName.startsWith('it-store-edge'));
  assert.deepEqual(edgeApps.map((a) => [a.appName, a.usage]), [['it-store-edge', [{ project: '*', environments: ['development'] }]]]);
});

// Last: it changes the store under the running server.
test('a `latch import` while serving shows within ~2 s with a new etag', { timeout: 60000 }, async () => {
  const { res: before, body: old } = await srv.features(all);
  const doc = structuredClone(fixture);
  doc.features.find((f) => f.name === 'dark-mode').enabled = true;
  doc.features.push({
    name: 'late-arrival',
    type: 'release',
    description: 'Imported while serving',
    enabled: true,
    project: 'default',
    stale: false,
    impressionData: false,
    strategies: [{ name: 'default', constraints: [], parameters: {}, variants: [] }],
    variants: [],
  });
  const t0 = Date.now();
  srv.importDoc(doc, 'development');
  const body = await waitFor(
    async () => {
      const res = await srv.get('/api/client/features', { Authorization: all });
      const b = res.json();
      return b.features.some((f) => f.name === 'late-arrival') ? { res, b } : null;
    },
    { timeoutMs: 15000, intervalMs: 100, what: 'the imported flag' },
  );
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 5000, `the change took ${elapsed} ms to show`);
  assert.equal(byName(body.b.features).get('dark-mode').enabled, true);
  assert.notEqual(body.res.headers.etag, before.headers.etag);
  assert.equal(body.res.headers.etag, body.b.meta.etag);
  assert.ok(body.b.meta.revisionId > old.meta.revisionId);
  const r = await srv.get('/api/client/features', { Authorization: all, 'If-None-Match': before.headers.etag });
  assert.equal(r.status, 200, 'the old etag must not match any more');
  // other environments are untouched
  const prod = srv.createToken({ type: 'client', environment: 'production' });
  await waitFor(async () => (await srv.get('/api/client/features', { Authorization: prod })).status === 200, {
    what: 'the new production token',
  });
  const { body: p } = await srv.features(prod);
  assert.equal(byName(p.features).get('dark-mode').strategies[0].name, 'flexibleRollout');
});
