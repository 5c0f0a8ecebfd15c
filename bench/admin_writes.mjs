// admin_writes.mjs: admin API writes per second against `latch serve`, by dataset size.
//   LATCH_BIN=build/latch node bench/admin_writes.mjs [--seconds S] [--sizes 200,2000,10000]
// For each size: a fresh store with that many flags (bench/gen-state.mjs), `latch serve`, then
// one client switching flags on and off in `development` (POST .../environments/:env/on|off,
// each write flipping its flag: a change, bar the first write of each flag)
// back to back for S seconds (default 5), each acknowledged only after the store committed the
// change with its event and the new snapshot was published. A second number, the same with
// 4 clients at once, shows whether writers queue behind one another. Prints one line per size.
// By hand (make bench-admin), never in the test suite: the figures depend on the machine.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const bin = process.env.LATCH_BIN || join(root, 'build', 'latch');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const seconds = Number(opt('--seconds', '5'));
const sizes = opt('--sizes', '200,2000,10000').split(',').map(Number);

async function startServer(db) {
  const child = spawn(bin, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no start:\n${log}`)), 60000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on 127\.0\.0\.1 port (\d+)/.exec(log);
      if (m) {
        clearTimeout(t);
        res(Number(m[1]));
      }
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

// Each writer flips its own flags (disjoint between writers), so that every write after the
// first of each flag is a change (a switch to the state a flag has writes nothing).
async function writer(url, token, names, deadline, counts) {
  let i = 0;
  const state = new Map();
  while (Date.now() < deadline) {
    const name = names[i % names.length];
    const on = !(state.get(name) ?? false);
    state.set(name, on);
    const res = await fetch(`${url}/api/admin/projects/default/features/${name}/environments/development/${on ? 'on' : 'off'}`, {
      method: 'POST',
      headers: { Authorization: token },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`write answered ${res.status}`);
    counts.n++;
    i++;
  }
}

async function measure(url, token, names, clients) {
  const counts = { n: 0 };
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, (_, k) => writer(url, token, names.filter((_, j) => j % clients === k), deadline, counts)));
  return (counts.n * 1000) / (Date.now() - t0);
}

console.log(`admin writes per second (${seconds} s each; one toggle = one transaction + event + new snapshot)`);
console.log('flags   1 client   4 clients');

for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'latch-bench-admin-'));
  const db = join(dir, 'latch.db');
  try {
    writeFileSync(join(dir, 'state.json'), execFileSync(process.execPath, [join(here, 'gen-state.mjs'), String(n)], { maxBuffer: 1 << 30 }));
    execFileSync(bin, ['import', join(dir, 'state.json'), '--environment', 'development', '--db', db], { stdio: 'ignore' });
    const token = execFileSync(bin, ['token', 'create', '--type', 'admin', '--db', db], { encoding: 'utf8' }).trim();
    const { child, url } = await startServer(db);
    try {
      const names = Array.from({ length: Math.min(n, 100) }, (_, i) => `flag-${String(i * Math.floor(n / Math.min(n, 100))).padStart(4, '0')}`);
      await measure(url, token, names, 1); // warm-up, discarded (short)
      const one = await measure(url, token, names, 1);
      const four = await measure(url, token, names, 4);
      console.log(`${String(n).padStart(5)}   ${one.toFixed(0).padStart(8)}   ${four.toFixed(0).padStart(9)}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
