// admin.js: API tokens, users and roles, the event log, applications, a project's archive.
import { api, enc, get, session } from '../api.js';
import { h, clear, toast, confirmDialog, modal, field, fmtTime, table } from '../dom.js';
import { link } from '../app.js';
import { eventList } from './flag.js';

// The secret of a new token, shown once with a copy button and a warning.
export function secretShownOnce(secret) {
  return new Promise((resolve) => {
    const out = h('input.secret', { readonly: true, value: secret, 'aria-label': 'The new token', id: 'new-secret' });
    const status = h('span', { role: 'status' });
    const d = h('dialog.modal', { 'aria-labelledby': 'sec-h' },
      h('h2', { id: 'sec-h' }, 'Your new token'),
      h('p.warning', { role: 'alert' }, 'Copy it now: it is shown only this once and cannot be retrieved later.'),
      h('div.row', out, h('button.primary', {
        type: 'button',
        onclick: async () => {
          out.select();
          try { await navigator.clipboard.writeText(secret); status.textContent = 'Copied.'; } catch {
            status.textContent = document.execCommand('copy') ? 'Copied.' : 'Select the text and copy it.';
          }
        },
      }, 'Copy'), status),
      h('div.actions', h('button', { type: 'button', onclick: () => { d.close(); d.remove(); resolve(); } }, 'I have copied it')));
    d.addEventListener('cancel', (e) => e.preventDefault());
    document.body.append(d);
    d.showModal();
    out.select();
  });
}

const TOKEN_TYPES = [['client', 'Server-side SDK (client)'], ['frontend', 'Front-end SDK'], ['admin', 'Admin']];

export async function tokensView(main) {
  let refused = null;
  const [{ tokens }, envs, projects] = await Promise.all([
    get('/api/admin/api-tokens').catch((ex) => {
      if (ex.status !== 403) throw ex;
      refused = ex.message;
      return { tokens: [] };
    }),
    get('/api/admin/environments'), get('/api/admin/projects')]);
  const may = (t, op) => session.can(t === 'admin' ? 'ADMIN' : `${op}_${t === 'frontend' ? 'FRONTEND' : 'CLIENT'}_API_TOKEN`);
  const canCreate = TOKEN_TYPES.some(([t]) => may(t, 'CREATE'));
  clear(main,
    h('div.head', h('h1', 'API tokens'), canCreate ? h('button.primary', { type: 'button', onclick: create }, 'New API token') : null),
    refused ? h('p.muted', `You may not see API tokens: ${refused}`) : null,
    tokens.length ? table(['Name', 'Type', 'Environment', 'Projects', 'Token', 'Expires', 'Last seen', 'Created', ''],
      tokens.map((t) => h('tr', h('td', t.tokenName), h('td', t.type), h('td', t.environment), h('td', (t.projects || [t.project]).join(', ')),
        h('td', h('code', t.secret)), h('td', fmtTime(t.expiresAt)), h('td', fmtTime(t.seenAt)), h('td', fmtTime(t.createdAt)),
        h('td', may(t.type, 'DELETE') ? h('button.small.danger', {
          type: 'button',
          onclick: async () => {
            if (!(await confirmDialog(`Revoke the token "${t.tokenName}" (${t.secret})? Clients using it are refused at once.`, { action: 'Revoke' }))) return;
            try { await api('DELETE', `/api/admin/api-tokens/${enc(t.id ?? t.secret)}`); toast(`Token ${t.tokenName} revoked.`); tokensView(main); } catch (ex) { toast(ex.message, 'error'); }
          },
        }, `Revoke ${t.tokenName}`) : null)))) : h('p.muted', 'No API tokens.'));

  async function create() {
    const name = h('input', { required: true });
    const type = h('select', TOKEN_TYPES.filter(([t]) => may(t, 'CREATE')).map(([v, t]) => h('option', { value: v }, t)));
    const env = h('select', envs.environments.map((e) => h('option', { value: e.name }, e.name)));
    const projBox = h('fieldset', h('legend', 'Projects'),
      h('label.check', h('input', { type: 'checkbox', value: '*', checked: true }), ' All projects'),
      projects.projects.map((p) => h('label.check', h('input', { type: 'checkbox', value: p.id }), ` ${p.name}`)));
    const exp = h('input', { type: 'date' });
    const sync = () => { env.disabled = type.value === 'admin'; projBox.disabled = type.value === 'admin'; };
    type.addEventListener('change', sync);
    sync();
    let secret = null;
    await modal('New API token', (f) => f.append(field('Name', name), field('Type', type), field('Environment', env), projBox,
      field('Expires (optional)', exp)), async () => {
      const picked = [...projBox.querySelectorAll('input:checked')].map((i) => i.value);
      const body = { tokenName: name.value, type: type.value };
      if (type.value !== 'admin') {
        body.environment = env.value;
        body.projects = picked.includes('*') || !picked.length ? ['*'] : picked;
      }
      if (exp.value) body.expiresAt = new Date(`${exp.value}T23:59:59Z`).toISOString();
      const t = await api('POST', '/api/admin/api-tokens', body);
      secret = t.secret;
    });
    if (secret) {
      await secretShownOnce(secret);
      tokensView(main);
    }
  }
}

