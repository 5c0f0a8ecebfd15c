// A store that cannot be read fails closed: `latch serve` refuses to start on a damaged
// database instead of serving part of it, a running server that can no longer read its store
// keeps its last good snapshot and says so on /ready and in Prometheus, and `latch export`
// exits non-zero instead of writing part of the data. The damage is real: one leaf page of
// the `features` table in the SQLite file is overwritten (this test must look at the file:
// it is the fault being injected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync, rmSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Latch, LATCH_BIN, sql, waitFor } from './harness.mjs';

const N_FLAGS = 3000;

function bigDoc() {
  const features = [];
  for (let i = 0; i < N_FLAGS; i++)
    features.push({
      name: `flag-${String(i).padStart(5, '0')}`,
      type: 'release',
      project: 'default',
      enabled: true,
      stale: false,
      impressionData: false,
      description: `flag number ${i} with a description long enough to fill pages`,
      strategies: [{ name: 'default', parameters: {}, constraints: [] }],
      variants: [],
    });
  return { version: 2, features, segments: [] };
}

// Throw the database away (the server is stopped): the next start makes a fresh one.
function freshStore(db) {
  for (const ext of ['', '-wal', '-shm']) rmSync(`${db}${ext}`, { force: true });
}

// Overwrite the header of one leaf page of the features table in the middle of the b-tree, so
// reading it fails with SQLITE_CORRUPT ("database disk image is malformed").
function damageFeaturesLeaf(db) {
  execFileSync('sqlite3', [db, 'PRAGMA wal_checkpoint(TRUNCATE);'], { encoding: 'utf8' });
  const pageSize = sql(db, 'PRAGMA page_size')[0].page_size;
  const leaves = sql(db, "SELECT pageno FROM dbstat WHERE name = 'features' AND pagetype = 'leaf' ORDER BY pageno");
  assert.ok(leaves.length > 10, `the features table spans ${leaves.length} leaf pages`);
  const page = leaves[Math.floor(leaves.length / 2)].pageno;
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, (page - 1) * pageSize);
  closeSync(fd);
}

async function withServer(fn) {
  const srv = await Latch.start({ fixtures: {} });
  try {
    await fn(srv);
  } finally {
    await srv.dispose();
  }
}

test('latch serve refuses to start on a damaged store instead of serving part of it', async () => {
  await withServer(async (srv) => {
    srv.importDoc(bigDoc(), 'development');
    await srv.stop();
    damageFeaturesLeaf(srv.db);
    const run = spawnSync(LATCH_BIN, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', srv.db], {
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.notEqual(run.status, 0, `serve exited ${run.status}; stderr:\n${run.stderr}`);
    assert.equal(run.signal, null, 'serve was not killed by the timeout');
    assert.match(run.stderr, /store/i);
    assert.doesNotMatch(run.stderr, /listening on/, 'it never listened');
    // export and a full export both refuse too, and write nothing
    const out = join(srv.dir, 'out.json');
    for (const args of [['export', '--all', '--output', out], ['export', '--environment', 'development', '--output', out]]) {
      const e = spawnSync(LATCH_BIN, [...args, '--db', srv.db], { encoding: 'utf8', timeout: 30000 });
      assert.notEqual(e.status, 0, `latch ${args.join(' ')} exited 0 on a damaged store`);
    }
    // restart the harness's server on a clean copy so dispose() has something to stop
    freshStore(srv.db);
    await srv.restart();
  });
});

test('a running server that can no longer read its store keeps its snapshot and reports it', async () => {
  await withServer(async (srv) => {
    srv.importDoc(bigDoc(), 'development');
    const token = srv.createToken({ type: 'client', environment: 'development' });
    const admin = srv.createToken({ type: 'admin' });
    await srv.restart(['--watch-interval', '100']);
    const before = await srv.features(token);
    assert.equal(before.body.features.length, N_FLAGS);
    assert.equal((await srv.get('/ready')).status, 200);
    const prom = async () => (await srv.get('/internal-backstage/prometheus')).text;
    assert.match(await prom(), /^latch_store_healthy 1$/m);

    damageFeaturesLeaf(srv.db);
    // a write commits (it touches no damaged page); the reload after it cannot read the store
    const tagType = await srv.post('/api/admin/tag-types', { name: 'after-damage' }, { Authorization: admin });
    assert.equal(tagType.status, 201, tagType.text);
    await waitFor(async () => (await srv.get('/ready')).status === 503, { what: '/ready 503' });
    const ready = (await srv.get('/ready')).json();
    assert.equal(ready.health, 'BAD');
    assert.match(ready.reason, /store/);
    const text = await prom();
    assert.match(text, /^latch_store_healthy 0$/m);
    const failures = Number(/^latch_snapshot_reload_failures_total (\d+)$/m.exec(text)[1]);
    assert.ok(failures >= 1, `reload failures counted: ${failures}`);
    // the SDK still gets every flag from the last good snapshot, never a partial set
    const after = await srv.features(token);
    assert.equal(after.body.features.length, N_FLAGS);
    assert.deepEqual(after.body, before.body);
    assert.match(srv.stderr, /previous snapshot is kept/);

    // a fresh store (an operator would restore a backup) and the server is ready again
    await srv.stop();
    copyFileSync(srv.db, `${srv.db}.damaged`);
    freshStore(srv.db);
    await srv.restart();
    assert.equal((await srv.get('/ready')).status, 200);
  });
});
