// The client specification run through a front-end API (see frontend_spec.test.mjs for what
// is asked and how answers are judged), shared by frontend_spec.test.mjs (latch offline) and
// edge_spec.test.mjs (latch edge). start(state) serves one spec state with client key KEY
// (PROXY_HEADER on /proxy) and returns a server with fetch() and dispose().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_DIR, contextQuery } from './frontend_harness.mjs';

export const KEY = 'spec-client-key';
export const PROXY_HEADER = 'X-Spec-Client-Key';
const EXPECTED_CASES = 279;
const MODES = [
  { endpoint: '/api/frontend', method: 'GET', header: 'Authorization' },
  { endpoint: '/api/frontend', method: 'POST', header: 'Authorization' },
  { endpoint: '/proxy', method: 'GET', header: PROXY_HEADER },
  { endpoint: '/proxy', method: 'POST', header: PROXY_HEADER },
];

// The plain {features, segments} a state stands for (delta events replayed), for the analysis.
function plainState(state) {
  if (!Array.isArray(state.events)) return { features: state.features ?? [], segments: state.segments ?? [] };
  const features = new Map();
  const segments = new Map();
  for (const e of state.events) {
    if (e.type === 'hydration') {
      features.clear();
      segments.clear();
      for (const f of e.features ?? []) features.set(f.name, f);
      for (const s of e.segments ?? []) segments.set(s.id, s);
    } else if (e.type === 'feature-updated') features.set(e.feature.name, e.feature);
    else if (e.type === 'feature-removed') features.delete(e.featureName);
    else if (e.type === 'segment-updated') segments.set(e.segment.id, e.segment);
    else if (e.type === 'segment-removed') segments.delete(e.segmentId);
  }
  return { features: [...features.values()], segments: [...segments.values()] };
}

// The context fields a flag's evaluation reads that a front-end API would fill (see header).
function filledFieldsRead(plain, toggleName, ctx) {
  const has = (k) => ctx[k] !== undefined && ctx[k] !== null && ctx[k] !== '';
  const reads = new Set();
  const seen = new Set();
  const segConstraints = (ids) =>
    (ids ?? []).flatMap((id) => plain.segments.find((s) => s.id === id)?.constraints ?? []);
  const variantReads = (variants, inheritedStickiness) => {
    for (const v of variants ?? []) {
      const st = v.stickiness ?? inheritedStickiness ?? 'default';
      if (st === 'remoteAddress') reads.add('remoteAddress');
      if (st === 'sessionId') reads.add('sessionId');
      if (st === 'default' && !has('userId')) {
        reads.add('sessionId-default');
      }
    }
  };
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const f = plain.features.find((x) => x.name === name);
    if (!f) return;
    const featureSegs = segConstraints(f.segments);
    for (const s of f.strategies ?? []) {
      if (s.name === 'remoteAddress') reads.add('remoteAddress');
      if (s.name === 'gradualRolloutSessionId') reads.add('sessionId');
      const st = s.parameters?.stickiness;
      if (st === 'remoteAddress') reads.add('remoteAddress');
      if (st === 'sessionId') reads.add('sessionId');
      for (const c of [...(s.constraints ?? []), ...segConstraints(s.segments), ...featureSegs]) {
        if (c.contextName === 'remoteAddress') reads.add('remoteAddress');
        if (c.contextName === 'sessionId') reads.add('sessionId');
      }
      variantReads(s.variants, st);
    }
    variantReads(f.variants);
    for (const d of f.dependencies ?? []) visit(d.feature);
  };
  visit(toggleName);
  const why = [];
  if (!has('remoteAddress') && reads.has('remoteAddress')) why.push('remoteAddress');
  if (!has('sessionId') && reads.has('sessionId')) why.push('sessionId');
  if (!has('sessionId') && reads.has('sessionId-default') && has('remoteAddress')) why.push('sessionId (variant stickiness)');
  return why;
}

