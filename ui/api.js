// api.js: the admin API as the page calls it (same origin, the session cookie), under the
// base path, and the permissions GET /api/admin/user reports for the logged-in user.

export const BASE = (document.querySelector('meta[name="latch-base"]')?.content || '').replace(/\/$/, '');

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// fetch a path of the API; JSON in and out. Errors carry the API's own message.
export async function api(method, path, body) {
  const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(BASE + path, opts);
  } catch (e) {
    throw new ApiError(0, `The server could not be reached (${e.message}).`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    // a 401 means the session is over, except a wrong password (logging in, changing it)
    if (res.status === 401 && data?.name !== 'PasswordMismatch') session.onUnauthorized?.();
    const msg = (data && (data.message || data.details?.[0]?.message)) ||
      `${method} ${path} failed with HTTP ${res.status}.`;
    throw new ApiError(res.status, msg);
  }
  return data;
}

export const get = (p) => api('GET', p);
export const enc = encodeURIComponent;

// The logged-in user and what they may do.
export const session = {
  user: null,
  perms: [],
  onUnauthorized: null,
  async load() {
    const me = await get('/api/admin/user');
    this.user = me.user;
    this.perms = me.permissions || [];
    return me;
  },
  clear() { this.user = null; this.perms = []; },
  get admin() { return this.perms.some((p) => p.permission === 'ADMIN'); },
  // May the user do perm (in project, in environment)? As the API enforces it: a row for the
  // permission with no project is global; a project row counts in that project; an
  // environment row in that environment.
  can(perm, project, environment) {
    if (this.admin) return true;
    return this.perms.some((p) => p.permission === perm &&
      (!p.project || !project || p.project === project || p.project === '*') &&
      (!p.environment || !environment || p.environment === environment || p.environment === '*'));
  },
};
