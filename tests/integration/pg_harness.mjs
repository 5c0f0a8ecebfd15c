// A private PostgreSQL cluster for integration tests (scripts/pg-test.sh: initdb in a temp dir,
// 127.0.0.1, a free port, trust auth). startPostgres() -> {url, dir, createDatabase(name) -> url,
// psql(url, sql) -> rows, stop(), restart(), dispose()}. Other suites (edge, import) reuse it.
//
// LATCH_TEST_PG_URL (the URL of a running server whose user may create databases) is used
// instead of starting a cluster when set: `make test` starts one cluster for every suite.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'scripts', 'pg-test.sh');

// Whether a PostgreSQL server can be had here (the Debian package's binaries or a given URL).
export function postgresAvailable() {
  if (process.env.LATCH_TEST_PG_URL) return true;
  try {
    execFileSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The URL of database `name` on the server at base.
export function databaseUrl(base, name) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

// Rows of a query (psql, tuples only, unaligned, `|` between fields), as arrays of strings.
export function psql(url, query) {
  const out = execFileSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', query], {
    encoding: 'utf8',
    timeout: 30000,
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}

let counter = 0;
// A fresh, empty database on the server at base; returns its URL.
export function createDatabase(base, prefix = 'latch') {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  psql(databaseUrl(base, 'postgres'), `CREATE DATABASE ${name}`);
  return databaseUrl(base, name);
}

// own: a cluster of this test's own even when LATCH_TEST_PG_URL is set (a test that stops it).
export async function startPostgres({ own = false } = {}) {
  if (process.env.LATCH_TEST_PG_URL && !own) {
    const url = process.env.LATCH_TEST_PG_URL;
    return {
      url,
      dir: null,
      createDatabase: (name) => createDatabase(url, name),
      psql,
      stop() {
        throw new Error('a shared LATCH_TEST_PG_URL server cannot be stopped by a test');
      },
      restart() {},
      dispose() {},
      shared: true,
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'latch-pg-'));
  const url = execFileSync(SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 120000 }).trim();
  return {
    url,
    dir,
    shared: false,
    createDatabase: (name) => createDatabase(url, name),
    psql,
    stop() {
      execFileSync(SCRIPT, ['stop', dir], { timeout: 120000 });
    },
    restart() {
      execFileSync(SCRIPT, ['restart', dir], { timeout: 120000 });
    },
    dispose() {
      try {
        execFileSync(SCRIPT, ['stop', dir], { timeout: 120000 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
