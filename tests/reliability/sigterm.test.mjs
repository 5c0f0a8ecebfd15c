// SIGTERM while connections keep arriving, SIGTERM_ROUNDS (40) times: every round must end in
// a clean exit (status 0, nothing from libmicrohttpd's panic handler or a sanitizer; the
// harness's stop() checks both). The drain once used MHD_quiesce_daemon, whose removal of the
// listening socket from the epoll sets races the worker threads' own and aborts the process
// ("Failed to remove listen FD from epoll set"): seen once in CI, not reproducible on demand,
// so this runs the moment many times, with new connections, keep-alive requests and an
// admin write in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latch, request, sleep } from '../integration/harness.mjs';
import { report } from './rel.mjs';

const ROUNDS = Number(process.env.SIGTERM_ROUNDS || 40);

test('SIGTERM under arriving connections exits cleanly every time', { timeout: ROUNDS * 20000 }, async () => {
  let answered = 0;
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const srv = await Latch.start({
      tokens: { admin: { type: 'admin', name: 'sigterm' }, client: { type: 'client', environment: 'development' } },
      args: ['--threads', process.env.SIGTERM_THREADS || '8'],
    });
    let stop = false;
    const load = async (i) => {
      while (!stop) {
        try {
          const headers = i % 2 ? { Connection: 'close', Authorization: srv.tokens.client } : { Authorization: srv.tokens.client };
          const res = await request(srv.url, 'GET', '/api/client/features', { headers, timeoutMs: 5000 });
          if (res.status === 200) answered++;
        } catch {
          refused++; // after SIGTERM new connections are closed at once: expected
        }
      }
    };
    const loops = Array.from({ length: 24 }, (_, i) => load(i));
    await sleep(50 + ((round * 37) % 200));
    // a write in flight as the signal arrives
    const write = srv
      .post('/api/admin/projects/default/features/dark-mode/environments/development/on', null, { Authorization: srv.tokens.admin })
      .catch(() => null);
    await srv.stop(); // asserts status 0 and a clean stderr
    stop = true;
    await Promise.all(loops);
    await write;
  }
  report('sigterm', { rounds: ROUNDS, answered, refused });
  assert.ok(answered > 0, 'the load was answered before each signal');
});
