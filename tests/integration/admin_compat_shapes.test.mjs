// Fields of Unleash 8.2's admin answers that latch computes from what it holds: a flag's
// createdBy and collaborators (from the event log) and its per-environment yes/no (from usage
// metrics), an event's label and summary in the event search, a project's computed health and
// its owners, a tag type's color, and enabledToggleCount counted as Unleash counts it (every
// enabled flag environment).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAccess, Api, ADMIN_PASSWORD, USER_PASSWORD, loginOk, createUser } from './access_harness.mjs';
import { waitFor } from './harness.mjs';

let srv;
let admin;

before(async () => {
  srv = await startAccess({
    fixtures: {},
    tokens: { client: { type: 'client', environment: 'development' } },
    args: ['--metrics-interval', '1'],
  });
  admin = new Api(srv, { cookie: await loginOk(srv, 'admin', ADMIN_PASSWORD) });
});

after(async () => {
  await srv?.dispose();
});

async function ok(api, method, path, body, status = 200) {
  const res = await api.send(method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
  return res.text ? res.json() : null;
}

test('a flag: createdBy, collaborators (most recent first) and yes/no per environment', async () => {
  const admins = (await ok(admin, 'GET', '/api/admin/user')).user;
  const editor = await createUser(admin, 'shape-editor', 'Editor');
  const ed = new Api(srv, { cookie: await loginOk(srv, 'shape-editor', USER_PASSWORD) });
  await ok(ed, 'POST', '/api/admin/projects/default/features', { name: 'shaped' }, 201);
  await ok(admin, 'POST', '/api/admin/projects/default/features/shaped/environments/development/on');
  let f = await ok(admin, 'GET', '/api/admin/projects/default/features/shaped');
  assert.deepEqual(Object.keys(f.createdBy).sort(), ['id', 'imageUrl', 'name']);
  assert.equal(f.createdBy.id, editor.id);
  assert.equal(f.createdBy.name, 'shape-editor');
  assert.match(f.createdBy.imageUrl, /^https:\/\/gravatar\.com\/avatar\/[0-9a-f]{64}/);
  assert.deepEqual(f.collaborators.users.map((u) => u.id), [admins.id, editor.id]);
  for (const e of f.environments) assert.deepEqual([e.yes, e.no], [0, 0], e.name);
  // the event search describes events (label, summary) and names the user by id
  const found = (await ok(admin, 'GET', '/api/admin/search/events?feature=shaped&type=feature-created')).events;
  assert.equal(found.length, 1);
  assert.equal(found[0].createdByUserId, editor.id);
  assert.equal(found[0].label, 'Flag created');
  assert.match(found[0].summary, /^\*\*shape-editor\*\* .*\*\*shaped\*\*.* project \*\*default\*\*/);
  const listed = (await ok(admin, 'GET', '/api/admin/events/shaped')).events;
  assert.ok(listed.every((e) => e.label === null && e.summary === null));

  // usage reported by an SDK shows up per environment
  const now = new Date().toISOString();
  const res = await srv.request('POST', '/api/client/metrics', {
    headers: { Authorization: srv.tokens.client, 'Content-Type': 'application/json' },
    body: { appName: 'shape-app', instanceId: 'i-1', bucket: { start: now, stop: now, toggles: { shaped: { yes: 3, no: 2 } } } },
  });
  assert.ok(res.status === 200 || res.status === 202, res.text);
  f = await waitFor(async () => {
    const g = await ok(admin, 'GET', '/api/admin/projects/default/features/shaped');
    return g.environments.find((e) => e.name === 'development').yes === 3 ? g : null;
  }, { what: 'usage counted on the flag' });
  const dev = f.environments.find((e) => e.name === 'development');
  assert.deepEqual([dev.yes, dev.no], [3, 2]);
  assert.ok(f.environments.filter((e) => e.name !== 'development').every((e) => e.yes === 0 && e.no === 0));
  // the flag search (the project's flag table) shows them too
  const hit = (await ok(admin, 'GET', '/api/admin/search/features?project=IS:default&query=shaped')).features.find((x) => x.name === 'shaped');
  assert.deepEqual(hit.environments.map((e) => [e.name, e.yes, e.no]).find((e) => e[0] === 'development'), ['development', 3, 2]);
});

test('projects: computed health and owners; tag types: color; enabledToggleCount', async () => {
  await ok(admin, 'POST', '/api/admin/projects', { id: 'healthy', name: 'Healthy' }, 201);
  for (const name of ['h-one', 'h-two', 'h-three', 'h-four'])
    await ok(admin, 'POST', '/api/admin/projects/healthy/features', { name }, 201);
  await ok(admin, 'POST', '/api/admin/projects/healthy/stale', { features: ['h-one'], stale: true }, 202);
  const list = (await ok(admin, 'GET', '/api/admin/projects')).projects;
  const p = list.find((x) => x.id === 'healthy');
  assert.equal(p.health, 75); // one stale flag of four
  assert.equal(p.technicalDebt, 25);
  const owners = p.owners;
  assert.ok(Array.isArray(owners) && owners.length >= 1, JSON.stringify(p));
  assert.ok(owners.every((o) => o.ownerType === 'user' || o.ownerType === 'system'));
  const def = list.find((x) => x.id === 'default');
  assert.deepEqual(def.owners, [{ ownerType: 'system' }]); // nobody holds Owner there

  // tag types keep a color
  const tt = await ok(admin, 'POST', '/api/admin/tag-types', { name: 'colored', description: 'x', color: '#FFAA00' }, 201);
  assert.equal(tt.color ?? tt.tagType?.color, '#FFAA00');
  assert.equal((await ok(admin, 'GET', '/api/admin/tag-types/colored')).tagType.color, '#FFAA00');
  assert.equal((await admin.post('/api/admin/tag-types', { name: 'badcolor', color: 'red' })).status, 400);
  const simple = (await ok(admin, 'GET', '/api/admin/tag-types')).tagTypes.find((t) => t.name === 'simple');
  assert.ok('color' in simple);

  // enabledToggleCount: every enabled flag environment, archived flags' too, as Unleash counts
  const count = async () => (await ok(admin, 'GET', '/api/admin/environments')).environments.find((e) => e.name === 'production').enabledToggleCount;
  const before = await count();
  await ok(admin, 'POST', '/api/admin/projects/healthy/features/h-two/environments/production/on');
  assert.equal(await count(), before + 1);
  await ok(admin, 'DELETE', '/api/admin/projects/healthy/features/h-two', undefined, 202);
  assert.equal(await count(), before + 1);
});
