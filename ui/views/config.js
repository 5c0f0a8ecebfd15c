// config.js: what flags are built from: segments, context fields with legal values,
// strategy definitions (built-in and custom), tag types.
import { api, enc, get, session } from '../api.js';
import { h, clear, toast, confirmDialog, modal, field, table } from '../dom.js';
import { constraintsEditor } from './editors.js';

// A list screen: rows, a "New" button, edit and delete per row, each guarded by a permission.
function crud(main, { title, one, rows, headers, cells, perm, onNew, onEdit, onDelete, extra }) {
  clear(main,
    h('div.head', h('h1', title), perm.create && onNew ? h('button.primary', { type: 'button', onclick: onNew }, `New ${one}`) : null),
    rows.length ? table([...headers, ''], rows.map((r) => h('tr', cells(r).map((c) => h('td', c)),
      h('td.buttons',
        extra ? extra(r) : null,
        perm.update && onEdit ? h('button.small', { type: 'button', onclick: () => onEdit(r) }, `Edit ${r.name}`) : null,
        perm.delete && onDelete ? h('button.small.danger', {
          type: 'button',
          onclick: async () => { if (await confirmDialog(`Delete ${r.name}?`)) onDelete(r); },
        }, `Delete ${r.name}`) : null)))) : h('p.muted', 'None yet.'));
}

const run = async (what, fn, again) => { try { await fn(); toast(what); again(); } catch (ex) { toast(ex.message, 'error'); } };

export async function segmentsView(main) {
  const [{ segments }, ctx, projects] = await Promise.all([get('/api/admin/segments'), get('/api/admin/context'), get('/api/admin/projects')]);
  const again = () => segmentsView(main);
  const edit = async (s) => {
    const name = h('input', { required: true, value: s?.name || '' });
    const desc = h('input', { value: s?.description || '' });
    const proj = h('select', h('option', { value: '' }, 'All projects'), projects.projects.map((p) => h('option', { value: p.id, selected: p.id === s?.project ? true : null }, p.name)));
    const cons = constraintsEditor(s?.constraints || [], ctx);
    await modal(s ? `Edit segment ${s.name}` : 'New segment', (f) => f.append(field('Name', name), field('Description', desc), field('Project', proj), cons.el), async () => {
      const body = { name: name.value, description: desc.value, project: proj.value || null, constraints: cons.value() };
      if (s) await api('PUT', `/api/admin/segments/${s.id}`, body);
      else await api('POST', '/api/admin/segments', body);
      toast('Segment saved.');
      again();
    }, { wide: true });
  };
  crud(main, {
    title: 'Segments', one: 'segment', rows: segments, headers: ['Name', 'Description', 'Project', 'Constraints', 'Used in'],
    cells: (s) => [s.name, s.description || '', s.project || 'all', String(s.constraints.length), `${s.usedInFeatures ?? 0} flags`],
    perm: { create: session.can('CREATE_SEGMENT'), update: session.can('UPDATE_SEGMENT'), delete: session.can('DELETE_SEGMENT') },
    onNew: () => edit(null), onEdit: edit,
    onDelete: (s) => run('Segment deleted.', () => api('DELETE', `/api/admin/segments/${s.id}`), again),
  });
}

export async function contextView(main) {
  const fields = await get('/api/admin/context');
  const again = () => contextView(main);
  const edit = async (c) => {
    const name = h('input', { required: true, value: c?.name || '' });
    if (c) name.readOnly = true;
    const desc = h('input', { value: c?.description || '' });
    const stick = h('input', { type: 'checkbox', checked: c?.stickiness });
    const legal = h('textarea', { rows: 4 });
    legal.value = (c?.legalValues || []).map((l) => (l.description ? `${l.value} = ${l.description}` : l.value)).join('\n');
    await modal(c ? `Edit context field ${c.name}` : 'New context field', (f) => f.append(field('Name', name), field('Description', desc),
      h('label.check', stick, ' Can be used for stickiness'),
      field('Legal values', legal, 'One per line; "value = description" for a description.')), async () => {
      const legalValues = legal.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const i = l.indexOf(' = ');
        return i > 0 ? { value: l.slice(0, i).trim(), description: l.slice(i + 3).trim() } : { value: l };
      });
      const body = { name: name.value.trim(), description: desc.value, stickiness: stick.checked, legalValues };
      if (c) await api('PUT', `/api/admin/context/${enc(c.name)}`, body);
      else await api('POST', '/api/admin/context', body);
      toast('Context field saved.');
      again();
    });
  };
  crud(main, {
    title: 'Context fields', one: 'context field', rows: fields, headers: ['Name', 'Description', 'Legal values', 'Stickiness'],
    cells: (c) => [c.name, c.description || '', (c.legalValues || []).map((l) => l.value).join(', '), c.stickiness ? 'yes' : 'no'],
    perm: { create: session.can('CREATE_CONTEXT_FIELD'), update: session.can('UPDATE_CONTEXT_FIELD'), delete: session.can('DELETE_CONTEXT_FIELD') },
    onNew: () => edit(null), onEdit: edit,
    onDelete: (c) => run('Context field deleted.', () => api('DELETE', `/api/admin/context/${enc(c.name)}`), again),
  });
}

