// Bad input gets the right answer and the server keeps serving: malformed JSON, content types,
// bodies over --max-body, unknown paths and methods, path tricks, long URLs and headers,
// broken HTTP. Also /health, /ready and the Prometheus text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, MSG_NEED_TOKEN } from './harness.mjs';

const MAX_BODY = 4096;
let srv;
let tok;

before(async () => {
  srv = await Latch.start({
    tokens: { dev: { type: 'client', environment: 'development' } },
    args: ['--max-body', String(MAX_BODY)],
  });
  tok = srv.tokens.dev;
});

after(async () => {
  await srv?.dispose();
});

// An error body in Unleash's shape: {id, name, message, details:[{message}]}.
function assertError(res, status, name, what = '') {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, what);
  const body = res.json();
  assert.equal(body.name, name, what);
  assert.equal(typeof body.message, 'string', what);
  assert.ok(body.message.length > 0, what);
  assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, what);
  assert.deepEqual(body.details, [{ message: body.message }], what);
  return body;
}

async function assertServing() {
  const res = await srv.get('/health');
  assert.equal(res.status, 200);
  const f = await srv.get('/api/client/features', { Authorization: tok });
  assert.equal(f.status, 200);
}

const POST_PATHS = ['/api/client/register', '/api/client/metrics', '/api/client/metrics/bulk'];

test('malformed JSON is a 400 with name and message', async () => {
  const bodies = ['{"appName": ', '{appName: "x"}', "{'a': 1}", '{"a": 1,}', '\u0000', '', 'null', '[1,2]', '"str"', '42', 'true'];
  for (const path of POST_PATHS)
    for (const body of bodies) {
      const res = await srv.request('POST', path, {
        headers: { Authorization: tok, 'Content-Type': 'application/json' },
        body,
      });
      assertError(res, 400, 'BadDataError', `${path} ${JSON.stringify(body)}`);
    }
  await assertServing();
});

test('deeply nested JSON is refused, not a crash', async () => {
  const deep = '['.repeat(2000) + ']'.repeat(2000);
  const res = await srv.request('POST', '/api/client/metrics', {
    headers: { Authorization: tok, 'Content-Type': 'application/json' },
    body: `{"appName":"a","bucket":${deep.slice(0, MAX_BODY - 40)}}`,
  });
  assert.equal(res.status, 400, res.text);
  await assertServing();
});

test('a wrong Content-Type is a 415', async () => {
  const body = JSON.stringify({ appName: 'x', strategies: [], started: Date.now(), interval: 1 });
  for (const path of POST_PATHS)
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const res = await srv.request('POST', path, { headers: { Authorization: tok, 'Content-Type': ct }, body });
      assertError(res, 415, 'ContentTypeError', `${path} ${ct}`);
    }
  // JSON with parameters or a +json type is fine
  for (const ct of ['application/json; charset=utf-8', 'application/vnd.unleash+json', 'Application/JSON']) {
    const res = await srv.request('POST', '/api/client/register', { headers: { Authorization: tok, 'Content-Type': ct }, body });
    assert.equal(res.status, 202, `${ct}: ${res.text}`);
  }
  await assertServing();
});

test('a body over --max-body is a 413 JSON (Content-Length and chunked)', { timeout: 60000 }, async () => {
  const big = JSON.stringify({ appName: 'x', instanceId: 'y'.repeat(10 * 1024) });
  assert.ok(big.length > 10 * 1024);
  for (const chunked of [false, true]) {
    const res = await srv.request('POST', '/api/client/metrics', {
      headers: { Authorization: tok, 'Content-Type': 'application/json' },
      body: big,
      chunked,
      timeoutMs: 10000,
    });
    const body = assertError(res, 413, 'ContentTooLarge', chunked ? 'chunked' : 'Content-Length');
    assert.match(body.message, new RegExp(String(MAX_BODY)));
  }
  // just under the limit is accepted
  const fits = JSON.stringify({ appName: 'fits', instanceId: 'y'.repeat(MAX_BODY - 100) });
  assert.ok(fits.length <= MAX_BODY);
  const ok = await srv.request('POST', '/api/client/metrics', {
    headers: { Authorization: tok, 'Content-Type': 'application/json' },
    body: fits,
  });
  assert.equal(ok.status, 202, ok.text);
  await assertServing();
});

