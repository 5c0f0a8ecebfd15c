// flag.js: one flag: its environments (switch, usage, strategies with their editor, variants),
// dependencies, tags, stale, archive, and its event history.
import { api, enc, get, session } from '../api.js';
import { h, clear, toast, confirmDialog, modal, field, fmtTime } from '../dom.js';
import { link, navigate } from '../app.js';
import { toggle } from './projects.js';
import { constraintsEditor, variantsEditor, OPERATORS } from './editors.js';

export async function flagView(main, { project, flag }) {
  const P = `/api/admin/projects/${enc(project)}/features/${enc(flag)}`;
  const [f, defs, ctx, segs, usage, events, tagTypes, proj] = await Promise.all([
    get(P), get('/api/admin/strategies'), get('/api/admin/context'), get('/api/admin/segments'),
    get(`/api/admin/client-metrics/features/${enc(flag)}`).catch(() => null),
    get(`/api/admin/events/${enc(flag)}`).catch((ex) => ({ refused: ex.message })),
    get('/api/admin/tag-types'), get(`/api/admin/projects/${enc(project)}`).catch(() => ({})),
  ]);
  const reload = () => flagView(main, { project, flag });
  const stickiness = ['default', 'userId', 'sessionId', 'random',
    ...ctx.filter((c) => c.stickiness && !['userId', 'sessionId'].includes(c.name)).map((c) => c.name)];
  const ctxt = { project, flag, P, defs: defs.strategies, ctx, segs: segs.segments, stickiness, reload, proj };
  const canUpdate = session.can('UPDATE_FEATURE', project);

  const act = async (what, fn) => {
    try { await fn(); toast(what); reload(); } catch (ex) { toast(ex.message, 'error'); }
  };

  clear(main,
    h('p.crumbs', link('/projects', 'Projects'), ' / ', link(`/projects/${enc(project)}`, proj.name || project), ' / '),
    h('div.head',
      h('div', h('h1', f.name, f.stale ? h('span.badge.warn', 'stale') : null),
        h('p.muted', `${f.type} flag · created ${fmtTime(f.createdAt)}`), f.description ? h('p', f.description) : null),
      h('div.buttons',
        canUpdate ? h('button', { type: 'button', onclick: () => editFlag(ctxt, f) }, 'Edit flag') : null,
        canUpdate ? h('button', {
          type: 'button',
          onclick: () => act(f.stale ? 'Marked active.' : 'Marked stale.', () => api('POST', `${P}/stale/${f.stale ? 'off' : 'on'}`)),
        }, f.stale ? 'Mark active' : 'Mark stale') : null,
        session.can('DELETE_FEATURE', project) ? h('button.danger', {
          type: 'button',
          onclick: async () => {
            if (!(await confirmDialog(`Archive the flag ${f.name}? SDKs stop seeing it.`, { action: 'Archive' }))) return;
            try {
              await api('DELETE', P);
              toast(`${f.name} archived.`);
              navigate(`/projects/${enc(project)}`);
            } catch (ex) { toast(ex.message, 'error'); }
          },
        }, 'Archive') : null)),
    h('section', { 'aria-labelledby': 'envs-h' }, h('h2', { id: 'envs-h' }, 'Environments'),
      f.environments.map((e) => envCard(ctxt, f, e, usage))),
    variantsSection(ctxt, f),
    dependenciesSection(ctxt, f),
    tagsSection(ctxt, f, tagTypes.tagTypes),
    h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'History'),
      events.refused ? h('p.muted', `You may not see the event log: ${events.refused}`) : eventList(events.events)));
}

export function eventList(events) {
  if (!events?.length) return h('p.muted', 'No events.');
  return h('ol.events', events.map((e) => h('li',
    h('details', h('summary', h('strong', e.type), ' ', h('span.muted',
      `${fmtTime(e.createdAt)} by ${e.createdBy}${e.featureName ? ` · ${e.featureName}` : ''}${e.project ? ` · project ${e.project}` : ''}${e.environment ? ` · ${e.environment}` : ''}`)),
    h('pre', JSON.stringify({ data: e.data, preData: e.preData }, null, 2))))));
}

function usageOf(usage, env) {
  const rows = (usage?.lastHourUsage || []).filter((u) => u.environment === env);
  const yes = rows.reduce((s, u) => s + (u.yes || 0), 0);
  const no = rows.reduce((s, u) => s + (u.no || 0), 0);
  return h('span.usage', { 'aria-label': `Usage in ${env} in the last hour: ${yes} yes, ${no} no` },
    yes + no ? `Last hour: ${yes} yes / ${no} no` : 'Not seen in the last hour');
}

