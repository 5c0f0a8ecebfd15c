// The session cookie (issue 10, point 11): Secure when the request came over HTTPS as a trusted
// proxy says, or always with --secure-cookies 1; and a write authenticated by the cookie is
// refused when the browser says another site made it (Origin, Sec-Fetch-Site), bodyless ones
// (/on, /off, /stale/on) included.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startAccess, assertError } from './access_harness.mjs';

const servers = [];
after(async () => {
  for (const s of servers) await s.dispose();
});

async function start(args = []) {
  const srv = await startAccess({ tokens: { admin: { type: 'admin', name: 'cookie-admin' } }, args });
  servers.push(srv);
  return srv;
}

async function loginCookie(srv, headers = {}) {
  const res = await srv.post('/auth/simple/login', { username: 'admin', password: ADMIN_PASSWORD }, headers);
  assert.equal(res.status, 200, res.text);
  const set = res.headers['set-cookie']?.[0] ?? '';
  const m = /^unleash-session=([0-9a-f]{64}); Path=\/; HttpOnly; SameSite=Lax(; Secure)?$/.exec(set);
  assert.ok(m, `Set-Cookie: ${set}`);
  return { cookie: m[1], secure: Boolean(m[2]) };
}

test('the session cookie is Secure when a trusted proxy says the request came over HTTPS', async () => {
  const srv = await start(['--trusted-proxies', '127.0.0.1']);
  assert.equal((await loginCookie(srv)).secure, false, 'plain HTTP');
  assert.equal((await loginCookie(srv, { 'X-Forwarded-Proto': 'https' })).secure, true, 'https through the proxy');
  assert.equal((await loginCookie(srv, { 'X-Forwarded-Proto': 'http' })).secure, false, 'http through the proxy');
  const { cookie } = await loginCookie(srv);
  const out = await srv.request('POST', '/logout', { headers: { Cookie: `unleash-session=${cookie}`, 'X-Forwarded-Proto': 'https' } });
  assert.match(out.headers['set-cookie'][0], /; Max-Age=0; Secure$/);
});

test('an untrusted peer cannot make the cookie Secure or not: X-Forwarded-Proto is ignored', async () => {
  const srv = await start();
  assert.equal((await loginCookie(srv, { 'X-Forwarded-Proto': 'https' })).secure, false);
});

test('--secure-cookies 1 marks the cookie Secure on every login', async () => {
  const srv = await start(['--secure-cookies', '1']);
  assert.equal((await loginCookie(srv)).secure, true);
});

test('cross-origin writes with the session cookie are refused, bodyless ones included', async () => {
  const srv = await start();
  const { cookie } = await loginCookie(srv);
  const self = `http://127.0.0.1:${srv.port}`;
  const flag = '/api/admin/projects/default/features/dark-mode';
  const state = async () => {
    const res = await srv.get(flag, { Authorization: srv.tokens.admin });
    const f = res.json();
    return { on: f.environments.find((e) => e.name === 'development').enabled, stale: f.stale };
  };
  const before = await state();
  assert.equal(before.on, false, 'the fixture flag starts off');
  const withCookie = (extra) => ({ Cookie: `unleash-session=${cookie}`, ...extra });
  const attempts = [
    ['POST', `${flag}/environments/development/on`, { Origin: 'https://evil.example' }],
    ['POST', `${flag}/environments/development/on`, { 'Sec-Fetch-Site': 'cross-site', Origin: self }],
    ['POST', `${flag}/environments/development/on`, { 'Sec-Fetch-Site': 'same-site' }],
    ['POST', `${flag}/stale/on`, { Origin: 'null' }],
    ['POST', '/api/admin/projects/default/stale', { Origin: `http://127.0.0.1:${srv.port + 1}` }],
  ];
  for (const [method, path, extra] of attempts) {
    const res = await srv.request(method, path, { headers: withCookie(extra) });
    assertError(res, 403, 'ForbiddenError', /session cookie must come from this server's own pages/, `${path} ${JSON.stringify(extra)}`);
  }
  const json = await srv.request('POST', '/api/admin/projects', {
    headers: withCookie({ Origin: 'https://evil.example', 'Content-Type': 'application/json' }),
    body: { id: 'csrf-project', name: 'csrf' },
  });
  assert.equal(json.status, 403, json.text);
  assert.deepEqual(await state(), before, 'nothing changed');

  // the same writes from latch's own origin, or with no browser headers at all, go through
  const same = await srv.request('POST', `${flag}/environments/development/on`, { headers: withCookie({ Origin: self, 'Sec-Fetch-Site': 'same-origin' }) });
  assert.equal(same.status, 200, same.text);
  const bare = await srv.request('POST', `${flag}/stale/on`, { headers: withCookie({}) });
  assert.equal(bare.status, 200, bare.text);
  assert.deepEqual(await state(), { on: true, stale: true });
  // reads with the cookie are not writes
  const read = await srv.request('GET', flag, { headers: withCookie({ Origin: 'https://evil.example' }) });
  assert.equal(read.status, 200, read.text);
  // a token is never sent by a browser on its own: no Origin rule for it
  const tok = await srv.request('POST', `${flag}/environments/development/off`, { headers: { Authorization: srv.tokens.admin, Origin: 'https://evil.example' } });
  assert.equal(tok.status, 200, tok.text);
});
