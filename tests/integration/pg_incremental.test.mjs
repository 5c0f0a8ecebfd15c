// The incremental reload across instances on one PostgreSQL database: instance a takes random
// admin writes (flags created, switched, given strategies with constraints and segments,
// dependencies and tags, archived, revived and deleted; segments rewritten; projects; tokens
// created and revoked), instance b follows with incremental reloads (its own default), and
// instance c is started with LATCH_INCREMENTAL=0, so every reload it makes is whole: the
// reference. After each write, once
// both serve a's revision, b must answer byte for byte what c answers: client features per
// token scope (segments inlined and by reference), front-end evaluations for several users, the
// delta API's hydration, what each token created or revoked on the way gets. a itself
// (incremental after its own writes) is compared the same way.
// Uses a private cluster (pg_harness.mjs), or LATCH_TEST_PG_URL's server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor } from './harness.mjs';
import { startPostgres, postgresAvailable } from './pg_harness.mjs';
import { Api } from './access_harness.mjs';

const skip = postgresAvailable() ? false : 'no PostgreSQL server binaries here';
const STEPS = Number(process.env.LATCH_TEST_STEPS || 100);

let pg, nodes, admin, tokens;

before(async () => {
  if (skip) return;
  pg = await startPostgres();
  const db = pg.createDatabase('incremental');
  const args = ['--watch-interval', '10000'];
  const a = await Latch.start({
    db,
    args,
    tokens: {
      admin: { type: 'admin' },
      dev: { type: 'client' },
      prod: { type: 'client', environment: 'production' },
      scoped: { type: 'client', projects: ['default'] },
      front: { type: 'frontend' },
    },
  });
  const b = await Latch.start({ db, args, fixtures: {} });
  const c = await Latch.start({ db, args, fixtures: {}, env: { LATCH_INCREMENTAL: '0' } });
  nodes = [a, b, c];
  tokens = a.tokens;
  admin = new Api(a, { token: tokens.admin });
});

after(async () => {
  if (skip) return;
  for (const n of nodes ?? []) await n.dispose();
  pg?.dispose();
});

// A small seeded generator: the same writes on every run.
let seed = Number(process.env.LATCH_TEST_SEED || 20261202);
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
};
const pick = (xs) => xs[rnd(xs.length)];

const FLAGS = ['inc-a', 'inc-b', 'inc-c', 'inc-d', 'inc-e', 'inc-f', 'inc-g', 'inc-h'];
const projects = ['default'];
const segments = [];
const projectOf = new Map();

const constraint = () =>
  pick([
    { contextName: 'userId', operator: 'IN', values: ['1', '2', '3'] },
    { contextName: 'appName', operator: 'STR_STARTS_WITH', values: ['web'], inverted: true },
    { contextName: 'email', operator: 'REGEX', value: '^u[0-9]+@', caseInsensitive: true },
    { contextName: 'version', operator: 'SEMVER_GT', value: '1.2.3' },
  ]);

async function randomWrite(step) {
  const name = step < FLAGS.length ? FLAGS[step] : pick(FLAGS);
  const project = projectOf.get(name) ?? pick(projects);
  const P = `/api/admin/projects/${project}/features`;
  const env = pick(['development', 'production']);
  const k = step < FLAGS.length ? 0 : rnd(100); // every flag created first
  if (k < 15) {
    const r = await admin.post(P, { name, description: pick(['one', 'two']), impressionData: rnd(2) === 1 });
    if (r.status === 201) projectOf.set(name, project);
  } else if (k < 35) {
    await admin.post(`${P}/${name}/environments/${env}/${rnd(2) ? 'on' : 'off'}`);
  } else if (k < 55) {
    const body = {
      name: pick(['flexibleRollout', 'default']),
      parameters: { rollout: String(rnd(101)), stickiness: 'default', groupId: name },
      constraints: Array.from({ length: rnd(3) }, constraint),
      variants: rnd(3) ? [] : [{ name: 'blue', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'string', value: 'b' } }],
    };
    if (segments.length && rnd(2)) body.segments = [pick(segments)];
    await admin.post(`${P}/${name}/environments/${env}/strategies`, body);
  } else if (k < 62) {
    await admin.post(`/api/admin/features/${name}/tags`, { type: 'simple', value: pick(['x', 'y', 'z']) });
  } else if (k < 68) {
    const parent = pick(FLAGS);
    if (parent !== name) await admin.post(`${P}/${name}/dependencies`, { feature: parent, enabled: rnd(2) === 1 });
  } else if (k < 75) {
    await admin.del(`${P}/${name}`); // archive
  } else if (k < 79) {
    await admin.post(`/api/admin/archive/revive/${name}`);
  } else if (k < 83) {
    const r = await admin.del(`/api/admin/archive/${name}`);
    if (r.status < 300) projectOf.delete(name);
  } else if (k < 90) {
    if (segments.length && rnd(2)) {
      const id = pick(segments);
      await admin.put(`/api/admin/segments/${id}`, { name: `seg-${id}`, constraints: Array.from({ length: 1 + rnd(2) }, constraint) });
    } else {
      const r = await admin.post('/api/admin/segments', { name: `seg-new-${segments.length}`, constraints: [constraint()] });
      if (r.status === 201) segments.push(r.json().id);
    }
  } else if (k < 94) {
    const id = `proj${projects.length}`;
    const r = await admin.post('/api/admin/projects', { id, name: id });
    if (r.status < 300) projects.push(id);
  } else if (made.length && rnd(2)) {
    const t = made.splice(rnd(made.length), 1)[0];
    await admin.del(`/api/admin/api-tokens/${encodeURIComponent(t)}`);
    gone.push(t);
  } else {
    const body = { tokenName: `t${rnd(1000)}`, type: 'client', environment: env };
    if (rnd(2)) body.projects = [pick(projects)];
    const r = await admin.post('/api/admin/api-tokens', body);
    if (r.status === 201) made.push(r.json().secret);
  }
}
const made = []; // tokens created by the writes, live ones
const gone = []; // and revoked ones (401 everywhere)