const PARAM_TYPES = ['string', 'percentage', 'list', 'number', 'boolean'];

export async function strategiesView(main) {
  const { strategies } = await get('/api/admin/strategies');
  const again = () => strategiesView(main);
  const edit = async (s) => {
    const name = h('input', { required: true, value: s?.name || '' });
    if (s) name.readOnly = true;
    const title = h('input', { value: s?.title || s?.displayName || '' });
    const desc = h('input', { value: s?.description || '' });
    const params = h('div');
    const addParam = (p = {}) => {
      const n = h('input', { 'aria-label': 'Parameter name', required: true, value: p.name || '' });
      const t = h('select', { 'aria-label': 'Parameter type' }, PARAM_TYPES.map((x) => h('option', { value: x, selected: x === p.type ? true : null }, x)));
      const d = h('input', { 'aria-label': 'Parameter description', value: p.description || '' });
      const r = h('input', { type: 'checkbox', checked: p.required });
      const row = h('div.row.param', n, t, d, h('label.check', r, ' required'),
        h('button.link.danger', { type: 'button', onclick: () => row.remove() }, 'Remove parameter'));
      row.read = () => ({ name: n.value.trim(), type: t.value, description: d.value, required: r.checked });
      params.append(row);
    };
    (s?.parameters || []).forEach(addParam);
    await modal(s ? `Edit strategy ${s.name}` : 'New custom strategy', (f) => f.append(field('Name', name), field('Display name', title),
      field('Description', desc), h('h3', 'Parameters'), params, h('button', { type: 'button', onclick: () => addParam() }, 'Add parameter')), async () => {
      const body = { name: name.value.trim(), title: title.value || undefined, description: desc.value, parameters: [...params.children].map((r) => r.read()) };
      if (s) await api('PUT', `/api/admin/strategies/${enc(s.name)}`, body);
      else await api('POST', '/api/admin/strategies', body);
      toast('Strategy saved.');
      again();
    }, { wide: true });
  };
  const mayUpdate = session.can('UPDATE_STRATEGY');
  crud(main, {
    title: 'Strategies', one: 'custom strategy', rows: strategies, headers: ['Name', 'Display name', 'Description', 'Parameters', 'State'],
    cells: (s) => [s.name, s.displayName || s.title || '', s.description || '', (s.parameters || []).map((p) => `${p.name} (${p.type})`).join(', '),
      `${s.editable ? 'custom' : 'built in'}${s.deprecated ? ', deprecated' : ''}`],
    perm: { create: session.can('CREATE_STRATEGY'), update: mayUpdate, delete: session.can('DELETE_STRATEGY') },
    onNew: () => edit(null),
    onEdit: (s) => (s.editable ? edit(s) : toast('Built-in strategies cannot be edited.', 'error')),
    onDelete: (s) => run('Strategy deleted.', () => api('DELETE', `/api/admin/strategies/${enc(s.name)}`), again),
    extra: (s) => (mayUpdate ? h('button.small', {
      type: 'button',
      onclick: () => run(s.deprecated ? 'Strategy reactivated.' : 'Strategy deprecated.',
        () => api('POST', `/api/admin/strategies/${enc(s.name)}/${s.deprecated ? 'reactivate' : 'deprecate'}`), again),
    }, s.deprecated ? `Reactivate ${s.name}` : `Deprecate ${s.name}`) : null),
  });
}

export async function tagTypesView(main) {
  const { tagTypes } = await get('/api/admin/tag-types');
  const again = () => tagTypesView(main);
  const edit = async (t) => {
    const name = h('input', { required: true, value: t?.name || '' });
    if (t) name.readOnly = true;
    const desc = h('input', { value: t?.description || '' });
    await modal(t ? `Edit tag type ${t.name}` : 'New tag type', (f) => f.append(field('Name', name), field('Description', desc)), async () => {
      const body = { name: name.value.trim(), description: desc.value };
      if (t) await api('PUT', `/api/admin/tag-types/${enc(t.name)}`, body);
      else await api('POST', '/api/admin/tag-types', body);
      toast('Tag type saved.');
      again();
    });
  };
  crud(main, {
    title: 'Tag types', one: 'tag type', rows: tagTypes, headers: ['Name', 'Description'], cells: (t) => [t.name, t.description || ''],
    perm: { create: session.can('CREATE_TAG_TYPE'), update: session.can('UPDATE_TAG_TYPE'), delete: session.can('DELETE_TAG_TYPE') },
    onNew: () => edit(null), onEdit: edit,
    onDelete: (t) => run('Tag type deleted.', () => api('DELETE', `/api/admin/tag-types/${enc(t.name)}`), again),
  });
}
