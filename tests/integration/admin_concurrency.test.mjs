// Concurrent admin writes against `latch serve`: 16 clients x 20 requests at once, creating
// flags, switching them on and off, and all changing one shared flag (strategies, tags). No
// 5xx, no lost write: the final state read back equals what the acknowledged requests
// describe, and the event log holds exactly one event per acknowledged change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';

const CLIENTS = 16;
const P = '/api/admin/projects/default/features';

let srv;

before(async () => {
  srv = await Latch.start({ tokens: { admin: { type: 'admin', name: 'load' } } });
});

after(async () => {
  await srv?.dispose();
});

function call(method, path, body) {
  const headers = { Authorization: srv.tokens.admin };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return srv.request(method, path, { headers, body });
}

test('16 clients creating and toggling flags at once lose nothing', async () => {
  const created = await call('POST', P, { name: 'shared' });
  assert.equal(created.status, 201);
  const firstEvent = await srv.lastEventId();

  const statuses = [];
  const expected = new Map(); // flag -> enabled in development, as acknowledged
  let changes = 0; // acknowledged writes that change something (one event each)
  const titles = [];
  const tags = [];

  async function client(i) {
    const mine = [];
    const rnd = (n) => Math.floor(Math.random() * n);
    const ops = [];
    for (let k = 0; k < 8; k++) ops.push(['create', k]);
    for (let k = 0; k < 9; k++) ops.push(['toggle', k]);
    ops.push(['strategy', 0], ['tag', 0], ['tag', 1]);
    // creates come before toggles of the same client; the shared writes are spread around
    const shared = ops.splice(17);
    for (const s of shared) ops.splice(rnd(ops.length + 1), 0, s);
    for (const [kind, k] of ops) {
      let res;
      if (kind === 'create') {
        const name = `c${i}-f${k}`;
        res = await call('POST', P, { name, type: k % 2 ? 'experiment' : 'release' });
        statuses.push(res.status);
        if (res.status === 201) {
          mine.push(name);
          expected.set(name, false);
          changes++;
        }
      } else if (kind === 'toggle') {
        if (!mine.length) continue;
        const name = mine[rnd(mine.length)];
        const on = !expected.get(name);
        res = await call('POST', `${P}/${name}/environments/development/${on ? 'on' : 'off'}`);
        statuses.push(res.status);
        if (res.status === 200) {
          expected.set(name, on);
          changes++;
        }
      } else if (kind === 'strategy') {
        const title = `from-client-${i}`;
        res = await call('POST', `${P}/shared/environments/development/strategies`, {
          name: 'userWithId',
          title,
          parameters: { userIds: `u${i}` },
        });
        statuses.push(res.status);
        if (res.status === 200) {
          titles.push(title);
          changes++;
        }
      } else {
        const value = `client-${i}-${k}`;
        res = await call('POST', '/api/admin/features/shared/tags', { type: 'simple', value });
        statuses.push(res.status);
        if (res.status === 201) {
          tags.push(value);
          changes++;
        }
      }
    }
  }

  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));

  assert.ok(statuses.every((s) => s < 500), `no 5xx: ${statuses.filter((s) => s >= 500)}`);
  assert.ok(statuses.every((s) => s === 200 || s === 201), `all accepted: ${[...new Set(statuses)]}`);
  assert.ok(statuses.length >= CLIENTS * 19, `requests made: ${statuses.length}`);

  // the admin API agrees with what was acknowledged
  const list = await call('GET', P);
  const flags = new Map(list.json().features.map((f) => [f.name, f]));
  for (const [name, on] of expected) {
    assert.ok(flags.has(name), `${name} exists`);
    assert.equal(flags.get(name).environments.find((e) => e.name === 'development').enabled, on, `${name} is ${on ? 'on' : 'off'}`);
  }
  const shared = (await call('GET', `${P}/shared`)).json();
  const dev = shared.environments.find((e) => e.name === 'development');
  assert.deepEqual(dev.strategies.map((s) => s.title).sort(), [...titles].sort(), 'every acknowledged strategy is there');
  assert.deepEqual(shared.tags.map((t) => t.value).sort(), [...tags].sort(), 'every acknowledged tag is there');

  // and so does the client API (one snapshot, after the last write)
  const token = srv.createToken({ type: 'client', environment: 'development' });
  await srv.restart();
  const seen = (await srv.features(token)).body.features;
  for (const [name, on] of expected) assert.equal(seen.find((f) => f.name === name)?.enabled, on, `client API: ${name}`);

  // one event per acknowledged change
  const events = (await srv.eventsSince(firstEvent)).filter((e) => e.type !== 'api-token-created');
  assert.equal(events.length, changes);
  assert.ok(events.every((e) => e.createdBy === 'load'), 'every event names the caller');
});
