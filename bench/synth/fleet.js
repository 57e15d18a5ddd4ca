// Benchmark fleet: N applications × 3 environments (or the comma-separated ENVIRONMENTS), each a Deployment +
// Service + ConfigMap.
// Usage: node fleet.js N WORKDIR [SYNTH_WORKERS] [ENVIRONMENTS]   (WORKDIR gets releases/ and out/; an empty
// SYNTH_WORKERS keeps the Fleet's default)
'use strict';
const started = process.hrtime.bigint();
const { addApplications, benchFleet, reportBench } = require('./bench-fleet');
const { environmentsArgument } = require('./environments-argument');

const applications = Number(process.argv[2]);
const synthWorkers = process.argv[4] === undefined || process.argv[4] === '' ? undefined : Number(process.argv[4]);
const fleet = benchFleet(applications, process.argv[3], { synthWorkers, environments: environmentsArgument(process.argv[5]) });
addApplications(fleet, applications);
fleet.synth();
reportBench(started);
