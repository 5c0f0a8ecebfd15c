// gen-state.mjs: writes the benchmark states as client-features documents.
//   node gen-state.mjs 200 > state-200.json   (latch's client body about 104 KB: rollouts,
//   node gen-state.mjs 5   > state-5.json      constraints, variants, segments; about 2.3 KB)
// Any count works (the micro-benchmarks use 1,000 and 10,000). Deterministic: the same count
// gives the same bytes, so runs are comparable. The mix, per flag i:
//   every flag: flexibleRollout (10/25/50/100 %, groupId = name); i % 4 picks the constraints
//   (none | country IN 5 | version SEMVER_GTE | country IN 5 + email STR_ENDS_WITH, ci);
//   i % 6 == 5: two strategy variants with payloads; i % 5 == 4: segment beta-testers (userId IN 8),
//   else i % 7 == 6: segment mobile (appName STR_STARTS_WITH); i % 8 == 7: a second strategy
//   userWithId; i % 10 == 9: disabled; i % 8 == 0: impressionData.
const n = Number(process.argv[2] || 200);
let seed = 42;
const rnd = (k) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
const segments = [
  { id: 1, name: 'beta-testers', constraints: [{ contextName: 'userId', operator: 'IN', values: Array.from({ length: 8 }, (_, i) => `beta-${i}`), inverted: false, caseInsensitive: false }] },
  { id: 2, name: 'mobile', constraints: [{ contextName: 'appName', operator: 'STR_STARTS_WITH', values: ['mobile-'], inverted: false, caseInsensitive: true }] },
];
const country = { contextName: 'country', operator: 'IN', values: ['NO', 'SE', 'DK', 'FI', 'IS'], inverted: false, caseInsensitive: false };
const version = { contextName: 'version', operator: 'SEMVER_GTE', value: '1.2.0', inverted: false, caseInsensitive: false };
const email = { contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@example.com'], inverted: false, caseInsensitive: true };
const features = [];
for (let i = 0; i < n; i++) {
  const name = `flag-${String(i).padStart(4, '0')}`;
  const strategies = [];
  const kind = i % 4;
  const rollout = String([100, 50, 25, 10][rnd(4)]);
  const constraints = [[], [country], [version], [country, email]][kind].map((c) => ({ ...c }));
  strategies.push({
    name: 'flexibleRollout',
    constraints,
    parameters: { rollout, stickiness: 'default', groupId: name },
    variants: i % 6 === 5 ? [
      { name: 'red', weight: 500, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: '{"color":"red"}' } },
      { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'default', payload: { type: 'string', value: 'blue' } },
    ] : [],
    segments: i % 5 === 4 ? [1] : (i % 7 === 6 ? [2] : []),
  });
  if (i % 8 === 7) strategies.push({ name: 'userWithId', constraints: [], parameters: { userIds: 'alice,bob,carol' }, variants: [] });
  features.push({
    name, type: ['release', 'experiment', 'operational', 'kill-switch'][i % 4],
    description: `Bench flag ${i}`, enabled: i % 10 !== 9, project: 'default',
    stale: false, impressionData: i % 8 === 0, strategies, variants: [],
  });
}
process.stdout.write(JSON.stringify({ version: 2, features, segments }));
