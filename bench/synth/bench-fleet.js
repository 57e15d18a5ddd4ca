// What the benchmark fleets share: N applications app0…app(N-1) in a list of environments (dev, staging and
// prod unless told otherwise; an environment named prod runs 3 replicas), each released as a digest-pinned
// image in WORKDIR/releases, synthesized into WORKDIR/out (or `outdir`).
'use strict';
const fs = require('fs');
const path = require('path');
const { Application, Environment, Fleet } = require('../..');
const { ENVIRONMENTS } = require('./environments-argument');

const DIGEST = 'a'.repeat(64);

/** A Fleet with the environments and the releases of `applications` apps; the caller adds the apps. */
function benchFleet(applications, workdir, { synthWorkers, environments = ENVIRONMENTS, outdir = path.join(workdir, 'out') } = {}) {
  const releasesDirectory = path.join(workdir, 'releases');
  if (!fs.existsSync(releasesDirectory)) {
    fs.mkdirSync(releasesDirectory, { recursive: true });
    for (const environment of environments) {
      const lines = ['applications:'];
      for (let index = 0; index < applications; index++) {
        lines.push(`  app${index}:`, `    image: registry.example/app${index}@sha256:${DIGEST}`);
      }
      fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
    }
  }
  const fleet = new Fleet({ outdir, releasesDirectory, synthWorkers });
  for (const environment of environments) {
    new Environment(fleet, environment, { overrides: environment === 'prod' ? { replicas: 3 } : undefined });
  }
  return fleet;
}

/**
 * The applications of the benchmark fleets: a Deployment + Service + ConfigMap each (high-level form), port 8080,
 * config LOG_LEVEL and INDEX. `firstOverrides` (per environment) applies to app0 only: the one-object change.
 */
function addApplications(fleet, applications, firstOverrides) {
  for (let index = 0; index < applications; index++) {
    new Application(fleet, `app${index}`, {
      image: `registry.example/app${index}`,
      port: 8080,
      config: { LOG_LEVEL: 'info', INDEX: String(index) },
      environments: index === 0 ? firstOverrides : undefined,
    });
  }
}

/** Prints the whole-process time and peak RSS for run.js. */
function reportBench(started) {
  const usage = process.resourceUsage();
  process.stderr.write(`BENCH ${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, maxRssMb: usage.maxRSS / 1024 })}\n`);
}

module.exports = { addApplications, benchFleet, reportBench };
