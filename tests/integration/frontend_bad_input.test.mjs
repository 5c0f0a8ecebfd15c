// Bad input on the front-end endpoints: flags whose constraints hold invalid regexes, dates,
// numbers, semvers, CIDRs and rollouts (served, evaluated false where the spec says so, never a
// crash); huge contexts (hundreds and thousands of properties in the query, at and over the
// query limit; a 1.5 MB POST context; more properties than the server keeps); deeply nested
// JSON (10,000 levels); invalid JSON and wrong shapes → 400; non-UTF-8 bytes in the query
// string and path. Every answer must come promptly, and the server must still answer /health
// afterwards and exit cleanly (the harness fails on any sanitizer report on stderr).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { startOffline, startServe, featuresDoc, simpleFlag, tempDir, writeDoc, removeDir, LATCH_BIN, checkSanitizers } from './frontend_harness.mjs';

const c = (contextName, operator, v) => ({ contextName, operator, ...(Array.isArray(v) ? { values: v } : { value: v }) });
const flag = (name, constraints, extra = {}) =>
  simpleFlag(name, { strategies: [{ name: 'default', parameters: {}, constraints }], ...extra });

const BAD = featuresDoc([
  flag('bad-regex', [c('userId', 'REGEX', '(unclosed[')]),
  flag('bad-regex-lookbehind', [c('userId', 'REGEX', '(?<=x)y\\1')]),
  flag('bad-regex-huge', [c('userId', 'REGEX', '(a{1000}){1000}')]),
  flag('bad-date', [c('currentTime', 'DATE_AFTER', 'not-a-date')]),
  flag('bad-date-fields', [c('currentTime', 'DATE_BEFORE', '2024-13-45T99:99:99Z')]),
  flag('bad-num', [c('n', 'NUM_GT', 'abc')]),
  flag('bad-num-overflow', [c('n', 'NUM_EQ', '1e999999')]),
  flag('bad-num-empty', [c('n', 'NUM_LT', '')]),
  flag('bad-semver', [c('v', 'SEMVER_GT', '1.2.3-+')]),
  flag('bad-semver-garbage', [c('v', 'SEMVER_LT', 'not a version')]),
  flag('bad-operator', [c('v', 'NOT_AN_OPERATOR', ['x'])]),
  flag('bad-cidr', [c('remoteAddress', 'IN_CIDR', ['300.1.1.1/99', '::/999', 'garbage', ''])]),
  simpleFlag('bad-rollout', { strategies: [{ name: 'flexibleRollout', parameters: { rollout: 'abc', stickiness: 'default', groupId: 'g' } }] }),
  simpleFlag('bad-rollout-negative', { strategies: [{ name: 'flexibleRollout', parameters: { rollout: '-5' } }] }),
  simpleFlag('bad-ips', { strategies: [{ name: 'remoteAddress', parameters: { IPs: ',,, ,1.2.3.4/77,zz' } }] }),
  simpleFlag('zero-weights', { variants: [{ name: 'a', weight: 0 }, { name: 'b', weight: 0, payload: { type: 'json', value: '{not json' } }] }),
  simpleFlag('missing-segment', { strategies: [{ name: 'default', parameters: {}, constraints: [], segments: [999] }] }),
  simpleFlag('self-dependency', { dependencies: [{ feature: 'self-dependency' }] }),
  simpleFlag('unknown-strategy', { strategies: [{ name: 'no-such-strategy', parameters: { x: '1' } }] }),
  flag('first-prop', [c('p0', 'IN', ['v0'])]),
  flag('prop-499', [c('p499', 'IN', ['v499'])]),
  flag('non-utf8-user', [c('userId', 'IN', ['\uFFFD\uFFFD'])]),
  simpleFlag('good'),
]);

// Flags whose answer is pinned down whatever the context (invalid data ⇒ false).
const MUST_BE_OFF = [
  'bad-regex', 'bad-regex-lookbehind', 'bad-date', 'bad-date-fields', 'bad-num', 'bad-operator', 'bad-cidr',
  'bad-rollout', 'bad-rollout-negative', 'bad-ips', 'missing-segment', 'self-dependency', 'unknown-strategy',
];