const revisionOf = async (n) => {
  const r = await n.get('/api/client/features', { Authorization: tokens.dev });
  return r.status === 200 ? r.json().meta.revisionId : -1;
};

// What an instance answers, as one string per request.
async function answers(n) {
  const out = {};
  const get = async (key, path, headers) => {
    const r = await n.get(path, headers);
    // an error's body has an id of its own per answer
    out[key] = `${r.status} ${r.status === 200 ? r.text : r.text.replace(/"id":"[^"]*",/, '')}`;
  };
  await get('dev', '/api/client/features', { Authorization: tokens.dev });
  await get('dev-spec', '/api/client/features', { Authorization: tokens.dev, 'Unleash-Client-Spec': '5.1.0' });
  await get('prod', '/api/client/features', { Authorization: tokens.prod, 'Unleash-Client-Spec': '5.1.0' });
  await get('scoped', '/api/client/features', { Authorization: tokens.scoped });
  await get('delta', '/api/client/delta', { Authorization: tokens.dev });
  for (const u of ['1', '2', '7']) await get(`front-${u}`, `/api/frontend?userId=${u}&email=u${u}@x&version=2.0.0&appName=web`, { Authorization: tokens.front });
  for (const f of FLAGS.slice(0, 3)) await get(`one-${f}`, `/api/client/features/${f}`, { Authorization: tokens.dev });
  for (const [i, t] of [...made, ...gone].entries()) await get(`token-${i}`, '/api/client/features', { Authorization: t });
  return out;
}

test('instances reloading incrementally answer as one reloading whole, write after write', { skip, timeout: 600000 }, async () => {
  const [a, b, c] = nodes;
  for (let step = 0; step < STEPS; step++) {
    await randomWrite(step);
    const want = await revisionOf(a);
    await waitFor(async () => (await revisionOf(b)) === want && (await revisionOf(c)) === want, {
      timeoutMs: 20000,
      intervalMs: 20,
      what: `revision ${want} on b and c (step ${step})`,
    });
    const ref = await answers(c);
    const [got, own] = [await answers(b), await answers(a)];
    for (const key of Object.keys(ref)) {
      assert.equal(got[key], ref[key], `step ${step}: ${key} on the incremental instance`);
      assert.equal(own[key], ref[key], `step ${step}: ${key} on the writing instance`);
    }
  }
  // b and a did reload incrementally (most writes touch flags alone), c never did
  const reloads = async (n) => {
    const text = (await n.get('/internal-backstage/prometheus')).text;
    const count = (kind) => Number(new RegExp(`latch_snapshot_reloads_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
    return { incremental: count('incremental'), whole: count('whole') };
  };
  const [ra, rb, rc] = [await reloads(a), await reloads(b), await reloads(c)];
  console.log(`# reloads: a ${JSON.stringify(ra)}, b ${JSON.stringify(rb)}, c ${JSON.stringify(rc)}`);
  assert.ok(rb.incremental > STEPS / 3, `b reloaded incrementally ${rb.incremental} times (whole: ${rb.whole})`);
  assert.ok(ra.incremental > STEPS / 3, `a reloaded incrementally ${ra.incremental} times (whole: ${ra.whole})`);
  assert.equal(rc.incremental, 0);
});