// CLIENT-SPEC.md "Checking a front-end API with it". Returns null when right, else a reason.
function judge(kind, c, body) {
  const t = (body.toggles ?? []).find((x) => x.name === c.toggleName);
  const on = !!t && t.enabled === true;
  if (kind === 'tests') return on === c.expectedResult ? null : `expected ${c.expectedResult}, got ${on}`;
  const exp = c.expectedResult;
  if (!exp.feature_enabled) return on ? `expected the flag off/absent, got ${JSON.stringify(t)}` : null;
  if (!on) return `expected the flag on with variant ${exp.name}, got ${JSON.stringify(t)}`;
  const v = t.variant ?? {};
  const errs = [];
  if (v.name !== exp.name) errs.push(`variant name ${JSON.stringify(v.name)} != ${JSON.stringify(exp.name)}`);
  if (v.enabled !== exp.enabled) errs.push(`variant enabled ${v.enabled} != ${exp.enabled}`);
  if (exp.payload) {
    if (!v.payload || v.payload.type !== exp.payload.type || v.payload.value !== exp.payload.value)
      errs.push(`payload ${JSON.stringify(v.payload)} != ${JSON.stringify(exp.payload)}`);
  } else if (v.payload !== undefined) errs.push(`unexpected payload ${JSON.stringify(v.payload)}`);
  for (const k of ['feature_enabled', 'featureEnabled'])
    if (k in v && v[k] !== true) errs.push(`variant.${k} = ${JSON.stringify(v[k])}`);
  return errs.length ? errs.join('; ') : null;
}

async function ask(server, mode, context) {
  const headers = { [mode.header]: KEY, Accept: 'application/json' };
  let res;
  if (mode.method === 'GET') {
    const q = contextQuery(context);
    res = await server.fetch(`${mode.endpoint}${q ? `?${q}` : ''}`, { headers });
  } else {
    res = await server.fetch(mode.endpoint, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ context }),
    });
  }
  const text = await res.text();
  if (res.status !== 200) return { error: `HTTP ${res.status}: ${text.slice(0, 300)}` };
  try {
    return { body: JSON.parse(text) };
  } catch (e) {
    return { error: `bad JSON: ${text.slice(0, 300)}` };
  }
}

// Run fns with at most n in flight.
async function pool(items, n, fn) {
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const k = i++;
      await fn(items[k], k);
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
}

export async function runSpec(start) {
  const index = JSON.parse(readFileSync(join(SPEC_DIR, 'index.json'), 'utf8'));
  assert.equal(index.length, 22, 'index.json lists 22 spec files');
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let cases = 0;
  const failures = [];
  const skips = [];
  for (const file of index) {
    const spec = JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8'));
    const plain = plainState(spec.state);
    const all = [
      ...(spec.tests ?? []).map((c) => ({ kind: 'tests', c })),
      ...(spec.variantTests ?? []).map((c) => ({ kind: 'variantTests', c })),
    ];
    cases += all.length;
    const server = await start(spec.state);
    try {
      const jobs = all.flatMap((x) => MODES.map((mode) => ({ ...x, mode })));
      await pool(jobs, 8, async ({ kind, c, mode }) => {
        const where = `${file} [${kind}] "${c.description}" via ${mode.method} ${mode.endpoint}`;
        const r = await ask(server, mode, c.context);
        const verdict = r.error ?? judge(kind, c, r.body);
        const why = filledFieldsRead(plain, c.toggleName, c.context);
        if (why.length) {
          skipped++;
          skips.push(`SKIP ${where}: context lacks ${why.join(', ')} which the flag reads ` +
            `(server answer would ${verdict ? `fail: ${verdict}` : 'pass'})`);
        } else if (verdict) {
          failed++;
          failures.push(`FAIL ${where}: ${verdict}; context ${JSON.stringify(c.context)}`);
        } else {
          passed++;
        }
      });
    } finally {
      await server.dispose();
    }
  }
  skips.sort();
  failures.sort();
  for (const s of skips) console.log(s);
  for (const f of failures) console.log(f);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  assert.equal(cases, EXPECTED_CASES, 'the specification has 279 cases');
  assert.equal(passed + failed + skipped, EXPECTED_CASES * MODES.length, 'every case counted four times');
  assert.equal(failed, 0, `${failed} failures:\n${failures.join('\n')}`);
}
