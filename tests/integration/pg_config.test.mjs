// Choosing the PostgreSQL store: Unleash's DATABASE_HOST/PORT/USERNAME/PASSWORD/NAME/SSL and
// DATABASE_SCHEMA instead of a URL, and a password in the URL never shown in the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, latch } from './harness.mjs';
import { startPostgres, postgresAvailable, psql } from './pg_harness.mjs';

const skip = postgresAvailable() ? false : 'no PostgreSQL server binaries here';
let pg;

before(async () => {
  if (!skip) pg = await startPostgres();
});
after(() => pg?.dispose());

test("Unleash's DATABASE_* variables and DATABASE_SCHEMA choose the store", { skip }, () => {
  const url = pg.createDatabase('unleashvars');
  const u = new URL(url);
  const env = {
    DATABASE_URL: '',
    DATABASE_HOST: u.hostname,
    DATABASE_PORT: u.port,
    DATABASE_USERNAME: 'postgres',
    DATABASE_PASSWORD: 'p@ss:w/rd', // trust auth takes any; it must survive the URL encoding
    DATABASE_NAME: u.pathname.slice(1),
    DATABASE_SSL: 'false',
    DATABASE_SCHEMA: 'latch_here',
  };
  const secret = latch(['token', 'create', '--type', 'admin', '--name', 'via-env'], { env }).trim();
  assert.match(secret, /^\*:\*\.\S+$/);
  // the token is in that database, in that schema (and nowhere else)
  assert.deepEqual(psql(url, "SELECT name FROM latch_here.api_tokens WHERE name = 'via-env'"), [['via-env']]);
  assert.deepEqual(psql(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'api_tokens'"), [['0']]);
  // and `latch token list` through the same variables finds it
  assert.match(latch(['token', 'list'], { env }), /via-env/);
});

test('the start-up line shows a postgres:// URL without its password', { skip }, async () => {
  const url = new URL(pg.createDatabase('redact'));
  url.username = 'postgres';
  url.password = 'Sup3r-S3cret-Pw';
  const srv = await Latch.start({ db: url.toString(), fixtures: {} });
  try {
    assert.match(srv.stderr, /serving \(store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+\)/);
    assert.ok(!srv.stderr.includes('Sup3r-S3cret-Pw'), srv.stderr);
  } finally {
    await srv.dispose();
    assert.ok(!srv.stderr.includes('Sup3r-S3cret-Pw'), 'not at shutdown either');
  }
});
