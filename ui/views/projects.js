// projects.js: the projects, and one project's flags: search, filters (tag, type, state), a
// switch per environment in each row, paging. The whole list is fetched once and filtered
// in memory; only the rows of the current page are in the document, so 10,000 flags page as
// fast as 100.
import { api, enc, get, session } from '../api.js';
import { h, clear, toast, modal, field } from '../dom.js';
import { link, navigate } from '../app.js';

export async function projectsView(main) {
  const { projects } = await get('/api/admin/projects');
  const canCreate = session.can('CREATE_PROJECT');
  clear(main,
    h('div.head', h('h1', 'Projects'),
      canCreate ? h('button.primary', { type: 'button', onclick: createProject }, 'New project') : null),
    h('ul.cards', projects.map((p) => h('li.card',
      h('h2', link(`/projects/${enc(p.id)}`, p.name)),
      p.description ? h('p', p.description) : null,
      h('p.muted', `${p.featureCount} flags · ${p.environments?.length ?? 0} environments · id ${p.id}`)))));

  async function createProject() {
    const id = h('input', { required: true, pattern: '[A-Za-z0-9_.\\-]+' });
    const name = h('input', { required: true });
    const desc = h('textarea', { rows: 2 });
    await modal('New project', (f) => f.append(field('Id', id, 'Letters, digits, - _ .'), field('Name', name), field('Description', desc)),
      async () => {
        await api('POST', '/api/admin/projects', { id: id.value, name: name.value, description: desc.value || undefined });
        toast(`Project ${name.value} created.`);
        navigate(`/projects/${enc(id.value)}`);
      });
  }
}

const PAGE_SIZES = [25, 50, 100, 250];

export async function projectView(main, { project }) {
  const t0 = performance.now();
  const [proj, list, types, envsAll] = await Promise.all([
    get(`/api/admin/projects/${enc(project)}`),
    get(`/api/admin/projects/${enc(project)}/features`),
    get('/api/admin/feature-types'),
    get(`/api/admin/environments/project/${enc(project)}`).catch(() => null),
  ]);
  const flags = list.features;
  const t1 = performance.now();
  const envs = (envsAll?.environments || flags[0]?.environments || [])
    .filter((e) => e.enabled !== false).map((e) => e.name || e.environment);
  const tags = [...new Set(flags.flatMap((f) => (f.tags || []).map((t) => `${t.type}:${t.value}`)))].sort();
  const params = new URLSearchParams(location.search);
  const st = {
    q: params.get('search') || '', tag: params.get('tag') || '', type: params.get('type') || '',
    state: params.get('state') || '', page: 0, size: 50,
  };

  const search = h('input', { type: 'search', value: st.q, placeholder: 'Search by name', 'aria-label': 'Search flags by name' });
  const tagSel = select('Filter by tag', [['', 'Any tag'], ...tags.map((t) => [t, t])], st.tag);
  const typeSel = select('Filter by type', [['', 'Any type'], ...types.types.map((t) => [t.id, t.name])], st.type);
  const stateSel = select('Filter by state', [['', 'Any state'], ['active', 'Active (not stale)'], ['stale', 'Stale'],
    ['on', 'On somewhere'], ['off', 'Off everywhere']], st.state);
  const sizeSel = select('Flags per page', PAGE_SIZES.map((n) => [String(n), `${n} per page`]), String(st.size));
  const count = h('p.muted', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  const pager = h('nav.pager', { 'aria-label': 'Pages' });
  const canCreate = session.can('CREATE_FEATURE', project);

  let shown = flags;
  function filter() {
    const q = st.q.trim().toLowerCase();
    shown = flags.filter((f) =>
      (!q || f.name.toLowerCase().includes(q) || (f.description || '').toLowerCase().includes(q)) &&
      (!st.type || f.type === st.type) &&
      (!st.tag || (f.tags || []).some((t) => `${t.type}:${t.value}` === st.tag)) &&
      (!st.state || (st.state === 'stale' ? f.stale : st.state === 'active' ? !f.stale :
        st.state === 'on' ? f.environments.some((e) => e.enabled) : !f.environments.some((e) => e.enabled))));
    st.page = 0;
    const u = new URLSearchParams();
    for (const k of ['q', 'tag', 'type', 'state']) if (st[k]) u.set(k === 'q' ? 'search' : k, st[k]);
    history.replaceState(null, '', location.pathname + (u.size ? `?${u}` : ''));
    draw();
  }

  function row(f) {
    const byEnv = new Map(f.environments.map((e) => [e.name, e]));
    return h('tr',
      h('th', { scope: 'row' }, link(`/projects/${enc(project)}/features/${enc(f.name)}`, f.name),
        f.stale ? h('span.badge.warn', 'stale') : null,
        f.description ? h('div.muted.small', f.description) : null),
      h('td', f.type),
      h('td.tags', (f.tags || []).map((t) => h('span.badge', `${t.type}:${t.value}`))),
      envs.map((env) => {
        const e = byEnv.get(env);
        return h('td.sw', e ? toggle(project, f, env, e) : h('span.muted', '–'));
      }));
  }

  function draw() {
    const pages = Math.max(1, Math.ceil(shown.length / st.size));
    st.page = Math.min(st.page, pages - 1);
    const from = st.page * st.size;
    const slice = shown.slice(from, from + st.size);
    const frag = document.createDocumentFragment();
    for (const f of slice) frag.append(row(f));
    tbody.replaceChildren(frag);
    count.textContent = shown.length === flags.length ? `${flags.length} flags`
      : `${shown.length} of ${flags.length} flags match`;
    clear(pager,
      h('button', { type: 'button', disabled: st.page === 0, onclick: () => { st.page--; draw(); } }, 'Previous page'),
      h('span', ` Page ${st.page + 1} of ${pages} `),
      h('button', { type: 'button', disabled: st.page >= pages - 1, onclick: () => { st.page++; draw(); } }, 'Next page'));
  }

  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { st.q = search.value; filter(); }, 120); });
  tagSel.addEventListener('change', () => { st.tag = tagSel.value; filter(); });
  typeSel.addEventListener('change', () => { st.type = typeSel.value; filter(); });
  stateSel.addEventListener('change', () => { st.state = stateSel.value; filter(); });
  sizeSel.addEventListener('change', () => { st.size = Number(sizeSel.value); draw(); });

  clear(main,
    h('div.head', h('div', h('p.crumbs', link('/projects', 'Projects'), ' / '), h('h1', proj.name || project)),
      h('div.buttons',
        link(`/projects/${enc(project)}/archive`, 'Archived flags'),
        canCreate ? h('button.primary', { type: 'button', onclick: () => createFlag(project, types.types) }, 'New flag') : null)),
    h('div.filters', search, tagSel, typeSel, stateSel, sizeSel),
    count,
    h('div.table-wrap', h('table.flags',
      h('caption.sr-only', `Flags of project ${project}`),
      h('thead', h('tr', h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Tags'),
        envs.map((e) => h('th', { scope: 'col' }, e)))),
      tbody)),
    pager);
  filter();
  // for bench/ui_flags.mjs: ms since navigation, and the fetch and the drawing alone
  window.__latchFlagList = { done: performance.now(), fetch: t1 - t0, draw: performance.now() - t1 };
}