export async function usersView(main) {
  const [{ users, rootRoles }, roles, projects] = await Promise.all([get('/api/admin/user-admin'), get('/api/admin/roles'), get('/api/admin/projects')]);
  const roleName = (id) => rootRoles.find((r) => r.id === id)?.name || `#${id}`;
  const act = async (what, fn) => { try { await fn(); toast(what); usersView(main); } catch (ex) { toast(ex.message, 'error'); } };
  clear(main,
    h('div.head', h('h1', 'Users'), h('button.primary', { type: 'button', onclick: () => edit(null) }, 'New user')),
    table(['Name', 'Username', 'Email', 'Root role', 'Last login', ''], users.map((u) => h('tr',
      h('td', u.name || ''), h('td', u.username || ''), h('td', u.email || ''), h('td', roleName(u.rootRole)), h('td', fmtTime(u.seenAt)),
      h('td.buttons',
        h('button.small', { type: 'button', onclick: () => edit(u) }, `Edit ${u.username || u.email}`),
        h('button.small', { type: 'button', onclick: () => password(u) }, 'Set password'),
        h('button.small', { type: 'button', onclick: () => projectRoles(u) }, 'Project roles'),
        h('button.small.danger', {
          type: 'button',
          onclick: async () => { if (await confirmDialog(`Delete the user ${u.username || u.email}?`)) act('User deleted.', () => api('DELETE', `/api/admin/user-admin/${u.id}`)); },
        }, 'Delete'))))));

  async function edit(u) {
    const name = h('input', { value: u?.name || '' });
    const username = h('input', { value: u?.username || '', autocomplete: 'off' });
    const email = h('input', { type: 'email', value: u?.email || '' });
    const role = h('select', rootRoles.map((r) => h('option', { value: r.id, selected: r.id === u?.rootRole ? true : null }, r.name)));
    const pw = h('input', { type: 'password', autocomplete: 'new-password' });
    await modal(u ? `Edit ${u.username || u.email}` : 'New user', (f) => f.append(field('Name', name), field('Username', username), field('Email', email),
      field('Root role', role), u ? null : field('Password (optional)', pw)), async () => {
      const body = { name: name.value, username: username.value || undefined, email: email.value || undefined, rootRole: Number(role.value) };
      if (!u && pw.value) body.password = pw.value;
      if (u) await api('PUT', `/api/admin/user-admin/${u.id}`, body);
      else await api('POST', '/api/admin/user-admin', body);
      toast(u ? 'User saved.' : `User ${username.value || email.value} created.`);
      usersView(main);
    });
  }
  async function password(u) {
    const pw = h('input', { type: 'password', autocomplete: 'new-password', required: true });
    await modal(`Set the password of ${u.username || u.email}`, (f) => f.append(field('New password', pw)), async () => {
      await api('POST', `/api/admin/user-admin/${u.id}/change-password`, { password: pw.value });
      toast('Password set.');
    });
  }
  async function projectRoles(u) {
    const projectRolesList = roles.roles.filter((r) => r.type === 'project' || r.type === 'custom');
    const proj = h('select', projects.projects.map((p) => h('option', { value: p.id }, p.name)));
    const box = h('fieldset', h('legend', 'Roles in the project'), projectRolesList.map((r) => h('label.check', h('input', { type: 'checkbox', value: r.id }), ` ${r.name}`)));
    await modal(`Project roles of ${u.username || u.email}`, (f) => f.append(field('Project', proj), box), async () => {
      const ids = [...box.querySelectorAll('input:checked')].map((i) => Number(i.value));
      await api('PUT', `/api/admin/projects/${enc(proj.value)}/users/${u.id}/roles`, { roles: ids });
      toast('Project roles saved.');
    });
  }
}

