// The official Unleash client specification (@unleash/client-specification, every file of
// index.json) through the real binary: one `latch offline` per spec file serving its state
// (delta-event states 19/20 given as is: offline replays {"events":[...]}), and every case of
// `tests` and `variantTests` asked four ways:
//   GET  /api/frontend?<context>   client key in Authorization
//   POST /api/frontend {context}   client key in Authorization
//   GET  /proxy?<context>          client key in the proxy header
//   POST /proxy {context}          client key in the proxy header
// GET encodes the context exactly as unleash-proxy-client 3.8.2 does (top-level fields as
// parameters, properties as properties[name]=value, nulls left out); POST sends the case's
// context verbatim, nulls included. Comparison: docs CLIENT-SPEC.md "Checking a front-end API
// with it".
//
// Inexpressible cases (counted as skipped, each one printed; never dropped):
// a front-end API fills remoteAddress from the connection and sessionId with a random value
// when the request leaves them out, so a case whose context lacks one of them cannot be asked
// when the flag's evaluation reads that field. "Reads" is decided statically from the state,
// over the case's toggle and (recursively) its dependency parents:
//   remoteAddress absent and any of: a `remoteAddress` strategy; a constraint on
//     remoteAddress (strategy constraints or those of a segment the strategy/feature refers
//     to, any operator incl. IN_CIDR); stickiness `remoteAddress` (strategy parameter, feature
//     or strategy variant);
//   sessionId absent and any of: a `gradualRolloutSessionId` strategy; a constraint on
//     sessionId; explicit stickiness `sessionId` (flexibleRollout parameter, feature or strategy
//     variant); variants with default stickiness when userId is absent and remoteAddress present
//     (the SDK would hash remoteAddress, the server hashes its random sessionId).
// Default-stickiness rollouts with neither userId nor sessionId are NOT skipped: the SDK falls
// back to random there, so the spec can only expect answers that hold for any value, and a
// random sessionId is such a value. Skipped cases are still sent; the server's answer is printed
// alongside for information.
import { test } from 'node:test';
import { startOffline } from './frontend_harness.mjs';
import { KEY, PROXY_HEADER, runSpec } from './frontend_spec_lib.mjs';

test('client specification through /api/frontend and /proxy on latch offline', { timeout: 300000 }, async () => {
  await runSpec((state) => startOffline({ doc: state, keys: [KEY], keyHeader: PROXY_HEADER }));
});
