// What Unleash's own admin UI reads from latch beyond the flags (unleash_ui.test.mjs walks the UI
// itself): every resource limit of ui-config, the URL it shows SDKs, a project's context fields
// for a strategy's constraints, and the event search any signed-in user's dashboard runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './harness.mjs';
import { startAccess, Api, createUser, loginOk } from './access_harness.mjs';

let srv;
let admin;

before(async () => {
    srv = await startAccess({ tokens: { admin: { type: 'admin' } } });
    admin = new Api(srv, { token: srv.tokens.admin });
});

after(async () => {
    await srv?.dispose();
});

test('ui-config: every resource limit Unleash 8.2 requires, the API tokens one as latch enforces it', async () => {
    const c = (await admin.get('/api/admin/ui-config')).json();
    // the required keys of Unleash 8.2's resourceLimitsSchema
    for (const k of ['segmentValues', 'strategySegments', 'actionSetActions', 'actionSetsPerProject', 'actionSetFilters',
        'actionSetFilterValues', 'signalEndpoints', 'signalTokensPerEndpoint', 'featureEnvironmentStrategies',
        'constraintValues', 'environments', 'projects', 'apiTokens', 'segments', 'featureFlags', 'constraints', 'releaseTemplates'])
        assert.equal(typeof c.resourceLimits[k], 'number', `resourceLimits.${k}`);
    assert.equal(c.resourceLimits.apiTokens, 2000);
    assert.equal(c.resourceLimits.featureFlags, 5000);
});

test("ui-config: unleashUrl is the origin the request came to, or UNLEASH_URL", async () => {
    const viaHost = await srv.get('/api/admin/ui-config', { Authorization: srv.tokens.admin, Host: 'flags.example.com:8080' });
    assert.equal(viaHost.json().unleashUrl, 'http://flags.example.com:8080');
    // a Host header unfit to print back is not printed
    const odd = await srv.get('/api/admin/ui-config', { Authorization: srv.tokens.admin, Host: 'a"b<c>' });
    assert.equal(odd.json().unleashUrl, '');
    // a proxy's word is taken only from a trusted proxy
    const untrusted = await srv.get('/api/admin/ui-config', { Authorization: srv.tokens.admin, Host: 'flags.example.com', 'X-Forwarded-Proto': 'https' });
    assert.equal(untrusted.json().unleashUrl, 'http://flags.example.com');

    const other = await Latch.start({ tokens: { admin: { type: 'admin' } }, env: { UNLEASH_URL: 'https://unleash.example.com/' } });
    try {
        const c = (await other.get('/api/admin/ui-config', { Authorization: other.tokens.admin })).json();
        assert.equal(c.unleashUrl, 'https://unleash.example.com');
    } finally {
        await other.dispose();
    }
});

test("GET /api/admin/projects/:p/context: the project's own fields (none), the root ones with include=root, 404 for no project", async () => {
    const root = (await admin.get('/api/admin/context')).json();
    assert.ok(root.length > 0);
    const own = await admin.get('/api/admin/projects/default/context');
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.json(), []);
    const withRoot = await admin.get('/api/admin/projects/default/context?include=root');
    assert.equal(withRoot.status, 200, withRoot.text);
    assert.deepEqual(withRoot.json(), root);
    const missing = await admin.get('/api/admin/projects/no-such-project/context?include=root');
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.json().name, 'NotFoundError');
    assert.equal((await srv.get('/api/admin/projects/default/context')).status, 401);
});

test('event search, a flag\'s events and event creators for any signed-in user; the whole log for admins only', async () => {
    await createUser(admin, 'vera', 'Viewer');
    const viewer = new Api(srv, { cookie: await loginOk(srv, 'vera', 'Us3r-Passw0rd!') });
    const search = await viewer.get('/api/admin/search/events?type=IS:user-created');
    assert.equal(search.status, 200, search.text);
    assert.ok(search.json().events.some((e) => e.type === 'user-created'));
    assert.equal((await viewer.get('/api/admin/events/new-navigation')).status, 200);
    assert.equal((await viewer.get('/api/admin/event-creators')).status, 200);
    assert.equal((await viewer.get('/api/admin/events')).status, 403);
});

test('a live flag says archivedAt null, in search and in its own answer (the UI takes any other value for archived)', async () => {
    const search = (await admin.get('/api/admin/search/features?project=IS:default')).json();
    assert.ok(search.features.length > 0);
    for (const f of search.features) assert.equal(f.archivedAt, null, f.name);
    const one = (await admin.get('/api/admin/projects/default/features/new-navigation')).json();
    assert.equal(one.archivedAt, null);
});

test('GET /api/admin/flag-creators: who created flags in any project (the flags overview filter)', async () => {
    const me = new Api(srv, { cookie: await loginOk(srv, 'admin', 'Adm1n-Passw0rd!') });
    assert.equal((await me.post('/api/admin/projects/default/features', { name: 'made-by-admin' })).status, 201);
    const all = await me.get('/api/admin/flag-creators');
    assert.equal(all.status, 200, all.text);
    const creators = all.json();
    assert.ok(Array.isArray(creators));
    const user = (await me.get('/api/admin/user')).json().user;
    assert.ok(creators.some((c) => c.id === user.id), JSON.stringify(creators));
    assert.deepEqual((await me.get('/api/admin/projects/default/flag-creators')).json(), creators);
    assert.equal((await srv.get('/api/admin/flag-creators')).status, 401);
});
