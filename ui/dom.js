// dom.js: building elements without markup strings (text is always text, never HTML), the
// toasts every action reports in, and the confirmation dialog destructive actions ask with.

// h('button.primary', {onclick, 'aria-label': ...}, 'text', child...): an element.
export function h(spec, attrs, ...kids) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

export function clear(el, ...kids) {
  el.replaceChildren();
  append(el, kids);
  return el;
}

let toastId = 0;
// A message in the live region: kind 'ok' or 'error'. Errors stay until dismissed.
export function toast(message, kind = 'ok') {
  const box = document.getElementById('toasts');
  const id = `toast-${++toastId}`;
  const t = h(`div.toast.${kind}`, { id, role: kind === 'error' ? 'alert' : null },
    h('span', message),
    h('button.link', { type: 'button', 'aria-label': 'Dismiss', onclick: () => t.remove() }, '×'));
  box.append(t);
  if (kind !== 'error') setTimeout(() => t.remove(), 4000);
  return t;
}

// Ask before a destructive action; resolves true when confirmed.
export function confirmDialog(question, { action = 'Delete' } = {}) {
  return new Promise((resolve) => {
    const d = h('dialog.confirm', { 'aria-labelledby': 'confirm-q' },
      h('p', { id: 'confirm-q' }, question),
      h('div.actions',
        h('button', { type: 'button', onclick: () => done(false) }, 'Cancel'),
        h('button.danger', { type: 'button', onclick: () => done(true) }, action)));
    function done(v) { d.close(); d.remove(); resolve(v); }
    d.addEventListener('cancel', () => done(false));
    document.body.append(d);
    d.showModal();
  });
}

// A modal form: build(form) fills it; submit(form) returns true to close. Resolves on close.
export function modal(title, build, submit, { wide = false, saveLabel = 'Save' } = {}) {
  return new Promise((resolve) => {
    const err = h('p.error', { role: 'alert', hidden: true });
    const form = h('form.modal-body', { novalidate: false });
    const d = h(`dialog.modal${wide ? '.wide' : ''}`, { 'aria-label': title },
      h('h2', title), err, form);
    build(form);
    form.append(h('div.actions',
      h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'),
      h('button.primary', { type: 'submit' }, saveLabel)));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.hidden = true;
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        if ((await submit(form)) !== false) close(true);
      } catch (ex) {
        err.textContent = ex.message;
        err.hidden = false;
      } finally {
        btn.disabled = false;
      }
    });
    function close(v) { d.close(); d.remove(); resolve(v); }
    d.addEventListener('cancel', () => close(false));
    document.body.append(d);
    d.showModal();
  });
}

// A labelled field: field('Name', input) -> <label>Name <input></label> in a div.
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div.field', h('label', { for: id }, label), control, hint ? h('small.muted', hint) : null);
}

export function fmtTime(iso) {
  if (!iso) return 'never';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

export function table(headers, rows, { caption } = {}) {
  return h('div.table-wrap', h('table',
    caption ? h('caption', caption) : null,
    h('thead', h('tr', headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', rows)));
}
