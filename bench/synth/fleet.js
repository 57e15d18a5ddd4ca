// Benchmark fleet: N applications × 3 environments, each a Deployment + Service + ConfigMap.
// Usage: node fleet.js N WORKDIR   (WORKDIR gets releases/ and out/)
'use strict';
const started = process.hrtime.bigint();
const fs = require('fs');
const path = require('path');
const { Application, Environment, Fleet } = require('../..');

const applications = Number(process.argv[2]);
const workdir = process.argv[3];
const environments = ['dev', 'staging', 'prod'];
const digest = 'a'.repeat(64);

const releasesDirectory = path.join(workdir, 'releases');
if (!fs.existsSync(releasesDirectory)) {
  fs.mkdirSync(releasesDirectory, { recursive: true });
  for (const environment of environments) {
    const lines = ['applications:'];
    for (let index = 0; index < applications; index++) {
      lines.push(`  app${index}:`, `    image: registry.example/app${index}@sha256:${digest}`);
    }
    fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
  }
}

const synthWorkers = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const fleet = new Fleet({ outdir: path.join(workdir, 'out'), releasesDirectory, synthWorkers });
for (const environment of environments) {
  new Environment(fleet, environment, { overrides: environment === 'prod' ? { replicas: 3 } : undefined });
}
for (let index = 0; index < applications; index++) {
  new Application(fleet, `app${index}`, { image: `registry.example/app${index}`, port: 8080, config: { LOG_LEVEL: 'info', INDEX: String(index) } });
}
fleet.synth();
const usage = process.resourceUsage();
process.stderr.write(`BENCH ${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, maxRssMb: usage.maxRSS / 1024 })}\n`);