const names = (body) => body.toggles.map((t) => t.name);
const KEY = { Authorization: 'k' };
const JSON_H = { ...KEY, 'Content-Type': 'application/json' };

// A request with an arbitrary request line (raw bytes), answered within timeoutMs or reported.
function rawLine(port, bytes, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ timedOut: true, text: Buffer.concat(chunks).toString('latin1') });
    }, timeoutMs);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ timedOut: false, status: m ? Number(m[1]) : null, text });
    });
  });
}

const getLine = (path, extra = '') =>
  Buffer.concat([Buffer.from('GET '), Buffer.isBuffer(path) ? path : Buffer.from(path, 'latin1'),
    Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: k\r\nConnection: close\r\n${extra}\r\n`)]);

const isValidUtf8 = (buf) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
};

describe('latch offline with bad flag data and bad requests', () => {
  let o;
  before(async () => {
    o = await startOffline({ doc: BAD, keys: ['k'], clientTokens: ['ct'] });
  });
  after(async () => {
    if (o) {
      assert.ok(await o.healthy(), 'still answering /health at the end');
      await o.dispose();
    }
  });

  test('flags with invalid regexes, dates, numbers, semvers are served and evaluate safely', async () => {
    const all = await o.raw('GET', '/proxy/all?userId=xy&properties[n]=5&properties[v]=2.0.0&currentTime=2025-01-01T00:00:00Z&remoteAddress=1.2.3.4', { headers: KEY });
    assert.equal(all.status, 200, all.text);
    const body = all.json();
    assert.deepEqual(new Set(names(body)), new Set(BAD.features.map((f) => f.name)), 'every flag is served');
    const on = (n) => body.toggles.find((t) => t.name === n).enabled;
    for (const n of MUST_BE_OFF) assert.equal(on(n), false, n);
    assert.equal(on('good'), true);
    const zw = body.toggles.find((t) => t.name === 'zero-weights');
    assert.equal(zw.enabled, true);
    assert.equal(zw.variant.enabled, false, 'no variant from a zero total weight');
    // other contexts, both methods
    for (const ctx of [{}, { userId: 'a'.repeat(5000) }, { properties: { n: '-0', v: '1.2.3-+' } }, { currentTime: 'garbage' }, { remoteAddress: 'not-an-ip' }]) {
      const r = await o.raw('POST', '/api/frontend', { headers: JSON_H, body: { context: ctx } });
      assert.equal(r.status, 200, `${JSON.stringify(ctx).slice(0, 80)}: ${r.text.slice(0, 200)}`);
      const got = names(r.json());
      for (const n of MUST_BE_OFF) assert.ok(!got.includes(n), `${n} for ${JSON.stringify(ctx).slice(0, 80)}`);
      assert.ok(got.includes('good'));
    }
    // the client API hands the same data out unchanged
    const cf = await o.raw('GET', '/api/client/features', { headers: { Authorization: 'ct' } });
    assert.equal(cf.status, 200);
    const regex = cf.json().features.find((f) => f.name === 'bad-regex');
    assert.equal(regex.strategies[0].constraints[0].value, '(unclosed[');
  });

  test('hundreds of properties in the query (up to the limit of 512 parameters / 16 KiB)', async () => {
    for (const n of [128, 511]) {
      const q = Array.from({ length: n }, (_, i) => `properties[p${i}]=v${i}`).join('&');
      const r = await o.raw('GET', `/api/frontend?${q}`, { headers: KEY });
      assert.equal(r.status, 200, `${n} properties: ${r.text.slice(0, 200)}`);
      assert.ok(names(r.json()).includes('first-prop'), `${n}: p0 seen`);
    }
    // one very long value within the limit, and over it
    const long = await o.raw('GET', `/api/frontend?userId=${'x'.repeat(15000)}`, { headers: KEY });
    assert.equal(long.status, 200);
    const tooLong = await o.raw('GET', `/api/frontend?userId=${'x'.repeat(20000)}`, { headers: KEY });
    assert.equal(tooLong.status, 414);
    assert.equal(tooLong.json().message, 'The query string is too long.');
    // over the parameter count: a clear 414
    const q700 = Array.from({ length: 700 }, (_, i) => `properties[p${i}]=v${i}`).join('&');
    const over = await o.raw('GET', `/api/frontend?${q700}`, { headers: KEY });
    assert.equal(over.status, 414);
  });

  test('thousands of query parameters get an answer promptly (not a silent 60 s stall)', async () => {
    // 2,000 properties (~45 KB request line). With a small per-connection pool libmicrohttpd
    // 0.9.75 runs out of memory storing the parsed arguments and then neither answers nor
    // closes (epoll mode); latch sizes the pool (LT_CONN_MEMORY in src/http/server.c) so that
    // every query it accepts fits. Expect an HTTP error (414/431) or a closed connection.
    const q = Array.from({ length: 2000 }, (_, i) => `properties[p${i}]=v${i}`).join('&');
    const r = await rawLine(o.port, getLine(`/api/frontend?${q}`), 5000);
    assert.equal(r.timedOut, false, `no answer within 5 s to a ${q.length}-byte query of 2,000 properties`);
    assert.ok(r.status === null || r.status === 414 || r.status === 431, `status ${r.status}`);
    assert.ok(await o.healthy());
  });

  test('properties beyond what the server keeps are honoured or refused, never silently dropped', async () => {
    // src/api/frontend.c keeps MAX_PROPS = 128 properties (add_prop) and drops the rest without
    // a word, so a flag on the 500th property evaluates as if it were absent. Either evaluate
    // it or answer 4xx.
    const props = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, `v${i}`]));
    const post = await o.raw('POST', '/api/frontend', { headers: JSON_H, body: { context: { properties: props } } });
    const q = Object.entries(props).map(([k, v]) => `properties[${k}]=${v}`).join('&');
    const get = await o.raw('GET', `/api/frontend?${q}`, { headers: KEY });
    const problems = [];
    for (const [how, r] of [['POST', post], ['GET', get]]) {
      if (r.status === 200) {
        if (!names(r.json()).includes('prop-499')) problems.push(`${how}: 200 but property p499 of 500 was dropped (flag prop-499 off)`);
      } else if (!(r.status >= 400 && r.status < 500)) problems.push(`${how}: status ${r.status}`);
    }
    assert.deepEqual(problems, []);
  });

  test('a 1.5 MB POST context', async () => {
    // 30,000 properties of ~50 bytes
    const props = {};
    for (let i = 0; i < 30000; i++) props[`p${i}`] = `v${i}-${'x'.repeat(36)}`;
    props.p0 = 'v0';
    const body = JSON.stringify({ context: { userId: 'u', properties: props } });
    assert.ok(body.length > 1.4e6 && body.length < 2e6, `${body.length} bytes`);
    const t0 = Date.now();
    const r = await o.raw('POST', '/api/frontend', { headers: JSON_H, body });
    assert.ok(r.status === 200 || r.status === 400 || r.status === 413, `${r.status} ${r.text.slice(0, 200)}`);
    if (r.status === 200) assert.ok(names(r.json()).includes('first-prop'));
    assert.ok(Date.now() - t0 < 20000, 'answered within 20 s');
    // one huge value
    const big = JSON.stringify({ context: { userId: 'y'.repeat(1500000) } });
    const r2 = await o.raw('POST', '/api/frontend', { headers: JSON_H, body: big });
    assert.equal(r2.status, 200);
    assert.ok(names(r2.json()).includes('good'));
    // over the body limit (2 MiB): 413
    const huge = JSON.stringify({ context: { userId: 'z'.repeat(2200000) } });
    const r3 = await o.raw('POST', '/api/frontend', { headers: JSON_H, body: huge });
    assert.equal(r3.status, 413);
    assert.ok(await o.healthy());
  });

  test('deeply nested JSON (10,000 levels) → 400', async () => {
    const deep = '['.repeat(10000) + ']'.repeat(10000);
    const deepObj = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
    for (const body of [
      deep,
      '['.repeat(10000),
      `{"context":{"properties":{"a":${deep}}}}`,
      `{"context":{"userId":${deepObj}}}`,
      `{"context":${deepObj}}`,
      `{"toggles":${deep},"context":{}}`,
    ]) {
      for (const path of ['/api/frontend', '/proxy']) {
        const r = await o.raw('POST', path, { headers: JSON_H, body });
        assert.equal(r.status, 400, `${path} ${body.slice(0, 40)}…: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    // nesting a JSON parser accepts: the non-scalar value is ignored
    const ok = await o.raw('POST', '/api/frontend', {
      headers: JSON_H,
      body: `{"context":{"properties":{"p0":"v0","deep":${'['.repeat(200)}${']'.repeat(200)}}}}`,
    });
    assert.equal(ok.status, 200);
    assert.ok(names(ok.json()).includes('first-prop'));
  });

  test('invalid JSON and wrong shapes → 400; wrong content type → 415', async () => {
    for (const body of ['{', '{"context":', 'not json', '{"context":{"userId":"a"}', '\u0000', '[]', 'null', '42', '"x"',
      '{"context":5}', '{"context":"x"}', '{"context":[1,2]}']) {
      const r = await o.raw('POST', '/api/frontend', { headers: JSON_H, body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
      const j = r.json();
      assert.equal(typeof j.message, 'string');
    }
    for (const body of ['{"context":null}', '{}', '{"context":{"properties":null}}', '{"context":{"properties":{"a":null,"b":1,"c":true,"d":{"x":1}}}}']) {
      const r = await o.raw('POST', '/api/frontend', { headers: JSON_H, body });
      assert.equal(r.status, 200, `${body}: ${r.status} ${r.text}`);
    }
    const empty = await o.raw('POST', '/api/frontend', { headers: KEY });
    assert.equal(empty.status, 200);
    const ct = await o.raw('POST', '/api/frontend', { headers: { ...KEY, 'Content-Type': 'text/plain' }, body: '{"context":{}}' });
    assert.equal(ct.status, 415);
    const mf = await o.raw('POST', '/proxy/client/metrics', { headers: JSON_H, body: '{"appName":' });
    assert.equal(mf.status, 400);
    const md = await o.raw('POST', '/proxy/client/metrics', { headers: JSON_H, body: '['.repeat(10000) });
    assert.equal(md.status, 400);
  });

  test('non-UTF-8 bytes in the query string and path', async () => {
    for (const q of [
      'userId=%FF%FE',
      'properties[%FF%FE]=%FE%FF',
      'properties%5B%FF%5D=%C3',
      '%FF=%FE&%C0%80=%ED%A0%80',
      'currentTime=%FF&remoteAddress=%FE%FF&sessionId=%80',
      'properties[]=x&properties[=y&[]=z&=&&&',
      'userId=%00abc&properties[%00]=%00',
      'userId=%zz%%%',
    ]) {
      for (const path of ['/api/frontend', '/proxy', '/proxy/all']) {
        const r = await o.raw('GET', `${path}?${q}`, { headers: KEY });
        assert.ok(r.status === 200 || r.status === 400, `${path}?${q}: ${r.status}`);
        assert.ok(isValidUtf8(r.body), `${path}?${q}: response is valid UTF-8`);
        if (r.status === 200) assert.ok(names(r.json()).includes('good'));
      }
    }
    // raw (unescaped) 0xFF 0xFE bytes on the request line
    const raw = await rawLine(o.port, getLine(Buffer.from([...Buffer.from('/api/frontend?userId='), 0xff, 0xfe, ...Buffer.from('&properties[a'), 0xc3, ...Buffer.from(']=b')])));
    assert.equal(raw.timedOut, false);
    assert.ok(raw.status === 200 || raw.status === 400, `raw bytes: ${raw.status}`);
    // in the path of features/:name
    for (const p of ['/api/frontend/features/%FF%FE', '/api/frontend/features/%C3', '/api/frontend/features/a%00b']) {
      const r = await o.raw('GET', p, { headers: KEY });
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
      assert.ok(isValidUtf8(r.body), `${p}: error body is valid UTF-8: ${r.body.toString('latin1')}`);
      JSON.parse(r.text);
    }
    // invalid UTF-8 inside JSON strings of a POST body
    const body = Buffer.concat([Buffer.from('{"context":{"userId":"'), Buffer.from([0xff, 0xfe]),
      Buffer.from('","properties":{"'), Buffer.from([0xc3]), Buffer.from('":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}}')]);
    const r = await o.raw('POST', '/api/frontend', { headers: JSON_H, body });
    assert.ok(r.status === 200 || r.status === 400, `${r.status}`);
    assert.ok(isValidUtf8(r.body));
    assert.ok(await o.healthy());
  });
});

