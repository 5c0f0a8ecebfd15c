// Unleash's import/export format against a real unleash-server 8.2.0 (tests/.peers, on a fresh
// database of the private PostgreSQL): flags seeded into Unleash (strategies, constraints on a
// custom context field, strategy variants, a segment, a tag) are exported by Unleash's own
// POST /api/admin/features-batch/export, validated and imported into latch, and latch then
// serves the same client document as Unleash for them (segments matched by name). The
// validation of the same faulty document lists the same affected items on both servers, and
// latch's export has the members Unleash's has. Then the same refused requests on both: the
// validation errors Unleash's request validation answers (BadDataError with details[].path),
// and a tag added twice (201 on both). Skipped, loudly, when unleash-server is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Latch } from './harness.mjs';
import { tempDir, removeDir } from './frontend_harness.mjs';
import { startPostgres } from './pg_harness.mjs';
import { unleashSkip, startUnleash, seedUnleash } from './unleash_peer.mjs';

const SKIP = unleashSkip('admin_unleash.test.mjs');

const hex = () => randomBytes(24).toString('hex');
const ADMIN = `*:*.${hex()}`;
const CLIENT = `*:development.${hex()}`;

const STATE = {
  segments: [{ id: 1, name: 'beta-users', constraints: [{ contextName: 'userId', operator: 'IN', values: ['alice', 'carol'], inverted: false, caseInsensitive: false }] }],
  features: [
    { name: 'bx-on', project: 'default', enabled: true, strategies: [{ name: 'default', constraints: [], parameters: {} }] },
    { name: 'bx-off', project: 'default', enabled: false, strategies: [{ name: 'default', constraints: [], parameters: {} }] },
    {
      name: 'bx-gold', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout',
        parameters: { rollout: '40', stickiness: 'default', groupId: 'bx-gold' },
        constraints: [{ contextName: 'tier', operator: 'IN', values: ['gold', 'silver'], inverted: false, caseInsensitive: false }],
      }],
    },
    {
      name: 'bx-half', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout', constraints: [],
        parameters: { rollout: '50', stickiness: 'userId', groupId: 'bx-half' },
        variants: [
          { name: 'red', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'r' } },
          { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'json', value: '{"c":"b"}' } },
        ],
      }],
    },
    {
      name: 'bx-beta', project: 'default', enabled: true, strategies: [{
        name: 'flexibleRollout', constraints: [], segments: [1],
        parameters: { rollout: '100', stickiness: 'default', groupId: 'bx-beta' },
      }],
    },
  ],
};
const NAMES = STATE.features.map((f) => f.name);

let pg;
let unleash; // {child, url, log}
let srv;
let dir;