function envCard(c, f, e, usage) {
  const env = e.name;
  const EP = `${c.P}/environments/${enc(env)}`;
  const canAdd = session.can('CREATE_FEATURE_STRATEGY', c.project, env);
  const canEdit = session.can('UPDATE_FEATURE_STRATEGY', c.project, env);
  const canDel = session.can('DELETE_FEATURE_STRATEGY', c.project, env);
  const strategies = [...(e.strategies || [])].sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
  const act = async (what, fn) => { try { await fn(); toast(what); c.reload(); } catch (ex) { toast(ex.message, 'error'); } };
  const label = (s) => s.title || displayName(c, s.name);

  async function move(i, d) {
    const ids = strategies.map((s) => s.id);
    [ids[i], ids[i + d]] = [ids[i + d], ids[i]];
    await act('Order saved.', () => api('POST', `${EP}/strategies/set-sort-order`, ids.map((id, k) => ({ id, sortOrder: k }))));
  }

  return h('article.card.env', { 'aria-label': `Environment ${env}` },
    h('div.env-head', h('label.switch-label', toggle(c.project, f, env, e, c.reload), h('strong', env)),
      h('span.muted', e.type), usageOf(usage, env)),
    strategies.length ? h('ol.strategies', strategies.map((s, i) => h('li.strategy', { class: s.disabled ? 'disabled' : null },
      h('div.row',
        h('strong', s.title || displayName(c, s.name)), s.disabled ? h('span.badge', 'disabled') : null,
        h('span.muted', summary(c, s)),
        h('span.spacer'),
        canEdit && i > 0 ? h('button.small', { type: 'button', 'aria-label': `Move ${label(s)} up in ${env}`, onclick: () => move(i, -1) }, '↑') : null,
        canEdit && i < strategies.length - 1 ? h('button.small', { type: 'button', 'aria-label': `Move ${label(s)} down in ${env}`, onclick: () => move(i, 1) }, '↓') : null,
        canEdit ? h('button.small', { type: 'button', 'aria-label': `Edit ${label(s)} in ${env}`, onclick: () => strategyEditor(c, env, s) }, 'Edit') : null,
        canEdit ? h('button.small', {
          type: 'button',
          'aria-label': `${s.disabled ? 'Enable' : 'Disable'} ${label(s)} in ${env}`,
          onclick: () => act(s.disabled ? 'Strategy enabled.' : 'Strategy disabled.',
            () => api('PUT', `${EP}/strategies/${enc(s.id)}`, { ...strip(s), disabled: !s.disabled })),
        }, s.disabled ? 'Enable' : 'Disable') : null,
        canDel ? h('button.small.danger', {
          type: 'button',
          'aria-label': `Delete ${label(s)} in ${env}`,
          onclick: async () => {
            if (await confirmDialog(`Delete the ${label(s)} strategy in ${env}?`))
              act('Strategy deleted.', () => api('DELETE', `${EP}/strategies/${enc(s.id)}`));
          },
        }, 'Delete') : null),
      constraintsSummary(s.constraints),
      s.segments?.length ? h('p.small', 'Segments: ', s.segments.map((id) => c.segs.find((g) => g.id === id)?.name || `#${id}`).join(', ')) : null,
      s.variants?.length ? h('p.small', 'Variants: ', s.variants.map((v) => `${v.name} (${v.weight / 10}%)`).join(', ')) : null)))
      : h('p.muted', e.enabled ? 'No strategies: on for everyone (the default strategy is added).' : 'No strategies.'),
    canAdd ? h('button', { type: 'button', onclick: () => strategyEditor(c, env, null) }, `Add strategy in ${env}`) : null);
}

const strip = (s) => ({ name: s.name, title: s.title, disabled: s.disabled, parameters: s.parameters, constraints: s.constraints, segments: s.segments, variants: s.variants, sortOrder: s.sortOrder });
const displayName = (c, name) => c.defs.find((d) => d.name === name)?.displayName || name;

function summary(c, s) {
  const p = s.parameters || {};
  if (s.name === 'flexibleRollout') return `${p.rollout ?? 100}% · stickiness ${p.stickiness || 'default'} · group ${p.groupId || c.flag}`;
  return Object.entries(p).map(([k, v]) => `${k}: ${v}`).join(' · ');
}

function constraintsSummary(list) {
  if (!list?.length) return null;
  return h('ul.small.constraint-list', list.map((k) => h('li',
    `${k.contextName} ${k.inverted ? 'NOT ' : ''}${OPERATORS.find((o) => o[0] === k.operator)?.[1] || k.operator} `,
    h('code', k.value ?? (k.values || []).join(', ')), k.caseInsensitive ? ' (case-insensitive)' : '')));
}

