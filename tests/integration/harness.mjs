// Shared harness for latch's integration tests: one temporary store per server, seeded with
// `latch import`, tokens minted with `latch token create`, then `latch serve --port 0` on the
// loopback. stop() sends SIGTERM and fails when the exit is not clean or a sanitizer spoke.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { createDatabase, psql } from './pg_harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const DATA = join(REPO, 'tests', 'data');
export const JS_MODULES = join(REPO, 'tests', 'js', 'node_modules');
export const LATCH_BIN = process.env.LATCH_BIN || join(REPO, 'build', 'latch');

// Markers a sanitizer leaves on stderr.
const SANITIZER_MARKERS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
];

// The exact bodies of UNLEASH-API.md §2.3.
export const MSG_NEED_TOKEN =
  '{"message":"This endpoint requires an API token. Please add an authorization header to your request with a valid token"}';
export const MSG_WRONG_TYPE =
  '{"message":"invalid token: expected a different token type for this endpoint"}';

export const fixturePath = (name) => join(DATA, name);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll fn until it returns a truthy value; return that value or throw after timeoutMs.
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
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(intervalMs);
  }
}

function checkSanitizers(stderr, what) {
  for (const m of SANITIZER_MARKERS)
    assert.ok(!stderr.includes(m), `${what}: sanitizer report "${m}" on stderr:\n${stderr}`);
}

// Run the latch CLI synchronously; returns stdout. Throws (with stderr) on a non-zero exit.
export function latch(args, { env = {}, input } = {}) {
  try {
    const out = execFileSync(LATCH_BIN, args, {
      env: { ...process.env, ...env },
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60000,
    });
    return out;
  } catch (e) {
    const stderr = e.stderr ? String(e.stderr) : '';
    checkSanitizers(stderr, `latch ${args.join(' ')}`);
    throw new Error(`latch ${args.join(' ')} failed (status ${e.status}): ${stderr}`);
  }
}