test('an unknown path is a 404 JSON with Unleash\'s message', async () => {
  let res = await srv.get('/api/xyz', { Authorization: tok });
  let body = assertError(res, 404, 'NotFoundError', '/api/xyz');
  assert.equal(body.message, 'The path you were looking for (/api/xyz) is not available.');
  res = await srv.get('/api/xyz');
  body = assertError(res, 404, 'NotFoundError', '/api/xyz without a token');
  assert.equal(body.message, 'The path you were looking for (/api/xyz) is not available.');
  // (/ is the admin page: ui_server.test.mjs)
  for (const path of ['/nope', '/api', '/api/client', '/api/client/featuresx', '/api/client/metrics/bulk/x', '/health/x']) {
    res = await srv.get(path, { Authorization: tok });
    body = assertError(res, 404, 'NotFoundError', path);
    assert.equal(body.message, `The path you were looking for (${path}) is not available.`);
  }
  await assertServing();
});

test('a wrong method is a 405 JSON', async () => {
  const cases = [
    ['DELETE', '/api/client/features', 'GET'],
    ['POST', '/api/client/features', 'GET'],
    ['PUT', '/api/client/features/new-navigation', 'GET'],
    ['GET', '/api/client/register', 'POST'],
    ['PATCH', '/api/client/metrics', 'POST'],
    ['DELETE', '/health', 'GET'],
  ];
  for (const [method, path, allowed] of cases) {
    const res = await srv.request(method, path, { headers: { Authorization: tok } });
    assertError(res, 405, 'NotImplementedError', `${method} ${path}`);
    assert.ok((res.headers.allow ?? '').includes(allowed), `${method} ${path}: Allow ${res.headers.allow}`);
  }
  const odd = await srv.request('FOO', '/api/client/features', { headers: { Authorization: tok } });
  assertError(odd, 405, 'NotImplementedError', 'FOO');
  await assertServing();
});

test('path normalisation: dot segments and double slashes route like the clean path', async () => {
  const clean = await srv.get('/api/client/features', { Authorization: tok });
  assert.equal(clean.status, 200);
  for (const path of ['/api//client/./features', '/x/../api/client/features', '/api/client/features/', '//api/client//features//', '/api/./client/x/../features']) {
    const res = await srv.get(path, { Authorization: tok });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    assert.equal(res.text, clean.text, path);
  }
  const one = await srv.get('/api/client/features/x/../new-navigation', { Authorization: tok });
  assert.equal(one.status, 200);
  assert.equal(one.json().name, 'new-navigation');
});

test('dot segments do not bypass authentication', async () => {
  for (const path of [
    '/api/client/features/..',
    '/api/client/features/../features',
    '/health/../api/client/features',
    '/ready/../../api/client/features',
    '/internal-backstage/../api/client/features',
    '/api/client/%2e%2e/client/features',
    '/x/../../../api/client/features',
  ]) {
    const res = await srv.get(path);
    assert.notEqual(res.status, 200, `${path} answered 200 without a token`);
    assert.ok([401, 404].includes(res.status), `${path}: ${res.status}`);
    assert.ok(!res.text.includes('"features"'), path);
    if (res.status === 401) assert.equal(res.text, MSG_NEED_TOKEN, path);
  }
  await assertServing();
});

test('a very long query string is a 414; so is a very long path', async () => {
  let res = await srv.get('/api/client/features?namePrefix=' + 'a'.repeat(20000), { Authorization: tok });
  assertError(res, 414, 'ValidationError', 'long query');
  // more project filters than the server takes, then more parameters than it takes
  const params = (n) => '?' + Array.from({ length: n }, (_, i) => `project=p${i}`).join('&');
  res = await srv.get('/api/client/features' + params(100), { Authorization: tok });
  assertError(res, 400, 'ValidationError', '100 project filters');
  res = await srv.get('/api/client/features' + params(600), { Authorization: tok });
  assertError(res, 414, 'ValidationError', '600 query parameters');
  res = await srv.get('/api/client/' + 'a'.repeat(5000), { Authorization: tok });
  assertError(res, 414, 'ValidationError', 'long path');
  // beyond the connection's memory the HTTP layer answers (not JSON), still 414
  res = await srv.get('/api/client/features?namePrefix=' + 'a'.repeat(100000), { Authorization: tok });
  assert.equal(res.status, 414);
  await assertServing();
});

// libmicrohttpd 0.9.75 with a small per-connection pool runs out of it while splitting ~900+
// query parameters and then sends nothing until its 60 s timeout; latch's pool is sized so
// that every query it accepts fits, and a larger one gets a 414.
test('thousands of query parameters get an answer', { timeout: 30000 }, async () => {
  const q = '?' + Array.from({ length: 1500 }, (_, i) => `project=p${i}`).join('&');
  const res = await srv.request('GET', '/api/client/features' + q, { headers: { Authorization: tok }, timeoutMs: 5000 });
  assert.ok(res.status >= 400 && res.status < 500, `${res.status}`);
});