export async function rolesView(main) {
  const [{ roles }, perms, envs] = await Promise.all([get('/api/admin/roles'), get('/api/admin/permissions'), get('/api/admin/environments')]);
  clear(main,
    h('div.head', h('h1', 'Roles'), h('button.primary', { type: 'button', onclick: () => edit(null) }, 'New custom role')),
    table(['Name', 'Type', 'Description', ''], roles.map((r) => h('tr', h('td', r.name), h('td', r.type), h('td', r.description || ''),
      h('td.buttons', ['custom', 'root-custom'].includes(r.type) ? [
        h('button.small', { type: 'button', onclick: () => edit(r) }, `Edit ${r.name}`),
        h('button.small.danger', {
          type: 'button',
          onclick: async () => {
            if (!(await confirmDialog(`Delete the role ${r.name}?`))) return;
            try { await api('DELETE', `/api/admin/roles/${r.id}`); toast('Role deleted.'); rolesView(main); } catch (ex) { toast(ex.message, 'error'); }
          },
        }, 'Delete')] : h('span.muted', 'built in'))))));

  async function edit(r) {
    const full = r ? await get(`/api/admin/roles/${r.id}`) : null;
    const has = new Set((full?.permissions || []).map((p) => `${p.name}|${p.environment || ''}`));
    const name = h('input', { required: true, value: r?.name || '' });
    const desc = h('input', { value: r?.description || '' });
    const type = h('select', h('option', { value: 'custom', selected: r?.type !== 'root-custom' ? true : null }, 'Project role (custom)'),
      h('option', { value: 'root-custom', selected: r?.type === 'root-custom' ? true : null }, 'Root role (root-custom)'));
    if (r) type.disabled = true;
    const P = perms.permissions;
    const box = (title, list, env) => h('fieldset.perms', h('legend', title), list.map((p) =>
      h('label.check', h('input', { type: 'checkbox', 'data-perm': p.name, 'data-env': env || '', checked: has.has(`${p.name}|${env || ''}`) }), ` ${p.displayName || p.name}`)));
    const envList = Array.isArray(P.environments) ? P.environments : envs.environments.map((e) => ({ name: e.name, permissions: [] }));
    const permBox = h('div',
      box('Root permissions', P.root || []), box('Project permissions', P.project || []),
      envList.map((e) => box(`In environment ${e.name}`, e.permissions || [], e.name)));
    await modal(r ? `Edit role ${r.name}` : 'New custom role', (f) => f.append(field('Name', name), field('Description', desc), field('Type', type), permBox), async () => {
      const permissions = [...permBox.querySelectorAll('input:checked')].map((i) => (i.dataset.env ? { name: i.dataset.perm, environment: i.dataset.env } : { name: i.dataset.perm }));
      const body = { name: name.value, description: desc.value, type: type.value, permissions };
      if (r) await api('PUT', `/api/admin/roles/${r.id}`, body);
      else await api('POST', '/api/admin/roles', body);
      toast('Role saved.');
      rolesView(main);
    }, { wide: true });
  }
}

