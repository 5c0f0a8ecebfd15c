// `latch edge --pretrusted-tokens`: Unleash Edge's pre-trusted front-end tokens, each
// `project:environment.secret` (scope from its shape, kept within the startup tokens' scopes)
// or `secret@environment` (the Unleash Proxy's form: the SDK presents `secret`). They open
// /api/frontend without the upstream ever being asked (it does not know them), never the
// client API, and reload on SIGHUP from --pretrusted-tokens-file with the other lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './harness.mjs';
import { tempDir, removeDir } from './frontend_harness.mjs';
import { startUpstream, startEdge, flagsDoc, getJson } from './edge_harness.mjs';

const DOCS = {
  development: flagsDoc([
    ['pt-a', 'default', true],
    ['pt-b', 'p2', true],
  ]),
  production: flagsDoc([['pt-prod', 'default', true]]),
};
const TOKENS = {
  clientAll: { type: 'client', environment: 'development' },
  clientProd: { type: 'client', environment: 'production' },
};

const toggles = (r) => (r.json?.toggles ?? []).map((t) => t.name).sort();

async function validations(edge) {
  const text = await (await edge.fetch('/internal-backstage/prometheus')).text();
  return Number(/^latch_edge_validations_total (\S+)$/m.exec(text)?.[1]);
}

test('pre-trusted tokens open /api/frontend without asking the upstream, and reload on SIGHUP', { timeout: 60000 }, async () => {
  const up = await startUpstream({ docs: DOCS, tokens: TOKENS });
  const dir = tempDir('latch-edge-pt-');
  let edge;
  try {
    const file = join(dir, 'pretrusted');
    writeFileSync(file, 'p2:development.not-known-upstream\nlegacy-secret@production\nnot a token\n');
    edge = await startEdge({
      upstream: up.url,
      tokens: [up.tokens.clientAll, up.tokens.clientProd],
      args: ['--pretrusted-tokens', '*:development.all-dev-pretrusted', '--pretrusted-tokens-file', file],
      dir,
    });
    assert.match(edge.stderr, /pre-trusted token 4 is neither/, 'the malformed entry is logged');
    assert.ok(!edge.stderr.includes('not-known-upstream') && !edge.stderr.includes('legacy-secret'), 'no secret in the log');
    const before = await validations(edge);
    assert.ok(Number.isFinite(before));

    // the upstream does not know any of them
    const ask = await up.request('POST', '/edge/validate', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tokens: ['p2:development.not-known-upstream', '*:development.all-dev-pretrusted'] }),
    });
    assert.equal(ask.status, 200);
    assert.deepEqual(JSON.parse(ask.text).tokens, []);

    // project:environment.secret: its project only
    const p2 = await getJson(edge, '/api/frontend', 'p2:development.not-known-upstream');
    assert.equal(p2.status, 200, p2.text);
    assert.deepEqual(toggles(p2), ['pt-b']);
    // *:environment.secret: every project the startup tokens of that environment read
    const all = await getJson(edge, '/api/frontend', '*:development.all-dev-pretrusted');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(toggles(all), ['pt-a', 'pt-b']);
    // secret@environment: the SDK presents the secret
    const legacy = await getJson(edge, '/api/frontend', 'legacy-secret');
    assert.equal(legacy.status, 200, legacy.text);
    assert.deepEqual(toggles(legacy), ['pt-prod']);
    assert.equal(await validations(edge), before, 'the upstream was not asked about pre-trusted tokens');

    // the whole `secret@env` string is not the secret; a front-end token opens no client API
    assert.equal((await getJson(edge, '/api/frontend', 'legacy-secret@production')).status, 401);
    assert.equal((await getJson(edge, '/api/client/features', 'p2:development.not-known-upstream')).status, 401);
    assert.equal((await getJson(edge, '/api/client/features', 'legacy-secret')).status, 401);

    // SIGHUP: the file is read again
    writeFileSync(file, 'fresh-secret@development\n');
    edge.child.kill('SIGHUP');
    await waitFor(async () => (await getJson(edge, '/api/frontend', 'fresh-secret')).status === 200, { what: 'the new pre-trusted token' });
    assert.deepEqual(toggles(await getJson(edge, '/api/frontend', 'fresh-secret')), ['pt-a', 'pt-b']);
    assert.equal((await getJson(edge, '/api/frontend', 'legacy-secret')).status, 401, 'removed from the file: refused');
    assert.equal((await getJson(edge, '/api/frontend', '*:development.all-dev-pretrusted')).status, 200, 'the command line one stays');
  } finally {
    await edge?.dispose();
    await up.dispose();
    removeDir(dir);
  }
});
