// Harness for the front-end API tests (frontend_*.test.mjs): starts `latch offline` or
// `latch serve` from LATCH_BIN on the loopback with --port 0, reads the port from the
// "http: listening on 127.0.0.1 port N" line on stderr, and stops it with SIGTERM. stop()
// fails the test when the exit status is not 0 or a sanitizer reported anything on stderr.
// Independent of harness.mjs (the client-API tests' helper) on purpose.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const JS_MODULES = join(REPO, 'tests', 'js', 'node_modules');
export const LATCH_BIN = process.env.LATCH_BIN || join(REPO, 'build', 'latch');
export const SPEC_DIR = join(JS_MODULES, '@unleash', 'client-specification', 'specifications');

// require() rooted in tests/js, for the npm packages installed there.
export const requireJs = createRequire(join(REPO, 'tests', 'js', 'package.json'));

export const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

export const MSG_WRONG_TYPE = '{"message":"invalid token: expected a different token type for this endpoint"}';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function checkSanitizers(stderr, what) {
  for (const m of SANITIZER_MARKERS)
    assert.ok(!stderr.includes(m), `${what}: sanitizer report "${m}" on stderr:\n${stderr}`);
}

// Poll fn until it returns something truthy; throw after timeoutMs.
export async function waitFor(fn, { timeoutMs = 20000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(intervalMs);
  }
}

export function tempDir(prefix = 'latch-fe-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  if (dir && !process.env.LATCH_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
}

// Write a document (object → JSON, string/Buffer as is) to dir/name; returns the path.
export function writeDoc(dir, name, doc) {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === 'string' || Buffer.isBuffer(doc) ? doc : JSON.stringify(doc));
  return p;
}

// Run the latch CLI synchronously; returns stdout, throws with stderr on a non-zero exit.
export function latchCli(args, { env = {} } = {}) {
  try {
    return execFileSync(LATCH_BIN, args, {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60000,
    });
  } catch (e) {
    const stderr = e.stderr ? String(e.stderr) : '';
    checkSanitizers(stderr, `latch ${args.join(' ')}`);
    throw new Error(`latch ${args.join(' ')} failed (status ${e.status}): ${stderr}`);
  }
}

// A raw HTTP/1.1 request on its own connection: the path goes out byte for byte (no URL
// normalisation), so odd query strings arrive as written. Returns {status, headers, body, text, json()}.
export function rawRequest(base, method, path, { headers = {}, body } = {}) {
  const u = new URL(base);
  return new Promise((res, rej) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const buf = Buffer.concat(chunks);
        res({
          status: r.statusCode,
          headers: r.headers,
          body: buf,
          text: buf.toString('utf8'),
          json: () => JSON.parse(buf.toString('utf8')),
        });
      });
      r.on('error', rej);
    });
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', rej);
    if (body !== undefined) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    req.end();
  });
}

// One running latch process (offline or serve).
export class LatchProcess {
  constructor(kind, args, env, dir) {
    this.kind = kind;
    this.args = args;
    this.env = env;
    this.dir = dir;
  }

  async spawn() {
    this.stderr = '';
    this.exited = null;
    const child = spawn(LATCH_BIN, [this.kind, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    const exit = new Promise((res) =>
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        res(this.exited);
      }),
    );
    const drained = new Promise((res) => child.stderr.on('end', res));
    this.closed = Promise.all([exit, drained]);
    child.stderr.setEncoding('utf8');
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        rej(new Error(`latch ${this.kind} did not start in 30 s:\n${this.stderr}`));
      }, 30000);
      child.stderr.on('data', (d) => {
        this.stderr += d;
        const m = /http: listening on 127\.0\.0\.1 port (\d+)/.exec(this.stderr);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        rej(new Error(`latch ${this.kind} exited (${code ?? signal}) before listening:\n${this.stderr}`));
      });
    });
    this.url = `http://127.0.0.1:${this.port}`;
    await waitFor(async () => (await fetch(`${this.url}/health`)).status === 200, { what: '/health' });
    return this;
  }

  // SIGTERM; assert exit status 0 and a clean stderr. Idempotent.
  async stop() {
    if (!this.child) return this.exited;
    const child = this.child;
    this.child = null;
    if (!this.exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await this.closed;
    clearTimeout(timer);
    checkSanitizers(this.stderr, `latch ${this.kind}`);
    assert.deepEqual(this.exited, { code: 0, signal: null }, `latch ${this.kind} did not exit cleanly:\n${this.stderr}`);
    return this.exited;
  }

  async dispose() {
    try {
      await this.stop();
    } finally {
      if (this.ownDir) removeDir(this.dir);
    }
  }

  // fetch relative to the server.
  fetch(path, init = {}) {
    return fetch(this.url + path, init);
  }

  raw(method, path, opts) {
    return rawRequest(this.url, method, path, opts);
  }

  // Still alive and answering?
  async healthy() {
    const r = await this.fetch('/health');
    await r.arrayBuffer();
    return r.status === 200 && this.exited === null;
  }
}

