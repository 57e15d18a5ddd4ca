// Writes the benchmark env repo: APPS applications (Deployment + Service + ConfigMap each) in identical
// environments bench-ours-1..COPIES and bench-kubectl-1..COPIES, so each cold apply of stagecraft and of
// kubectl goes into a namespace of its own. `CHANGE` alters one ConfigMap (the one-object change).
// Usage: node env-repo.js APPS COPIES OUTDIR [CHANGE]
'use strict';
const fs = require('fs');
const path = require('path');
const { Application, Environment, Fleet } = require('../..');

const [applications, copies, outdir, change] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4], process.argv[5]];
const releasesDirectory = path.join(outdir, 'releases');
fs.mkdirSync(releasesDirectory, { recursive: true });
const environments = [];
for (let copy = 1; copy <= copies; copy++) {
  environments.push(`bench-ours-${copy}`, `bench-kubectl-${copy}`);
}
for (const environment of environments) {
  const lines = ['applications:'];
  for (let index = 0; index < applications; index++) {
    lines.push(`  app${index}:`, `    image: registry.example/app${index}@sha256:${'a'.repeat(64)}`);
  }
  fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
}
const fleet = new Fleet({ outdir, releasesDirectory, synthWorkers: 0 });
for (const environment of environments) {
  new Environment(fleet, environment);
}
for (let index = 0; index < applications; index++) {
  const config = { INDEX: String(index), LOG_LEVEL: index === 0 && change ? change : 'info' };
  new Application(fleet, `app${index}`, { image: `registry.example/app${index}`, port: 8080, config });
}
fleet.synth();
