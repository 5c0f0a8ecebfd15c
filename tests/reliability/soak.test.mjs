// A short soak: mixed load (SDK polls with ETags, front-end evaluations, registrations and
// metrics, admin toggles) for SOAK_SECONDS (default 60; the run was 180). No request
// may fail, and the server's resident memory must be flat: after a warm-up quarter, it may
// not grow by more than max(8 MiB, 50%) over the rest of the run (bounds a loaded machine
// does not flip; a leak of a few KiB per request breaks them). Under AddressSanitizer, whose
// quarantine holds freed memory by design, the figures are reported and LeakSanitizer's
// report at exit (checked by the harness) stands in for the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Latch, LATCH_BIN, sleep } from '../integration/harness.mjs';
import { percentile, report, rssKiB } from './rel.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const SANITIZED = readFileSync(LATCH_BIN).includes('__asan_init');

test('mixed load: no errors and flat memory', { timeout: (SECONDS + 120) * 1000 }, async () => {
  const srv = await Latch.start({
    tokens: {
      admin: { type: 'admin', name: 'soak' },
      client: { type: 'client', environment: 'development' },
      frontend: { type: 'frontend', environment: 'development' },
    },
  });
  const pid = srv.child.pid;
  const errors = [];
  const counts = { poll: 0, frontend: 0, metrics: 0, register: 0, toggle: 0 };
  const lat = [];
  let stop = false;
  const expect = (what, res, ...ok) => {
    counts[what]++;
    if (!ok.includes(res.status)) errors.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
  };
  const loop = async (fn) => {
    while (!stop) {
      try {
        await fn();
      } catch (e) {
        errors.push(String(e));
      }
    }
  };
  const client = { Authorization: srv.tokens.client };
  const poller = async () => {
    let etag;
    await loop(async () => {
      const t0 = process.hrtime.bigint();
      const res = await srv.get('/api/client/features', etag ? { ...client, 'If-None-Match': etag } : client);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      expect('poll', res, 200, 304);
      if (res.status === 200) etag = res.headers.etag;
      await sleep(20);
    });
  };
  const frontend = async (i) => {
    await loop(async () => {
      const res = await srv.post('/api/frontend', { context: { userId: `u${i}-${counts.frontend % 500}`, properties: { tenant: 'acme' } } }, { Authorization: srv.tokens.frontend });
      expect('frontend', res, 200);
      await sleep(20);
    });
  };
  const usage = async (i) => {
    await loop(async () => {
      const reg = { appName: 'soak', instanceId: `i${i}`, sdkVersion: 'unleash-client-node:6.12.1', strategies: ['default'], started: new Date().toISOString(), interval: 1000 };
      expect('register', await srv.post('/api/client/register', reg, client), 202);
      const bucket = { start: new Date(Date.now() - 1000).toISOString(), stop: new Date().toISOString(), toggles: { 'new-navigation': { yes: 3, no: 1, variants: {} } } };
      expect('metrics', await srv.post('/api/client/metrics', { appName: 'soak', instanceId: `i${i}`, bucket }, client), 202);
      await sleep(50);
    });
  };
  const toggler = async () => {
    let on = false;
    await loop(async () => {
      on = !on;
      const res = await srv.post(`/api/admin/projects/default/features/new-navigation/environments/development/${on ? 'on' : 'off'}`, undefined, { Authorization: srv.tokens.admin });
      expect('toggle', res, 200);
      await sleep(250);
    });
  };
  const samples = [];
  const sampler = (async () => {
    while (!stop) {
      samples.push({ t: Date.now(), rss: rssKiB(pid) });
      await sleep(1000);
    }
  })();
  const work = [poller(), poller(), poller(), frontend(0), frontend(1), usage(0), usage(1), toggler()];
  await sleep(SECONDS * 1000);
  stop = true;
  await Promise.all([...work, sampler]);
  try {
    const warm = samples[Math.floor(samples.length / 4)].rss;
    const peakAfter = Math.max(...samples.slice(Math.floor(samples.length / 4)).map((s) => s.rss));
    const last = samples.at(-1).rss;
    report('soak', {
      seconds: SECONDS,
      ...counts,
      errors: errors.length,
      poll_p50_ms: percentile(lat, 50).toFixed(1),
      poll_p99_ms: percentile(lat, 99).toFixed(1),
      rss_warm_kib: warm,
      rss_peak_after_warm_kib: peakAfter,
      rss_end_kib: last,
      memory_bound: SANITIZED ? 'not checked (AddressSanitizer build)' : 'checked',
    });
    assert.deepEqual(errors.slice(0, 20), [], `no request failed (${errors.length} did)`);
    assert.ok(counts.poll > 10 && counts.frontend > 10 && counts.metrics > 10 && counts.toggle > 2, JSON.stringify(counts));
    const allowed = Math.max(8 * 1024, warm * 0.5);
    if (!SANITIZED)
      assert.ok(last - warm <= allowed, `memory grew from ${warm} KiB to ${last} KiB (allowed ${allowed.toFixed(0)})`);
  } finally {
    await srv.dispose();
  }
});