async function strategyEditor(c, env, s) {
  const EP = `${c.P}/environments/${enc(env)}`;
  const defs = c.defs.filter((d) => !d.deprecated || d.name === s?.name);
  const pick = h('select', { required: true }, defs.map((d) => h('option', { value: d.name, selected: d.name === (s?.name || 'flexibleRollout') ? true : null }, d.displayName || d.name)));
  if (s) pick.disabled = true;
  const title = h('input', { value: s?.title || '' });
  const disabled = h('input', { type: 'checkbox', checked: s?.disabled });
  const paramBox = h('div.params');
  let paramReaders = [];
  function drawParams() {
    const def = c.defs.find((d) => d.name === pick.value);
    const cur = s && s.name === pick.value ? s.parameters || {} : {};
    paramReaders = [];
    paramBox.replaceChildren();
    for (const p of def?.parameters || []) {
      let input, read;
      const v = cur[p.name];
      if (pick.value === 'flexibleRollout' && p.name === 'stickiness') {
        input = h('select', c.stickiness.map((x) => h('option', { value: x, selected: x === (v || c.proj.defaultStickiness || 'default') ? true : null }, x)));
        read = () => input.value;
      } else if (pick.value === 'flexibleRollout' && p.name === 'groupId') {
        input = h('input', { value: v ?? c.flag });
        read = () => input.value;
      } else if (p.type === 'percentage') {
        input = h('input', { type: 'range', min: 0, max: 100, step: 1, value: v ?? (pick.value === 'flexibleRollout' ? 100 : 0) });
        const out = h('output', `${input.value}%`);
        input.addEventListener('input', () => { out.textContent = `${input.value}%`; });
        paramBox.append(field(p.name === 'rollout' ? 'Rollout (%)' : `${p.name} (%)`, input, p.description), out);
        paramReaders.push([p.name, () => String(input.value)]);
        continue;
      } else if (p.type === 'boolean') {
        input = h('input', { type: 'checkbox', checked: v === true || v === 'true' });
        read = () => String(input.checked);
      } else if (p.type === 'number') {
        input = h('input', { type: 'number', value: v ?? '' });
        read = () => input.value;
      } else if (p.type === 'list') {
        input = h('textarea', { rows: 2 });
        input.value = (v || '').split(',').map((x) => x.trim()).filter(Boolean).join('\n');
        read = () => input.value.split(/[\n,]/).map((x) => x.trim()).filter(Boolean).join(',');
      } else {
        input = h('input', { value: v ?? '' });
        read = () => input.value;
      }
      if (p.required && p.type !== 'boolean') input.required = true;
      paramBox.append(field(p.name === 'groupId' ? 'Group id' : p.name === 'stickiness' ? 'Stickiness' : p.name, input, p.description));
      paramReaders.push([p.name, read]);
    }
  }
  pick.addEventListener('change', drawParams);
  drawParams();
  const cons = constraintsEditor(s?.constraints || [], c.ctx);
  const segBox = h('fieldset.segments', h('legend', 'Segments'),
    c.segs.length ? c.segs.map((g) => h('label.check', h('input', { type: 'checkbox', value: g.id, checked: s?.segments?.includes(g.id) }), ` ${g.name}`))
      : h('p.muted', 'No segments defined.'));
  const vars = variantsEditor(s?.variants || [], c.stickiness, { title: 'Strategy variants' });

  await modal(s ? `Edit strategy in ${env}` : `Add strategy in ${env}`, (form) => form.append(
    field('Strategy', pick), field('Title (optional)', title), h('label.check', disabled, ' Disabled'),
    h('h3', 'Parameters'), paramBox, cons.el, segBox, vars.el), async () => {
    const body = {
      name: pick.value, title: title.value || undefined, disabled: disabled.checked,
      parameters: Object.fromEntries(paramReaders.map(([k, r]) => [k, r()])),
      constraints: cons.value(),
      segments: [...segBox.querySelectorAll('input:checked')].map((i) => Number(i.value)),
      variants: vars.value(),
    };
    if (s) {
      body.sortOrder = s.sortOrder;
      await api('PUT', `${EP}/strategies/${enc(s.id)}`, body);
    } else {
      await api('POST', `${EP}/strategies`, body);
    }
    toast(s ? 'Strategy saved.' : `Strategy added in ${env}.`);
    c.reload();
  }, { wide: true });
}

async function editFlag(c, f) {
  const types = (await get('/api/admin/feature-types')).types;
  const type = h('select', types.map((t) => h('option', { value: t.id, selected: t.id === f.type ? true : null }, t.name)));
  const desc = h('textarea', { rows: 3 });
  desc.value = f.description || '';
  const imp = h('input', { type: 'checkbox', checked: f.impressionData });
  await modal(`Edit ${f.name}`, (form) => form.append(field('Type', type), field('Description', desc), h('label.check', imp, ' Impression data')),
    async () => {
      await api('PATCH', c.P, [
        { op: 'replace', path: '/type', value: type.value },
        // "add" sets a member whether or not it is there (a flag without a description)
        { op: 'add', path: '/description', value: desc.value },
        { op: 'add', path: '/impressionData', value: imp.checked },
      ]);
      toast('Flag saved.');
      c.reload();
    });
}

