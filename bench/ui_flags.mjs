// ui_flags.mjs: how fast the admin page shows a big project's flag list, in Debian's Chromium.
//   LATCH_BIN=build/latch node bench/ui_flags.mjs [--flags 10000] [--runs 5]
// A fresh store with N flags (bench/gen-state.mjs, all in project default), `latch serve`, a
// logged-in page; then per run: a fresh load of /projects/default until the first page of
// rows is in the document (the whole list fetched, parsed, filtered and the page drawn), the
// next page, and a search typed into the box. Prints the median and the worst of the runs.
// By hand (make bench-ui), never in the test suite: the figures depend on the machine.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(import.meta.url);
const { chromium } = require(join(root, 'tests', 'js', 'node_modules', 'playwright-core'));
const bin = process.env.LATCH_BIN || join(root, 'build', 'latch');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const nFlags = Number(opt('--flags', '10000'));
const runs = Number(opt('--runs', '5'));
const PASSWORD = 'Bench-Passw0rd!';

const dir = mkdtempSync(join(tmpdir(), 'latch-bench-ui-'));
const db = join(dir, 'latch.db');
let child;
try {
  writeFileSync(join(dir, 'state.json'), execFileSync(process.execPath, [join(here, 'gen-state.mjs'), String(nFlags)], { maxBuffer: 1 << 30 }));
  execFileSync(bin, ['import', join(dir, 'state.json'), '--environment', 'development', '--db', db], { stdio: 'ignore' });
  child = spawn(bin, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UNLEASH_DEFAULT_ADMIN_PASSWORD: PASSWORD },
  });
  let log = '';
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no start:\n${log}`)), 60000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on 127\.0\.0\.1 port (\d+)/.exec(log);
      if (m) { clearTimeout(t); res(Number(m[1])); }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  const load = [], inPage = [], fetched = [], drawn = [], next = [], search = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    await page.goto(`${url}/projects/default`);
    await page.getByText(`${nFlags} flags`, { exact: true }).waitFor({ timeout: 60000 });
    load.push(Date.now() - t0);
    const m = await page.evaluate(() => window.__latchFlagList);
    inPage.push(Math.round(m.done));
    fetched.push(Math.round(m.fetch));
    drawn.push(Math.round(m.draw));
    const t1 = Date.now();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/^ ?Page 2 of/).waitFor();
    next.push(Date.now() - t1);
    const t2 = Date.now();
    await page.getByLabel('Search flags by name').fill('flag-99');
    await page.getByText(/ of \d+ flags match$/).waitFor();
    search.push(Date.now() - t2); // includes the 120 ms the box waits for typing to pause
  }
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`admin page, project with ${nFlags} flags, ${runs} runs (ms): median / worst`);
  console.log(`  load of the flag list (fetch + parse + first page drawn): ${med(load)} / ${Math.max(...load)}`);
  console.log(`  the same seen by the page (navigation start to rows drawn): ${med(inPage)} / ${Math.max(...inPage)}`);
  console.log(`    of which the API calls (list of ${nFlags} flags and 3 more): ${med(fetched)} / ${Math.max(...fetched)}`);
  console.log(`    of which filtering and drawing the first page: ${med(drawn)} / ${Math.max(...drawn)}`);
  console.log(`  next page: ${med(next)} / ${Math.max(...next)}`);
  console.log(`  search typed (with the 120 ms pause): ${med(search)} / ${Math.max(...search)}`);
  await browser.close();
} finally {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
