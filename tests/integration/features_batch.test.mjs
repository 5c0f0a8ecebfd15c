// Unleash's import/export format (POST /api/admin/features-batch/export, /validate, /import):
// export flags from one latch, validate and import them into a project and environment of
// another, and the second serves the same flags to SDKs (strategies, constraints, segments by
// name, variants, enabled state); tags, tag types, context fields and dependencies come along;
// one features-imported event; errors, warnings and refusals in Unleash's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser } from './access_harness.mjs';

let a;
let b;

const JSON_HDR = { 'Content-Type': 'application/json' };
const call = (srv, method, path, body) =>
  srv.request(method, path, { headers: { Authorization: srv.tokens.admin, ...JSON_HDR }, body });
async function ok(srv, method, path, body, status = 200) {
  const res = await call(srv, method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
  return res.text ? res.json() : null;
}
const lastEventId = async (srv) => (await ok(srv, 'GET', '/api/admin/events?limit=1')).events[0]?.id ?? 0;

before(async () => {
  const tokens = { admin: { type: 'admin' }, client: { type: 'client', environment: 'development' } };
  a = await Latch.start({ tokens });
  b = await Latch.start({ fixtures: {}, tokens });
});

after(async () => {
  await a?.dispose();
  await b?.dispose();
});

// A flag as an SDK sees it, with segment ids replaced by names so two instances compare.
function sdkView(doc, name) {
  const segName = new Map((doc.segments ?? []).map((s) => [s.id, s.name]));
  const f = doc.features.find((x) => x.name === name);
  assert.ok(f, `${name} is served`);
  return {
    enabled: f.enabled,
    type: f.type,
    description: f.description ?? null,
    impressionData: f.impressionData,
    variants: f.variants ?? [],
    dependencies: f.dependencies ?? [],
    strategies: f.strategies.map((s) => ({
      name: s.name,
      title: s.title ?? null,
      disabled: s.disabled ?? false,
      parameters: s.parameters,
      // a single-value constraint may come back with an empty "values" beside its "value"
      constraints: s.constraints.map(({ values, ...c }) => (values?.length || !('value' in c) ? { ...c, values } : c)),
      variants: s.variants ?? [],
      segments: (s.segments ?? []).map((id) => segName.get(id)).sort(),
    })),
  };
}

const clientDoc = async (srv) =>
  (await srv.request('GET', '/api/client/features', { headers: { Authorization: srv.tokens.client, 'Unleash-Client-Spec': '5.1.0' } })).json();

test('export from one latch, import into a project of another: the same flags', async () => {
  // what the flags carry besides strategies
  await ok(a, 'POST', '/api/admin/tag-types', { name: 'team', description: 'Owner', icon: 'i' }, 201);
  await ok(a, 'POST', '/api/admin/features/beta-checkout/tags', { type: 'team', value: 'payments' }, 201);
  await ok(a, 'POST', '/api/admin/context', { name: 'plan', legalValues: [{ value: 'free' }, { value: 'pro' }] }, 201);
  await ok(a, 'POST', '/api/admin/projects/checkout/features/checkout-banner/environments/development/strategies', {
    name: 'flexibleRollout', parameters: { rollout: '25', stickiness: 'plan', groupId: 'banner' },
    constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro'] }],
  });
  await ok(a, 'POST', '/api/admin/projects/checkout/features/checkout-banner/dependencies', { feature: 'beta-checkout', enabled: true });

  const names = ['beta-checkout', 'checkout-banner', 'new-navigation', 'dark-mode', 'search-ranking-v2', 'search-suggestions', 'search-legacy'];
  const exp = await ok(a, 'POST', '/api/admin/features-batch/export', { features: names, environment: 'development' });
  for (const k of ['features', 'featureStrategies', 'featureEnvironments', 'contextFields', 'featureTags', 'segments', 'tagTypes', 'dependencies'])
    assert.ok(Array.isArray(exp[k]), k);
  assert.deepEqual(exp.features.map((f) => f.name).sort(), [...names].sort());
  assert.ok(exp.featureStrategies.every((s) => names.includes(s.featureName) && s.name && s.parameters));
  assert.deepEqual(exp.featureTags, [{ featureName: 'beta-checkout', tagType: 'team', tagValue: 'payments' }]);
  assert.deepEqual(exp.tagTypes, [{ name: 'team', description: 'Owner', icon: 'i', color: null }]);
  assert.ok(exp.contextFields.some((c) => c.name === 'plan' && c.legalValues.length === 2));
  assert.deepEqual(exp.dependencies.find((d) => d.feature === 'checkout-banner'), { feature: 'checkout-banner', dependencies: [{ feature: 'beta-checkout', enabled: true }] });
  assert.deepEqual(exp.dependencies.find((d) => d.feature === 'search-suggestions').dependencies.map((d) => d.feature), ['search-legacy', 'search-ranking-v2']);
  const fe = exp.featureEnvironments.find((e) => e.featureName === 'checkout-banner');
  assert.equal(fe.environment, 'development');
  assert.equal(fe.name, 'checkout-banner');
  assert.deepEqual(fe.variants.map((v) => v.name), ['blue', 'red']);
  // by project and by tag; as a file
  const byProject = await ok(a, 'POST', '/api/admin/features-batch/export', { project: 'checkout', environment: 'development' });
  assert.deepEqual(byProject.features.map((f) => f.name).sort(), ['beta-checkout', 'checkout-banner']);
  const byTag = await ok(a, 'POST', '/api/admin/features-batch/export', { tag: 'payments', environment: 'development' });
  assert.deepEqual(byTag.features.map((f) => f.name), ['beta-checkout']);
  const file = await call(a, 'POST', '/api/admin/features-batch/export', { features: names, environment: 'development', downloadFile: true });
  assert.match(file.headers['content-disposition'], /^attachment; filename="export-\d{4}-\d\d-\d\d\.json"$/);

  // into b: a project of its own
  await ok(b, 'POST', '/api/admin/projects', { id: 'imported', name: 'Imported' }, 201);
  // a segment of b's own first, so the ids of b's copies differ from a's
  await ok(b, 'POST', '/api/admin/segments', { name: 'b-only', constraints: [] }, 201);
  const dto = { project: 'imported', environment: 'development', data: exp };
  const usedSegments = exp.segments.map((s) => s.name);
  assert.deepEqual(usedSegments.sort(), ['beta-testers', 'eu-only', 'internal-staff']);
  let v = await ok(b, 'POST', '/api/admin/features-batch/validate', dto);
  assert.deepEqual(Object.keys(v).sort(), ['errors', 'permissions', 'warnings']);
  if (usedSegments.length) {
    // segments are matched by name: b lacks them, so the import is refused until they exist
    assert.deepEqual(v.errors.map((e) => e.affectedItems.sort()), [usedSegments]);
    assert.equal(typeof v.errors[0].message, 'string');
    const before = await lastEventId(b);
    const refused = await call(b, 'POST', '/api/admin/features-batch/import', dto);
    assert.equal(refused.status, 400);
    assert.equal(refused.json().name, 'BadDataError');
    assert.equal(await lastEventId(b), before, 'nothing written');
    const src = await ok(a, 'GET', '/api/admin/segments');
    for (const s of src.segments.filter((x) => usedSegments.includes(x.name)))
      await ok(b, 'POST', '/api/admin/segments', { name: s.name, description: s.description, constraints: s.constraints }, 201);
    v = await ok(b, 'POST', '/api/admin/features-batch/validate', dto);
  }
  assert.deepEqual(v, { errors: [], warnings: [], permissions: [] });

  const before = await lastEventId(b);
  const res = await call(b, 'POST', '/api/admin/features-batch/import', dto);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, '');
  // the new flags' feature-created events, then one features-imported
  const events = (await ok(b, 'GET', '/api/admin/events?limit=50')).events.filter((e) => e.id > before);
  assert.deepEqual(events.map((e) => e.type), ['features-imported', ...names.map(() => 'feature-created')]);
  assert.deepEqual(events.slice(1).map((e) => e.featureName).sort(), [...names].sort());
  assert.equal(events[0].project, 'imported');
  assert.equal(events[0].environment, 'development');
  assert.equal((await ok(b, 'GET', '/api/admin/projects/imported/features/dark-mode')).createdBy.name, 'admin');

  const docA = await clientDoc(a);
  const docB = await clientDoc(b);
  assert.ok(sdkView(docB, 'search-ranking-v2').strategies.some((st) => st.segments.length === 2));
  for (const name of names) {
    assert.equal(docB.features.find((f) => f.name === name).project, 'imported');
    assert.deepEqual(sdkView(docB, name), sdkView(docA, name), name);
  }
  // the tags, their type and the context field came along
  assert.deepEqual((await ok(b, 'GET', '/api/admin/features/beta-checkout/tags')).tags, [{ value: 'payments', type: 'team' }]);
  assert.equal((await ok(b, 'GET', '/api/admin/tag-types/team')).tagType.description, 'Owner');
  assert.deepEqual((await ok(b, 'GET', '/api/admin/context/plan')).legalValues.map((l) => l.value), ['free', 'pro']);

  // again: every flag is overwritten, and the result is the same
  v = await ok(b, 'POST', '/api/admin/features-batch/validate', dto);
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.warnings.map((w) => w.affectedItems.sort()), [[...names].sort()]);
  await ok(b, 'POST', '/api/admin/features-batch/import', dto);
  const again = await clientDoc(b);
  for (const name of names) assert.deepEqual(sdkView(again, name), sdkView(docA, name), name);
});

