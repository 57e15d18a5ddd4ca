// bench/synth: stagecraft synth against plain cdk8s on the same fleet, in the same run.
//   node bench/synth/run.js [--apps 1000] [--repeat 3] [--skip-per-application]
// Prints a table and one JSON line (BENCH_RESULT …) with every figure.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const options = parseOptions(process.argv.slice(2));
const here = __dirname;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-synth-'));

function parseOptions(argv) {
  const parsed = { apps: 1000, repeat: 3, perApplication: true };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--apps') parsed.apps = Number(argv[++index]);
    else if (argv[index] === '--repeat') parsed.repeat = Number(argv[++index]);
    else if (argv[index] === '--skip-per-application') parsed.perApplication = false;
    else throw new Error(`unknown option ${argv[index]}; use --apps N, --repeat N, --skip-per-application`);
  }
  return parsed;
}

/** Runs a node script, returns wall seconds measured here (whole process) and what the child reported. */
function run(script, args) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(here, script), ...args.map(String)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed (exit ${child.status}):\n${child.stderr}`);
  }
  const report = JSON.parse(/BENCH (.*)/.exec(child.stderr)[1]);
  const summary = /(\d+) written, (\d+) unchanged, (\d+) deleted/.exec(child.stderr);
  return { seconds, rssMb: report.maxRssMb, written: summary ? Number(summary[1]) : undefined };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Summarizes the runs of one measurement (median, best, peak RSS) and prints its row. */
function summarize(label, runs) {
  const result = {
    label,
    seconds: median(runs.map((r) => r.seconds)),
    best: Math.min(...runs.map((r) => r.seconds)),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    written: runs[runs.length - 1].written,
  };
  process.stdout.write(`  ${label.padEnd(68)} ${result.seconds.toFixed(2).padStart(6)} s (best ${result.best.toFixed(2)})  ${result.rssMb.toFixed(0).padStart(4)} MB${result.written === undefined ? '' : `  ${result.written} files written`}\n`);
  return result;
}

/** Repeats a measurement; each run gets a fresh folder unless `reuse` says to keep one. */
function measure(label, repeat, makeArgs) {
  const runs = [];
  for (let attempt = 0; attempt < repeat; attempt++) {
    runs.push(makeArgs(attempt));
  }
  return summarize(label, runs);
}

/**
 * Measures several things round-robin (a, b, c, a, b, c, …) so that a noisy stretch of the machine hits
 * each of them alike, instead of one measurement taking all of it.
 */
function measureInterleaved(specs, repeat) {
  const runs = specs.map(() => []);
  for (let attempt = 0; attempt < repeat; attempt++) {
    specs.forEach((spec, index) => runs[index].push(spec.run(attempt)));
  }
  return specs.map((spec, index) => summarize(spec.label, runs[index]));
}

function stagecraftCold(apps, repeat) {
  return measure(`stagecraft synth, ${apps} apps × 3 envs, empty folder`, repeat, (attempt) => {
    const workdir = path.join(scratch, `stagecraft-${apps}-${attempt}`);
    return run('fleet.js', [apps, workdir]);
  });
}

function stagecraftUnchanged(apps, repeat) {
  const workdir = path.join(scratch, `stagecraft-${apps}-warm`);
  run('fleet.js', [apps, workdir]);
  return measure(`stagecraft synth, ${apps} apps × 3 envs, nothing changed`, repeat, () => run('fleet.js', [apps, workdir]));
}

const apps = options.apps;
process.stdout.write(`bench/synth on ${os.cpus().length} cores, node ${process.version}, ${apps} applications × 3 environments (${apps * 9} objects), median of ${options.repeat}, runs interleaved\n\n`);
const plainLabel = (layout) => `plain cdk8s, ${apps} apps, one chart per ${layout === 'per-environment' ? 'environment' : 'application'}`;
const [cold, perEnvironment, floor, withoutPlus] = measureInterleaved([
  { label: `stagecraft synth, ${apps} apps × 3 envs, empty folder`, run: (attempt) => run('fleet.js', [apps, path.join(scratch, `stagecraft-${apps}-${attempt}`)]) },
  { label: plainLabel('per-environment'), run: (attempt) => run('plain-cdk8s.js', [apps, 'per-environment', path.join(scratch, `plain-per-environment-${apps}-${attempt}`)]) },
  { label: 'floor: cdk8s-plus-28 objects built + toJson(), nothing written', run: () => run('plain-cdk8s.js', [apps, 'render-only', path.join(scratch, 'unused')]) },
  { label: 'stagecraft synth, same objects as plain ApiObjects (no cdk8s-plus)', run: (attempt) => run('fleet-manifests.js', [apps, path.join(scratch, `manifests-${apps}-${attempt}`)]) },
], options.repeat);
const unchanged = stagecraftUnchanged(apps, options.repeat);
const perApplication = options.perApplication ? measure(plainLabel('per-application'), 1, () =>
  run('plain-cdk8s.js', [apps, 'per-application', path.join(scratch, `plain-per-application-${apps}`)])) : undefined;

process.stdout.write('\nscaling (stagecraft synth, empty folder):\n');
const scaling = [Math.round(apps / 10), apps, apps * 3].map((count) => ({ apps: count, ...(count === apps ? cold : stagecraftCold(count, options.repeat)) }));

const ratio = (anchor, ours) => anchor.seconds / ours.seconds;
const results = {
  objects: apps * 9,
  stagecraftSeconds: cold.seconds,
  stagecraftUnchangedSeconds: unchanged.seconds,
  unchangedFilesWritten: unchanged.written,
  stagecraftRssMb: Math.max(cold.rssMb, unchanged.rssMb),
  plainPerEnvironmentSeconds: perEnvironment.seconds,
  plainPerApplicationSeconds: perApplication?.seconds,
  floorSeconds: floor.seconds,
  floorSpeedupLimit: perEnvironment.seconds / floor.seconds,
  withoutCdk8sPlusSeconds: withoutPlus.seconds,
  withoutCdk8sPlusSpeedup: perEnvironment.seconds / withoutPlus.seconds,
  speedupOverPerEnvironment: ratio(perEnvironment, cold),
  speedupOverPerApplication: perApplication ? ratio(perApplication, cold) : undefined,
  scaling: scaling.map((entry) => ({ apps: entry.apps, seconds: entry.seconds })),
  tenTimesAppsTimeRatio: scaling[1].seconds / scaling[0].seconds,
};
process.stdout.write([
  '',
  `stagecraft ${apps * 9} objects: ${cold.seconds.toFixed(2)} s whole process (target ≤ 1.0 s), ${results.stagecraftRssMb.toFixed(0)} MB RSS (target ≤ 200 MB)`,
  `re-synth with nothing changed: ${unchanged.seconds.toFixed(2)} s, ${unchanged.written} files written (target 0)`,
  `speed-up over plain cdk8s, one chart per environment: ${results.speedupOverPerEnvironment.toFixed(1)}× (target ≥ 5×)`,
  `floor (building the same objects with cdk8s-plus-28 and calling toJson(), nothing else): ${floor.seconds.toFixed(2)} s, so rendering through cdk8s-plus-28 can be at most ${results.floorSpeedupLimit.toFixed(1)}× faster than plain cdk8s per environment`,
  `without cdk8s-plus (the same objects as plain cdk8s ApiObjects through the escape hatch): ${withoutPlus.seconds.toFixed(2)} s, ${results.withoutCdk8sPlusSpeedup.toFixed(1)}× faster than plain cdk8s per environment`,
  perApplication ? `speed-up over plain cdk8s, one chart per application: ${results.speedupOverPerApplication.toFixed(1)}×` : 'plain cdk8s per application: skipped',
  `10× the apps (${scaling[0].apps} → ${scaling[1].apps}): ${results.tenTimesAppsTimeRatio.toFixed(1)}× the time (target ≤ 11×); ${scaling[2].apps} apps: ${scaling[2].seconds.toFixed(2)} s`,
  `BENCH_RESULT ${JSON.stringify(results)}`,
  '',
].join('\n'));
fs.rmSync(scratch, { recursive: true, force: true });
