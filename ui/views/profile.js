// profile.js: my account: change my password, my personal access tokens.
import { api, enc, get, session } from '../api.js';
import { h, clear, toast, confirmDialog, modal, field, fmtTime, table } from '../dom.js';
import { navigate } from '../app.js';
import { secretShownOnce } from './admin.js';

export async function profileView(main) {
  const u = session.user || {};
  const pats = await get('/api/admin/user/tokens').catch((ex) => ({ pats: [], error: ex.message }));
  const old = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const pw = h('input', { type: 'password', autocomplete: 'new-password', required: true });
  const pw2 = h('input', { type: 'password', autocomplete: 'new-password', required: true });
  const form = h('form.card', field('Current password', old), field('New password', pw, 'At least 10 characters, with upper and lower case, a digit and a symbol.'),
    field('Confirm new password', pw2), h('button.primary', { type: 'submit' }, 'Change password'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/admin/user/change-password', { oldPassword: old.value, password: pw.value, confirmPassword: pw2.value });
      toast('Password changed. Log in with the new one.');
      session.clear();
      navigate('/login', { replace: true });
    } catch (ex) { toast(ex.message, 'error'); }
  });
  const list = pats.pats || [];
  clear(main,
    h('h1', 'My account'),
    h('p', `Logged in as ${u.username || u.email || u.name}.`),
    u.isAPI ? null : h('section', { 'aria-labelledby': 'pw-h' }, h('h2', { id: 'pw-h' }, 'Change my password'), form),
    h('section', { 'aria-labelledby': 'pat-h' }, h('h2', { id: 'pat-h' }, 'Personal access tokens'),
      h('p.muted', 'A personal access token acts as you on the admin API.'),
      pats.error ? h('p.error', pats.error) : null,
      list.length ? table(['Description', 'Expires', 'Last seen', 'Created', ''], list.map((t) => h('tr',
        h('td', t.description), h('td', fmtTime(t.expiresAt)), h('td', fmtTime(t.seenAt)), h('td', fmtTime(t.createdAt)),
        h('td', h('button.small.danger', {
          type: 'button',
          onclick: async () => {
            if (!(await confirmDialog(`Delete the token "${t.description}"?`))) return;
            try { await api('DELETE', `/api/admin/user/tokens/${enc(t.id)}`); toast('Token deleted.'); profileView(main); } catch (ex) { toast(ex.message, 'error'); }
          },
        }, `Delete ${t.description}`))))) : h('p.muted', 'None.'),
      u.isAPI ? null : h('button', { type: 'button', onclick: createPat }, 'New personal access token')));

  async function createPat() {
    const desc = h('input', { required: true });
    const exp = h('input', { type: 'date', required: true, value: new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10) });
    let secret = null;
    await modal('New personal access token', (f) => f.append(field('Description', desc), field('Expires', exp)), async () => {
      const t = await api('POST', '/api/admin/user/tokens', { description: desc.value, expiresAt: new Date(`${exp.value}T23:59:59Z`).toISOString() });
      secret = t.secret;
    });
    if (secret) await secretShownOnce(secret);
    profileView(main);
  }
}
