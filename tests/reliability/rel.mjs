// What the reliability suite shares: the resident memory of a running server, the SQLite
// integrity check of its store (the file itself is what a crash could damage, so this looks
// at it directly), latency percentiles, and the flags an admin token sees in a project.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

// VmRSS of pid in KiB (Linux).
export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// PRAGMA integrity_check on a store whose server is not running: 'ok' or the problems.
export function integrity(db) {
  return execFileSync('sqlite3', [db, 'PRAGMA integrity_check;'], { encoding: 'utf8', timeout: 60000 }).trim();
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// The names of every flag of a project, through the admin API.
export async function flagNames(srv, project = 'default') {
  const res = await srv.get(`/api/admin/projects/${project}/features`, { Authorization: srv.tokens.admin });
  assert.equal(res.status, 200, `list flags: ${res.status} ${res.text}`);
  return new Set(res.json().features.map((f) => f.name));
}

// Is flag name on in environment env, through the admin API?
export async function flagOn(srv, name, env = 'development', project = 'default') {
  const res = await srv.get(`/api/admin/projects/${project}/features/${name}`, { Authorization: srv.tokens.admin });
  assert.equal(res.status, 200, `get ${name}: ${res.status} ${res.text}`);
  return res.json().environments.find((e) => e.name === env).enabled;
}

// One line of figures for the log of a run (node --test shows it with the test).
export function report(what, figures) {
  console.log(`reliability: ${what}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