test('validation errors and refusals', async () => {
  const exp = await ok(a, 'POST', '/api/admin/features-batch/export', { features: ['dark-mode'], environment: 'development' });
  // dark-mode is in project "imported" of b now: into another project it is an error
  await ok(b, 'POST', '/api/admin/projects', { id: 'other', name: 'Other' }, 201);
  const dto = { project: 'other', environment: 'development', data: exp };
  const v = await ok(b, 'POST', '/api/admin/features-batch/validate', dto);
  assert.deepEqual(v.errors.map((e) => e.affectedItems), [['dark-mode (in project imported)']]);
  const before = await lastEventId(b);
  const res = await call(b, 'POST', '/api/admin/features-batch/import', dto);
  assert.equal(res.status, 400);
  assert.equal(res.json().name, 'BadDataError');
  assert.equal(await lastEventId(b), before);

  // an unknown strategy type, a duplicate flag
  const bad = structuredClone(exp);
  bad.features.push({ ...bad.features[0] });
  bad.featureStrategies.push({ featureName: 'dark-mode', name: 'no-such-strategy', parameters: {}, constraints: [] });
  const v2 = await ok(b, 'POST', '/api/admin/features-batch/validate', { project: 'imported', environment: 'development', data: bad });
  assert.deepEqual(v2.errors.map((e) => e.affectedItems), [['no-such-strategy'], ['dark-mode']]);

  // the body's shape, and what does not exist
  for (const [body, path] of [[{}, '/body/project'], [{ project: 'imported', environment: 'development' }, '/body/data'], [{ project: 'imported', environment: 'development', data: { features: 'x', featureStrategies: [] } }, undefined]]) {
    const r = await call(b, 'POST', '/api/admin/features-batch/import', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json().name, 'BadDataError');
    assert.equal(r.json().details[0].path, path, r.text);
  }
  assert.equal((await call(b, 'POST', '/api/admin/features-batch/validate', { ...dto, project: 'nope' })).status, 404);
  assert.equal((await call(b, 'POST', '/api/admin/features-batch/import', { ...dto, environment: 'nope' })).status, 404);
  const noEnv = await call(a, 'POST', '/api/admin/features-batch/export', { features: ['dark-mode'] });
  assert.equal(noEnv.status, 400);
  assert.deepEqual(noEnv.json().details.map((d) => d.path), ['/body/environment']);
  // no credential
  const anon = await a.request('POST', '/api/admin/features-batch/export', { headers: JSON_HDR, body: { environment: 'development' } });
  assert.equal(anon.status, 401);
});

