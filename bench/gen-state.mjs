// gen-state.mjs: writes the benchmark states as client-features documents.
//   node gen-state.mjs 200 > state-200.json   (about 100 KB: rollouts, constraints, variants,
//   node gen-state.mjs 5   > state-5.json      segments) or any other count.
// Deterministic: the same count gives the same bytes, so runs are comparable.
const n = Number(process.argv[2] || 200);
let seed = 42;
const rnd = (k) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
const segments = [
  { id: 1, name: 'beta-testers', constraints: [{ contextName: 'userId', operator: 'IN', values: Array.from({ length: 20 }, (_, i) => `beta-${i}`), inverted: false, caseInsensitive: false }] },
  { id: 2, name: 'mobile', constraints: [{ contextName: 'appName', operator: 'STR_STARTS_WITH', values: ['mobile-'], inverted: false, caseInsensitive: true }] },
];
const features = [];
for (let i = 0; i < n; i++) {
  const name = `flag-${String(i).padStart(4, '0')}`;
  const strategies = [];
  const kind = i % 4;
  const rollout = String([100, 50, 25, 10][rnd(4)]);
  const constraints = [];
  if (kind >= 1) constraints.push({ contextName: 'country', operator: 'IN', values: ['NO', 'SE', 'DK', 'FI', 'IS'], inverted: false, caseInsensitive: false });
  if (kind >= 2) constraints.push({ contextName: 'version', operator: 'SEMVER_GTE', value: '1.2.0', inverted: false, caseInsensitive: false });
  if (kind === 3) constraints.push({ contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@example.com'], inverted: false, caseInsensitive: true });
  strategies.push({
    name: 'flexibleRollout',
    constraints,
    parameters: { rollout, stickiness: 'default', groupId: name },
    variants: i % 3 === 0 ? [
      { name: 'red', weight: 500, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: '{"color":"red"}' } },
      { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'default', payload: { type: 'string', value: 'blue' } },
    ] : [],
    segments: i % 5 === 0 ? [1] : (i % 7 === 0 ? [2] : []),
  });
  if (i % 4 === 0) strategies.push({ name: 'userWithId', constraints: [], parameters: { userIds: 'alice,bob,carol' }, variants: [] });
  features.push({
    name, type: ['release', 'experiment', 'operational', 'kill-switch'][i % 4],
    description: `Benchmark flag number ${i}`, enabled: i % 10 !== 9, project: 'default',
    stale: false, impressionData: i % 8 === 0, strategies, variants: [],
  });
}
process.stdout.write(JSON.stringify({ version: 2, features, segments }));
