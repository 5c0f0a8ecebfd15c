// Addons (src/api/admin/addons.c, src/api/addons.c): the webhook provider delivered for real to
// a local Node receiver. Flag switches are the events; each test waits for what the receiver
// got and for the attempts in GET /api/admin/addons/:id/events, never for a fixed time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Latch, waitFor } from './harness.mjs';
import { startPostgres, postgresAvailable } from './pg_harness.mjs';

let srv;
let admin;
let receiver;
let hook; // the receiver's base URL
const got = []; // every request the receiver saw: {path, headers, body}
const hits = new Map(); // per path: how many requests so far
const hanging = []; // responses of /slow held open

const AUTH_SECRET = 'Bearer hook-secret-4f1e';
const HEADER_SECRET = 'custom-secret-9a7c';

const call = (method, path, body) =>
  srv.request(method, path, {
    headers: { Authorization: admin, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const flip = async (flag, env, on, project = 'default') => {
  const res = await call('POST', `/api/admin/projects/${project}/features/${flag}/environments/${env}/${on ? 'on' : 'off'}`);
  assert.equal(res.status, 200, res.text);
};

const received = (path) => got.filter((g) => g.path === path);
const waitReceived = (path, n) =>
  waitFor(() => received(path).length >= n && received(path), { what: `${n} request(s) on ${path}` }).catch((e) => {
    throw new Error(`${e.message}\n${srv.stderr.split('\n').slice(-40).join('\n')}`);
  });

const attempts = async (id) => {
  const res = await call('GET', `/api/admin/addons/${id}/events`);
  assert.equal(res.status, 200, res.text);
  return res.json().integrationEvents;
};
const waitAttempts = (id, n) =>
  waitFor(async () => {
    const a = await attempts(id);
    return a.length >= n && a;
  }, { what: `${n} attempt(s) of addon ${id}` });

const webhook = (path, extra = {}, params = {}) => ({
  provider: 'webhook',
  description: `to ${path}`,
  enabled: true,
  parameters: { url: `${hook}${path}`, ...params },
  events: ['feature-environment-enabled', 'feature-environment-disabled'],
  ...extra,
});

async function create(body) {
  const res = await call('POST', '/api/admin/addons', body);
  assert.equal(res.status, 201, res.text);
  return res.json();
}

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url;
      got.push({ path, headers: req.headers, body });
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      if (path.startsWith('/slow')) {
        hanging.push(res);
        return;
      }
      const fail = path.startsWith('/down') || (path.startsWith('/flaky') && n <= 2);
      res.writeHead(fail ? 500 : 200, { 'Content-Type': 'text/plain' });
      res.end(fail ? 'no' : 'ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hook = `http://127.0.0.1:${receiver.address().port}`;
  srv = await Latch.start({
    tokens: { admin: { type: 'admin', name: 'admin-token' } },
    args: ['--addons-allow-private', '1'],
  });
  admin = srv.tokens.admin;
});

after(async () => {
  for (const r of hanging) r.destroy();
  await srv?.dispose();
  receiver?.closeAllConnections?.();
  await new Promise((r) => receiver.close(r));
});

test('GET /api/admin/addons lists the addons and the webhook provider', async () => {
  const res = await call('GET', '/api/admin/addons');
  assert.equal(res.status, 200);
  const body = res.json();
  assert.deepEqual(body.addons, []);
  assert.deepEqual(body.providers.map((p) => p.name), ['webhook']);
  const params = Object.fromEntries(body.providers[0].parameters.map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(params).sort(), ['authorization', 'bodyTemplate', 'contentType', 'customHeaders', 'url']);
  assert.equal(params.url.required, true);
  assert.equal(params.url.sensitive, true);
  assert.equal(params.authorization.sensitive, true);
  assert.equal(params.customHeaders.sensitive, true);
  assert.equal(params.bodyTemplate.sensitive, false);
  assert.ok(body.providers[0].events.includes('feature-environment-enabled'));
});

test('bad addons are refused with a 400 and nothing is stored', async () => {
  const before = await srv.lastEventId(admin);
  const bad = [
    [{ ...webhook('/x'), parameters: {} }, /Missing required parameters: url/],
    [webhook('/x', { provider: 'slack' }), /slack/],
    [webhook('/x', { provider: 'nope' }), /Unknown addon provider nope/],
    [{ ...webhook('/x'), provider: undefined }, /No addon provider/],
    [{ ...webhook('/x'), parameters: { url: 'ftp://example.com/x' } }, /http:\/\/ or https:\/\//],
    [{ ...webhook('/x'), parameters: { url: 'not a url' } }, /url/],
    [{ ...webhook('/x'), parameters: { url: 'http://user:pw@example.com/' } }, /credentials/],
    [webhook('/x', {}, { authorization: 'a\r\nX-Evil: 1' }), /authorization/],
    [webhook('/x', {}, { customHeaders: '{"X-A": 1}' }), /customHeaders/],
    [webhook('/x', {}, { customHeaders: 'not json' }), /customHeaders/],
    [webhook('/x', {}, { bodyTemplate: '{{#event}} never closed' }), /bodyTemplate/],
    [webhook('/x', { events: 'feature-created' }), /events/],
    [webhook('/x', { enabled: 'yes' }), /enabled/],
    [{ ...webhook('/x'), parameters: { url: `${hook}/x`, nested: { a: 1 } } }, /parameters/],
  ];
  for (const [body, msg] of bad) {
    const res = await call('POST', '/api/admin/addons', body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
    assert.match(res.json().message, msg, JSON.stringify(body));
  }
  assert.equal((await call('POST', '/api/admin/addons', '[1]')).status, 400);
  assert.equal((await call('GET', '/api/admin/addons/abc')).status, 400);
  assert.equal((await call('GET', '/api/admin/addons/999')).status, 404);
  assert.equal((await call('PUT', '/api/admin/addons/999', webhook('/x'))).status, 404);
  assert.deepEqual((await call('GET', '/api/admin/addons')).json().addons, []);
  assert.equal(await srv.lastEventId(admin), before);
});

test('a webhook gets the rendered body with its headers; GET masks the secrets', async () => {
  const template =
    '{"event":"{{event.type}}","by":"{{event.createdBy}}","flag":"{{event.data.name}}",' +
    '"env":"{{event.environment}}","json":{{{eventJson}}},"md":"{{eventMarkdown}}"}';
  const a = await create(
    webhook('/render-url-secret', { description: 'rendered', projects: ['default'], environments: ['development'] }, {
      contentType: 'application/vnd.test+json',
      authorization: AUTH_SECRET,
      customHeaders: JSON.stringify({ 'X-Custom': HEADER_SECRET }),
      bodyTemplate: template,
    }),
  );
  assert.equal(a.provider, 'webhook');
  for (const shown of [a, (await call('GET', `/api/admin/addons/${a.id}`)).json(), (await call('GET', '/api/admin/addons')).json().addons[0]]) {
    assert.equal(shown.parameters.url, '*****');
    assert.equal(shown.parameters.authorization, '*****');
    assert.equal(shown.parameters.customHeaders, '*****');
    assert.equal(shown.parameters.contentType, 'application/vnd.test+json');
    assert.equal(shown.parameters.bodyTemplate, template);
    assert.deepEqual(shown.environments, ['development']);
  }
  // the event names the addon without its parameters
  const evs = await srv.eventsSince((await srv.lastEventId(admin)) - 1, admin);
  assert.equal(evs.at(-1).type, 'addon-config-created');
  assert.equal(evs.at(-1).data.id, a.id);
  assert.equal(evs.at(-1).data.parameters, undefined);

  await flip('dark-mode', 'development', true);
  const [req] = await waitReceived('/render-url-secret', 1);
  assert.equal(req.headers['content-type'], 'application/vnd.test+json');
  assert.equal(req.headers.authorization, AUTH_SECRET);
  assert.equal(req.headers['x-custom'], HEADER_SECRET);
  const body = JSON.parse(req.body);
  assert.equal(body.event, 'feature-environment-enabled');
  assert.equal(body.by, 'admin-token');
  assert.equal(body.env, 'development');
  const inner = JSON.parse(body.json); // {{{eventJson}}} is the event as a JSON string
  assert.equal(inner.type, 'feature-environment-enabled');
  assert.equal(inner.featureName, 'dark-mode');
  assert.equal(inner.project, 'default');
  assert.match(body.md, /dark-mode/);

  const [att] = await waitAttempts(a.id, 1);
  assert.equal(att.state, 'success');
  assert.equal(att.integrationId, a.id);
  assert.match(att.id, /^[0-9]+$/);
  assert.match(att.stateDetails, /status code: 200/);
  assert.equal(att.event.type, 'feature-environment-enabled');
  assert.equal(att.event.featureName, 'dark-mode');
  assert.equal(att.details.url, hook); // the origin only: the URL is a secret
  assert.equal(att.details.contentType, 'application/vnd.test+json');
  assert.equal(JSON.parse(att.details.body).event, 'feature-environment-enabled');

  // a PUT that sends the masks back keeps the secrets
  const put = await call('PUT', `/api/admin/addons/${a.id}`, {
    ...webhook('/ignored', { projects: ['default'], environments: ['development'] }),
    description: 'renamed',
    parameters: { url: '*****', authorization: '*****', customHeaders: '*****', bodyTemplate: '{"n":"{{event.featureName}}"}' },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json().description, 'renamed');
  assert.equal(put.json().parameters.url, '*****');
  await flip('dark-mode', 'development', false);
  const reqs = await waitReceived('/render-url-secret', 2);
  assert.equal(reqs[1].headers.authorization, AUTH_SECRET);
  assert.equal(reqs[1].headers['x-custom'], HEADER_SECRET);
  assert.equal(reqs[1].headers['content-type'], 'application/json'); // contentType was dropped
  assert.deepEqual(JSON.parse(reqs[1].body), { n: 'dark-mode' });

  // secrets reach no log line, event or attempt record
  const everything = JSON.stringify(await srv.eventsSince(0, admin)) + JSON.stringify(await attempts(a.id)) + srv.stderr;
  for (const s of [AUTH_SECRET, HEADER_SECRET, 'render-url-secret']) assert.ok(!everything.includes(s), `${s} leaked`);

  const del = await call('DELETE', `/api/admin/addons/${a.id}`);
  assert.equal(del.status, 200);
  assert.equal((await call('GET', `/api/admin/addons/${a.id}`)).status, 404);
  assert.deepEqual(await attempts(a.id), []);
  assert.equal((await call('DELETE', `/api/admin/addons/${a.id}`)).status, 200); // as Unleash
});

test('the default body is the event as JSON', async () => {
  const a = await create(webhook('/plain', { events: ['feature-environment-enabled'] }));
  await flip('new-navigation', 'development', false);
  await flip('new-navigation', 'development', true);
  const [req] = await waitReceived('/plain', 1);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.authorization, undefined);
  const ev = JSON.parse(req.body);
  assert.equal(ev.type, 'feature-environment-enabled'); // the disable was not asked for
  assert.equal(ev.featureName, 'new-navigation');
  assert.equal(ev.environment, 'development');
  assert.equal(ev.createdBy, 'admin-token');
  assert.equal(typeof ev.id, 'number');
  assert.match(ev.createdAt, /^\d{4}-\d\d-\d\dT/);
  await call('DELETE', `/api/admin/addons/${a.id}`);
});

test('a receiver that fails twice gets the event on the third attempt', async () => {
  const a = await create(webhook('/flaky'));
  await flip('ops-kill-switch', 'development', false);
  await waitReceived('/flaky', 3);
  const att = await waitAttempts(a.id, 3); // newest first
  assert.deepEqual(att.map((x) => x.state), ['success', 'failed', 'failed']);
  assert.match(att[2].stateDetails, /status code: 500.*Attempt 1 of 4; retrying/);
  assert.match(att[0].stateDetails, /status code: 200.*Attempt 3 of 4\./);
  assert.ok(att.every((x) => x.event.id === att[0].event.id));
  await call('DELETE', `/api/admin/addons/${a.id}`);
});

test('a receiver that always fails: every attempt recorded as failed, latch keeps serving', async () => {
  const a = await create(webhook('/down'));
  await flip('ops-kill-switch', 'development', true);
  const att = await waitAttempts(a.id, 4);
  assert.deepEqual(att.map((x) => x.state), ['failed', 'failed', 'failed', 'failed']);
  assert.match(att[0].stateDetails, /Attempt 4 of 4\.$/);
  assert.equal(received('/down').length, 4);
  assert.equal((await srv.get('/health')).status, 200);
  // a refused connection is a failure too
  const closed = http.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const port = closed.address().port;
  await new Promise((r) => closed.close(r));
  const b = await create({ ...webhook('/x'), parameters: { url: `http://127.0.0.1:${port}/gone` } });
  await flip('ops-kill-switch', 'development', false);
  const att2 = await waitAttempts(b.id, 4);
  assert.ok(att2.every((x) => x.state === 'failed' && /Webhook request failed: /.test(x.stateDetails)), JSON.stringify(att2));
  await call('DELETE', `/api/admin/addons/${a.id}`);
  await call('DELETE', `/api/admin/addons/${b.id}`);
});

test('filters: event type, project, environment; a disabled addon sends nothing', async () => {
  const control = await create(webhook('/control'));
  const others = [
    await create(webhook('/f-env', { environments: ['production'] })),
    await create(webhook('/f-project', { projects: ['checkout'] })),
    await create(webhook('/f-type', { events: ['feature-created'] })),
    await create(webhook('/f-disabled', { enabled: false })),
  ];
  const wild = await create(webhook('/f-wild', { projects: ['*'], environments: ['*'] }));
  await flip('dark-mode', 'development', true);
  await flip('dark-mode', 'development', false);
  await flip('dark-mode', 'development', true); // two changes at least, whatever the state was
  // both events reached the control: every delivery queued with the first was attempted
  await waitReceived('/control', 2);
  await waitReceived('/f-wild', 2);
  for (const o of others) {
    assert.deepEqual(received(`/${o.description.slice(4)}`), []);
    assert.deepEqual(await attempts(o.id), []);
  }
  // the project filter lets its own project through
  await flip('beta-checkout', 'development', false, 'checkout');
  await waitReceived('/f-project', 1);
  for (const x of [control, wild, ...others]) await call('DELETE', `/api/admin/addons/${x.id}`);
});

test('without --addons-allow-private, loopback and private URLs are refused', async () => {
  const plain = await Latch.start({ tokens: { admin: { type: 'admin', name: 'admin-token' } } });
  try {
    for (const url of [`${hook}/x`, 'http://10.1.2.3/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://169.254.169.254/latest']) {
      const res = await plain.request('POST', '/api/admin/addons', {
        headers: { Authorization: plain.tokens.admin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...webhook('/x'), parameters: { url } }),
      });
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.match(res.json().message, /non-public/);
    }
    const ok = await plain.request('POST', '/api/admin/addons', {
      headers: { Authorization: plain.tokens.admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...webhook('/x'), parameters: { url: 'https://hooks.example.com/x' } }),
    });
    assert.equal(ok.status, 201, ok.text);
  } finally {
    await plain.dispose();
  }
});

test('at most 100 addons', async () => {
  const have = (await call('GET', '/api/admin/addons')).json().addons.length;
  const made = [];
  for (let i = have; i < 100; i++) made.push((await create(webhook('/many', { enabled: false }))).id);
  const res = await call('POST', '/api/admin/addons', webhook('/many'));
  assert.equal(res.status, 400, res.text);
  assert.match(res.json().message, /at most 100 addons/);
  for (const id of made) assert.equal((await call('DELETE', `/api/admin/addons/${id}`)).status, 200);
  assert.equal((await call('POST', '/api/admin/addons', webhook('/many', { enabled: false }))).status, 201);
});

test('two instances on one PostgreSQL database deliver each event once', { skip: postgresAvailable() ? false : 'no PostgreSQL' }, async () => {
  const pg = await startPostgres();
  const url = pg.createDatabase('addons');
  const args = ['--addons-allow-private', '1', '--log-level', 'debug'];
  const a = await Latch.start({ db: url, args, tokens: { admin: { type: 'admin', name: 'admin-token' } } });
  const b = await Latch.start({ db: url, args, fixtures: {} });
  try {
    const auth = { Authorization: a.tokens.admin, 'Content-Type': 'application/json' };
    const res = await a.request('POST', '/api/admin/addons', { headers: auth, body: JSON.stringify(webhook('/twice')) });
    assert.equal(res.status, 201, res.text);
    for (const on of [false, true, false, true]) {
      const path = `/api/admin/projects/default/features/new-navigation/environments/development/${on ? 'on' : 'off'}`;
      assert.equal((await a.request('POST', path, { headers: auth })).status, 200);
    }
    const last = await a.lastEventId(a.tokens.admin);
    // both feeders have looked at every event (the other instance heard of them from the database)
    for (const n of [a, b])
      await waitFor(() => [...n.stderr.matchAll(/addons: events up to (\d+) looked at/g)].some((m) => Number(m[1]) >= last), {
        what: `the feeder of ${n.url} at event ${last}`,
      });
    const want = (await a.eventsSince(0, a.tokens.admin)).filter((e) => /^feature-environment-/.test(e.type)).length;
    await waitReceived('/twice', want);
    assert.equal(want, 4);
    assert.equal(received('/twice').length, want, 'an event was delivered twice');
    // each once (two instances deliver at once, so they may arrive in either order: by event id)
    const got = received('/twice').map((g) => JSON.parse(g.body)).sort((x, y) => x.id - y.id);
    assert.deepEqual(got.map((e) => e.type), [
      'feature-environment-disabled', 'feature-environment-enabled', 'feature-environment-disabled', 'feature-environment-enabled',
    ]);
  } finally {
    await a.dispose();
    await b.dispose();
    pg.dispose();
  }
});

test('SIGTERM with deliveries pending exits cleanly and records them as not delivered', async () => {
  const a = await create(webhook('/slow'));
  await flip('dark-mode', 'development', false);
  await flip('dark-mode', 'development', true); // one change at least, whatever the state was
  await waitReceived('/slow', 1); // the first is in flight, held open by the receiver
  await flip('dark-mode', 'development', false);
  await flip('dark-mode', 'development', true);
  // the later ones queue behind it once the feeder has read their events (or, read after the
  // signal, are not delivered at all: pending deliveries do not survive a restart)
  const t0 = Date.now();
  await srv.restart(['--addons-allow-private', '1']); // stop() asserts exit status 0
  assert.ok(Date.now() - t0 < 20000, 'shutdown took too long');
  const att = await waitAttempts(a.id, 1);
  assert.ok(att.length >= 1, JSON.stringify(att));
  assert.ok(att.every((x) => x.state === 'failed'), JSON.stringify(att));
  assert.ok(att.some((x) => /latch stopped/.test(x.stateDetails)), JSON.stringify(att));
  assert.equal(received('/slow').length, 1);
  await call('DELETE', `/api/admin/addons/${a.id}`);
});