test('permissions: a viewer is told what is missing and refused; an editor imports', async () => {
  const srv = await startAccess({ fixtures: {} });
  try {
    const admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
    await createUser(admin, 'batch-viewer', 'Viewer');
    await createUser(admin, 'batch-editor', 'Editor');
    const viewer = new Api(srv, { cookie: await loginOk(srv, 'batch-viewer', USER_PASSWORD) });
    const editor = new Api(srv, { cookie: await loginOk(srv, 'batch-editor', USER_PASSWORD) });
    const data = {
      features: [{ name: 'perm-flag', type: 'release' }],
      featureStrategies: [{ featureName: 'perm-flag', name: 'default', parameters: {}, constraints: [] }],
      featureEnvironments: [{ featureName: 'perm-flag', name: 'perm-flag', environment: 'development', enabled: true, variants: [] }],
      tagTypes: [{ name: 'perm-type', description: 'new' }],
      featureTags: [{ featureName: 'perm-flag', tagType: 'perm-type', tagValue: 'v1' }],
    };
    const dto = { project: 'default', environment: 'development', data };
    const v = await viewer.post('/api/admin/features-batch/validate', dto);
    assert.equal(v.status, 200, v.text);
    assert.deepEqual(v.json().errors, []);
    assert.equal(v.json().permissions.length, 1);
    assert.deepEqual(v.json().permissions[0].affectedItems.sort(),
      ['Create feature', 'Create feature strategy', 'Create tag type', 'Update feature']);
    const refused = await viewer.post('/api/admin/features-batch/import', dto);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json().name, 'PermissionError');
    assert.equal((await admin.get('/api/admin/projects/default/features/perm-flag')).status, 404);
    // an editor holds them all
    assert.deepEqual((await editor.post('/api/admin/features-batch/validate', dto)).json().permissions, []);
    const done = await editor.post('/api/admin/features-batch/import', dto);
    assert.equal(done.status, 200, done.text);
    const f = (await admin.get('/api/admin/projects/default/features/perm-flag')).json();
    assert.equal(f.environments.find((e) => e.name === 'development').enabled, true);
    assert.deepEqual(f.tags, [{ value: 'v1', type: 'perm-type' }]);
    assert.equal(f.createdBy.name, 'batch-editor');
  } finally {
    await srv.dispose();
  }
});
