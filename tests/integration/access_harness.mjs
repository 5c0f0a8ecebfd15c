// Helpers for the access-system suites (access*.test.mjs), on top of harness.mjs: a server
// whose first-start admin user has a known password, logins, users, PATs, and the exact error
// bodies of the admin API (UNLEASH-API.md §2.3, §6.1).
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { Latch } from './harness.mjs';

export const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';
export const USER_PASSWORD = 'Us3r-Passw0rd!';

export const LOGIN_REQUIRED =
  'You must log in to use Unleash. Your request had no authorization header, so we could not authorize you. Try logging in at /auth/simple/login';
export const PASSWORD_MISMATCH =
  'The combination of password and username you provided is invalid. If you have forgotten your password, visit /forgotten-password or get in touch with your instance administrator.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Start a server whose admin user has ADMIN_PASSWORD.
export function startAccess(opts = {}) {
  // many logins from one address: raise the per-address limit, as Unleash's own tests do (the
  // per-user failure limit still holds)
  return Latch.start({ ...opts, env: { UNLEASH_DEFAULT_ADMIN_PASSWORD: ADMIN_PASSWORD, SIMPLE_LOGIN_LIMIT_PER_MINUTE: '1000', ...(opts.env ?? {}) } });
}

// A client of the admin API with one credential: {token} (Authorization) or {cookie}.
export class Api {
  constructor(srv, cred = {}) {
    this.srv = srv;
    this.cred = cred;
  }
  headers(extra = {}) {
    const h = { ...extra };
    if (this.cred.token !== undefined) h.Authorization = this.cred.token;
    if (this.cred.cookie !== undefined) h.Cookie = `unleash-session=${this.cred.cookie}`;
    return h;
  }
  get(path) {
    return this.srv.request('GET', path, { headers: this.headers() });
  }
  send(method, path, body) {
    const headers = this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' });
    return this.srv.request(method, path, { headers, body });
  }
  post(path, body) {
    return this.send('POST', path, body);
  }
  put(path, body) {
    return this.send('PUT', path, body);
  }
  del(path) {
    return this.send('DELETE', path);
  }
}

// POST /auth/simple/login; returns {res, cookie} (cookie null when none was set).
export async function login(srv, username, password) {
  const res = await srv.post('/auth/simple/login', { username, password });
  const set = res.headers['set-cookie']?.[0] ?? '';
  const m = /^unleash-session=([0-9a-f]{64}); Path=\/; HttpOnly; SameSite=Lax$/.exec(set);
  return { res, cookie: m ? m[1] : null, setCookie: set };
}

export async function loginOk(srv, username, password) {
  const { res, cookie } = await login(srv, username, password);
  assert.equal(res.status, 200, `login ${username}: ${res.status} ${res.text}`);
  assert.ok(cookie, `login ${username}: a session cookie of the expected shape`);
  return cookie;
}

// Create a user through the API with the given root role; returns the user JSON.
export async function createUser(api, username, rootRole, password = USER_PASSWORD) {
  const res = await api.post('/api/admin/user-admin', { username, email: `${username}@example.com`, rootRole, password });
  assert.equal(res.status, 201, `create user ${username}: ${res.status} ${res.text}`);
  return res.json();
}

export const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString();

// Create a PAT as the user of api; returns the 201 body (with secret).
export async function createPat(api, description, expiresAt = inDays(30)) {
  const res = await api.post('/api/admin/user/tokens', { description, expiresAt });
  assert.equal(res.status, 201, `create PAT ${description}: ${res.status} ${res.text}`);
  return res.json();
}

// Assert an Unleash error body {id, name, message, details:[{message}]} (+ extra fields).
export function assertError(res, status, name, message, what = '') {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, what);
  const b = res.json();
  assert.match(b.id, UUID, `${what}: error id`);
  assert.equal(b.name, name, `${what}: ${res.text}`);
  if (message instanceof RegExp) assert.match(b.message, message, what);
  else if (message !== undefined) assert.equal(b.message, message, what);
  assert.deepEqual(b.details, [{ message: b.message }], what);
  return b;
}

export function assertPermissionError(res, perm, what = '') {
  const b = assertError(
    res,
    403,
    'PermissionError',
    `You don't have the required permissions to perform this operation. To perform this action, you need the "${perm}" permission.`,
    what,
  );
  assert.deepEqual(b.permissions, [perm], what);
}

export function assertPermissionAny(res, perms, what = '') {
  const list = perms.map((p) => `"${p}"`).join(', ');
  const b = assertError(
    res,
    403,
    'PermissionError',
    `You don't have the required permissions to perform this operation. To perform this action, you need one of the following permissions: ${list}.`,
    what,
  );
  assert.deepEqual(b.permissions, perms, what);
}

export function assertUnauthorized(res, what = '') {
  const b = assertError(res, 401, 'UnauthorizedError', 'You must log in to use Unleash.', what);
  assert.deepEqual(Object.keys(b).sort(), ['details', 'id', 'message', 'name'], what);
}

export function assertLoginRequired(res, what = '') {
  const b = assertError(res, 401, 'AuthenticationRequired', LOGIN_REQUIRED, what);
  assert.equal(b.path, '/auth/simple/login', what);
  assert.equal(b.type, 'password', what);
  assert.equal(b.defaultHidden, false, what);
}

// Every byte of the store: the database file and its WAL, if any.
export function storeBytes(srv) {
  const parts = [readFileSync(srv.db)];
  for (const ext of ['-wal', '-journal', '-shm']) if (existsSync(srv.db + ext)) parts.push(readFileSync(srv.db + ext));
  return Buffer.concat(parts);
}

// The secret part of a token string (what must never leak), or the whole string.
export function secretPart(token) {
  const dot = token.indexOf('.');
  if (token.startsWith('user:')) return token.slice(5);
  return dot >= 0 ? token.slice(dot + 1) : token;
}
