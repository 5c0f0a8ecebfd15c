// peers.mjs: the Unleash side of bench/compare.sh, run with the Node 22 installed in bench/.peers.
//   node peers.mjs unleash PORT                 unleash-server on 127.0.0.1:PORT (DATABASE_URL,
//                                               INIT_*_API_TOKENS and rate limits come from env)
//   node peers.mjs proxy PORT UNLEASH_API_URL CLIENT_TOKEN CLIENT_KEY
//                                               @unleash/proxy on 127.0.0.1:PORT
//   node peers.mjs seed BASE_URL ADMIN_TOKEN STATE.json [ENV]
//                                               create in Unleash, through its admin API, what
//                                               `latch import STATE.json` creates in latch
// The packages are resolved from bench/.peers (PEERS_DIR), where compare.sh installs them.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const peersDir = process.env.PEERS_DIR || join(dirname(fileURLToPath(import.meta.url)), '.peers');
const require = createRequire(join(peersDir, 'package.json'));
const [cmd, ...args] = process.argv.slice(2);

async function startUnleash(port) {
  const { start } = await import(pathToFileURL(require.resolve('unleash-server')).href);
  await start({
    server: { host: '127.0.0.1', port: Number(port) },
    versionCheck: { enable: false },
    telemetry: false,
    logLevel: process.env.LOG_LEVEL || 'warn',
  });
  console.error(`unleash: listening on 127.0.0.1 port ${port}`);
}

function startProxy(port, unleashUrl, token, key) {
  const { createApp } = require('@unleash/proxy');
  const app = createApp({
    unleashUrl,
    unleashApiToken: token,
    clientKeys: [key],
    refreshInterval: 5000,
    logLevel: 'error',
  });
  app.listen(Number(port), '127.0.0.1', () => {
    console.error(`proxy: listening on 127.0.0.1 port ${port}`);
  });
}

// The context fields Unleash knows without being told.
const builtinContext = new Set(['userId', 'sessionId', 'remoteAddress', 'environment', 'appName',
  'currentTime']);

async function seed(base, token, file, env = 'development') {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const call = async (method, path, body, okStatuses = [200, 201, 202, 204]) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: token, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (okStatuses.includes(res.status)) return text ? JSON.parse(text) : null;
      if (res.status !== 429 && res.status < 500) {
        throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
      }
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
    throw new Error(`${method} ${path}: gave up after 5 attempts`);
  };
  const strategiesOf = (f) => f.strategies || [];
  // 1. context fields used by constraints (flags and segments), before anything uses them
  const fields = new Set();
  for (const s of doc.segments || []) for (const c of s.constraints) fields.add(c.contextName);
  for (const f of doc.features) {
    for (const s of strategiesOf(f)) for (const c of s.constraints || []) fields.add(c.contextName);
  }
  for (const name of fields) {
    if (builtinContext.has(name)) continue;
    await call('POST', '/api/admin/context', { name, description: 'bench', stickiness: false },
      [200, 201, 409]);
  }
  // 2. strategy types it no longer ships (Unleash 8 dropped userWithId; SDKs still know it)
  const known = new Set((await call('GET', '/api/admin/strategies')).strategies.map((s) => s.name));
  for (const f of doc.features) {
    for (const s of strategiesOf(f)) {
      if (known.has(s.name)) continue;
      known.add(s.name);
      await call('POST', '/api/admin/strategies', {
        name: s.name, description: 'bench',
        parameters: Object.keys(s.parameters || {}).map((name) => ({
          name, type: /ids$/i.test(name) ? 'list' : 'string', description: '', required: false,
        })),
      });
    }
  }
  // 3. segments, remembering the ids Unleash gives them
  const segmentIds = new Map();
  for (const s of doc.segments || []) {
    const created = await call('POST', '/api/admin/segments', {
      name: s.name, description: 'bench', constraints: s.constraints,
    });
    segmentIds.set(s.id, created.id);
  }
  // 4. flags, their strategies in order, then the switch; a few flags at a time
  const project = (f) => f.project || 'default';
  const one = async (f) => {
    const p = `/api/admin/projects/${project(f)}/features`;
    await call('POST', p, {
      name: f.name, type: f.type || 'release', description: f.description || '',
      impressionData: Boolean(f.impressionData),
    });
    const fp = `${p}/${encodeURIComponent(f.name)}/environments/${env}`;
    for (const s of strategiesOf(f)) {
      await call('POST', `${fp}/strategies`, {
        name: s.name,
        constraints: s.constraints || [],
        parameters: s.parameters || {},
        variants: s.variants || [],
        segments: (s.segments || []).map((id) => segmentIds.get(id)),
      });
    }
    if (f.enabled) await call('POST', `${fp}/on`, undefined);
  };
  const queue = [...doc.features];
  const workers = Array.from({ length: 6 }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) await one(f);
  });
  await Promise.all(workers);
  console.error(`seed: ${fields.size} context fields, ${segmentIds.size} segments, ` +
    `${doc.features.length} flags into ${env}`);
}

if (cmd === 'unleash' && args.length === 1) {
  await startUnleash(args[0]);
} else if (cmd === 'proxy' && args.length === 4) {
  startProxy(...args);
} else if (cmd === 'seed' && args.length >= 3) {
  await seed(...args);
} else {
  console.error('usage: peers.mjs unleash PORT | proxy PORT URL TOKEN KEY | seed URL TOKEN FILE [ENV]');
  process.exit(2);
}
