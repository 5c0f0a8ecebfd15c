// Issue 16 §4: usage per token. GET /api/admin/api-tokens/:token/usage and the summary
// GET /api/admin/api-tokens-usage show, per token: last seen, requests per UTC day for 7 days,
// the newest applications, instances and client addresses (through a trusted proxy's
// X-Forwarded-For) and the edges that validated it, misuse counts (a front-end token from a
// server-side SDK, a client token with a browser Origin, a token of the wrong type, many
// addresses at once) and "safe to delete" (no use in N days). Counted in memory, written to the
// store in batches, read back at start: it survives a restart, on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { JS_MODULES, waitFor } from './harness.mjs';
import { psql } from './pg_harness.mjs';
import { Api, startAccess, assertError } from './access_harness.mjs';

const require = createRequire(`${JS_MODULES}/`);
const { Unleash } = require('unleash-client');
const { UnleashClient, InMemoryStorageProvider } = require('unleash-proxy-client');

const DAY = 86400000;
const dateOf = (ms) => new Date(ms).toISOString().slice(0, 10);
const selectorOf = (t) => /\.v2_([A-Za-z0-9_-]{22})_/.exec(t)?.[1];

let srv, admin;

before(async () => {
  srv = await startAccess({
    tokens: { admin: { type: 'admin', name: 'usage-admin' } },
    env: { TRUSTED_PROXIES: '127.0.0.1' },
  });
  admin = new Api(srv, { token: srv.tokens.admin });
});
after(async () => {
  await srv?.dispose();
});

