// Logs as JSON lines and request ids: `latch serve` with LOG_FORMAT=json LOG_LEVEL=debug writes
// only JSON objects on stderr; every answer (errors and memoized client-API bodies included)
// carries X-Request-Id; the lines a request caused carry its id; an X-Request-Id is kept only
// from a trusted proxy (TRUSTED_PROXIES) and only when valid; no token secret reaches a line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, waitFor } from './harness.mjs';

const OWN_ID = /^[0-9a-f]{16}$/;
const LOG_ENV = { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', LATCH_LOG_LEVEL: '' };
let srv; // no trusted proxy
let proxied; // 127.0.0.1 is a trusted proxy
let dev;
let admin;
const secrets = []; // every token secret the servers saw

before(async () => {
  const tokens = { dev: { type: 'client', environment: 'development' }, admin: { type: 'admin' } };
  srv = await Latch.start({ tokens, args: ['--max-body', '4096'], env: { ...LOG_ENV, TRUSTED_PROXIES: '' } });
  proxied = await Latch.start({ tokens, env: { ...LOG_ENV, TRUSTED_PROXIES: '127.0.0.1' } });
  dev = srv.tokens.dev;
  admin = srv.tokens.admin;
  secrets.push(...Object.values(srv.tokens), ...Object.values(proxied.tokens));
});

after(async () => {
  await srv?.dispose();
  await proxied?.dispose();
});

// The parsed stderr lines of a server (every one must be a JSON object).
function lines(l) {
  return l.stderr
    .split('\n')
    .filter((s) => s !== '')
    .map((s) => {
      let j;
      assert.doesNotThrow(() => (j = JSON.parse(s)), `not a JSON line: ${s}`);
      return j;
    });
}

const linesOf = (l, id) => lines(l).filter((j) => j.requestId === id);

// Wait until the server logged the end of request id (the http layer's debug line).
async function untilLogged(l, id) {
  return waitFor(() => {
    const mine = linesOf(l, id);
    return mine.some((j) => j.msg.startsWith('http: ')) && mine;
  }, { what: `log lines of request ${id}` });
}

function idOf(res, what) {
  const id = res.headers['x-request-id'];
  assert.equal(typeof id, 'string', `${what}: no X-Request-Id (status ${res.status})`);
  return id;
}

test('every answer carries its own X-Request-Id, memoized client-API bodies and errors too', async () => {
  const auth = { Authorization: dev };
  const cases = [
    ['GET', '/api/client/features', { headers: auth }, 200],
    ['GET', '/api/client/features', { headers: auth }, 200], // the same memo again
    ['GET', '/api/client/features', { headers: { ...auth, 'Accept-Encoding': 'gzip' } }, 200],
    ['GET', '/api/client/features', { headers: { ...auth, 'Accept-Encoding': 'gzip' } }, 200],
    ['GET', '/health', {}, 200],
    ['GET', '/api/client/features', {}, 401],
    ['GET', '/no/such/path', {}, 404],
    ['DELETE', '/health', {}, 405],
    ['BREW', '/health', {}, 405],
    ['POST', '/api/client/metrics', { headers: { ...auth, 'Content-Type': 'application/json' }, body: 'x'.repeat(5000) }, 413],
    ['GET', '/api/client/features?namePrefix=' + 'a'.repeat(20000), { headers: auth }, 414],
    ['GET', '/api/client/' + 'a'.repeat(5000), { headers: auth }, 414],
  ];
  const many = { ...auth };
  for (let i = 0; i < 101; i++) many[`X-Filler-${i}`] = 'x';
  cases.push(['GET', '/api/client/features', { headers: many }, 431]);
  const ids = new Set();
  let etag;
  for (const [method, path, opts, status] of cases) {
    const res = await srv.request(method, path, opts);
    const what = `${method} ${path.slice(0, 40)}`;
    assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
    const id = idOf(res, what);
    assert.match(id, OWN_ID, what);
    assert.ok(!ids.has(id), `${what}: id ${id} given twice`);
    ids.add(id);
    if (status === 200 && path === '/api/client/features') etag = res.headers.etag;
  }
  // a 304 too, and a memoized per-flag slice
  const nm = await srv.get('/api/client/features', { ...auth, 'If-None-Match': etag });
  assert.equal(nm.status, 304);
  assert.match(idOf(nm, '304'), OWN_ID);
  const { body } = await srv.features(dev);
  const one = await srv.get(`/api/client/features/${encodeURIComponent(body.features[0].name)}`, auth);
  assert.equal(one.status, 200);
  assert.match(idOf(one, 'one flag'), OWN_ID);
  assert.ok(!ids.has(one.headers['x-request-id']));
});

test("a request's id is on the lines it caused", async () => {
  const name = `logged-${Date.now()}`;
  const res = await srv.post('/api/admin/projects/default/features', { name, type: 'release' }, { Authorization: admin });
  assert.equal(res.status, 201, res.text);
  const id = idOf(res, 'create flag');
  const mine = await untilLogged(srv, id);
  // the write rebuilt the snapshot on the request's thread, and the request's own line
  assert.ok(mine.some((j) => j.msg.startsWith('state: snapshot')), JSON.stringify(mine));
  const done = mine.find((j) => j.msg.startsWith('http: '));
  assert.match(done.msg, /^http: POST \/api\/admin\/projects\/:projectId\/features 201 in [\d.]+ ms$/);
  assert.equal(done.level, 'debug');
  // a line that no request caused has no requestId
  const listening = lines(srv).find((j) => j.msg.startsWith('http: listening'));
  assert.ok(listening && !('requestId' in listening));
});

test('an X-Request-Id from a peer that is not a trusted proxy is replaced', async () => {
  const res = await srv.get('/api/client/features', { Authorization: dev, 'X-Request-Id': 'from-the-client-1' });
  assert.equal(res.status, 200);
  const id = idOf(res, 'untrusted');
  assert.match(id, OWN_ID);
  await untilLogged(srv, id);
  assert.ok(!srv.stderr.includes('from-the-client-1'));
});

test('a trusted proxy keeps its X-Request-Id when it is valid', async () => {
  const auth = { Authorization: proxied.tokens.dev };
  for (const given of ['proxy-req-1', 'a"quoted" \\ id {json}', 'x'.repeat(128)]) {
    const res = await proxied.get('/api/client/features', { ...auth, 'X-Request-Id': given });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], given);
    const mine = await untilLogged(proxied, given);
    assert.equal(mine[0].requestId, given);
  }
  // the same id on an error answer
  const e = await proxied.get('/nowhere', { 'X-Request-Id': 'proxy-404' });
  assert.equal(e.status, 404);
  assert.equal(e.headers['x-request-id'], 'proxy-404');
  // too long, or not printable ASCII: replaced
  for (const bad of ['y'.repeat(129), 'caf\u00e9']) {
    const res = await proxied.get('/api/client/features', { ...auth, 'X-Request-Id': bad });
    assert.equal(res.status, 200);
    assert.match(idOf(res, `bad id ${bad.slice(0, 10)}`), OWN_ID);
  }
  // a tab inside the value, sent raw
  const raw = await proxied.raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\tb\r\nConnection: close\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 200/);
  assert.match(raw, /\r\nX-Request-Id: [0-9a-f]{16}\r\n/i);
});

