// What the benchmark fleets share: N applications app0…app(N-1) in dev, staging and prod (prod runs 3 replicas),
// each released as a digest-pinned image in WORKDIR/releases, synthesized into WORKDIR/out.
'use strict';
const fs = require('fs');
const path = require('path');
const { Environment, Fleet } = require('../..');

const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const DIGEST = 'a'.repeat(64);

/** A Fleet with the three environments and the releases of `applications` apps; the caller adds the apps. */
function benchFleet(applications, workdir, synthWorkers) {
  const releasesDirectory = path.join(workdir, 'releases');
  if (!fs.existsSync(releasesDirectory)) {
    fs.mkdirSync(releasesDirectory, { recursive: true });
    for (const environment of ENVIRONMENTS) {
      const lines = ['applications:'];
      for (let index = 0; index < applications; index++) {
        lines.push(`  app${index}:`, `    image: registry.example/app${index}@sha256:${DIGEST}`);
      }
      fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
    }
  }
  const fleet = new Fleet({ outdir: path.join(workdir, 'out'), releasesDirectory, synthWorkers });
  for (const environment of ENVIRONMENTS) {
    new Environment(fleet, environment, { overrides: environment === 'prod' ? { replicas: 3 } : undefined });
  }
  return fleet;
}

/** Prints the whole-process time and peak RSS for run.js. */
function reportBench(started) {
  const usage = process.resourceUsage();
  process.stderr.write(`BENCH ${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, maxRssMb: usage.maxRSS / 1024 })}\n`);
}

module.exports = { benchFleet, reportBench };