async function unleashCall(method, path, body, token = ADMIN) {
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { Authorization: token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function latchCall(method, path, body) {
  const res = await srv.request(method, path, { headers: { Authorization: srv.tokens.admin, 'Content-Type': 'application/json' }, body });
  return { status: res.status, text: res.text, json: () => res.json() };
}

before(async () => {
  if (SKIP) return;
  dir = tempDir('latch-batch-unleash-');
  pg = await startPostgres();
  unleash = await startUnleash(pg.createDatabase('unleash'), { admin: ADMIN, client: CLIENT });
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(STATE));
  await seedUnleash(unleash.url, ADMIN, stateFile, 'development');
  const tag = await unleashCall('POST', '/api/admin/features/bx-gold/tags', { type: 'simple', value: 'gold-tier' });
  assert.equal(tag.status, 201, tag.text);
  srv = await Latch.start({ fixtures: {}, tokens: { admin: { type: 'admin' }, client: { type: 'client', environment: 'development' } } });
}, { timeout: 240000 });

after(async () => {
  await srv?.dispose();
  if (unleash) {
    unleash.child.kill('SIGTERM');
    await new Promise((r) => (unleash.child.exitCode !== null ? r() : unleash.child.on('exit', r)));
  }
  pg?.dispose();
  if (dir) removeDir(dir);
});

// A client document's flags with segment ids replaced by names and strategy ids left out.
function comparable(doc) {
  const seg = new Map((doc.segments ?? []).map((s) => [s.id, s.name]));
  return doc.features
    .filter((f) => NAMES.includes(f.name))
    .sort((x, y) => (x.name < y.name ? -1 : 1))
    .map((f) => ({
      ...f,
      project: undefined,
      strategies: f.strategies.map(({ id, segments, ...s }) => ({ ...s, segments: (segments ?? []).map((i) => seg.get(i)) })),
    }));
}

const keysOf = (list) => [...new Set((list ?? []).flatMap((x) => Object.keys(x)))].sort();

test('an export of unleash-server imports into latch, which then serves the same flags', { skip: SKIP, timeout: 120000 }, async () => {
  const ex = await unleashCall('POST', '/api/admin/features-batch/export', { features: NAMES, environment: 'development' });
  assert.equal(ex.status, 200, ex.text);
  const data = ex.json();
  assert.deepEqual(data.features.map((f) => f.name).sort(), [...NAMES].sort());
  assert.deepEqual(data.segments.map((s) => s.name), ['beta-users']);

  // latch lacks the segment: the same error Unleash's own validation would give
  const dto = { project: 'default', environment: 'development', data };
  let v = await latchCall('POST', '/api/admin/features-batch/validate', dto);
  assert.equal(v.status, 200, v.text);
  assert.deepEqual(v.json().errors.map((e) => e.affectedItems), [['beta-users']]);
  const seg = await latchCall('POST', '/api/admin/segments', { name: 'beta-users', constraints: STATE.segments[0].constraints });
  assert.equal(seg.status, 201, seg.text);
  v = await latchCall('POST', '/api/admin/features-batch/validate', dto);
  assert.deepEqual(v.json(), { errors: [], warnings: [], permissions: [] });
  const imp = await latchCall('POST', '/api/admin/features-batch/import', dto);
  assert.equal(imp.status, 200, imp.text);

  const headers = { 'Unleash-Client-Spec': '5.2.0' };
  const direct = await (await fetch(`${unleash.url}/api/client/features`, { headers: { Authorization: CLIENT, ...headers } })).json();
  const mine = (await srv.request('GET', '/api/client/features', { headers: { Authorization: srv.tokens.client, ...headers } })).json();
  assert.deepEqual(comparable(mine), comparable(direct));
  // the tag and the context field came along
  const tags = await latchCall('GET', '/api/admin/features/bx-gold/tags');
  assert.deepEqual(tags.json().tags, [{ value: 'gold-tier', type: 'simple' }]);
  assert.equal((await latchCall('GET', '/api/admin/context/tier')).status, 200);
});

test('latch\'s export has the members of Unleash\'s, and the same validation findings', { skip: SKIP, timeout: 60000 }, async () => {
  const query = { features: NAMES, environment: 'development' };
  const theirs = (await unleashCall('POST', '/api/admin/features-batch/export', query)).json();
  const mine = (await latchCall('POST', '/api/admin/features-batch/export', query)).json();
  for (const k of ['features', 'featureStrategies', 'featureEnvironments', 'contextFields', 'featureTags', 'segments', 'tagTypes', 'dependencies'])
    assert.ok(Array.isArray(mine[k]), k);
  // every member Unleash writes for a strategy, an environment, a tag, a segment and a tag type
  for (const k of ['featureStrategies', 'featureEnvironments', 'featureTags', 'segments', 'tagTypes'])
    for (const key of keysOf(theirs[k]).filter((x) => !['createdByUserId', 'lastSeenAt', 'milestoneId', 'createdAt', 'color'].includes(x)))
      assert.ok(keysOf(mine[k]).includes(key), `${k}: ${key}`);
  assert.deepEqual(mine.featureStrategies.map((s) => s.featureName).sort(), theirs.featureStrategies.map((s) => s.featureName).sort());
  assert.deepEqual(mine.featureTags, theirs.featureTags.map(({ featureName, tagType, tagValue }) => ({ featureName, tagType, tagValue })));

  // a document with an unknown strategy type and a flag twice, validated by both
  const bad = structuredClone(theirs);
  bad.features.push({ ...bad.features[0] });
  bad.featureStrategies.push({ ...bad.featureStrategies[0], id: undefined, name: 'no-such-strategy' });
  const dto = { project: 'default', environment: 'development', data: bad };
  const u = await unleashCall('POST', '/api/admin/features-batch/validate', dto);
  const l = await latchCall('POST', '/api/admin/features-batch/validate', dto);
  assert.equal(u.status, 200, u.text);
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.json().errors.map((e) => e.affectedItems), u.json().errors.map((e) => e.affectedItems));
  assert.deepEqual(Object.keys(l.json()).sort(), Object.keys(u.json()).sort());
  // both warn that the flags exist and will be overwritten
  const over = (r) => r.json().warnings.map((w) => w.affectedItems).find((items) => items.includes('bx-on'))?.sort();
  assert.deepEqual(over(l), over(u));
});