const create = async (tokenName, type) => {
  const res = await admin.post('/api/admin/api-tokens', { tokenName, type });
  assert.equal(res.status, 201, res.text);
  return res.json().secret;
};
const usage = async (token, query = '') => {
  const res = await admin.get(`/api/admin/api-tokens/${selectorOf(token)}/usage${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json().usage;
};
const today = (u) => u.requestsPerDay.at(-1);
// A statement on the stopped server's store (to age a token or its stored days: no API can).
const exec = (query) => {
  if (/^postgres/.test(srv.db)) psql(srv.db, query);
  else execFileSync('sqlite3', [srv.db, query], { encoding: 'utf8', timeout: 30000 });
};

test('the Node SDK with a client token: day count, application, instance, address via the trusted proxy', async () => {
  const token = await create('usage-node', 'client');
  const client = new Unleash({
    url: `${srv.url}/api`, appName: 'usage-node-app', instanceId: 'usage-node-1',
    customHeaders: { Authorization: token, 'X-Forwarded-For': '203.0.113.7' },
    refreshInterval: 60000, metricsInterval: 60000, disableMetrics: true,
  });
  await new Promise((res, rej) => {
    client.once('synchronized', res);
    client.once('error', rej);
  });
  client.destroy();
  const u = await usage(token);
  assert.equal(u.requestsPerDay.length, 7);
  assert.equal(today(u).date, dateOf(Date.now()));
  assert.ok(today(u).count >= 1, JSON.stringify(u)); // its features poll (metrics are off)
  assert.equal(u.requestsLast7Days, u.requestsPerDay.reduce((a, d) => a + d.count, 0));
  assert.ok(u.lastSeen && Date.now() - Date.parse(u.lastSeen) < 60000, u.lastSeen);
  assert.deepEqual(u.applications.map((a) => a.appName), ['usage-node-app']);
  assert.deepEqual(u.instances.map((a) => a.instanceId), ['usage-node-1']);
  assert.deepEqual(u.addresses.map((a) => a.address), ['203.0.113.7']);
  assert.deepEqual(u.edges, []);
  assert.equal(u.misuse.frontendTokenFromServerSdk, 0);
  assert.equal(u.misuse.clientTokenWithBrowserOrigin, 0);
  assert.equal(u.misuse.wrongApi, 0);
  assert.equal(u.misuse.manyAddresses, false);
  assert.equal(u.safeToDelete, false);
  assert.equal(u.unusedDays, 30);
});

test('the browser SDK with a front-end token is no misuse; a server-side SDK or another API is', async () => {
  const token = await create('usage-fe', 'frontend');
  const c = new UnleashClient({
    url: `${srv.url}/api/frontend`, clientKey: token, appName: 'usage-web', storageProvider: new InMemoryStorageProvider(),
    disableRefresh: true, disableMetrics: true,
  });
  await new Promise((res) => {
    c.once('ready', res);
    c.start();
  });
  c.stop();
  let u = await usage(token);
  assert.ok(today(u).count >= 1);
  assert.deepEqual(u.applications.map((a) => a.appName), ['usage-web']);
  assert.equal(u.misuse.frontendTokenFromServerSdk, 0);

  // the same token from the Node SDK's headers, then on the client API (403)
  const fe = await srv.get('/api/frontend', { Authorization: token, 'unleash-sdk': 'unleash-node-sdk:6.1.0', 'unleash-appname': 'oops-backend' });
  assert.equal(fe.status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: token })).status, 403);
  u = await usage(token);
  assert.equal(u.misuse.frontendTokenFromServerSdk, 1);
  assert.equal(u.misuse.wrongApi, 1);
  assert.equal(u.applications[0].appName, 'oops-backend');

  // a client token seen with a browser's Origin header
  const cl = await create('usage-cl-origin', 'client');
  assert.equal((await srv.get('/api/client/features', { Authorization: cl, Origin: 'https://app.example' })).status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: cl })).status, 200);
  const v = await usage(cl);
  assert.equal(v.misuse.clientTokenWithBrowserOrigin, 1);
  assert.equal(today(v).count, 2);
});

test('many addresses at once, over a threshold within a window', async () => {
  const token = await create('usage-many', 'client');
  for (let i = 1; i <= 12; i++)
    assert.equal((await srv.get('/api/client/features', { Authorization: token, 'X-Forwarded-For': `198.51.100.${i}` })).status, 200);
  const u = await usage(token);
  assert.equal(u.addresses.length, 12);
  assert.equal(u.addresses[0].address, '198.51.100.12'); // newest first
  assert.equal(u.misuse.recentAddresses, 12);
  assert.equal(u.misuse.manyAddresses, true);
  assert.equal((await usage(token, '?addressThreshold=13')).misuse.manyAddresses, false);
  // bounded: the newest 20 only
  for (let i = 13; i <= 25; i++)
    await srv.get('/api/client/features', { Authorization: token, 'X-Forwarded-For': `198.51.100.${i}` });
  const w = await usage(token);
  assert.equal(w.addresses.length, 20);
  assert.equal(w.addresses[0].address, '198.51.100.25');
  assert.equal(w.addresses.at(-1).address, '198.51.100.6');
  for (const q of ['?unusedDays=0', '?unusedDays=x', '?windowSeconds=0', '?addressThreshold=21', '?addressThreshold=1'])
    assertError(await admin.get(`/api/admin/api-tokens/${selectorOf(token)}/usage${q}`), 400, 'ValidationError', /must be a whole number/, q);
  assert.equal((await admin.get(`/api/admin/api-tokens/${'A'.repeat(22)}/usage`)).status, 404);
});

test('concurrent requests of one token are each counted once', async () => {
  const token = await create('usage-concurrent', 'client');
  const all = await Promise.all(Array.from({ length: 120 }, (_, i) =>
    srv.get('/api/client/features', { Authorization: token, 'X-Forwarded-For': `192.0.2.${i % 30}` })));
  assert.ok(all.every((r) => r.status === 200));
  const u = await usage(token);
  assert.equal(today(u).count, 120);
  assert.equal(u.addresses.length, 20);
  assert.equal(new Set(u.addresses.map((a) => a.address)).size, 20);
});

test('the edges that validated a token', async () => {
  const token = await create('usage-edge', 'frontend');
  const res = await srv.request('POST', '/edge/validate', {
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'latch-edge/test' },
    body: { tokens: [token, 'nope'] },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().tokens.length, 1);
  const u = await usage(token);
  assert.equal(u.edges.length, 1);
  assert.equal(u.edges[0].address, '127.0.0.1');
  assert.equal(u.edges[0].userAgent, 'latch-edge/test');
  assert.equal(u.requestsLast7Days, 0); // validating is not a request of the token
});

test('the summary lists every token with its usage; usage, 7-day buckets and safe-to-delete survive a restart', async () => {
  const used = await create('usage-kept', 'client');
  const old = await create('usage-old', 'client');
  const aged = await create('usage-aged', 'client');
  for (let i = 0; i < 3; i++)
    assert.equal((await srv.get('/api/client/features', { Authorization: used, 'unleash-appname': 'kept-app', 'X-Forwarded-For': '192.0.2.9' })).status, 200);
  assert.equal((await srv.get('/api/client/features', { Authorization: aged })).status, 200);
  const sum = (await admin.get('/api/admin/api-tokens-usage')).json();
  assert.equal(sum.unusedDays, 30);
  const names = sum.tokens.map((t) => t.tokenName);
  for (const n of ['usage-kept', 'usage-old', 'usage-node', 'usage-fe']) assert.ok(names.includes(n), n);
  assert.equal(sum.tokens.find((t) => t.tokenName === 'usage-kept').usage.requestsLast7Days, 3);
  assert.equal(sum.tokens.find((t) => t.tokenName === 'usage-kept').secret, selectorOf(used));
  assert.equal(sum.safeToDelete, 0); // every token is new or used

  // the store is written in batches (every --metrics-interval second): wait for it, then kill
  // the server so nothing is written at shutdown
  await waitFor(() => {
    const rows = srv.sql("SELECT u.data FROM token_usage u JOIN api_tokens t ON t.digest = u.digest WHERE t.name = 'usage-kept'");
    return rows.length === 1 && rows[0].data.includes('kept-app') && rows[0].data.includes('192.0.2.9');
  }, { what: 'usage-kept written to the store' });
  const before = await usage(used);
  await srv.kill();
  // age two tokens as only the store can: usage-old created 40 days ago and never used; usage-aged
  // with counts 3 and 9 days ago and nothing since
  const day = Math.floor(Date.now() / DAY);
  exec(`UPDATE api_tokens SET created_at = created_at - ${40 * DAY} WHERE name = 'usage-old'`);
  exec(`UPDATE api_tokens SET created_at = created_at - ${40 * DAY}, seen_at = ${(day - 3) * DAY} WHERE name = 'usage-aged'`);
  exec(`UPDATE token_usage SET data = '{"lastSeen":${(day - 3) * DAY},"days":[[${day - 3},5],[${day - 9},100]],"misuse":[0,0,0],"apps":[],"instances":[],"addresses":[],"edges":[]}' WHERE digest = (SELECT digest FROM api_tokens WHERE name = 'usage-aged')`);
  await srv.restart([], { TRUSTED_PROXIES: '127.0.0.1' });

  const after = await usage(used);
  assert.deepEqual(after, before);
  assert.equal(after.requestsLast7Days, 3);
  assert.deepEqual(after.applications.map((a) => a.appName), ['kept-app']);

  const o = await usage(old);
  assert.equal(o.lastSeen, null);
  assert.equal(o.safeToDelete, true);
  assert.equal((await usage(old, '?unusedDays=60')).safeToDelete, false);

  const a = await usage(aged);
  assert.equal(a.requestsPerDay.find((d) => d.date === dateOf((day - 3) * DAY)).count, 5);
  assert.equal(a.requestsLast7Days, 5); // the count of 9 days ago is past the 7 days
  assert.equal(today(a).count, 0);
  assert.equal(a.safeToDelete, false);
  assert.equal((await usage(aged, '?unusedDays=2')).safeToDelete, true);
  const sum2 = (await admin.get('/api/admin/api-tokens-usage?unusedDays=2')).json();
  assert.ok(sum2.safeToDelete >= 2, JSON.stringify(sum2.safeToDelete));

  // a deleted token's stored usage goes with it at the next write
  assert.equal((await admin.del(`/api/admin/api-tokens/${selectorOf(old)}`)).status, 200);
  await srv.get('/api/client/features', { Authorization: used });
  await waitFor(() => srv.sql("SELECT count(*) AS n FROM token_usage u WHERE NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.digest = u.digest)")[0].n === 0,
    { what: 'the orphaned usage row dropped' });
});

test('reading usage needs an admin credential', async () => {
  const token = await create('usage-perm', 'client');
  assert.equal((await srv.get(`/api/admin/api-tokens/${selectorOf(token)}/usage`)).status, 401);
  assert.equal((await srv.get('/api/admin/api-tokens-usage')).status, 401);
});
