// What the unleash-proxy-client tests share (frontend_sdk.test.mjs against serve and offline,
// edge_sdk.test.mjs against latch edge): the flags, a client, and the checks on one client.
import assert from 'node:assert/strict';
import { requireJs, waitFor, featuresDoc, simpleFlag } from './frontend_harness.mjs';

const { UnleashClient, InMemoryStorageProvider } = requireJs('unleash-proxy-client');

export const FLAGS = featuresDoc([
  simpleFlag('sdk-on'),
  simpleFlag('sdk-off', { enabled: false }),
  simpleFlag('sdk-variant', {
    variants: [
      { name: 'blue', weight: 1000, weightType: 'fix', stickiness: 'default', payload: { type: 'json', value: '{"color":"blue"}' } },
    ],
  }),
  simpleFlag('sdk-alice', {
    strategies: [{ name: 'userWithId', parameters: { userIds: 'alice, carol' }, constraints: [] }],
  }),
  simpleFlag('sdk-prod-only', { enabled: true }),
]);
// Production: sdk-prod-only stays on, sdk-on is off there.
export const PROD_FLAGS = featuresDoc([simpleFlag('sdk-on', { enabled: false }), simpleFlag('sdk-prod-only')]);

// A fetch that records what the SDK asked and how the server answered.
export function recordingFetch() {
  const calls = [];
  const f = async (url, init = {}) => {
    const res = await fetch(url, init);
    calls.push({ url: String(url), method: init.method ?? 'GET', status: res.status });
    return res;
  };
  f.calls = calls;
  return f;
}

export function newClient(url, clientKey, { post = false, fetchImpl, headerName } = {}) {
  const c = new UnleashClient({
    url,
    clientKey,
    appName: 'latch-sdk-test',
    environment: 'ignored-by-serve',
    fetch: fetchImpl,
    storageProvider: new InMemoryStorageProvider(),
    disableRefresh: true,
    metricsInterval: 0.2,
    // 0, not a delay: 3.8.2 starts its metrics interval from a setTimeout that stop() does
    // not cancel, so a client stopped before the delay would keep Node alive for ever.
    metricsIntervalInitial: 0,
    usePOSTrequests: post,
    ...(headerName ? { headerName } : {}),
  });
  const errors = [];
  c.on('error', (e) => errors.push(e));
  c.errors = errors;
  return c;
}

export async function promCount(server, route) {
  const text = await (await server.fetch('/internal-backstage/prometheus')).text();
  const m = new RegExp(`^http_requests_total\\{route="${route.replace(/\//g, '\\/')}",status="200"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

// Shared checks on one client: flags, variant, context update, metrics.
export async function exercise(t, server, base, key, { post, metricsRoute, headerName, prodOnly = true }) {
  const fetchImpl = recordingFetch();
  const client = newClient(`${server.url}${base}`, key, { post, fetchImpl, headerName });
  try {
    await client.start();
    assert.deepEqual(client.errors, [], 'no SDK errors');
    assert.ok(client.isReady(), 'ready after start');
    const first = fetchImpl.calls.find((c) => c.url.startsWith(`${server.url}${base}`));
    assert.ok(first, 'the SDK fetched the toggles');
    assert.equal(first.method, post ? 'POST' : 'GET');
    assert.equal(first.status, 200);

    assert.equal(client.isEnabled('sdk-on'), true, 'sdk-on');
    assert.equal(client.isEnabled('sdk-off'), false, 'sdk-off');
    assert.equal(client.isEnabled('no-such-flag'), false, 'unknown flag');
    assert.equal(client.isEnabled('sdk-prod-only'), prodOnly);
    const v = client.getVariant('sdk-variant');
    assert.equal(v.name, 'blue');
    assert.equal(v.enabled, true);
    assert.equal(v.feature_enabled, true);
    assert.deepEqual(v.payload, { type: 'json', value: '{"color":"blue"}' });
    assert.equal(JSON.parse(v.payload.value).color, 'blue');
    const dv = client.getVariant('sdk-on');
    assert.equal(dv.name, 'disabled');
    assert.equal(dv.enabled, false);
    assert.equal(dv.feature_enabled, true);
    assert.equal(client.getVariant('sdk-off').feature_enabled, false);

    // context updates: userWithId alice
    assert.equal(client.isEnabled('sdk-alice'), false, 'no userId: off');
    await client.updateContext({ userId: 'alice' });
    assert.equal(client.isEnabled('sdk-alice'), true, 'userId alice: on');
    await client.updateContext({ userId: 'bob' });
    assert.equal(client.isEnabled('sdk-alice'), false, 'userId bob: off');
    await client.updateContext({ userId: 'carol', properties: { plan: 'pro' } });
    assert.equal(client.isEnabled('sdk-alice'), true, 'userId carol: on');
    assert.deepEqual(client.errors, [], 'no SDK errors after updates');

    // metrics: the bucket has counts now; wait for a POST answered 200
    const before = await promCount(server, metricsRoute);
    const sent = await waitFor(
      () => fetchImpl.calls.find((c) => c.method === 'POST' && c.url === `${server.url}${base}/client/metrics`),
      { timeoutMs: 10000, what: 'a metrics POST from the SDK' },
    );
    assert.equal(sent.status, 200, `metrics answered ${sent.status}`);
    await waitFor(async () => (await promCount(server, metricsRoute)) >= Math.max(1, before), {
      timeoutMs: 5000,
      what: `prometheus counter for ${metricsRoute}`,
    });
    // a context whose toggles did not change is answered 304 (the ETag names the result)
    for (const c of fetchImpl.calls) assert.ok([200, 304].includes(c.status), `${c.method} ${c.url} answered ${c.status}`);
  } finally {
    client.stop();
  }
}