// `latch offline`. doc: object/string written to a temp file (or file: an existing path).
// keys/frontendTokens/clientTokens: arrays; args: extra arguments; env: extra environment.
export async function startOffline({
  doc,
  file,
  keys = [],
  frontendTokens = [],
  clientTokens = [],
  keyHeader,
  reloadInterval,
  trustedProxies,
  args = [],
  env = {},
} = {}) {
  const dir = tempDir('latch-off-');
  if (!file) file = writeDoc(dir, 'flags.json', doc ?? { version: 2, features: [] });
  const a = ['--bootstrap-file', file, '--port', '0', '--bind', '127.0.0.1'];
  if (keys.length) a.push('--client-keys', keys.join(','));
  if (frontendTokens.length) a.push('--frontend-tokens', frontendTokens.join(','));
  if (clientTokens.length) a.push('--client-tokens', clientTokens.join(','));
  if (keyHeader) a.push('--client-key-header', keyHeader);
  if (reloadInterval !== undefined) a.push('--reload-interval', String(reloadInterval));
  if (trustedProxies) a.push('--trusted-proxies', trustedProxies);
  const p = new LatchProcess('offline', [...a, ...args], env, dir);
  p.ownDir = true;
  p.file = file;
  try {
    await p.spawn();
  } catch (e) {
    removeDir(dir);
    throw e;
  }
  return p;
}

// `latch serve` on a fresh store. imports: {environment: doc-or-path}; tokens: {key: {type,
// environment, projects}} created with `latch token create` (secrets in p.tokens[key]).
export async function startServe({ imports = {}, tokens = {}, args = [], env = {} } = {}) {
  const dir = tempDir('latch-srv-');
  const db = join(dir, 'latch.db');
  const p = new LatchProcess('serve', ['--port', '0', '--bind', '127.0.0.1', '--db', db, '--metrics-interval', '1', ...args], env, dir);
  p.ownDir = true;
  p.db = db;
  try {
    let i = 0;
    for (const [environment, doc] of Object.entries(imports)) {
      const f = typeof doc === 'string' ? doc : writeDoc(dir, `import-${i++}.json`, doc);
      latchCli(['import', f, '--environment', environment, '--db', db]);
    }
    p.tokens = {};
    for (const [key, { type = 'frontend', environment = 'development', projects } = {}] of Object.entries(tokens)) {
      const a = ['token', 'create', '--type', type, '--db', db];
      if (type !== 'admin') a.push('--environment', environment);
      if (projects) a.push('--projects', [].concat(projects).join(','));
      const secret = latchCli(a).trim();
      assert.match(secret, /^\S+$/, `token create printed ${JSON.stringify(secret)}`);
      p.tokens[key] = secret;
    }
    await p.spawn();
  } catch (e) {
    removeDir(dir);
    throw e;
  }
  return p;
}

// The query string unleash-proxy-client 3.8.2 builds (util.ts urlWithContextAsQuery): each
// top-level field as a parameter, properties as properties[name]=value, null/undefined left out.
export function contextQuery(context) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(context ?? {})) {
    if (v === null || v === undefined) continue;
    if (k === 'properties') {
      for (const [pk, pv] of Object.entries(v)) if (pv !== null && pv !== undefined) sp.append(`properties[${pk}]`, pv);
    } else {
      sp.append(k, v);
    }
  }
  return sp.toString();
}

// A minimal features document with the given features (client-features format).
export function featuresDoc(features, segments = []) {
  return { version: 2, features, segments };
}

// A feature on for everyone (default strategy), with optional extra fields.
export function simpleFlag(name, extra = {}) {
  return {
    name,
    enabled: true,
    project: 'default',
    type: 'release',
    stale: false,
    impressionData: false,
    strategies: [{ name: 'default', parameters: {}, constraints: [] }],
    variants: [],
    ...extra,
  };
}
