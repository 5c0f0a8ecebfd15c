// The event log's hash chain through the real binary: `latch serve` takes admin writes, then
// `latch events verify` says OK; `latch events export --format jsonl` streams the same events
// the admin API lists, each linked to the one before, with no secret in them; a row changed or
// deleted in the database itself (sqlite3, or psql when LATCH_IT_PG_URL runs the suite on
// PostgreSQL) makes verify exit 1 naming the event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATCH_BIN, Latch } from './harness.mjs';
import { psql } from './pg_harness.mjs';

const GENESIS = '0'.repeat(64);
let l;
let apiSecret; // the secret of the token made through the admin API

const JSON_HDR = { 'Content-Type': 'application/json' };
const admin = (method, path, body) =>
  l.request(method, path, { headers: { Authorization: l.tokens.admin, ...JSON_HDR }, body });

// `latch events ...` on the server's store: {status, stdout, stderr}.
function events(args) {
  const r = spawnSync(LATCH_BIN, ['events', ...args, '--db', l.db], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A statement run on the database behind latch's back (what an attacker with file or SQL
// access would do): the point of the chain is that latch notices.
function tamper(statement) {
  if (/^postgres(ql)?:\/\//.test(l.db)) psql(l.db, statement);
  else execFileSync('sqlite3', [l.db, statement], { timeout: 30000 });
}

// The rows of a query, whole (the harness's sql() reads one line of psql's output; stored
// texts here hold newlines and `|`, so PostgreSQL's answer comes base64-encoded).
function rows(query) {
  if (!/^postgres(ql)?:\/\//.test(l.db)) return l.sql(query);
  const [[b64]] = psql(l.db, `SELECT translate(encode(convert_to(coalesce(json_agg(t), '[]')::text, 'UTF8'), 'base64'), E'\\n', '') FROM (${query}) t`);
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}

function exportLines(args = []) {
  const r = events(['export', '--format', 'jsonl', ...args]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.endsWith('\n'), 'every line ends with a newline');
  return r.stdout.split('\n').filter((s) => s !== '').map((s) => JSON.parse(s));
}

// The canonical JSON of docs/ACCESS.md, written here from its description (not from latch's
// code): the columns in their order, stored values, `"` and `\` escaped, control characters
// as \u00xx, everything else as it is, no whitespace.
function canonical(row) {
  const str = (v) =>
    v === null || v === undefined
      ? 'null'
      : `"${String(v).replace(/[\\"\u0000-\u001f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
  const num = (v) => (v === null || v === undefined || Number(v) === 0 ? 'null' : String(Number(v)));
  return `{"id":${Number(row.id)},"type":${str(row.type)},"created_at":${Number(row.created_at)},` +
    `"created_by":${str(row.created_by)},"created_by_user_id":${num(row.created_by_user_id)},` +
    `"project":${str(row.project)},"environment":${str(row.environment)},` +
    `"feature_name":${str(row.feature_name)},"data":${str(row.data)},"pre_data":${str(row.pre_data)}}`;
}

before(async () => {
  l = await Latch.start({
    tokens: { admin: { type: 'admin' }, client: { type: 'client', environment: 'development' } },
  });
  assert.equal((await admin('POST', '/api/admin/projects/default/features', { name: 'chain-a' })).status, 201);
  assert.equal((await admin('POST', '/api/admin/projects/default/features/chain-a/environments/development/on')).status, 200);
  assert.equal((await admin('POST', '/api/admin/projects/default/features', { name: 'chain-b', description: 'with "quotes" and\nnewline, ünïcode' })).status, 201);
  const made = await admin('POST', '/api/admin/api-tokens', { tokenName: 'from-api', type: 'frontend', environment: 'development', projects: ['*'] });
  assert.equal(made.status, 201, made.text);
  apiSecret = made.json().secret;
  assert.ok(apiSecret, made.text);
});

after(async () => {
  await l?.dispose();
});

test('verify says OK over the writes of latch serve, and the CLI, with the head', () => {
  const r = events(['verify']);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const m = /^(\d+) events checked: OK\nhead: event (\d+) ([0-9a-f]{64})\n$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const lines = exportLines();
  assert.equal(Number(m[1]), lines.length);
  assert.equal(Number(m[2]), lines.at(-1).id);
  assert.equal(m[3], lines.at(-1).hash);
});

test('the store of latch serve\'s configuration file: --config', () => {
  const conf = join(l.dir, 'latch.conf');
  writeFileSync(conf, `# as latch serve reads it\nport = 4242\ndb = ${l.db}\n`);
  const r = spawnSync(LATCH_BIN, ['events', 'verify', '--config', conf], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, events(['verify']).stdout);
  const both = spawnSync(LATCH_BIN, ['events', 'verify', '--config', conf, '--db', l.db], { encoding: 'utf8' });
  assert.equal(both.status, 2);
});

test('export is one JSON object a line, linked, and the admin API lists the same events', async () => {
  const lines = exportLines();
  const listed = await l.eventsSince(0);
  assert.ok(lines.length >= 6, `${lines.length} events`);
  assert.deepEqual(lines.map((e) => e.id), listed.map((e) => e.id));
  for (let i = 0; i < lines.length; i++) {
    const { prevHash, hash, ...rest } = lines[i];
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(prevHash, i ? lines[i - 1].hash : GENESIS, `event ${rest.id} links to the one before`);
    assert.deepEqual(rest, listed[i], `event ${rest.id} as the admin API shows it`);
  }
  const types = lines.map((e) => e.type);
  for (const t of ['feature-created', 'feature-environment-enabled', 'api-token-created'])
    assert.ok(types.includes(t), `${t} in ${types}`);
  // --since: the rest only
  const since = lines[2].id;
  assert.deepEqual(exportLines(['--since', String(since)]).map((e) => e.id), lines.slice(3).map((e) => e.id));
});

test('each stored hash is SHA-256 of the previous hash and the documented canonical JSON', () => {
  // the stored rows themselves: the format is what docs/ACCESS.md says, checkable without latch
  const stored = rows('SELECT id, type, created_at, created_by, created_by_user_id, project, environment,' +
    ' feature_name, data, pre_data, prev_hash, hash FROM events ORDER BY id');
  assert.ok(stored.some((r) => /\\/.test(r.data ?? '')), 'a row whose data holds a backslash (a JSON escape)');
  let prev = GENESIS;
  for (const r of stored) {
    assert.equal(r.prev_hash, prev, `event ${r.id}: prev_hash`);
    const want = createHash('sha256').update(prev + canonical(r), 'utf8').digest('hex');
    assert.equal(r.hash, want, `event ${r.id}: hash over ${canonical(r)}`);
    prev = r.hash;
  }
});

test('export holds no secret: tokens are named by their display prefix only', async () => {
  const text = events(['export']).stdout;
  for (const secret of [...Object.values(l.tokens), apiSecret]) {
    assert.ok(!text.includes(secret), 'a token secret in the export');
    // the part after the selector (v2: 43 base64url characters; classic: the hex after the dot)
    const part = (/v2_[A-Za-z0-9_-]{22}_([A-Za-z0-9_-]{43})$/.exec(secret) ?? /\.([0-9a-f]{32,})$/.exec(secret))?.[1];
    assert.ok(part, `the secret part of ${secret.replace(/.{40}$/, '...')}`);
    assert.ok(!text.includes(part), 'a token secret part in the export');
  }
});

test('bad arguments: usage and status 2', () => {
  for (const args of [[], ['nope'], ['export', '--format', 'csv'], ['verify', '--since', '3'], ['export', '--since', 'x']]) {
    const r = events(args);
    assert.equal(r.status, 2, `latch events ${args.join(' ')}: ${r.status} ${r.stdout}${r.stderr}`);
  }
  // a SQLite file that is not there is not a fresh, intact log: 3, and nothing is created
  const missing = `${l.dir}/no-such.db`;
  const r = spawnSync(LATCH_BIN, ['events', 'verify', '--db', missing], { encoding: 'utf8' });
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.ok(!existsSync(missing));
  const help = spawnSync(LATCH_BIN, ['events', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /latch events verify/);
});

test('a changed row: verify exits 1 and names the event; put back, OK again', () => {
  const lines = exportLines();
  const victim = lines[Math.floor(lines.length / 2)];
  const original = lines.length; // to restore: read the stored text first
  const [{ data }] = rows(`SELECT data FROM events WHERE id = ${victim.id}`);
  tamper(`UPDATE events SET data = '{"tampered":true}' WHERE id = ${victim.id}`);
  let r = events(['verify']);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`BROKEN at event ${victim.id}: content changed`));
  // the export still streams the log as it is (verify is what judges it)
  assert.equal(exportLines().length, original);
  tamper(`UPDATE events SET data = '${data.replaceAll("'", "''")}' WHERE id = ${victim.id}`);
  r = events(['verify']);
  assert.equal(r.status, 0, r.stdout);
});

test('a deleted row: verify names the event after the gap', () => {
  const lines = exportLines();
  const gone = lines[2].id;
  tamper(`DELETE FROM events WHERE id = ${gone}`);
  const r = events(['verify']);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`BROKEN at event ${lines[3].id}: events deleted before it \\(it does not link to event ${lines[1].id}\\)`));
});

test('--expect-head: events cut off the end, which the chain alone cannot show', async () => {
  tamper('DELETE FROM events'); // start over: the deleted-row test above left the chain broken
  tamper(`UPDATE event_chain SET anchor_id = 0, anchor_hash = '${GENESIS}'`);
  for (const name of ['head-a', 'head-b', 'head-c'])
    assert.equal((await admin('POST', '/api/admin/projects/default/features', { name })).status, 201);
  const m = /^head: event (\d+) ([0-9a-f]{64})$/m.exec(events(['verify']).stdout);
  assert.ok(m);
  const head = `${m[1]}:${m[2]}`;
  assert.equal(events(['verify', '--expect-head', head]).status, 0);
  tamper(`DELETE FROM events WHERE id >= ${m[1]}`);
  assert.equal(events(['verify']).status, 0, 'the chain alone still holds');
  const r = events(['verify', '--expect-head', head]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`BROKEN at event ${m[1]}: the expected head is not in the log`));
  for (const bad of ['12', 'x:y', `${m[1]}:${m[2].toUpperCase()}`])
    assert.equal(events(['verify', '--expect-head', bad]).status, 2, bad);
});