function select(label, options, value) {
  return h('select', { 'aria-label': label }, options.map(([v, t]) => h('option', { value: v, selected: v === value ? true : null }, t)));
}

// The switch of flag f in environment env: a checkbox with role=switch named "<flag> in <env>".
export function toggle(project, f, env, e, after) {
  const may = session.can('UPDATE_FEATURE_ENVIRONMENT', project, env);
  const input = h('input', {
    type: 'checkbox', role: 'switch', class: 'switch', checked: e.enabled,
    'aria-label': `${f.name} in ${env}`, disabled: !may, title: may ? null : 'You may not change this',
  });
  input.addEventListener('change', async () => {
    const on = input.checked;
    input.disabled = true;
    try {
      await api('POST', `/api/admin/projects/${enc(project)}/features/${enc(f.name)}/environments/${enc(env)}/${on ? 'on' : 'off'}`);
      e.enabled = on;
      toast(`${f.name} is ${on ? 'on' : 'off'} in ${env}.`);
      after?.();
    } catch (ex) {
      input.checked = !on;
      toast(`${f.name} in ${env}: ${ex.message}`, 'error');
    } finally {
      input.disabled = false;
    }
  });
  return input;
}

async function createFlag(project, types) {
  const name = h('input', { required: true, autocomplete: 'off' });
  const type = h('select', types.map((t) => h('option', { value: t.id }, t.name)));
  const desc = h('textarea', { rows: 2 });
  const impression = h('input', { type: 'checkbox' });
  await modal('New flag', (f) => f.append(field('Name', name), field('Type', type), field('Description', desc),
    h('label.check', impression, ' Impression data')), async () => {
    await api('POST', `/api/admin/projects/${enc(project)}/features`, {
      name: name.value.trim(), type: type.value, description: desc.value || undefined, impressionData: impression.checked,
    });
    toast(`Flag ${name.value} created.`);
    navigate(`/projects/${enc(project)}/features/${enc(name.value.trim())}`);
  });
}