test('the same refusals in Unleash\'s shape: BadDataError with details[].path', { skip: SKIP, timeout: 60000 }, async () => {
  const same = [
    ['POST', '/api/admin/projects/default/features', { type: 'release' }],
    ['POST', '/api/admin/context', { description: 'no name' }],
    ['POST', '/api/admin/tag-types', { name: 'bad-colour', color: 'red' }],
    ['POST', '/api/admin/features-batch/export', { features: ['bx-on'] }],
  ];
  for (const [method, path, body] of same) {
    const u = await unleashCall(method, path, body);
    const l = await latchCall(method, path, body);
    const what = `${method} ${path} ${JSON.stringify(body)}`;
    assert.equal(u.status, 400, `Unleash: ${what}: ${u.text}`);
    assert.equal(l.status, 400, `latch: ${what}: ${l.text}`);
    const uj = u.json();
    const lj = l.json();
    assert.equal(lj.name, uj.name, what);
    assert.equal(lj.message, uj.message, what);
    // the member Unleash names first, and none it does not name
    assert.equal(lj.details[0].path, uj.details[0].path, what);
    const theirs = new Set(uj.details.map((d) => d.path));
    assert.ok(lj.details.every((d) => theirs.has(d.path)), what);
    assert.ok(lj.details.every((d) => typeof d.message === 'string'), what);
  }
  // a tag the flag already has: 201 again on both
  for (const call of [unleashCall, latchCall]) {
    const first = await call('POST', '/api/admin/features/bx-on/tags', { type: 'simple', value: 'twice' });
    const again = await call('POST', '/api/admin/features/bx-on/tags', { type: 'simple', value: 'twice' });
    assert.deepEqual([first.status, again.status], [201, 201], again.text);
    assert.deepEqual(again.json(), { type: 'simple', value: 'twice' });
  }
});

test('the members Unleash answers with: flags, projects, tag types, event search', { skip: SKIP, timeout: 60000 }, async () => {
  const both = async (path) => {
    const u = await unleashCall('GET', path);
    const l = await latchCall('GET', path);
    assert.equal(u.status, 200, `Unleash ${path}: ${u.text}`);
    assert.equal(l.status, 200, `latch ${path}: ${l.text}`);
    return [u.json(), l.json()];
  };
  const has = (theirs, mine, keys, what) => {
    for (const k of keys) {
      assert.equal(k in theirs, true, `Unleash ${what} has ${k}: ${JSON.stringify(theirs)}`);
      assert.equal(k in mine, true, `latch ${what} has ${k}: ${JSON.stringify(mine)}`);
    }
  };
  // the flag imported into latch, read back from both
  const [uf, lf] = await both('/api/admin/projects/default/features/bx-gold');
  has(uf, lf, ['createdBy', 'collaborators'], 'flag');
  assert.deepEqual(Object.keys(lf.createdBy).sort(), Object.keys(uf.createdBy).sort());
  assert.ok(Array.isArray(lf.collaborators.users) && Array.isArray(uf.collaborators.users));
  const ue = uf.environments.find((e) => e.name === 'development');
  const le = lf.environments.find((e) => e.name === 'development');
  has(ue, le, ['yes', 'no'], 'flag environment');
  assert.equal(typeof le.yes, typeof ue.yes);

  const [up, lp] = await both('/api/admin/projects');
  const u0 = up.projects.find((p) => p.id === 'default');
  const l0 = lp.projects.find((p) => p.id === 'default');
  has(u0, l0, ['health', 'owners'], 'project');
  assert.equal(typeof l0.health, 'number');
  assert.deepEqual(l0.owners.map((o) => o.ownerType), u0.owners.map((o) => o.ownerType));

  const [ut, lt] = await both('/api/admin/tag-types');
  has(ut.tagTypes.find((t) => t.name === 'simple'), lt.tagTypes.find((t) => t.name === 'simple'), ['color'], 'tag type');

  const [us, ls] = await both('/api/admin/search/events?type=IS:feature-tagged');
  assert.ok(us.events.length > 0 && ls.events.length > 0);
  for (const [e, who] of [[us.events[0], 'Unleash'], [ls.events[0], 'latch']]) {
    assert.equal(typeof e.label, 'string', `${who}: ${JSON.stringify(e)}`);
    assert.equal(typeof e.summary, 'string', `${who}: ${JSON.stringify(e)}`);
    assert.ok('createdByUserId' in e, who);
  }
});
