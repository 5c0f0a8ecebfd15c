// app.js: the admin page's shell: the router (History API paths under the base path), the
// header with its navigation, logging in and out. Each screen is a module of views/ that
// renders into <main> and fetches what it shows from the admin API.
import { api, BASE, session } from './api.js';
import { h, clear, toast } from './dom.js';
import { projectsView, projectView } from './views/projects.js';
import { flagView } from './views/flag.js';
import { profileView } from './views/profile.js';
import * as admin from './views/admin.js';
import * as config from './views/config.js';

const main = document.getElementById('main');
const top = document.getElementById('top');

// [pattern, view, title]; ":x" segments become arguments.
const routes = [
  ['/projects', projectsView, 'Projects'],
  ['/projects/:project', projectView, 'Flags'],
  ['/projects/:project/archive', admin.archiveView, 'Archive'],
  ['/projects/:project/features/:flag', flagView, 'Flag'],
  ['/profile', profileView, 'Profile'],
  ['/admin/api-tokens', admin.tokensView, 'API tokens'],
  ['/admin/users', admin.usersView, 'Users'],
  ['/admin/roles', admin.rolesView, 'Roles'],
  ['/admin/events', admin.eventsView, 'Event log'],
  ['/admin/applications', admin.applicationsView, 'Applications'],
  ['/admin/segments', config.segmentsView, 'Segments'],
  ['/admin/context', config.contextView, 'Context fields'],
  ['/admin/strategies', config.strategiesView, 'Strategies'],
  ['/admin/tag-types', config.tagTypesView, 'Tag types'],
];

export function navigate(path, { replace = false } = {}) {
  const url = BASE + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

// Links inside the page are handled here, so a click does not reload it.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('data-nav'));
});
window.addEventListener('popstate', () => render());

// <a> to a path of the page.
export function link(path, ...kids) {
  return h('a', { href: BASE + path, 'data-nav': path }, ...kids);
}

function currentPath() {
  let p = location.pathname;
  if (BASE && p.startsWith(BASE)) p = p.slice(BASE.length);
  p = p.replace(/\/+$/, '');
  return p || '/';
}

function match(path) {
  const parts = path.split('/').slice(1);
  for (const [pattern, view, title] of routes) {
    const pp = pattern.split('/').slice(1);
    if (pp.length !== parts.length) continue;
    const args = {};
    if (pp.every((seg, i) => (seg.startsWith(':') ? ((args[seg.slice(1)] = decodeURIComponent(parts[i])), true) : seg === parts[i])))
      return { view, title, args };
  }
  return null;
}

function header() {
  const nav = [
    ['/projects', 'Projects'],
    ['/admin/segments', 'Segments'],
    ['/admin/context', 'Context'],
    ['/admin/strategies', 'Strategies'],
    ['/admin/tag-types', 'Tag types'],
    ['/admin/api-tokens', 'API tokens'],
    ['/admin/applications', 'Applications'],
  ];
  if (session.admin) nav.push(['/admin/events', 'Events'], ['/admin/users', 'Users'], ['/admin/roles', 'Roles']);
  const here = currentPath();
  const menu = h('button.menu-toggle', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'nav' }, 'Menu');
  const list = h('ul', { id: 'nav' }, nav.map(([p, t]) =>
    h('li', h('a', { href: BASE + p, 'data-nav': p, 'aria-current': here.startsWith(p) ? 'page' : null }, t))));
  menu.addEventListener('click', () => {
    const open = menu.getAttribute('aria-expanded') === 'true';
    menu.setAttribute('aria-expanded', String(!open));
    list.classList.toggle('open', !open);
  });
  const who = session.user?.username || session.user?.email || session.user?.name || '';
  clear(top,
    h('div.bar',
      link('/projects', h('span.logo', { 'aria-hidden': 'true' }), h('strong', 'latch')),
      menu,
      h('nav', { 'aria-label': 'Main' }, list),
      h('div.me',
        link('/profile', who),
        h('button.link', { type: 'button', onclick: logout }, 'Log out'))));
}

async function logout() {
  try { await api('POST', '/logout'); } catch { /* a redirect or an ended session: logged out anyway */ }
  session.clear();
  toast('Logged out.');
  navigate('/login', { replace: true });
}

function loginView() {
  clear(top, h('div.bar', h('span.logo', { 'aria-hidden': 'true' }), h('strong', 'latch')));
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p.error', { role: 'alert', hidden: true });
  const form = h('form.card.login', { 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h' }, 'Log in to latch'),
    err,
    h('div.field', h('label', { for: 'login-user' }, 'Username'), user),
    h('div.field', h('label', { for: 'login-pass' }, 'Password'), pass),
    h('button.primary', { type: 'submit' }, 'Log in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    try {
      await api('POST', '/auth/simple/login', { username: user.value, password: pass.value });
      await session.load();
      const back = sessionStorage.getItem('latch-after-login');
      sessionStorage.removeItem('latch-after-login');
      navigate(back && back !== '/login' ? back : '/projects', { replace: true });
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
      pass.select();
    }
  });
  clear(main, form);
  user.focus();
}

session.onUnauthorized = () => {
  if (currentPath() === '/login') return;
  session.clear();
  sessionStorage.setItem('latch-after-login', currentPath());
  navigate('/login', { replace: true });
};

let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  const path = currentPath();
  if (path === '/login') return loginView();
  if (!session.user) {
    try {
      await session.load();
    } catch {
      return; // onUnauthorized went to the login page
    }
  }
  if (seq !== renderSeq) return;
  if (path === '/') return navigate('/projects', { replace: true });
  header();
  const m = match(path);
  if (!m) {
    clear(main, h('h1', 'Not found'), h('p', 'No page here. '), link('/projects', 'Go to the projects'));
    return;
  }
  document.title = `${m.title} · latch`;
  clear(main, h('p.muted', { 'aria-busy': 'true' }, 'Loading…'));
  try {
    await m.view(main, m.args, () => seq === renderSeq);
  } catch (ex) {
    if (seq === renderSeq && ex.status !== 401) clear(main, h('h1', 'Something went wrong'), h('p.error', { role: 'alert' }, ex.message));
  }
  if (seq === renderSeq) main.focus({ preventScroll: true });
}

render();
