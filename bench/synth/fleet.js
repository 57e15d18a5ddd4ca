// Benchmark fleet: N applications × 3 environments, each a Deployment + Service + ConfigMap.
// Usage: node fleet.js N WORKDIR [SYNTH_WORKERS]   (WORKDIR gets releases/ and out/)
'use strict';
const started = process.hrtime.bigint();
const { Application } = require('../..');
const { benchFleet, reportBench } = require('./bench-fleet');

const applications = Number(process.argv[2]);
const synthWorkers = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const fleet = benchFleet(applications, process.argv[3], synthWorkers);
for (let index = 0; index < applications; index++) {
  new Application(fleet, `app${index}`, { image: `registry.example/app${index}`, port: 8080, config: { LOG_LEVEL: 'info', INDEX: String(index) } });
}
fleet.synth();
reportBench(started);
