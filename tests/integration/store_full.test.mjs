// A full disk (issue 10, points 15 and 16), on a small tmpfs (needs root to mount one; skipped
// otherwise): an admin write is refused with 507 and a JSON error naming the full disk, reads
// keep working, usage metrics acknowledged to SDKs meanwhile are kept and written once space
// is back, and writes work again by themselves.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, unlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Latch, waitFor } from './harness.mjs';

let srv;
let dir;
let mounted = false;

function mountTmpfs() {
  dir = mkdtempSync(join(tmpdir(), 'latch-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'ignore' });
    mounted = true;
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
  return mounted;
}

after(async () => {
  if (srv) await srv.stop();
  if (mounted) execFileSync('umount', [dir]);
  if (srv) await srv.dispose();
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

// Fill the file system with one file until it refuses more; returns its path.
function fill() {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    assert.equal(e.code, 'ENOSPC', String(e));
  }
  const small = Buffer.alloc(512, 1); // the last pages too
  try {
    for (;;) writeSync(fd, small);
  } catch (e) {
    assert.equal(e.code, 'ENOSPC', String(e));
  }
  closeSync(fd);
  return path;
}

test('a full disk: 507 naming it, reads go on, usage is kept, and writes recover by themselves', async (t) => {
  if (!mountTmpfs()) return t.skip('cannot mount a tmpfs here (needs root)');
  srv = await Latch.start({ dir, tokens: { admin: { type: 'admin' }, dev: { type: 'client', environment: 'development' } } });
  const admin = { Authorization: srv.tokens.admin };
  const dev = { Authorization: srv.tokens.dev };
  const filler = fill();

  // usage acknowledged while the disk is full
  const now = new Date().toISOString();
  const m = await srv.post('/api/client/metrics', { appName: 'full-app', instanceId: 'i1', bucket: { start: now, stop: now, toggles: { 'dark-mode': { yes: 7, no: 2 } } } }, dev);
  assert.equal(m.status, 202, m.text);

  // writes fail once the store's files cannot grow; the answer names the full disk
  let refused;
  for (let i = 0; i < 3000 && !refused; i++) {
    const res = await srv.post('/api/admin/projects/default/features', { name: `full-${i}`, description: 'x'.repeat(2000) }, admin);
    if (res.status !== 201) refused = res;
  }
  assert.ok(refused, 'a write was refused');
  assert.equal(refused.status, 507, refused.text);
  const body = refused.json();
  assert.equal(body.name, 'InsufficientStorageError', refused.text);
  assert.match(body.message, /disk of the store is full/);
  assert.deepEqual(body.details, [{ message: body.message }]);

  // reads keep working meanwhile
  const features = await srv.get('/api/client/features', dev);
  assert.equal(features.status, 200, features.text);
  assert.ok(features.json().features.some((f) => f.name === 'dark-mode'));
  assert.equal((await srv.get('/api/admin/projects/default/features/dark-mode', admin)).status, 200);
  assert.equal((await srv.get('/health')).status, 200);
  await new Promise((r) => setTimeout(r, 2500)); // usage flushes fail meanwhile (interval 1 s)

  // space comes back: the next write works, and the kept usage is written
  unlinkSync(filler);
  const again = await srv.post('/api/admin/projects/default/features', { name: 'after-full' }, admin);
  assert.equal(again.status, 201, again.text);
  await waitFor(async () => (await srv.usage('full-app', ['dark-mode'])).length === 1, { what: 'the kept usage to be written' });
  const usage = await srv.usage('full-app', ['dark-mode']);
  assert.deepEqual(usage.map((u) => [u.yes, u.no]), [[7, 2]], 'counted once, none lost');
});
