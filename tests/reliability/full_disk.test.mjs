// A full disk: the store lives on a small tmpfs (mounted here: needs root and a kernel that
// lets this process mount; the test is skipped, saying so, where it cannot), which is then
// filled. Writes are refused with a JSON error and nothing half-written, reads and usage
// intake go on, writes work again by themselves once space is freed, every acknowledged write
// is there after a restart and the store passes SQLite's integrity check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Latch, sleep, waitFor } from '../integration/harness.mjs';
import { flagNames, integrity, report } from './rel.mjs';

const P = '/api/admin/projects/default/features';

function mountTmpfs() {
  const dir = mkdtempSync(join(tmpdir(), 'latch-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (e) {
    rmdirSync(dir);
    return null;
  }
}

// Fill the file system of dir: write a file until ENOSPC; returns its path.
function fill(dir) {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    assert.equal(e.code, 'ENOSPC', `filling the disk: ${e}`);
  }
  // and the last bytes, a page at a time
  try {
    for (;;) writeSync(fd, Buffer.alloc(512));
  } catch {}
  closeSync(fd);
  return file;
}

const mnt = mountTmpfs();

test('a full disk refuses writes cleanly, keeps serving reads and recovers by itself', { skip: mnt ? false : 'cannot mount a tmpfs here (needs root and mount rights)', timeout: 300000 }, async () => {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = mnt; // Latch.start makes its store directory under tmpdir()
  let srv;
  try {
    srv = await Latch.start({
      tokens: { admin: { type: 'admin', name: 'disk' }, client: { type: 'client', environment: 'development' } },
    });
    process.env.TMPDIR = saved ?? '';
    if (saved === undefined) delete process.env.TMPDIR;
    const auth = { Authorization: srv.tokens.admin };
    const acked = new Set();
    for (let i = 0; i < 5; i++) {
      const name = `before-${i}`;
      assert.equal((await srv.post(P, { name }, auth)).status, 201);
      acked.add(name);
    }
    const filler = fill(mnt);
    const refused = [];
    for (let i = 0; i < 40; i++) {
      const name = `full-${i}`;
      // a long description: each write needs new pages
      const res = await srv.post(P, { name, description: 'x'.repeat(200) }, auth);
      if (res.status === 201) {
        acked.add(name);
        continue;
      }
      assert.ok(res.status >= 500, `a refused write is a server error, not ${res.status} ${res.text}`);
      const body = res.json(); // a JSON error, never a partial answer
      assert.ok(body.message, `the refusal says something: ${res.text}`);
      refused.push({ status: res.status, message: body.message });
    }
    assert.ok(refused.length > 0, 'writes on a full disk were refused (else the disk was not full)');
    const read = await srv.get('/api/client/features', { Authorization: srv.tokens.client });
    assert.equal(read.status, 200, 'reads go on with a full disk');
    const bucket = { start: new Date().toISOString(), stop: new Date().toISOString(), toggles: { 'new-navigation': { yes: 7, no: 3 } } };
    const met = await srv.post('/api/client/metrics', { appName: 'disk', instanceId: 'i', bucket }, { Authorization: srv.tokens.client });
    assert.equal(met.status, 202, 'usage is still taken in with a full disk');
    await sleep(2500); // a flush (every second here) meets the full disk
    rmSync(filler);
    const after = await waitFor(async () => {
      const res = await srv.post(P, { name: `after-${Date.now()}` }, auth);
      return res.status === 201 ? res : null;
    }, { timeoutMs: 30000, what: 'a write to succeed once space is back' });
    acked.add(after.json().name);
    await sleep(2500); // and the next one has room
    // Reported, not asserted: keeping a batch the store refused is issue 10 point 15.
    const kept = (await srv.usage('disk', ['new-navigation'])).some((e) => e.yes === 7 && e.no === 3);
    report('full disk', {
      refused: refused.length,
      statuses: [...new Set(refused.map((r) => r.status))].join(','),
      message: JSON.stringify(refused[0].message),
      acknowledged: acked.size,
      metrics_taken_while_full_kept: kept,
    });
    await srv.restart();
    const names = await flagNames(srv);
    assert.deepEqual([...acked].filter((n) => !names.has(n)), [], 'every acknowledged write survived');
    const leftovers = [...names].filter((n) => n.startsWith('full-') && !acked.has(n));
    assert.deepEqual(leftovers, [], 'no refused write was stored after all');
    await srv.stop();
    assert.equal(integrity(srv.db), 'ok');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    if (srv) await srv.dispose().catch(() => {});
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
      rmdirSync(mnt);
    } catch {}
  }
});
