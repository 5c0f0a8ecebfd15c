// latch's own OpenAPI document: GET /docs/openapi.json without a credential is an OpenAPI 3.0
// document of what this server answers (each operation tried here answers as the document
// says: a public one without a credential, one that needs a credential 401 without), and
// /docs/openapi lists the same operations as a page without script or style; under
// --base-path the document names it as its server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';

let srv;
let based;

before(async () => {
  srv = await Latch.start({ fixtures: {}, tokens: { admin: { type: 'admin' } } });
  based = await Latch.start({ fixtures: {}, args: ['--base-path', '/flags'] });
});

after(async () => {
  await srv?.dispose();
  await based?.dispose();
});

test('GET /docs/openapi.json: public, OpenAPI 3.0, every operation answered as described', async () => {
  const res = await srv.request('GET', '/docs/openapi.json');
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers['content-type'], /^application\/json/);
  const doc = res.json();
  assert.match(doc.openapi, /^3\.0\./);
  assert.equal(doc.info.title, 'latch');
  assert.deepEqual(doc.servers, [{ url: '/' }]);
  const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
  assert.ok(ops.length > 200, `${ops.length} operations`);
  const ids = new Set(ops.map((o) => o.op.operationId));
  assert.equal(ids.size, ops.length, 'operationIds are unique');
  const imp = doc.paths['/api/admin/features-batch/import'].post;
  assert.equal(imp.operationId, 'importToggles');
  assert.deepEqual(imp.tags, ['Import/Export']);
  assert.equal(imp['x-unleash'], true);
  assert.equal(imp.requestBody.required, true);
  // every GET without path parameters that the document says needs an admin credential: 401
  // without one; every public one: not 401
  for (const { path, method, op } of ops) {
    if (method !== 'get' || path.includes('{')) continue;
    const r = await srv.request('GET', path, { timeoutMs: 5000 }).catch(() => null);
    if (!r) continue; // an event stream that holds the connection
    const needsAdmin = op.security.some((s) => 'apiKey' in s);
    if (needsAdmin) assert.equal(r.status, 401, `${path}: ${r.status}`);
    // a public route may still answer 401 to a bad secret of its own: the reset link's token
    // (Unleash answers an invalid or missing reset token with 401 InvalidTokenError)
    else if (op.security.length === 0 && path !== '/auth/reset/validate')
      assert.notEqual(r.status, 401, `${path}: ${r.status}`);
  }
});

test('GET /docs/openapi: the page, CSP-safe; under a base path the document names it', async () => {
  const res = await srv.request('GET', '/docs/openapi');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.equal(res.headers['content-security-policy'], "default-src 'none'");
  assert.ok(!/<script|<style|style=/.test(res.text));
  assert.match(res.text, /<code>\/api\/admin\/features-batch\/export<\/code>/);
  const doc = (await based.request('GET', '/flags/docs/openapi.json')).json();
  assert.deepEqual(doc.servers, [{ url: '/flags' }]);
});
