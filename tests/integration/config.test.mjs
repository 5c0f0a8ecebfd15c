// The configuration file of `latch serve` (--config, LATCH_CONFIG): its values are used, the
// environment overrides the file and the command line overrides both; an unknown key or a bad
// value stops latch with the file and line (exit 2). Also --first-start-file, and the version
// in /health, Prometheus and `latch --version`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Latch, LATCH_BIN, REPO, latch, request, waitFor } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'latch-conf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function confFile(text) {
  const path = join(dir, `latch-${++n}.conf`);
  writeFileSync(path, text);
  return path;
}

// The status of POST /api/client/metrics with a body of `size` bytes (no token: 401 when the
// body fits, 413 when it is over --max-body).
async function postStatus(srv, size) {
  const body = JSON.stringify({ appName: 'x', instanceId: 'y'.repeat(size - 40) });
  const res = await srv.request('POST', '/api/client/metrics', {
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  return res.status;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// `latch serve` with only the arguments given; for the ones that must not start.
function serveFails(args, env = {}) {
  const r = spawnSync(LATCH_BIN, ['serve', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: r.status, stderr: r.stderr };
}

test('the file is read; the environment beats it; the command line beats both', async () => {
  // log-level error in the file would hide the "listening" line the harness waits for:
  // LOG_LEVEL=info in the environment wins, so the server is seen to start
  const conf = confFile('# test\nmax-body = 4096\n\nlog-level = error\nlog-format = text\n');
  const srv = await Latch.start({ args: ['--config', conf], env: { LOG_LEVEL: 'info' } });
  try {
    assert.equal(await postStatus(srv, 3000), 401);
    assert.equal(await postStatus(srv, 5000), 413, 'max-body from the file');
    assert.match(srv.stderr, /configuration from .*latch-\d+\.conf/);
  } finally {
    await srv.dispose();
  }
  const srv2 = await Latch.start({ args: ['--config', conf, '--max-body', '8192'], env: { LOG_LEVEL: 'info' } });
  try {
    assert.equal(await postStatus(srv2, 5000), 401, '--max-body over the file');
    assert.equal(await postStatus(srv2, 9000), 413);
  } finally {
    await srv2.dispose();
  }
});

test('port, bind and db from a file named by LATCH_CONFIG; PORT overrides the file', async () => {
  const [filePort, envPort] = [await freePort(), await freePort()];
  const db = join(dir, 'from-conf.db');
  const conf = confFile(`port = ${filePort}\nbind = "127.0.0.1"\ndb = ${db}\nthreads = 2\n`);
  for (const [env, port] of [[{}, filePort], [{ PORT: String(envPort) }, envPort]]) {
    const { spawn } = await import('node:child_process');
    const environ = { ...process.env, LATCH_CONFIG: conf, ...env };
    delete environ.HTTP_PORT;
    if (!env.PORT) delete environ.PORT;
    const child = spawn(LATCH_BIN, ['serve'], { env: environ, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
    try {
      const res = await waitFor(async () => {
        const r = await request(`http://127.0.0.1:${port}`, 'GET', '/health');
        return r.status === 200 ? r : null;
      }, { what: `latch on port ${port}`, timeoutMs: 20000 });
      assert.equal(res.json().health, 'GOOD');
      assert.match(stderr, new RegExp(`listening on 127\\.0\\.0\\.1 port ${port} \\(2 threads\\)`));
      assert.match(stderr, new RegExp(`store ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      child.kill('SIGTERM');
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
  }
});

test('an unknown key, a bad value or a missing file: exit 2 naming the file and line', () => {
  const cases = [
    ['port = 4242\ncolour = blue\n', /:2: unknown key "colour"/],
    ['# x\nport = 4242\nport = 4243\n', /:3: port is set twice \(first on line 2\)/],
    ['watch-interval = 10\n', /:1: watch-interval must be a number between 50 and 3600000 \(got "10"\)/],
    ['log-format = xml\n', /:1: log-format must be text or json/],
    ['just words\n', /:1: expected `key = value`/],
  ];
  for (const [text, re] of cases) {
    const conf = confFile(text);
    const r = serveFails(['--config', conf, '--db', join(dir, 'never.db')]);
    assert.equal(r.status, 2, `${text}: ${r.stderr}`);
    assert.ok(r.stderr.includes(conf), r.stderr);
    assert.match(r.stderr, re);
  }
  const missing = serveFails(['--config', join(dir, 'nope.conf')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.conf: No such file or directory/);
  // a bad value from the environment or the command line is named by its variable or option
  const conf = confFile('port = 4242\n');
  assert.match(serveFails(['--config', conf], { PORT: 'x' }).stderr, /PORT must be a number/);
  assert.match(serveFails(['--config', conf, '--log-level', 'loud']).stderr, /--log-level must be/);
});

test('--first-start-file: the admin password and token written once, mode 0600', async () => {
  const creds = join(dir, 'first-start-credentials');
  const conf = confFile(`first-start-file = ${creds}\n`);
  const srv = await Latch.start({ args: ['--config', conf] });
  try {
    const st = statSync(creds);
    assert.equal(st.mode & 0o777, 0o600);
    const text = readFileSync(creds, 'utf8');
    const get = (k) => new RegExp(`^${k} = (.+)$`, 'm').exec(text)?.[1];
    assert.equal(get('admin-user'), 'admin');
    const password = get('admin-password');
    const token = get('admin-token');
    assert.ok(password && token, text);
    assert.ok(!srv.stderr.includes(password) && !srv.stderr.includes(token), 'a secret in the log');
    const login = await srv.post('/auth/simple/login', { username: 'admin', password });
    assert.equal(login.status, 200, login.text);
    const users = await srv.get('/api/admin/user-admin', { Authorization: token });
    assert.equal(users.status, 200, users.text);
    // not a first start any more: the file is left as it is
    await srv.restart();
    assert.equal(readFileSync(creds, 'utf8'), text);
  } finally {
    await srv.dispose();
  }
});

test('the version: latch --version, /health and latch_build_info', async () => {
  const out = latch(['--version']);
  const version = /^latch (\S+)$/m.exec(out)[1];
  const revision = /^revision (\S+)$/m.exec(out)[1];
  for (const lib of ['libmicrohttpd', 'sqlite', 'libsodium', 'cjson', 'pcre2', 'zlib'])
    assert.match(out, new RegExp(`^${lib} \\d+\\.\\d+`, 'm'), out);
  assert.match(out, /^built (\d{4}-\d\d-\d\d|unknown)$/m);
  const srv = await Latch.start();
  try {
    const health = await srv.get('/health');
    assert.equal(health.text, `{"health":"GOOD","version":"${version}"}`);
    const prom = await srv.get('/internal-backstage/prometheus');
    assert.ok(prom.text.includes(`latch_build_info{version="${version}",revision="${revision}"} 1\n`), prom.text);
  } finally {
    await srv.dispose();
  }
});

test('the man page (scripts/man.sh, from --help) shows every option of every command', () => {
  const man = execFileSync('sh', [join(REPO, 'scripts', 'man.sh'), LATCH_BIN], { encoding: 'utf8' });
  assert.match(man, /^\.TH LATCH 1 /m);
  const commands = [...latch(['--help']).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
  assert.ok(commands.includes('serve') && commands.length >= 6, commands.join(','));
  for (const cmd of commands) {
    assert.ok(man.includes(`.SS latch ${cmd}\n`), `no section for latch ${cmd}`);
    const options = new Set(latch([cmd, '--help']).match(/--[a-z][a-z-]*/g));
    assert.ok(cmd !== 'serve' || options.size >= 12, [...options].join(' '));
    for (const opt of options)
      assert.ok(man.includes(opt.replaceAll('-', '\\-')), `latch ${cmd} --help shows ${opt}; the man page does not`);
  }
});
