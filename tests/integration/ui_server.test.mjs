// What the admin page needs from the server, over plain HTTP: the page and its routes,
// --base-path / UNLEASH_BASE_URI_PATH (checked, applied to every route), changing one's own
// password, and revoking an API token by the id the list shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Latch, LATCH_BIN } from './harness.mjs';
import { startAccess, Api, ADMIN_PASSWORD, login, loginOk } from './access_harness.mjs';

test('a base path that is not /segments of safe characters stops latch serve (exit 2)', () => {
  for (const bad of ['unleash', '/a b', '/a//b', '/a/../b', '/"x"']) {
    const r = spawnSync(LATCH_BIN, ['serve', '--port', '0', '--db', '/nonexistent/x.db', '--base-path', bad], { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `--base-path ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--base-path must be like \/unleash/);
  }
});

test('UNLEASH_BASE_URI_PATH moves every route, the page included, under the prefix', async () => {
  const srv = await Latch.start({ env: { UNLEASH_BASE_URI_PATH: '/ff/' }, tokens: { admin: { type: 'admin' } } });
  try {
    assert.equal((await srv.get('/health')).status, 404);
    assert.equal((await srv.get('/ffx/health')).status, 404);
    assert.equal((await srv.get('/ff/health')).status, 200);
    const sdk = await srv.get('/ff/api/admin/projects', { Authorization: srv.tokens.admin });
    assert.equal(sdk.status, 200);
    for (const path of ['/ff', '/ff/', '/ff/login', '/ff/projects/default/features/x', '/ff/admin/users']) {
      const page = await srv.get(path);
      assert.equal(page.status, 200, path);
      assert.match(page.headers['content-type'], /^text\/html/);
      assert.ok(page.text.includes('<meta name="latch-base" content="/ff">'), page.text);
      assert.ok(page.text.includes('src="/ff/ui/app.js"'));
      assert.ok(!page.text.includes('{{BASE}}'));
    }
    assert.equal((await srv.get('/ff/ui/app.js')).status, 200);
    assert.equal((await srv.get('/ff/ui/index.html')).status, 404, 'the page only through its routes');
    assert.equal((await srv.request('POST', '/ff/')).status, 405);
  } finally {
    await srv.dispose();
  }
});

test('the page without a base path: its routes, ETags per encoding, HEAD', async () => {
  const srv = await Latch.start();
  try {
    const a = await srv.get('/ui/style.css');
    assert.equal(a.status, 200);
    assert.match(a.headers['content-type'], /^text\/css/);
    assert.match(a.headers.etag, /^"[0-9a-f]{16}"$/);
    const gz = await srv.get('/ui/style.css', { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.headers.etag, a.headers.etag.replace(/"$/, '-gz"'));
    assert.equal((await srv.get('/ui/style.css', { 'If-None-Match': gz.headers.etag })).status, 304);
    assert.equal((await srv.get('/ui/style.css', { 'If-None-Match': '"0000000000000000"' })).status, 200);
    assert.equal((await srv.request('HEAD', '/')).status, 200);
    const idx = await srv.get('/');
    assert.ok(idx.text.includes('<meta name="latch-base" content="">'));
    assert.ok(idx.text.includes('src="/ui/app.js"'));
    assert.equal((await srv.get('/nothing-here')).status, 404);
    assert.equal((await srv.get('/api/admin/nothing')).status, 404);
  } finally {
    await srv.dispose();
  }
});

test('POST /api/admin/user/change-password: my own password, the current one required', async () => {
  const srv = await startAccess({ tokens: { admin: { type: 'admin' } } });
  try {
    const cookie = await loginOk(srv, 'admin', ADMIN_PASSWORD);
    const me = new Api(srv, { cookie });
    const NEW = 'An0ther-Passw0rd!';
    const cases = [
      [{ password: NEW, confirmPassword: NEW }, 400, 'ValidationError'],
      [{ oldPassword: ADMIN_PASSWORD, password: NEW, confirmPassword: 'x' + NEW }, 400, 'PasswordMismatchError'],
      [{ oldPassword: 'wrong', password: NEW, confirmPassword: NEW }, 401, 'PasswordMismatch'],
      [{ oldPassword: ADMIN_PASSWORD, password: 'short', confirmPassword: 'short' }, 400, 'OwaspValidationError'],
    ];
    for (const [body, status, name] of cases) {
      const r = await me.post('/api/admin/user/change-password', body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json().name, name);
    }
    const byToken = await new Api(srv, { token: srv.tokens.admin }).post('/api/admin/user/change-password', { oldPassword: 'a', password: NEW, confirmPassword: NEW });
    assert.equal(byToken.status, 400, 'an admin token has no password');
    assert.equal((await new Api(srv).post('/api/admin/user/change-password', {})).status, 401);
    const ok = await me.post('/api/admin/user/change-password', { oldPassword: ADMIN_PASSWORD, password: NEW, confirmPassword: NEW });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await me.get('/api/admin/user')).status, 401, 'the change ends my sessions');
    assert.equal((await login(srv, 'admin', ADMIN_PASSWORD)).res.status, 401);
    await loginOk(srv, 'admin', NEW);
    const events = (await srv.get('/api/admin/events?limit=5', { Authorization: srv.tokens.admin })).json().events;
    assert.ok(events.some((e) => e.type === 'user-password-changed' || e.type === 'user-updated'), JSON.stringify(events.map((e) => e.type)));
    assert.ok(!JSON.stringify(events).includes(NEW), 'no password in the event log');
  } finally {
    await srv.dispose();
  }
});

test('an API token is revoked by the id the list shows (the list never shows a secret)', async () => {
  const srv = await Latch.start({ tokens: { admin: { type: 'admin' }, sdk: { type: 'client', name: 'sdk-one' } } });
  try {
    const admin = new Api(srv, { token: srv.tokens.admin });
    assert.equal((await srv.get('/api/client/features', { Authorization: srv.tokens.sdk })).status, 200);
    const list = (await admin.get('/api/admin/api-tokens')).json().tokens;
    const t = list.find((x) => x.tokenName === 'sdk-one');
    assert.ok(Number.isInteger(t.id) && t.id > 0, JSON.stringify(t));
    assert.ok(!JSON.stringify(list).includes(srv.tokens.sdk.split('.')[1]), 'no secret in the list');
    assert.equal((await admin.del(`/api/admin/api-tokens/${t.id + 1000}`)).status, 200, 'an unknown id: 200 as an unknown secret');
    assert.equal((await srv.get('/api/client/features', { Authorization: srv.tokens.sdk })).status, 200);
    assert.equal((await admin.del(`/api/admin/api-tokens/${t.id}`)).status, 200);
    assert.equal((await srv.get('/api/client/features', { Authorization: srv.tokens.sdk })).status, 401);
    assert.ok(!(await admin.get('/api/admin/api-tokens')).json().tokens.some((x) => x.tokenName === 'sdk-one'));
  } finally {
    await srv.dispose();
  }
});