test('garbage and huge Authorization headers are a 401', async () => {
  const garbage = [
    '\t  ',
    '!!!###$$$%%%',
    'Bearer Bearer Bearer',
    'x'.repeat(8000),
    `${tok}`.repeat(100),
    'x'.repeat(40000),
    '*:*.' + 'z'.repeat(2000),
    'Bearer ' + 'é'.repeat(100),
  ];
  for (const auth of garbage) {
    const headers = { Authorization: auth };
    const res = await srv.get('/api/client/features', headers);
    assert.equal(res.status, 401, `${auth.slice(0, 20)}: ${res.status}`);
    assert.equal(res.text, MSG_NEED_TOKEN);
  }
  // headers too large for the connection are refused by the HTTP layer
  const huge = await srv.get('/api/client/features', { Authorization: 'x'.repeat(100000) });
  assert.ok([400, 413, 431].includes(huge.status), `huge header: ${huge.status}`);
  await assertServing();
});

test('broken HTTP on the socket does not hurt the server', async () => {
  const inputs = [
    'GARBAGE\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost x\r\n\r\n',
    'GET health HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
    'POST /api/client/metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'POST /api/client/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n',
    'POST /api/client/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    `POST /api/client/metrics HTTP/1.1\r\nHost: x\r\nAuthorization: ${tok}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"appName":`,
    'GET /api/client/features HTTP/1.1\r\nHost: x\r\n',
    '\x00\x01\x02\x03\xff\xfe\r\n\r\n',
  ];
  for (const data of inputs) {
    const out = await srv.raw(Buffer.from(data, 'latin1'), { timeoutMs: 1500 });
    // 505 for an unknown HTTP version is right; a 500 is not
    assert.ok(!/^HTTP\/1\.[01] 50[0-4]/.test(out), `${JSON.stringify(data)}: ${out.slice(0, 80)}`);
  }
  const badPath = await srv.raw('GET health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(badPath, /^HTTP\/1\.1 400 /);
  await assertServing();
});

test('/health and /ready', async () => {
  for (const path of ['/health', '/ready']) {
    const res = await srv.get(path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers['content-type'], /^application\/json/, path);
    // /health also names the version (after health, which stays first)
    const { version, ...rest } = res.json();
    assert.deepEqual(rest, { health: 'GOOD' }, path);
    if (path === '/health') {
      assert.deepEqual(Object.keys(res.json()), ['health', 'version'], path);
      assert.match(version, /^\d+\.\d+\.\d+/, path);
    } else {
      assert.equal(version, undefined, path);
    }
    // no token needed, and a bad one does not matter
    const withBad = await srv.get(path, { Authorization: 'garbage' });
    assert.equal(withBad.status, 200, path);
  }
});

test('/internal-backstage/prometheus: request counts by route and the snapshot revision', async () => {
  const { body } = await srv.features(tok);
  await srv.get('/api/xyz');
  const res = await srv.get('/internal-backstage/prometheus');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain/);
  const text = res.text;
  const line = (re) => text.split('\n').find((l) => re.test(l));
  const feat = line(/^http_requests_total\{route="\/api\/client\/features",status="200"\} \d+$/);
  assert.ok(feat, text);
  assert.ok(Number(feat.split(' ').pop()) >= 1);
  assert.ok(line(/^http_requests_total\{route="\/api\/client\/features",status="401"\} \d+$/), 'no 401 count');
  assert.ok(line(/^http_requests_total\{route="[^"]+",status="404"\} \d+$/), 'no 404 count');
  assert.ok(line(/^http_requests_total\{route="\/health",status="200"\} \d+$/), 'no /health count');
  assert.match(text, /^# TYPE http_requests_total counter$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{route="\/api\/client\/features",le="\+Inf"\} \d+$/m);
  const rev = line(/^latch_snapshot_revision \d+$/);
  assert.ok(rev, text);
  assert.equal(Number(rev.split(' ')[1]), body.meta.revisionId);
  assert.match(text, /^# TYPE latch_snapshot_revision gauge$/m);
  // the features count is monotone: another request shows up
  await srv.features(tok);
  const again = (await srv.get('/internal-backstage/prometheus')).text;
  const feat2 = again.split('\n').find((l) => l.startsWith('http_requests_total{route="/api/client/features",status="200"}'));
  assert.ok(Number(feat2.split(' ').pop()) > Number(feat.split(' ').pop()));
});

test('after all of that the server still answers', async () => {
  await assertServing();
  const res = await srv.get('/health');
  assert.equal(res.json().health, 'GOOD');
});
