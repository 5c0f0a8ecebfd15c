// kill -9 during concurrent admin writes: every write the server acknowledged is there after a
// restart, the store passes SQLite's integrity check, and a write that was in flight when the
// process died is either wholly there or wholly absent. RELIABILITY_ROUNDS sets the rounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, sleep } from '../integration/harness.mjs';
import { flagNames, flagOn, integrity, report } from './rel.mjs';

const ROUNDS = Number(process.env.RELIABILITY_ROUNDS || 5);
const WRITERS = 8;
const P = '/api/admin/projects/default/features';

test('kill -9 during concurrent writes loses no acknowledged write', { timeout: 600000 }, async () => {
  const srv = await Latch.start({ tokens: { admin: { type: 'admin', name: 'reliability' } } });
  const auth = { Authorization: srv.tokens.admin };
  const acked = new Set(); // flags whose creation was answered 201
  const inFlight = new Set(); // creations sent but not answered when the server died
  // each writer owns one flag it switches on and off: the last answered state, and the state
  // asked for by a request that got no answer
  const toggles = [];
  let total = 0;
  try {
    for (let w = 0; w < WRITERS; w++) {
      const name = `toggle-w${w}`;
      assert.equal((await srv.post(P, { name }, auth)).status, 201);
      toggles.push({ name, acked: false, pending: null });
    }
    for (let round = 0; round < ROUNDS; round++) {
      let dead = false;
      const unexpected = [];
      const writers = toggles.map(async (t, w) => {
        for (let i = 0; !dead; i++) {
          const name = `r${round}-w${w}-${i}`;
          inFlight.add(name);
          try {
            const res = await srv.post(P, { name }, auth);
            inFlight.delete(name);
            if (res.status === 201) acked.add(name);
            else unexpected.push(`create ${name}: ${res.status} ${res.text}`);
          } catch {
            return; // the connection died with the server: the creation stays in flight
          }
          const want = !t.acked;
          t.pending = want;
          try {
            const res = await srv.post(`${P}/${t.name}/environments/development/${want ? 'on' : 'off'}`, undefined, auth);
            if (res.status === 200) t.acked = want;
            else unexpected.push(`toggle ${t.name}: ${res.status} ${res.text}`);
            t.pending = null;
          } catch {
            return;
          }
        }
      });
      await sleep(400 + Math.random() * 800);
      dead = true;
      await srv.kill();
      await Promise.allSettled(writers);
      assert.deepEqual(unexpected, [], 'every write before the kill was answered with success');
      assert.equal(integrity(srv.db), 'ok', `integrity check after kill -9 in round ${round}`);
      await srv.restart();
      const names = await flagNames(srv);
      const lost = [...acked].filter((n) => !names.has(n));
      assert.deepEqual(lost, [], `acknowledged flags missing after kill -9 in round ${round}`);
      for (const n of inFlight) if (names.has(n)) acked.add(n); // committed, answer lost
      inFlight.clear();
      for (const t of toggles) {
        const on = await flagOn(srv, t.name);
        const allowed = t.pending === null ? [t.acked] : [t.acked, t.pending];
        assert.ok(allowed.includes(on), `${t.name} is ${on}, acknowledged ${t.acked}, in flight ${t.pending}`);
        t.acked = on;
        t.pending = null;
      }
      total = acked.size;
    }
    report('kill -9', { rounds: ROUNDS, writers: WRITERS, acknowledged_creations: total });
    assert.ok(total > ROUNDS, `writes were acknowledged (${total})`);
  } finally {
    await srv.dispose();
  }
});
