// Harness for the `latch edge` tests (edge*.test.mjs): an upstream `latch serve` from
// harness.mjs (Latch), and `latch edge` processes in front of it, started with the generic
// LatchProcess of frontend_harness.mjs (port from the "listening" line, SIGTERM on stop, exit
// status and sanitizer reports checked).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatchProcess, tempDir, removeDir } from './frontend_harness.mjs';
import { Latch, fixturePath, waitFor } from './harness.mjs';

export { Latch, fixturePath };

// A client-features document of plain flags: [name, project, enabled] each, one default
// strategy when enabled.
export function flagsDoc(flags) {
  return {
    version: 2,
    features: flags.map(([name, project, enabled]) => ({
      name,
      type: 'release',
      project,
      enabled,
      stale: false,
      impressionData: false,
      strategies: [{ name: 'default', constraints: [], parameters: {} }],
      variants: [],
    })),
  };
}

// `latch serve` seeded with docs ({environment: doc}) and tokens ({key: spec}, harness.mjs).
export async function startUpstream({ docs = {}, tokens = {}, args = [] } = {}) {
  const dir = tempDir('latch-up-');
  const fixtures = {};
  for (const [env, doc] of Object.entries(docs)) {
    fixtures[env] = join(dir, `${env}.json`);
    writeFileSync(fixtures[env], JSON.stringify(doc));
  }
  const up = await Latch.start({ fixtures, tokens: { admin: { type: 'admin' }, ...tokens }, args });
  up.fixtureDir = dir;
  const dispose = up.dispose.bind(up);
  up.dispose = async () => {
    try {
      await dispose();
    } finally {
      removeDir(dir);
    }
  };
  return up;
}

// `latch edge` in front of upstream (a URL). tokens/keys: arrays; args: more options.
export async function startEdge({ upstream, tokens = [], keys = [], keysEnv, backup, args = [], env = {}, dir } = {}) {
  const own = !dir;
  dir ??= tempDir('latch-edge-');
  const a = ['--upstream-url', upstream, '--port', '0', '--bind', '127.0.0.1',
    '--features-refresh-interval-seconds', '1', '--metrics-interval-seconds', '1'];
  if (tokens.length) a.push('--tokens', tokens.join(','));
  if (keys.length) a.push('--client-keys', keys.join(','));
  if (keysEnv) a.push('--client-keys-environment', keysEnv);
  if (backup) a.push('--backup-folder', backup);
  const p = new LatchProcess('edge', [...a, ...args], env, dir);
  p.ownDir = own;
  try {
    await p.spawn();
  } catch (e) {
    if (own) removeDir(dir);
    throw e;
  }
  return p;
}

// GET with a token, parsed: {status, json, headers}.
export async function getJson(server, path, token, headers = {}) {
  const r = await server.fetch(path, { headers: token ? { Authorization: token, ...headers } : headers });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, json, text, headers: r.headers };
}

// The sorted flag names of a client-features answer.
export const namesOf = (body) => body.features.map((f) => f.name).sort();

// A token created with the CLI, once the running upstream has loaded it.
export async function knownUpstream(up, secret) {
  await waitFor(async () => (await up.get('/api/client/features', { Authorization: secret })).status === 200, { what: 'the upstream loading a new token' });
  return secret;
}