export async function eventsView(main) {
  const params = new URLSearchParams(location.search);
  const inputs = Object.fromEntries(['type', 'project', 'feature', 'createdBy'].map((k) => [k, h('input', { value: params.get(k) || '', name: k })]));
  const labels = { type: 'Type', project: 'Project', feature: 'Flag', createdBy: 'User' };
  const list = h('div');
  const more = h('p.muted');
  let offset = 0;
  async function load(reset) {
    if (reset) offset = 0;
    const q = new URLSearchParams({ limit: '50', offset: String(offset) });
    for (const [k, i] of Object.entries(inputs)) if (i.value.trim()) q.set(k, i.value.trim());
    let r;
    try {
      r = await get(`/api/admin/search/events?${q}`);
    } catch (ex) {
      if (ex.status !== 403) throw ex;
      clear(list, h('p.muted', `You may not see the event log: ${ex.message}`));
      return;
    }
    clear(list, eventList(r.events));
    more.textContent = `${r.total} events${r.total > 50 ? `, showing ${offset + 1}–${Math.min(offset + 50, r.total)}` : ''}`;
    prev.disabled = offset === 0;
    next.disabled = offset + 50 >= r.total;
  }
  const prev = h('button', { type: 'button', onclick: () => { offset -= 50; load(); } }, 'Newer');
  const next = h('button', { type: 'button', onclick: () => { offset += 50; load(); } }, 'Older');
  const form = h('form.filters', Object.entries(inputs).map(([k, i]) => field(labels[k], i)), h('button.primary', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(true).catch((ex) => toast(ex.message, 'error')); });
  clear(main, h('h1', 'Event log'), form, more, list, h('div.pager', prev, next));
  await load(true);
}

export async function applicationsView(main) {
  const { applications } = await get('/api/admin/metrics/applications');
  const detail = h('div');
  clear(main, h('h1', 'Applications'),
    applications.length ? table(['Application', 'SDK', 'Environments', ''], applications.map((a) => h('tr', h('td', a.appName), h('td', a.sdkVersion || ''),
      h('td', [...new Set((a.usage || []).flatMap((u) => u.environments))].join(', ')),
      h('td', h('button.small', { type: 'button', onclick: () => show(a.appName) }, `Instances of ${a.appName}`))))) : h('p.muted', 'No application has registered yet.'),
    detail);
  async function show(name) {
    try {
      const a = await get(`/api/admin/metrics/applications/${enc(name)}`);
      clear(detail, h('h2', a.appName),
        table(['Instance', 'SDK', 'Client IP', 'Environment', 'Last seen'], (a.instances || []).map((i) => h('tr',
          h('td', i.instanceId), h('td', i.sdkVersion || ''), h('td', i.clientIp || ''), h('td', i.environment || ''), h('td', fmtTime(i.lastSeen))))),
        a.strategies?.length ? h('p', 'Strategies: ', a.strategies.map((x) => x.displayName || x.name || x).join(', ')) : null,
        a.seenToggles?.length ? h('p', 'Flags seen: ', a.seenToggles.join(', ')) : null);
    } catch (ex) { toast(ex.message, 'error'); }
  }
}

export async function archiveView(main, { project }) {
  const { features } = await get(`/api/admin/projects/${enc(project)}/archived-features`);
  const act = async (what, fn) => { try { await fn(); toast(what); archiveView(main, { project }); } catch (ex) { toast(ex.message, 'error'); } };
  const mayRevive = session.can('UPDATE_FEATURE', project) || session.can('CREATE_FEATURE', project);
  clear(main, h('p.crumbs', link('/projects', 'Projects'), ' / ', link(`/projects/${enc(project)}`, project), ' / '),
    h('h1', 'Archived flags'),
    features.length ? table(['Flag', 'Type', 'Archived', ''], features.map((f) => h('tr', h('td', f.name), h('td', f.type), h('td', fmtTime(f.archivedAt)),
      h('td.buttons',
        mayRevive ? h('button.small', { type: 'button', onclick: () => act(`${f.name} revived.`, () => api('POST', `/api/admin/archive/revive/${enc(f.name)}`)) }, `Revive ${f.name}`) : null,
        session.can('DELETE_FEATURE', project) ? h('button.small.danger', {
          type: 'button',
          onclick: async () => { if (await confirmDialog(`Delete ${f.name} for good? This cannot be undone.`)) act(`${f.name} deleted.`, () => api('DELETE', `/api/admin/archive/${enc(f.name)}`)); },
        }, 'Delete for good') : null)))) : h('p.muted', 'No archived flags.'));
}