// Rows of a query against a SQLite file, as objects. Only for what no API and no `latch
// export` can show (each call site says why); everything else is checked through latch.
export function sql(db, query) {
  if (/^postgres(ql)?:\/\//.test(db)) return pgSql(db, query);
  const out = execFileSync('sqlite3', ['-json', db, query], { encoding: 'utf8', timeout: 30000 });
  return out.trim() ? JSON.parse(out) : [];
}

// The same on a PostgreSQL store (LATCH_IT_PG_URL): the rows as JSON objects.
function pgSql(db, query) {
  const rows = psql(db, `SELECT coalesce(json_agg(t), '[]') FROM (${query.replace(/;\s*$/, '')}) t`);
  return JSON.parse(rows[0]?.[0] ?? '[]');
}

// A raw HTTP request (no URL normalisation, no automatic decompression, one connection each).
// The body gets a Content-Length unless chunked is set. Returns {status, headers, body: Buffer,
// text, json()}.
export function request(base, method, path, { headers = {}, body, chunked = false, timeoutMs = 30000 } = {}) {
  const u = new URL(base);
  let payload;
  if (body !== undefined)
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  const h = { ...headers };
  if (payload && !chunked && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length'))
    h['Content-Length'] = payload.length;
  return new Promise((resolveP, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolveP({
          status: res.statusCode,
          headers: res.headers,
          body: buf,
          text: buf.toString('utf8'),
          json() {
            return JSON.parse(buf.toString('utf8'));
          },
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path.slice(0, 80)}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload && chunked) {
      // several chunks, so the body really arrives in pieces
      for (let i = 0; i < payload.length; i += 1024) req.write(payload.subarray(i, i + 1024));
    } else if (payload) {
      req.write(payload);
    }
    req.end();
  });
}

// Send bytes on a fresh TCP connection; resolve with whatever comes back before the server
// closes it (or timeoutMs passes).
export function rawExchange(base, data, { timeoutMs = 10000 } = {}) {
  const u = new URL(base);
  return new Promise((resolveP) => {
    const chunks = [];
    const s = net.connect(Number(u.port), u.hostname, () => s.end(data));
    const done = () => resolveP(Buffer.concat(chunks).toString('latin1'));
    s.setTimeout(timeoutMs, () => s.destroy());
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', done);
  });
}

export class Latch {
  // options:
  //   fixtures: {env: path} imported before start (default: development <- client-features.json)
  //   tokens:   {key: {type, environment, projects, expires, name}} created before start
  //   args:     extra `latch serve` arguments
  //   env:      extra environment for the server
  //   dir:      an existing directory for the store (default: a new temporary one)
  //   db:       the store to use (a path or a postgres:// URL) instead of a fresh one
  static async start({ fixtures, tokens = {}, args = [], env = {}, dir, db } = {}) {
    const l = new Latch();
    l.dir = dir ?? mkdtempSync(join(tmpdir(), 'latch-it-'));
    // LATCH_IT_PG_URL: every server gets a fresh database on that PostgreSQL instead of SQLite
    l.db = db ?? (process.env.LATCH_IT_PG_URL ? createDatabase(process.env.LATCH_IT_PG_URL, 'it') : join(l.dir, 'latch.db'));
    fixtures = fixtures ?? { development: fixturePath('client-features.json') };
    for (const [environment, file] of Object.entries(fixtures)) l.import(file, environment);
    l.tokens = {};
    for (const [key, spec] of Object.entries(tokens)) l.tokens[key] = l.createToken(spec);
    await l.#spawn(args, env);
    return l;
  }

  cli(args, opts) {
    return latch([...args, '--db', this.db], opts);
  }

  import(file, environment) {
    return this.cli(['import', file, '--environment', environment]);
  }

  // Write a document to the temp dir and import it.
  importDoc(doc, environment) {
    const file = join(this.dir, `import-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(doc));
    return this.import(file, environment);
  }

  createToken({ type = 'client', environment = 'development', projects, expires, name } = {}) {
    const args = ['token', 'create', '--type', type];
    if (type !== 'admin') args.push('--environment', environment);
    if (projects) args.push('--projects', Array.isArray(projects) ? projects.join(',') : projects);
    if (expires) args.push('--expires', expires);
    if (name) args.push('--name', name);
    const secret = this.cli(args).trim();
    assert.match(secret, /^\S+:\S+\.\S+$/, `token create printed ${JSON.stringify(secret)}`);
    return secret;
  }

  sql(query) {
    return sql(this.db, query);
  }

  // `latch export --all` of this store, parsed.
  exportAll() {
    return JSON.parse(this.cli(['export', '--all']));
  }

  // The id of the newest event in the log (GET /api/admin/events, newest first), 0 when empty.
  async lastEventId(token = this.tokens.admin) {
    const res = await this.get('/api/admin/events?limit=1', { Authorization: token });
    assert.equal(res.status, 200, `GET /api/admin/events: ${res.status} ${res.text}`);
    return res.json().events[0]?.id ?? 0;
  }

  // An application's usage as the admin API shows it (GET /api/admin/client-metrics/features/
  // :name/raw, which sums instances): one entry per (flag, environment) with counts, summed over
  // the hours asked for, sorted by flag. features: the flag names to ask about.
  async usage(appName, features, { token = this.tokens.admin, hoursBack = 2 } = {}) {
    const sums = new Map();
    for (const feature of features) {
      const path = `/api/admin/client-metrics/features/${encodeURIComponent(feature)}/raw?hoursBack=${hoursBack}`;
      const res = await this.get(path, { Authorization: token });
      assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.text}`);
      for (const d of res.json().data) {
        if (d.appName !== appName) continue;
        const k = `${feature}/${d.environment}`;
        const e = sums.get(k) ?? { feature, environment: d.environment, yes: 0, no: 0, variants: {} };
        e.yes += d.yes;
        e.no += d.no;
        for (const [v, c] of Object.entries(d.variants ?? {})) e.variants[v] = (e.variants[v] ?? 0) + c;
        sums.set(k, e);
      }
    }
    // every (environment, application) pair gets zero buckets: keep the entries with counts
    return [...sums.values()]
      .filter((e) => e.yes || e.no)
      .sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature) || (a.environment < b.environment ? -1 : 1));
  }

  // Whether no stored strategy (of any flag, archived ones included) has one of these ids:
  // `latch import` keeps an imported strategy's id only when the store has no strategy with it.
  // Imports a probe flag into project default whose development strategies carry the ids,
  // reads back which ids it kept, then archives and deletes the probe.
  async strategyIdsFree(ids, token = this.tokens.admin) {
    const name = `probe-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
    const strategies = ids.map((id) => ({ id, name: 'default', constraints: [], parameters: {} }));
    const flag = { name, type: 'release', project: 'default', enabled: false, stale: false, impressionData: false, strategies, variants: [] };
    this.importDoc({ version: 2, features: [flag] }, 'development');
    const auth = { Authorization: token };
    const path = `/api/admin/projects/default/features/${name}`;
    const got = await waitFor(async () => {
      const r = await this.get(path, auth);
      return r.status === 200 ? r.json() : null;
    }, { what: `the probe flag ${name}` });
    const kept = got.environments.find((e) => e.name === 'development').strategies.map((s) => s.id);
    assert.equal(kept.length, ids.length, JSON.stringify(got));
    assert.equal((await this.request('DELETE', path, { headers: auth })).status, 202);
    assert.equal((await this.request('DELETE', `/api/admin/archive/${name}`, { headers: auth })).status, 200);
    const taken = ids.filter((id) => !kept.includes(id));
    return taken.length === 0;
  }

  // Every event with an id above `since`, oldest first, read through GET /api/admin/events
  // (pages of 1000, newest first, until one reaches `since`).
  async eventsSince(since, token = this.tokens.admin) {
    const out = new Map();
    for (let offset = 0; ; offset += 1000) {
      const res = await this.get(`/api/admin/events?limit=1000&offset=${offset}`, { Authorization: token });
      assert.equal(res.status, 200, `GET /api/admin/events: ${res.status} ${res.text}`);
      const page = res.json().events;
      for (const e of page) if (e.id > since) out.set(e.id, e);
      if (page.length < 1000 || page.at(-1).id <= since) break;
    }
    return [...out.values()].sort((a, b) => a.id - b.id);
  }

  async #spawn(args, env) {
    this.stderr = '';
    this.exited = null;
    const child = spawn(
      LATCH_BIN,
      ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', this.db, '--metrics-interval', '1', ...args],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exitPromise = new Promise((res) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        res(this.exited);
      });
    });
    // The 'exit' event can come before stderr is drained; wait for both.
    const stderrDone = new Promise((res) => child.stderr.on('end', res));
    this.closed = Promise.all([this.exitPromise, stderrDone]);
    child.stderr.setEncoding('utf8');
    const port = await new Promise((res, rej) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        rej(new Error(`latch serve did not start in 30 s:\n${this.stderr}`));
      }, 30000);
      child.stderr.on('data', (d) => {
        this.stderr += d;
        const m = /http: listening on 127\.0\.0\.1 port (\d+)/.exec(this.stderr);
        // and the start-up line that follows the first-start report, so what first start
        // logs is there when the test looks
        if (m && /serving \(store /.test(this.stderr)) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        rej(new Error(`latch serve exited (${code ?? signal}) before listening:\n${this.stderr}`));
      });
    });
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    // Serving starts right after the listen line; make sure it answers (under --base-path).
    const bp = args.includes('--base-path') ? args[args.indexOf('--base-path') + 1] : env.UNLEASH_BASE_URI_PATH;
    this.basePath = (bp || '').replace(/\/+$/, '');
    await waitFor(async () => (await this.get(`${this.basePath}/health`)).status === 200, { what: '/health' });
  }

  // Stop with SIGTERM; assert a clean exit (status 0, no sanitizer report). Idempotent.
  async stop() {
    if (!this.child) return this.exited;
    const child = this.child;
    this.child = null;
    if (!this.exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await this.closed;
    clearTimeout(timer);
    checkSanitizers(this.stderr, 'latch serve');
    assert.deepEqual(this.exited, { code: 0, signal: null }, `latch serve did not exit cleanly:\n${this.stderr}`);
    return this.exited;
  }

  // Kill with SIGKILL: no shutdown work, so what is not in the store yet is lost. restart()
  // starts it again on the same store.
  async kill() {
    const child = this.child;
    this.child = null;
    if (!this.exited) child.kill('SIGKILL');
    await this.closed;
    checkSanitizers(this.stderr, 'latch serve');
    assert.deepEqual(this.exited, { code: null, signal: 'SIGKILL' }, `latch serve was not killed:\n${this.stderr}`);
  }

  // Stop (checked) and remove the temporary directory.
  async dispose() {
    try {
      await this.stop();
    } finally {
      if (this.dir && !process.env.LATCH_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
    }
  }

  // Restart on the same store (after stop()).
  async restart(args = [], env = {}) {
    await this.stop();
    await this.#spawn(args, env);
  }

  request(method, path, opts) {
    return request(this.url, method, path, opts);
  }

  raw(data, opts) {
    return rawExchange(this.url, data, opts);
  }

  get(path, headers = {}) {
    return this.request('GET', path, { headers });
  }

  post(path, body, headers = {}) {
    const h = { 'Content-Type': 'application/json', ...headers };
    return this.request('POST', path, { headers: h, body });
  }

  // GET /api/client/features with a token; returns {res, body}.
  async features(token, { query = '', headers = {} } = {}) {
    const res = await this.get(`/api/client/features${query}`, { Authorization: token, ...headers });
    assert.equal(res.status, 200, `features: ${res.status} ${res.text}`);
    return { res, body: res.json() };
  }
}

// Helpers to compute what the client API must show for a fixture document.

const STRATEGY_ADMIN_KEYS = ['id', 'title', 'sortOrder', 'disabled'];

// The ClientFeature a fixture feature becomes. inline: segment constraints appended, no
// segments keys; otherwise segment ids sorted ascending.
export function expectedFeature(f, segments, { inline }) {
  const strategies = (f.strategies ?? [])
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => !s.disabled)
    .sort((a, b) => (a.s.sortOrder ?? a.i) - (b.s.sortOrder ?? b.i) || a.i - b.i)
    .map(({ s }) => {
      const out = {};
      for (const [k, v] of Object.entries(s)) if (!STRATEGY_ADMIN_KEYS.includes(k)) out[k] = v;
      out.parameters = Object.fromEntries(Object.entries(s.parameters ?? {}).map(([k, v]) => [k, String(v)]));
      const ids = [...(s.segments ?? [])].sort((a, b) => a - b);
      if (inline) {
        delete out.segments;
        out.constraints = [...(s.constraints ?? [])];
        for (const id of ids) out.constraints.push(...segments.find((x) => x.id === id).constraints);
      } else if (ids.length) {
        out.segments = ids;
      } else {
        delete out.segments;
      }
      return out;
    });
  const out = {
    name: f.name,
    type: f.type,
    description: f.description ?? null,
    enabled: f.enabled,
    project: f.project,
    stale: f.stale,
    impressionData: f.impressionData,
    strategies,
    variants: f.variants ?? [],
  };
  if (f.dependencies?.length) out.dependencies = f.dependencies;
  return canonical(out);
}

// Dependencies carry no order: compare them sorted by parent name.
export function canonical(feature) {
  if (!feature?.dependencies) return feature;
  const deps = [...feature.dependencies].sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature));
  return { ...feature, dependencies: deps };
}

export function expectedSegment(s) {
  return { id: s.id, name: s.name, constraints: s.constraints };
}

// Map name -> feature for a features list, asserting names are unique.
export function byName(features) {
  const m = new Map();
  for (const f of features) {
    assert.ok(!m.has(f.name), `feature ${f.name} listed twice`);
    m.set(f.name, f);
  }
  return m;
}
