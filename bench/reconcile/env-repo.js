// Writes the benchmark env repo: APPS applications (Deployment + Service + ConfigMap each) in ENVS identical
// environments per tool and cold apply: bench-ours-C and bench-kubectl-C for C = 1..COPIES when ENVS is 1,
// bench-ours-C-E and bench-kubectl-C-E for E = 1..ENVS otherwise, so each cold apply of stagecraft and of
// kubectl goes into namespaces of its own. `CHANGE` alters one ConfigMap (app0's) in the first environment of
// each tool (the one-object change); every other environment stays as it was.
// Usage: node env-repo.js APPS COPIES OUTDIR [CHANGE] [ENVS]
'use strict';

/** The environment (and namespace) of TOOL (ours, kubectl, raw) for cold apply COPY: its INDEX-th of COUNT. */
function environmentName(tool, copy, index, count) {
  return count === 1 ? `bench-${tool}-${copy}` : `bench-${tool}-${copy}-${index}`;
}

function main() {
  const { addApplications, benchFleet } = require('../synth/bench-fleet');
  const [applications, copies, outdir, change] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4], process.argv[5]];
  const count = Number(process.argv[6] || 1);
  const environments = [];
  for (let copy = 1; copy <= copies; copy++) {
    for (let index = 1; index <= count; index++) {
      environments.push(environmentName('ours', copy, index, count), environmentName('kubectl', copy, index, count));
    }
  }
  const fleet = benchFleet(applications, outdir, { outdir, environments, synthWorkers: 0 });
  const changed = { config: { LOG_LEVEL: change } };
  addApplications(fleet, applications, change ? { [environmentName('ours', 1, 1, count)]: changed, [environmentName('kubectl', 1, 1, count)]: changed } : undefined);
  fleet.synth();
}

if (require.main === module) {
  main();
}

module.exports = { environmentName };
