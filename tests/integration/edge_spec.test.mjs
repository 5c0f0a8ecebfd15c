// The official client specification through `latch edge`'s front-end API: every state served
// by a `latch offline` upstream, a `latch edge` in front of it (its startup token read from its
// shape, since offline answers no /edge/validate), and every case asked through the edge's
// /api/frontend and /proxy with a client key, as frontend_spec.test.mjs asks latch offline
// (frontend_spec_lib.mjs: the same cases, modes, skips and judging).
import { test } from 'node:test';
import { startOffline } from './frontend_harness.mjs';
import { KEY, PROXY_HEADER, runSpec } from './frontend_spec_lib.mjs';
import { startEdge } from './edge_harness.mjs';

const STARTUP = '*:default.edge-spec-startup-token';

async function startBehindEdge(state) {
  const upstream = await startOffline({ doc: state, clientTokens: [STARTUP] });
  try {
    const edge = await startEdge({
      upstream: upstream.url,
      tokens: [STARTUP],
      keys: [KEY],
      keysEnv: 'default',
      args: ['--client-key-header', PROXY_HEADER, '--upstream-connect-timeout', '1'],
    });
    return {
      fetch: (path, init) => edge.fetch(path, init),
      dispose: async () => {
        try {
          await edge.dispose();
        } finally {
          await upstream.dispose();
        }
      },
    };
  } catch (e) {
    await upstream.dispose();
    throw e;
  }
}

test('client specification through /api/frontend and /proxy on latch edge', { timeout: 600000 }, async () => {
  await runSpec(startBehindEdge);
});
