// Durability on PostgreSQL: kill -9 of an instance during concurrent writes loses no write it
// acknowledged; PostgreSQL stopped under load: the instances turn not-ready (/ready 503), refuse
// writes with a 503 JSON message, keep serving reads from their snapshot, and recover by
// themselves when it is back; logins fail closed (503) while the login limits cannot be
// counted. The second test stops and restarts a cluster of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor, sleep } from './harness.mjs';
import { startPostgres, postgresAvailable } from './pg_harness.mjs';

const skip = postgresAvailable() ? false : 'no PostgreSQL server binaries here';
const auth = (l) => ({ Authorization: l.tokens.admin, 'Content-Type': 'application/json' });

const createFlag = (l, token, name) =>
  l.request('POST', '/api/admin/projects/default/features', {
    headers: { Authorization: token, 'Content-Type': 'application/json' },
    body: { name },
  });

test('kill -9 during concurrent writes loses no acknowledged write', { skip }, async () => {
  const pg = await startPostgres();
  const url = pg.createDatabase('kill');
  const a = await Latch.start({ db: url, tokens: { admin: { type: 'admin' } } });
  const b = await Latch.start({ db: url, fixtures: {} });
  const token = a.tokens.admin;
  try {
    const acked = [];
    let n = 0, stop = false;
    const worker = async () => {
      while (!stop && n < 2000) {
        const name = `kill-${n++}`;
        try {
          const r = await createFlag(a, token, name);
          if (r.status === 201) acked.push(name);
        } catch {
          return; // the connection died with the process: not acknowledged
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor(() => acked.length >= 60, { what: '60 acknowledged writes' });
    await a.kill();
    stop = true;
    await Promise.all(workers);
    assert.ok(acked.length >= 60);
    // every acknowledged flag is in the database: b (the other instance) serves each of them
    const missing = await waitFor(async () => {
      const r = await b.get('/api/admin/projects/default/features', { Authorization: token });
      if (r.status !== 200) return null;
      const have = new Set(r.json().features.map((f) => f.name));
      const lost = acked.filter((x) => !have.has(x));
      return lost.length === 0 ? [] : null;
    }, { timeoutMs: 20000, what: `all ${acked.length} acknowledged flags on the other instance` });
    assert.deepEqual(missing, []);
    console.log(`# kill -9 after ${acked.length} acknowledged writes (of ${n} sent): none lost`);
  } finally {
    await b.dispose();
    pg.dispose();
  }
});

test('PostgreSQL stopped under load: not ready, writes refused with 503, reads served, recovery', { skip }, async () => {
  const pg = await startPostgres({ own: true });
  const url = pg.createDatabase('outage');
  const a = await Latch.start({ db: url, tokens: { admin: { type: 'admin' }, client: { type: 'client' } } });
  const b = await Latch.start({ db: url, fixtures: {} });
  const nodes = [a, b];
  let load = true;
  const readErrors = [];
  try {
    const before = (await a.features(a.tokens.client)).body.features.length;
    assert.ok(before > 0);
    // load: reads on both instances all along
    const reader = (async () => {
      while (load) {
        for (const n of nodes) {
          const r = await n.get('/api/client/features', { Authorization: a.tokens.client });
          if (r.status !== 200 || r.json().features.length < before) readErrors.push(r.status);
        }
        await sleep(20);
      }
    })();
    pg.stop();
    for (const n of nodes)
      await waitFor(async () => (await n.get('/ready')).status === 503, { timeoutMs: 10000, what: `/ready 503 on ${n.url}` });
    const ready = await a.get('/ready');
    assert.equal(ready.json().health, 'BAD');
    // writes: a clear 503 with a JSON message, on either instance
    for (const n of nodes) {
      const w = await createFlag(n, a.tokens.admin, `outage-${n.port}`);
      assert.equal(w.status, 503, w.text);
      assert.match(w.json().message, /store cannot be reached/);
    }
    // logins: the shared login limits cannot be counted, so a login fails closed (issue 11)
    for (const n of nodes) {
      const l = await n.post('/auth/simple/login', { username: 'admin', password: 'not this one' });
      assert.equal(l.status, 503, l.text);
      assert.match(l.json().message, /login limits could not be checked/);
    }
    // reads: from the snapshot
    for (const n of nodes) assert.equal((await n.features(a.tokens.client)).body.features.length, before);
    pg.restart();
    for (const n of nodes)
      await waitFor(async () => (await n.get('/ready')).status === 200, { timeoutMs: 20000, what: `/ready 200 on ${n.url} again` });
    // logins are checked again: a wrong password is a 401, not a 503
    for (const n of nodes)
      await waitFor(async () => (await n.post('/auth/simple/login', { username: 'admin', password: 'not this one' })).status === 401, { timeoutMs: 10000, what: `a login checked on ${n.url} again` });
    // writes work again, and reach the other instance
    assert.equal((await createFlag(b, a.tokens.admin, 'after-outage')).status, 201);
    await waitFor(async () => (await a.get('/api/admin/projects/default/features/after-outage', { Authorization: a.tokens.admin })).status === 200, { timeoutMs: 10000, what: 'the write after the outage on a' });
    load = false;
    await reader;
    assert.deepEqual(readErrors, [], 'every read during the outage was served whole');
  } finally {
    load = false;
    for (const n of nodes) await n.dispose();
    pg.dispose();
  }
});
