// editors.js: the editors several screens share: constraints (every operator, inverted,
// case-insensitive; a strategy's and a segment's), variants with payloads (a strategy's and a
// flag's), each a small object with an element and a value() that reads it back.
import { h } from '../dom.js';

export const OPERATORS = [
  ['IN', 'is one of', 'list'], ['NOT_IN', 'is not one of', 'list'],
  ['STR_CONTAINS', 'contains', 'str'], ['STR_STARTS_WITH', 'starts with', 'str'], ['STR_ENDS_WITH', 'ends with', 'str'],
  ['NUM_EQ', '= (number)', 'one'], ['NUM_GT', '> (number)', 'one'], ['NUM_GTE', '≥ (number)', 'one'],
  ['NUM_LT', '< (number)', 'one'], ['NUM_LTE', '≤ (number)', 'one'],
  ['DATE_AFTER', 'after (date)', 'one'], ['DATE_BEFORE', 'before (date)', 'one'],
  ['SEMVER_EQ', '= (semver)', 'one'], ['SEMVER_GT', '> (semver)', 'one'], ['SEMVER_LT', '< (semver)', 'one'],
];
const kindOf = (op) => OPERATORS.find((o) => o[0] === op)?.[2] || 'list';

let seq = 0;
const uid = (p) => `${p}-${++seq}`;

function constraintRow(c, contextFields, onRemove) {
  const n = uid('c');
  const ctx = h('select', { 'aria-label': 'Context field' },
    contextFields.map((f) => h('option', { value: f.name, selected: f.name === c.contextName ? true : null }, f.name)));
  if (c.contextName && !contextFields.some((f) => f.name === c.contextName))
    ctx.append(h('option', { value: c.contextName, selected: true }, c.contextName));
  const op = h('select', { 'aria-label': 'Operator' },
    OPERATORS.map(([v, t]) => h('option', { value: v, selected: v === (c.operator || 'IN') ? true : null }, `${t} (${v})`)));
  const inverted = h('input', { type: 'checkbox', checked: c.inverted, id: `${n}-inv` });
  const ci = h('input', { type: 'checkbox', checked: c.caseInsensitive, id: `${n}-ci` });
  const values = h('textarea', { rows: 2, 'aria-label': 'Values (one per line or comma-separated)' });
  const value = h('input', { 'aria-label': 'Value' });
  const legal = h('div.legal');
  values.value = (c.values || []).join('\n');
  value.value = c.value ?? '';
  function sync() {
    const k = kindOf(op.value);
    values.hidden = k === 'one';
    value.hidden = k !== 'one';
    ci.parentElement && (ci.parentElement.hidden = k !== 'str' && k !== 'list');
    const field = contextFields.find((f) => f.name === ctx.value);
    legal.replaceChildren();
    if (field?.legalValues?.length && k !== 'one')
      legal.append(h('small.muted', 'Legal values: ', field.legalValues.map((l) => l.value).join(', ')));
  }
  op.addEventListener('change', sync);
  ctx.addEventListener('change', sync);
  const el = h('fieldset.constraint',
    h('legend.sr-only', 'Constraint'),
    h('div.row', ctx, op,
      h('label.check', { for: `${n}-inv` }, inverted, ' Inverted (NOT)'),
      h('label.check', { for: `${n}-ci` }, ci, ' Case-insensitive'),
      h('button.link.danger', { type: 'button', onclick: () => { el.remove(); onRemove?.(); } }, 'Remove constraint')),
    values, value, legal);
  sync();
  return {
    el,
    value() {
      const k = kindOf(op.value);
      const out = { contextName: ctx.value, operator: op.value, inverted: inverted.checked, caseInsensitive: ci.checked };
      if (k === 'one') { out.value = value.value.trim(); out.values = []; } else {
        out.values = values.value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
      }
      return out;
    },
  };
}

export function constraintsEditor(list, contextFields) {
  const rows = [];
  const box = h('div.constraints');
  const add = h('button', { type: 'button' }, 'Add constraint');
  function push(c) {
    const r = constraintRow(c, contextFields, () => rows.splice(rows.indexOf(r), 1));
    rows.push(r);
    box.append(r.el);
    return r;
  }
  add.addEventListener('click', () => push({ contextName: contextFields[0]?.name, operator: 'IN', values: [] }).el.querySelector('select').focus());
  (list || []).forEach(push);
  return { el: h('div', h('h3', 'Constraints'), box, add), value: () => rows.map((r) => r.value()) };
}

const PAYLOAD_TYPES = ['string', 'json', 'csv', 'number'];

function variantRow(v, stickinessOptions, onRemove) {
  const name = h('input', { 'aria-label': 'Variant name', required: true, value: v.name || '' });
  const weightType = h('select', { 'aria-label': 'Weight type' },
    ['variable', 'fix'].map((t) => h('option', { value: t, selected: t === (v.weightType || 'variable') ? true : null }, t === 'fix' ? 'fixed weight' : 'variable weight')));
  const weight = h('input', { type: 'number', min: 0, max: 100, step: 0.1, 'aria-label': 'Weight (%)', value: v.weight != null ? v.weight / 10 : '' });
  const stick = h('select', { 'aria-label': 'Variant stickiness' },
    stickinessOptions.map((s) => h('option', { value: s, selected: s === (v.stickiness || 'default') ? true : null }, s)));
  const ptype = h('select', { 'aria-label': 'Payload type' }, h('option', { value: '' }, 'no payload'),
    PAYLOAD_TYPES.map((t) => h('option', { value: t, selected: t === v.payload?.type ? true : null }, t)));
  const pvalue = h('textarea', { rows: 1, 'aria-label': 'Payload value' });
  pvalue.value = v.payload?.value ?? '';
  const el = h('fieldset.variant', h('legend.sr-only', 'Variant'),
    h('div.row', name, weightType, weight, stick, ptype,
      h('button.link.danger', { type: 'button', onclick: () => { el.remove(); onRemove(); } }, 'Remove variant')),
    pvalue);
  const syncW = () => { weight.disabled = weightType.value !== 'fix'; };
  weightType.addEventListener('change', syncW);
  syncW();
  return {
    el,
    value() {
      const out = { name: name.value.trim(), weightType: weightType.value, stickiness: stick.value, weight: 0 };
      if (weightType.value === 'fix') out.weight = Math.round(Number(weight.value) * 10);
      if (ptype.value) out.payload = { type: ptype.value, value: pvalue.value };
      if (v.overrides?.length) out.overrides = v.overrides;
      return out;
    },
  };
}

export function variantsEditor(list, stickinessOptions, { title = 'Variants' } = {}) {
  const rows = [];
  const box = h('div.variants');
  function push(v) {
    const r = variantRow(v, stickinessOptions, () => rows.splice(rows.indexOf(r), 1));
    rows.push(r);
    box.append(r.el);
    return r;
  }
  (list || []).forEach(push);
  const add = h('button', { type: 'button', onclick: () => push({}).el.querySelector('input').focus() }, 'Add variant');
  return {
    el: h('div', h('h3', title), h('small.muted', 'Variable weights share what fixed ones leave; weights in percent.'), box, add),
    value: () => rows.map((r) => r.value()),
  };
}
