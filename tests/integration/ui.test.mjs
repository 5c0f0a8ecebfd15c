// The admin page in a real browser: Debian's Chromium driven by playwright-core, against the
// real binary, with the real Node SDK watching what the page changes. Each test walks a
// screen's main flow the way a person does (labels, roles, buttons), so a page that renders
// but cannot be used fails. UI_SCREENSHOTS=1 also writes docs/img/flag-list.png and
// docs/img/flag-page.png (the README shows them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { Latch, JS_MODULES, REPO, waitFor } from './harness.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require(join(JS_MODULES, 'playwright-core'));
const { initialize } = require(join(JS_MODULES, 'unleash-client'));

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';
const VIEWER_PASSWORD = 'V1ewer-Passw0rd!';

let browser;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/deps.sh --test installs chromium)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
});

// A page that fails the test on a script error or a Content-Security-Policy violation.
async function newPage(problems) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return page;
}

async function logIn(page, url, username, password) {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

// GET with chosen headers; resolves {status, headers, length} (length of the bytes sent).
function fetchRaw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, length: n }));
    }).on('error', reject);
  });
}

test('log in, create a flag, switch it on for an SDK, roll it out with a constraint, tokens, users, events; a Viewer cannot write', async () => {
  const srv = await Latch.start({
    tokens: { sdk: { type: 'client', environment: 'development' } },
    env: { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const problems = [];
  const sdkErrors = [];
  const client = initialize({
    url: `${srv.url}/api/`, appName: 'ui-test', refreshInterval: 300, disableMetrics: true,
    customHeaders: { Authorization: srv.tokens.sdk }, backupPath: srv.dir, skipInstanceCountWarning: true,
  });
  client.on('error', (e) => sdkErrors.push(String(e)));
  try {
    const page = await newPage(problems);
    // a wrong password: the API's message is shown
    await page.goto(srv.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'combination of password and username' }).waitFor();

    await logIn(page, srv.url, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Default' }).click();
    await page.getByRole('button', { name: 'New flag' }).click();
    await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('ui-flag');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'ui-flag', level: 1 }).waitFor();

    // switch it on in development: the SDK sees it on its next poll
    const sw = page.getByRole('switch', { name: 'ui-flag in development' });
    assert.equal(await sw.isChecked(), false);
    await sw.check();
    await page.getByText('ui-flag is on in development.').waitFor();
    await waitFor(() => client.isEnabled('ui-flag', { userId: 'anyone' }), { what: 'the SDK to see ui-flag on' });

    // a flexible rollout (100%, sticky on userId) with a constraint userId IN alice
    await page.getByRole('button', { name: 'Add strategy in development' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Strategy').selectOption('flexibleRollout');
    await dlg.getByLabel('Stickiness').selectOption('userId');
    await dlg.getByRole('button', { name: 'Add constraint' }).click();
    await dlg.getByLabel('Context field').selectOption('userId');
    await dlg.getByLabel('Operator').selectOption('IN');
    await dlg.getByLabel('Values (one per line or comma-separated)').fill('alice\ncarol');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Strategy added in development.').waitFor();
    // the strategy switching on added (no constraint) lets everyone in: delete it (the page asks)
    const open = page.locator('li.strategy').filter({ hasNot: page.locator('.constraint-list') });
    assert.equal(await open.count(), 1);
    await open.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Strategy deleted.').waitFor();
    await waitFor(() => client.isEnabled('ui-flag', { userId: 'alice' }) && !client.isEnabled('ui-flag', { userId: 'bob' }),
      { what: 'the SDK to apply the constraint' });
    const def = client.getFeatureToggleDefinition('ui-flag');
    assert.equal(def.strategies.length, 1);
    assert.equal(def.strategies[0].name, 'flexibleRollout');
    assert.equal(def.strategies[0].parameters.stickiness, 'userId');
    assert.deepEqual(def.strategies[0].constraints[0].values, ['alice', 'carol']);
    if (process.env.UI_SCREENSHOTS) {
      mkdirSync(join(REPO, 'docs', 'img'), { recursive: true });
      await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
      await page.screenshot({ path: join(REPO, 'docs', 'img', 'flag-page.png'), fullPage: true });
    }

    // a client token: the secret is shown once, and it works against the client API
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('button', { name: 'New API token' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('ui-made');
    await page.getByRole('dialog').getByLabel('Type').selectOption('client');
    await page.getByRole('dialog').getByLabel('Environment').selectOption('development');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByText('it is shown only this once').waitFor();
    const secret = await page.getByLabel('The new token').inputValue();
    assert.match(secret, /^\*:development\.(v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}|[0-9a-f]+)$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('cell', { name: 'ui-made', exact: true }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'the list never shows the secret');
    const res = await srv.get('/api/client/features', { Authorization: secret });
    assert.equal(res.status, 200);
    assert.ok(res.json().features.some((f) => f.name === 'ui-flag'));

    // the events of what the page did
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByLabel('Flag').fill('ui-flag');
    await page.getByRole('button', { name: 'Filter' }).click();
    for (const type of ['feature-created', 'feature-environment-enabled', 'feature-strategy-add', 'feature-strategy-remove'])
      await page.locator('ol.events summary strong', { hasText: new RegExp(`^${type}$`) }).first().waitFor();

    // a user with the Viewer role
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'New user' }).click();
    const udlg = page.getByRole('dialog');
    await udlg.getByLabel('Username').fill('vera');
    await udlg.getByLabel('Root role').selectOption({ label: 'Viewer' });
    await udlg.getByLabel('Password (optional)').fill(VIEWER_PASSWORD);
    await udlg.getByRole('button', { name: 'Save' }).click();
    await page.getByText('User vera created.').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username').waitFor();

    // logged in as the Viewer: everything readable, nothing writable
    await logIn(page, srv.url, 'vera', VIEWER_PASSWORD);
    assert.equal(await page.getByRole('button', { name: 'New project' }).count(), 0);
    await page.getByRole('link', { name: 'Default' }).click();
    const vsw = page.getByRole('switch', { name: 'ui-flag in development' });
    await vsw.waitFor();
    assert.equal(await vsw.isChecked(), true);
    assert.equal(await vsw.isDisabled(), true, 'a Viewer gets no working switch');
    assert.equal(await page.getByRole('button', { name: 'New flag' }).count(), 0);
    await page.getByRole('link', { name: 'ui-flag', exact: true }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    for (const name of ['Add strategy in development', 'Archive', 'Edit flag', 'Mark stale', 'Add tag', 'Add parent flag'])
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `a Viewer sees no "${name}"`);
    assert.equal(await page.locator('li.strategy button').count(), 0, 'no strategy buttons');
    await page.goto(`${srv.url}/admin/api-tokens`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'New API token' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);
    assert.deepEqual(problems, []);
    assert.deepEqual(sdkErrors, []);
  } finally {
    client.destroy();
    await srv.dispose();
  }
});

test('segments, context fields, strategies, tag types, roles, applications; a flag tagged, varied, made stale, archived and revived; tokens revoked; my PAT and my password', async () => {
  const srv = await Latch.start({
    tokens: { sdk: { type: 'client', environment: 'development' }, admin: { type: 'admin' } },
    env: { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const problems = [];
  const sdkUrl = (path) => srv.get(path, { Authorization: srv.tokens.sdk, 'Unleash-Client-Spec': '5.1.0' });
  try {
    const reg = await srv.post('/api/client/register', { appName: 'shop', instanceId: 'shop-1', sdkVersion: 'unleash-client-node:6.12.1', strategies: ['default'], started: new Date().toISOString(), interval: 10000 },
      { Authorization: srv.tokens.sdk });
    assert.equal(reg.status, 202);
    const page = await newPage(problems);
    await logIn(page, srv.url, 'admin', ADMIN_PASSWORD);
    const dlg = page.getByRole('dialog');
    const save = () => dlg.getByRole('button', { name: 'Save' }).click();

    // a context field with legal values, then a segment constrained on it
    await page.getByRole('link', { name: 'Context' }).click();
    await page.getByRole('button', { name: 'New context field' }).click();
    await dlg.getByLabel('Name', { exact: true }).fill('plan');
    await dlg.getByLabel('Legal values').fill('free\npro = Paying customers');
    await save();
    await page.getByRole('cell', { name: 'free, pro' }).waitFor();
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('button', { name: 'New segment' }).click();
    await dlg.getByLabel('Name', { exact: true }).fill('payers');
    await dlg.getByRole('button', { name: 'Add constraint' }).click();
    await dlg.getByLabel('Context field').selectOption('plan');
    await dlg.getByLabel('Operator').selectOption('STR_STARTS_WITH');
    await dlg.getByLabel('Inverted (NOT)').check();
    await dlg.getByLabel('Case-insensitive').check();
    await dlg.getByLabel('Values (one per line or comma-separated)').fill('FREE');
    await save();
    // the API's own message, in the dialog, which stays open
    await dlg.getByRole('alert').filter({ hasText: 'FREE is not specified as a legal value' }).waitFor();
    await dlg.getByLabel('Values (one per line or comma-separated)').fill('free');
    await save();
    await page.getByRole('cell', { name: 'payers', exact: true }).waitFor();

    // a custom strategy definition and a tag type
    await page.getByRole('link', { name: 'Strategies' }).click();
    await page.getByRole('button', { name: 'New custom strategy' }).click();
    await dlg.getByLabel('Name', { exact: true }).fill('byRegion');
    await dlg.getByRole('button', { name: 'Add parameter' }).click();
    await dlg.getByLabel('Parameter name').fill('regions');
    await dlg.getByLabel('Parameter type').selectOption('list');
    await save();
    await page.getByRole('cell', { name: 'byRegion', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Tag types' }).click();
    await page.getByRole('button', { name: 'New tag type' }).click();
    await dlg.getByLabel('Name', { exact: true }).fill('team');
    await save();
    await page.getByRole('cell', { name: 'team', exact: true }).waitFor();

    // on a flag: the custom strategy with the segment and a constraint with a single value
    await page.goto(`${srv.url}/projects/default/features/dark-mode`);
    await page.getByRole('button', { name: 'Add strategy in development' }).click();
    await dlg.getByLabel('Strategy').selectOption('byRegion');
    await dlg.getByLabel('regions').fill('eu\nus');
    await dlg.getByLabel('payers').check();
    await dlg.getByRole('button', { name: 'Add constraint' }).click();
    await dlg.getByLabel('Context field').selectOption('currentTime');
    await dlg.getByLabel('Operator').selectOption('DATE_AFTER');
    await dlg.getByLabel('Value', { exact: true }).fill('2024-01-01T00:00:00.000Z');
    await dlg.getByRole('button', { name: 'Add variant' }).click();
    await dlg.getByLabel('Variant name').fill('blue');
    await dlg.getByLabel('Payload type').selectOption('json');
    await dlg.getByLabel('Payload value').fill('{"color":"blue"}');
    await save();
    await page.getByText('Strategy added in development.').waitFor();
    const flag = (await sdkUrl('/api/client/features/dark-mode')).json();
    const st = flag.strategies.find((x) => x.name === 'byRegion');
    assert.equal(st.parameters.regions, 'eu,us');
    assert.deepEqual(st.constraints.map((c) => [c.contextName, c.operator, c.value]), [['currentTime', 'DATE_AFTER', '2024-01-01T00:00:00.000Z']]);
    assert.equal(st.segments.length, 1);
    assert.deepEqual(st.variants.map((v) => [v.name, v.payload]), [['blue', { type: 'json', value: '{"color":"blue"}' }]]);
    // reorder: the new strategy goes first
    await page.getByRole('button', { name: 'Move byRegion up in development' }).click();
    await page.getByText('Order saved.').waitFor();
    const order = (await sdkUrl('/api/client/features/dark-mode')).json().strategies.map((x) => x.name);
    assert.equal(order[0], 'byRegion');

    // the flag's own fields (it had no description)
    await page.getByRole('button', { name: 'Edit flag' }).click();
    await dlg.getByLabel('Type').selectOption('operational');
    await dlg.getByLabel('Description').fill('Dark colours');
    await save();
    await page.getByText('Flag saved.').waitFor();
    const edited = (await sdkUrl('/api/client/features/dark-mode')).json();
    assert.equal(edited.type, 'operational');
    assert.equal(edited.description, 'Dark colours');

    // a tag, variants of the flag, stale, archive and revive
    await page.getByLabel('Tag type').selectOption('team');
    await page.getByLabel('Tag value').fill('growth');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('team:growth').waitFor();
    await page.getByRole('button', { name: 'Edit variants in development' }).click();
    await dlg.getByRole('button', { name: 'Add variant' }).click();
    await dlg.getByLabel('Variant name').fill('red');
    await save();
    await page.getByText('Variants saved in development.').waitFor();
    assert.deepEqual((await sdkUrl('/api/client/features/dark-mode')).json().variants.map((v) => v.name), ['red']);
    await page.getByRole('button', { name: 'Mark stale' }).click();
    await page.getByRole('button', { name: 'Mark active' }).waitFor();
    await page.getByRole('button', { name: 'Archive' }).click();
    await dlg.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('heading', { name: 'Default', level: 1 }).waitFor();
    assert.equal((await sdkUrl('/api/client/features/dark-mode')).status, 404);
    await page.getByRole('link', { name: 'Archived flags' }).click();
    await page.getByRole('button', { name: 'Revive dark-mode' }).click();
    await page.getByText('dark-mode revived.').waitFor();
    assert.equal((await sdkUrl('/api/client/features/dark-mode')).status, 200);

    // a filter of the flag list by tag
    await page.goto(`${srv.url}/projects/default`);
    await page.getByLabel('Filter by tag').selectOption('team:growth');
    await page.getByText('1 of 3 flags match').waitFor();
    await page.getByLabel('Search flags by name').fill('nav');
    await page.getByText('0 of 3 flags match').waitFor();

    // a custom project role
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('button', { name: 'New custom role' }).click();
    await dlg.getByLabel('Name', { exact: true }).fill('Switcher');
    await dlg.getByRole('group', { name: 'In environment development' }).getByLabel('Update feature environment', { exact: true }).check();
    await save();
    await page.getByRole('cell', { name: 'Switcher', exact: true }).waitFor();

    // revoke the SDK's token: it is refused at once
    await page.getByRole('link', { name: 'API tokens' }).click();
    const tokenName = (await srv.get('/api/admin/api-tokens', {})).status; // no credential: refused
    assert.equal(tokenName, 401);
    await page.locator('tr', { hasText: 'client' }).getByRole('button', { name: /^Revoke / }).first().click();
    await dlg.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(/Token .* revoked\./).waitFor();
    assert.equal((await sdkUrl('/api/client/features')).status, 401);

    // an application that registered (before its token was revoked), and its instance
    await waitFor(async () => (await srv.get('/api/admin/metrics/applications', { Authorization: srv.tokens.admin })).json().applications.length === 1,
      { what: 'the registration to be written' });
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('button', { name: 'Instances of shop' }).click();
    await page.getByRole('cell', { name: 'shop-1' }).waitFor();

    // my PAT: shown once, works, deleted; then my password
    await page.getByRole('link', { name: 'admin', exact: true }).click();
    await page.getByRole('button', { name: 'New personal access token' }).click();
    await dlg.getByLabel('Description').fill('laptop');
    await save();
    const pat = await page.getByLabel('The new token').inputValue();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal((await srv.get('/api/admin/projects', { Authorization: pat })).status, 200);
    await page.getByRole('button', { name: 'Delete laptop' }).click();
    await dlg.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Token deleted.').waitFor();
    assert.equal((await srv.get('/api/admin/projects', { Authorization: pat })).status, 401);
    await page.getByLabel('Current password').fill('wrong-password');
    await page.getByLabel('New password', { exact: true }).fill('N3w-Passw0rd!!');
    await page.getByLabel('Confirm new password').fill('N3w-Passw0rd!!');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is not correct.').waitFor();
    await page.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByLabel('Username').waitFor();
    await logIn(page, srv.url, 'admin', 'N3w-Passw0rd!!');
    assert.deepEqual(problems, []);
  } finally {
    await srv.dispose();
  }
});

test('the page is served with a strict CSP, ETags and gzip, and its first load is under 200 KB compressed', async () => {
  const srv = await Latch.start({ env: { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  const problems = [];
  try {
    const page = await newPage(problems);
    const urls = new Set();
    page.on('request', (r) => { if (r.url().startsWith(srv.url)) urls.add(r.url()); });
    await logIn(page, srv.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${srv.url}/projects/default`);
    await page.getByRole('switch').first().waitFor();
    if (process.env.UI_SCREENSHOTS) await page.screenshot({ path: join(REPO, 'docs', 'img', 'flag-list.png') });
    let total = 0;
    const assets = [...urls].filter((u) => !new URL(u).pathname.startsWith('/api/') && !new URL(u).pathname.startsWith('/auth/'));
    assert.ok(assets.some((u) => u.endsWith('/ui/app.js')), `app.js loaded (${assets.join(', ')})`);
    for (const u of assets) {
      const r = await fetchRaw(u, { 'Accept-Encoding': 'gzip' });
      assert.equal(r.status, 200, u);
      assert.equal(r.headers['content-encoding'], 'gzip', u);
      assert.match(r.headers['content-security-policy'], /default-src 'none'; script-src 'self'; style-src 'self'/, u);
      assert.doesNotMatch(r.headers['content-security-policy'], /unsafe-inline|unsafe-eval/, u);
      total += r.length;
      const again = await fetchRaw(u, { 'Accept-Encoding': 'gzip', 'If-None-Match': r.headers.etag });
      assert.equal(again.status, 304, `${u} revalidates with its ETag`);
      const plain = await fetchRaw(u);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.length > r.length, `${u}: gzip is smaller`);
    }
    assert.ok(total < 200 * 1024, `first load is ${total} bytes compressed`);
    const missing = await fetchRaw(`${srv.url}/ui/nothing.js`);
    assert.equal(missing.status, 404);
    assert.deepEqual(problems, []);
  } finally {
    await srv.dispose();
  }
});

test('under --base-path the page and the API live below the prefix, and nothing outside it', async () => {
  const srv = await Latch.start({
    args: ['--base-path', '/flags/'],
    tokens: { admin: { type: 'admin' } },
    env: { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const problems = [];
  try {
    assert.equal((await srv.get('/api/admin/projects', { Authorization: srv.tokens.admin })).status, 404);
    assert.equal((await srv.get('/flags/api/admin/projects', { Authorization: srv.tokens.admin })).status, 200);
    assert.equal((await srv.get('/')).status, 404);
    const page = await newPage(problems);
    // by keyboard alone: type, Enter to log in, Tab to the switch, Space to flip it
    await page.goto(`${srv.url}/flags/`);
    await page.getByLabel('Username').fill('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.goto(`${srv.url}/flags/projects/default`); // a deep link, loaded afresh
    const sw = page.getByRole('switch', { name: 'dark-mode in development' });
    const was = await sw.isChecked();
    await page.getByRole('link', { name: 'dark-mode', exact: true }).focus();
    for (let i = 0; i < 10 && !(await sw.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.getByText(`dark-mode is ${was ? 'off' : 'on'} in development.`).waitFor();
    const res = await srv.get('/flags/api/admin/projects/default/features/dark-mode', { Authorization: srv.tokens.admin });
    assert.equal(res.json().environments.find((e) => e.name === 'development').enabled, !was);
    await page.getByRole('link', { name: 'dark-mode', exact: true }).click();
    assert.equal(new URL(page.url()).pathname, '/flags/projects/default/features/dark-mode');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    // on a phone: the menu folds behind a button
    await page.setViewportSize({ width: 390, height: 800 });
    const segments = page.getByRole('link', { name: 'Segments' });
    assert.equal(await segments.isVisible(), false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await segments.click();
    await page.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/flags/admin/segments');
    assert.deepEqual(problems, []);
  } finally {
    await srv.dispose();
  }
});