test('latch serve: bad requests on /api/frontend', async () => {
  const s = await startServe({ imports: { development: BAD }, tokens: { fe: { type: 'frontend' } } });
  try {
    const A = { Authorization: s.tokens.fe };
    const AJ = { ...A, 'Content-Type': 'application/json' };
    assert.equal((await s.raw('POST', '/api/frontend', { headers: AJ, body: '['.repeat(10000) })).status, 400);
    assert.equal((await s.raw('POST', '/api/frontend', { headers: AJ, body: '{"context":' })).status, 400);
    const q = Array.from({ length: 511 }, (_, i) => `properties[p${i}]=v${i}`).join('&');
    assert.equal((await s.raw('GET', `/api/frontend?${q}`, { headers: A })).status, 200);
    const big = JSON.stringify({ context: { properties: Object.fromEntries(Array.from({ length: 30000 }, (_, i) => [`p${i}`, 'x'.repeat(40)])) } });
    const r = await s.raw('POST', '/api/frontend', { headers: AJ, body: big });
    assert.ok([200, 400, 413].includes(r.status), `${r.status}`);
    const u = await s.raw('GET', '/api/frontend?userId=%FF%FE&properties[%FF]=%FE', { headers: A });
    assert.equal(u.status, 200);
    assert.ok(isValidUtf8(u.body));
    const deep = await s.raw('POST', '/api/frontend/client/metrics', { headers: AJ, body: '{"appName":"a","bucket":' + '['.repeat(10000) });
    assert.equal(deep.status, 400);
    assert.ok(await s.healthy());
  } finally {
    await s.dispose();
  }
});

test('latch offline refuses a broken bootstrap file cleanly', () => {
  const dir = tempDir();
  try {
    for (const [name, doc] of [
      ['nested', '['.repeat(10000) + ']'.repeat(10000)],
      ['nested-obj', '{"features":' + '{"a":'.repeat(10000) + '1' + '}'.repeat(10001)],
      ['not-json', '{"version":2,"features":[ this is not json'],
      ['bad-weight', JSON.stringify(featuresDoc([simpleFlag('w', { variants: [{ name: 'a', weight: -10 }] })]))],
      ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22])],
      ['empty', ''],
    ]) {
      const file = writeDoc(dir, `${name}.json`, doc);
      const r = spawnSync(LATCH_BIN, ['offline', '--bootstrap-file', file, '--port', '0', '--bind', '127.0.0.1'], {
        encoding: 'utf8',
        timeout: 30000,
      });
      checkSanitizers(r.stderr, `latch offline ${name}`);
      assert.equal(r.signal, null, `${name}: killed by ${r.signal}`);
      assert.notEqual(r.status, 0, `${name}: must not start`);
      assert.match(r.stderr, /offline: /, `${name}: says why:\n${r.stderr}`);
    }
  } finally {
    removeDir(dir);
  }
});
