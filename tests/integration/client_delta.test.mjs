// GET /api/client/delta in Unleash's format: a hydration for a reader without a revision (or
// with one no longer kept), then the feature-updated / feature-removed / segment-updated /
// segment-removed events since the revision named in If-None-Match, each with its event id,
// the revision in the ETag, 304 when nothing in the reader's scope changed. Then the Node SDK
// (unleash-client 6.12.1) with experimentalMode {type: 'polling', format: 'delta'} syncs
// through it unchanged and picks up a change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, requireJs, waitFor, featuresDoc, simpleFlag } from './frontend_harness.mjs';

const { initialize } = requireJs('unleash-client');

const DOC = featuresDoc([
  simpleFlag('d-on'),
  simpleFlag('d-off', { enabled: false }),
  simpleFlag('d-other', { project: 'other' }),
]);

let srv;
after(async () => srv?.dispose());

const admin = (method, path, body) =>
  srv.fetch(path, {
    method,
    headers: { Authorization: srv.tokens.admin, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function delta(token, etag, query = '') {
  const headers = { Authorization: token, 'Unleash-Client-Spec': '5.2.0' };
  if (etag) headers['If-None-Match'] = etag;
  const r = await srv.fetch(`/api/client/delta${query}`, { headers });
  const text = await r.text();
  return { status: r.status, etag: r.headers.get('etag'), body: text ? JSON.parse(text) : null };
}

test('delta: hydration, changes with event ids, 304, scope', async () => {
  srv = await startServe({
    imports: { development: DOC },
    tokens: {
      all: { type: 'client' },
      dflt: { type: 'client', projects: ['default'] },
      fe: { type: 'frontend' },
      admin: { type: 'admin' },
    },
  });
  assert.equal((await delta(srv.tokens.fe)).status, 403, 'a front-end token is refused');
  assert.equal((await srv.fetch('/api/client/delta')).status, 401);

  const h = await delta(srv.tokens.all);
  assert.equal(h.status, 200);
  assert.match(h.etag, /^"\d+"$/);
  const rev = Number(h.etag.slice(1, -1));
  assert.equal(h.body.events.length, 1);
  const hy = h.body.events[0];
  assert.equal(hy.type, 'hydration');
  assert.equal(hy.eventId, rev);
  assert.deepEqual(hy.features.map((f) => f.name).sort(), ['d-off', 'd-on', 'd-other']);
  assert.deepEqual(hy.segments, []);
  assert.equal(hy.features.find((f) => f.name === 'd-on').enabled, true);

  const scoped = await delta(srv.tokens.dflt);
  assert.deepEqual(scoped.body.events[0].features.map((f) => f.name).sort(), ['d-off', 'd-on'], 'token projects');
  const prefixed = await delta(srv.tokens.all, undefined, '?namePrefix=d-o');
  assert.deepEqual(prefixed.body.events[0].features.map((f) => f.name).sort(), ['d-off', 'd-on', 'd-other']);
  const byProject = await delta(srv.tokens.all, undefined, '?project=other');
  assert.deepEqual(byProject.body.events[0].features.map((f) => f.name), ['d-other']);

  assert.equal((await delta(srv.tokens.all, h.etag)).status, 304, 'nothing changed');
  assert.equal((await delta(srv.tokens.all, `W/${h.etag}`)).status, 304, 'weak form too');

  // a flag switched off: one feature-updated
  assert.equal((await admin('POST', '/api/admin/projects/default/features/d-on/environments/development/off')).status, 200);
  const u = await delta(srv.tokens.all, h.etag);
  assert.equal(u.status, 200);
  const rev2 = Number(u.etag.slice(1, -1));
  assert.ok(rev2 > rev, `${rev2} > ${rev}`);
  assert.deepEqual(u.body.events.map((e) => [e.type, e.eventId, e.feature?.name]), [['feature-updated', rev2, 'd-on']]);
  assert.equal(u.body.events[0].feature.enabled, false);

  // a change in project other is not news to the default-only token
  const dfltEtag = scoped.etag;
  assert.equal((await admin('POST', '/api/admin/projects/other/features/d-other/environments/development/off')).status, 200);
  const su = await delta(srv.tokens.dflt, dfltEtag);
  assert.equal(su.status, 200);
  assert.deepEqual(su.body.events.map((e) => e.feature.name), ['d-on'], 'only its own project');
  const su2 = await delta(srv.tokens.dflt, u.etag);
  assert.equal(su2.status, 304, 'd-other changed, but not in this scope');

  // a segment created and used: segment-updated before the feature-updated that uses it
  const segRes = await admin('POST', '/api/admin/segments', {
    name: 'beta-users',
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['u1'] }],
  });
  assert.ok([200, 201].includes(segRes.status), await segRes.clone().text());
  const seg = await segRes.json();
  const s1 = await delta(srv.tokens.all, u.etag);
  assert.deepEqual(s1.body.events.map((e) => [e.type, e.segment?.id, e.feature?.name]),
    [['segment-updated', seg.id, undefined], ['feature-updated', undefined, 'd-other']]);
  assert.deepEqual(s1.body.events[0].segment.constraints[0].values, ['u1']);

  // archived: feature-removed with its project; segment deleted: segment-removed
  assert.equal((await admin('DELETE', '/api/admin/projects/default/features/d-off')).status, 202);
  assert.equal((await admin('DELETE', `/api/admin/segments/${seg.id}`)).status, 204);
  const r = await delta(srv.tokens.all, s1.etag);
  const rev3 = Number(r.etag.slice(1, -1));
  assert.deepEqual(r.body.events, [
    { eventId: rev3, type: 'feature-removed', featureName: 'd-off', project: 'default' },
    { eventId: rev3, type: 'segment-removed', segmentId: seg.id },
  ]);

  // a revision never served (or long gone): a full hydration again
  const gone = await delta(srv.tokens.all, '"1"');
  assert.equal(gone.body.events[0].type, 'hydration');
  assert.deepEqual(gone.body.events[0].features.map((f) => f.name).sort(), ['d-on', 'd-other']);
});

test('unleash-client in delta polling mode', async () => {
  const client = initialize({
    appName: 'delta-sdk',
    url: `${srv.url}/api`,
    customHeaders: { Authorization: srv.tokens.all },
    refreshInterval: 200,
    disableMetrics: true,
    experimentalMode: { type: 'polling', format: 'delta' },
    storageProvider: { set: async () => {}, get: async () => undefined },
  });
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.on('warn', (e) => errors.push(e));
  try {
    await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('not synchronized in 20 s')), 20000);
      client.once('synchronized', () => {
        clearTimeout(timer);
        res();
      });
    });
    assert.equal(client.isEnabled('d-on'), false);
    assert.equal(client.isEnabled('d-other'), false);
    assert.equal(client.isEnabled('d-off'), false, 'archived');
    assert.equal((await admin('POST', '/api/admin/projects/default/features/d-on/environments/development/on')).status, 200);
    await waitFor(() => client.isEnabled('d-on'), { timeoutMs: 10000, what: 'the SDK to see d-on switched on' });
    assert.equal((await admin('DELETE', '/api/admin/projects/other/features/d-other')).status, 202);
    await waitFor(() => !client.getFeatureToggleDefinition('d-other'), { timeoutMs: 10000, what: 'd-other removed' });
    assert.ok(client.getFeatureToggleDefinition('d-on'), 'd-on kept');
    assert.deepEqual(errors, []);
    // the SDK polled the delta endpoint, never the full one
    const prom = await (await srv.fetch('/internal-backstage/prometheus')).text();
    assert.match(prom, /http_requests_total\{route="\/api\/client\/delta",status="200"\} \d+/);
    assert.doesNotMatch(prom, /route="\/api\/client\/features"/);
  } finally {
    client.destroy();
  }
});