function variantsSection(c, f) {
  const envs = f.environments;
  return h('section', { 'aria-labelledby': 'var-h' }, h('h2', { id: 'var-h' }, 'Variants'),
    envs.map((e) => {
      const may = session.can('UPDATE_FEATURE_ENVIRONMENT_VARIANTS', c.project, e.name);
      return h('div.card',
        h('div.row', h('strong', e.name), h('span.muted', (e.variants || []).length ? (e.variants || []).map((v) => `${v.name} (${v.weight / 10}%)`).join(', ') : 'no variants'),
          h('span.spacer'),
          may ? h('button.small', { type: 'button', onclick: () => editVariants(c, e) }, `Edit variants in ${e.name}`) : null));
    }));
}

async function editVariants(c, e) {
  const ed = variantsEditor(e.variants || [], c.stickiness, { title: `Variants in ${e.name}` });
  await modal(`Variants of ${c.flag} in ${e.name}`, (form) => form.append(ed.el), async () => {
    await api('PUT', `${c.P}/environments/${enc(e.name)}/variants`, ed.value());
    toast(`Variants saved in ${e.name}.`);
    c.reload();
  }, { wide: true });
}

function dependenciesSection(c, f) {
  const may = session.can('UPDATE_FEATURE_DEPENDENCY', c.project);
  const DP = `${c.P}/dependencies`;
  const act = async (what, fn) => { try { await fn(); toast(what); c.reload(); } catch (ex) { toast(ex.message, 'error'); } };
  return h('section', { 'aria-labelledby': 'dep-h' }, h('h2', { id: 'dep-h' }, 'Dependencies'),
    f.dependencies?.length ? h('ul', f.dependencies.map((d) => h('li',
      `Needs ${d.feature} to be ${d.enabled === false ? 'off' : 'on'}${d.variants?.length ? ` with variant ${d.variants.join(' or ')}` : ''} `,
      may ? h('button.small.danger', {
        type: 'button',
        onclick: async () => { if (await confirmDialog(`Remove the dependency on ${d.feature}?`, { action: 'Remove' })) act('Dependency removed.', () => api('DELETE', `${DP}/${enc(d.feature)}`)); },
      }, `Remove dependency on ${d.feature}`) : null))) : h('p.muted', 'No parent flag.'),
    f.children?.length ? h('p', 'Flags that depend on this one: ', f.children.join(', ')) : null,
    may ? h('button', {
      type: 'button',
      onclick: async () => {
        const parents = await get(`${c.P}/parents`).catch(() => []);
        const list = Array.isArray(parents) ? parents : [];
        const sel = h('select', { required: true }, list.map((p) => h('option', { value: p }, p)));
        const en = h('select', h('option', { value: 'true' }, 'on'), h('option', { value: 'false' }, 'off'));
        const vs = h('input', { placeholder: 'any variant' });
        await modal('Add a parent flag', (form) => form.append(field('Parent flag', sel), field('Parent must be', en), field('Parent variants (comma-separated, optional)', vs)),
          async () => {
            const body = { feature: sel.value, enabled: en.value === 'true' };
            const v = vs.value.split(',').map((x) => x.trim()).filter(Boolean);
            if (v.length) body.variants = v;
            await api('POST', DP, body);
            toast('Dependency added.');
            c.reload();
          });
      },
    }, 'Add parent flag') : null);
}

function tagsSection(c, f, tagTypes) {
  const may = session.can('UPDATE_FEATURE', c.project);
  const TP = `/api/admin/features/${enc(c.flag)}/tags`;
  const act = async (what, fn) => { try { await fn(); toast(what); c.reload(); } catch (ex) { toast(ex.message, 'error'); } };
  const type = h('select', { 'aria-label': 'Tag type' }, tagTypes.map((t) => h('option', { value: t.name }, t.name)));
  const value = h('input', { 'aria-label': 'Tag value', required: true });
  const form = h('form.row', type, value, h('button', { type: 'submit' }, 'Add tag'));
  form.addEventListener('submit', (e) => { e.preventDefault(); act('Tag added.', () => api('POST', TP, { type: type.value, value: value.value.trim() })); });
  return h('section', { 'aria-labelledby': 'tag-h' }, h('h2', { id: 'tag-h' }, 'Tags'),
    f.tags?.length ? h('ul.tags', f.tags.map((t) => h('li.badge', `${t.type}:${t.value}`,
      may ? h('button.link', { type: 'button', 'aria-label': `Remove tag ${t.type}:${t.value}`, onclick: () => act('Tag removed.', () => api('DELETE', `${TP}/${enc(t.type)}/${enc(t.value)}`)) }, '×') : null)))
      : h('p.muted', 'No tags.'),
    may ? form : null);
}