test('no token secret reaches a log line', async () => {
  const auth = { Authorization: admin };
  // a token created and deleted through the admin API (its secret is in the DELETE path)
  const res = await srv.post('/api/admin/api-tokens', { tokenName: 'logged', type: 'client', environment: 'development' }, auth);
  assert.equal(res.status, 201, res.text);
  const created = res.json().secret;
  secrets.push(created);
  const del = await srv.request('DELETE', `/api/admin/api-tokens/${encodeURIComponent(created)}`, { headers: auth });
  assert.equal(del.status, 200, del.text);
  await untilLogged(srv, idOf(del, 'delete token'));
  // a wrong secret and a used one
  const wrong = 'default:development.' + 'f'.repeat(64);
  secrets.push(wrong);
  assert.equal((await srv.get('/api/client/features', { Authorization: wrong })).status, 401);
  assert.equal((await srv.get('/api/client/features', { Authorization: created })).status, 401);
  await srv.features(dev);
  for (const l of [srv, proxied]) {
    for (const s of secrets) {
      assert.ok(!l.stderr.includes(s), `a token secret is in the log:\n${l.stderr}`);
      const hash = s.slice(s.indexOf('.') + 1);
      assert.ok(!l.stderr.includes(hash), `the secret part of a token is in the log`);
    }
  }
});

test('every line on stderr is one JSON object with time, level and msg', async () => {
  await srv.stop();
  await proxied.stop();
  for (const l of [srv, proxied]) {
    assert.ok(l.stderr.endsWith('\n'));
    const all = lines(l);
    assert.ok(all.length > 10, `only ${all.length} lines`);
    for (const j of all) {
      assert.equal(typeof j, 'object');
      assert.match(j.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, JSON.stringify(j));
      assert.ok(['debug', 'info', 'warn', 'error'].includes(j.level), JSON.stringify(j));
      assert.equal(typeof j.msg, 'string');
      for (const k of Object.keys(j)) assert.ok(['time', 'level', 'msg', 'requestId'].includes(k), k);
    }
    assert.ok(all.some((j) => j.level === 'debug'), 'LOG_LEVEL=debug was not applied');
  }
});
