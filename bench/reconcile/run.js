// bench/reconcile: stagecraft reconcile against `kubectl apply --server-side` on the same files, on the
// test control plane (real kube-apiserver + etcd on loopback), in the same run, with the floor: bare
// server-side apply PATCHes of the same objects and nothing else (raw-apply.js). Synth of the same layout
// against plain cdk8s + cdk8s-plus-28 first, before the control plane starts.
//   node bench/reconcile/run.js [--apps 300] [--envs 1] [--repeat 3] [--etcd-on-tmpfs] [--compare-with FILE]
// --envs M: M environments of --apps N applications each; every figure then covers the whole fleet except the
// one-object change, diff and status (one environment). Every cold apply goes into fresh namespaces; the cold
// applies of the three run round-robin. --compare-with FILE: a BENCH_RESULT line of a smaller run (the 1×),
// to print how each figure grew. Prints a table and one JSON line (BENCH_RESULT …).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchCluster, startFresh, wipe } = require('./bench-cluster');
const { environmentName } = require('./env-repo');

const root = path.resolve(__dirname, '..', '..');
const options = parseOptions(process.argv.slice(2));
const previous = options.compareWith === undefined ? undefined : readBenchResult(options.compareWith);
// etcd's data lives on disk, as in the test control plane and real clusters (every write fsynced);
// --etcd-on-tmpfs puts it in memory instead, which shortens kubectl's one-request-at-a-time latency most.
const clusterDir = options.tmpfs ? '/dev/shm/stagecraft-bench-cluster' : path.join(os.homedir(), '.cache', 'stagecraft', 'bench-cluster');
const cluster = benchCluster(clusterDir);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-reconcile-'));
const repo = path.join(scratch, 'env-repo');
const cache = path.join(scratch, 'cache');
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });
/** Environment INDEX (1..--envs) of TOOL (ours, kubectl, raw) in cold apply COPY; its namespace has the same name. */
const envName = (tool, copy, index) => environmentName(tool, copy, index, options.envs);
const indexes = Array.from({ length: options.envs }, (_, index) => index + 1);
const progress = (message) => process.stderr.write(`  … ${message}\n`);

function parseOptions(argv) {
  const parsed = { apps: 300, envs: 1, repeat: 3, tmpfs: false, compareWith: undefined };
  const count = (name, value) => {
    if (!/^[1-9]\d*$/.test(value ?? '')) throw new Error(`${name} needs a whole number of 1 or more, not "${value ?? ''}"`);
    return Number(value);
  };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--apps') parsed.apps = count('--apps', argv[++index]);
    else if (argv[index] === '--envs') parsed.envs = count('--envs', argv[++index]);
    else if (argv[index] === '--repeat') parsed.repeat = count('--repeat', argv[++index]);
    else if (argv[index] === '--etcd-on-tmpfs') parsed.tmpfs = true;
    else if (argv[index] === '--compare-with') parsed.compareWith = argv[++index];
    else throw new Error(`unknown option ${argv[index]}; use --apps N, --envs M, --repeat N, --etcd-on-tmpfs, --compare-with FILE`);
  }
  return parsed;
}

/** The first BENCH_RESULT {…} line of FILE (a saved run's output, or the line alone). */
function readBenchResult(file) {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((text) => text.startsWith('BENCH_RESULT '));
  if (line === undefined) throw new Error(`--compare-with ${file}: no line starting with "BENCH_RESULT {" in it; save a run's output (or its BENCH_RESULT line) there`);
  try {
    return JSON.parse(line.slice('BENCH_RESULT '.length));
  } catch (error) {
    throw new Error(`--compare-with ${file}: its BENCH_RESULT line is not JSON (${error.message})`);
  }
}

function timed(command, args, env) {
  // /usr/bin/time reports the peak RSS of the whole process.
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: env ?? process.env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024;
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, seconds, rssMb: rss };
}

/** One synth program (bench/synth), whole process; `written` from stagecraft's summary line. */
function synthProcess(script, args) {
  const run = timed(process.execPath, [path.join(root, 'bench', 'synth', script), ...args.map(String)]);
  if (run.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}`);
  const written = /(\d+) written, \d+ unchanged/.exec(run.stderr)?.[1];
  return { seconds: run.seconds, rssMb: run.rssMb, written: written === undefined ? undefined : Number(written) };
}

/**
 * Synth of the layout measured (--envs environments of --apps applications, one copy), round-robin: stagecraft
 * into an empty folder, plain cdk8s + cdk8s-plus-28 (one chart per environment) into an empty folder,
 * stagecraft again with nothing changed, plain cdk8s again into its folder. Output under the scratch folder.
 */
function synthRows() {
  const environments = indexes.map((index) => `env${index}`).join(',');
  const folder = (name) => path.join(scratch, 'synth', name);
  const stagecraftSynth = (workdir) => synthProcess('fleet.js', [options.apps, workdir, '', environments]);
  const plainSynth = (outdir) => synthProcess('plain-cdk8s.js', [options.apps, 'per-environment', outdir, environments]);
  stagecraftSynth(folder('stagecraft-warm'));
  plainSynth(folder('plain-warm'));
  const runs = { cold: [], plainCold: [], unchanged: [], plainAgain: [] };
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    progress(`synth ${attempt}/${options.repeat}`);
    runs.cold.push(stagecraftSynth(folder(`stagecraft-${attempt}`)));
    fs.rmSync(folder(`stagecraft-${attempt}`), { recursive: true, force: true });
    runs.plainCold.push(plainSynth(folder(`plain-${attempt}`)));
    fs.rmSync(folder(`plain-${attempt}`), { recursive: true, force: true });
    runs.unchanged.push(stagecraftSynth(folder('stagecraft-warm')));
    runs.plainAgain.push(plainSynth(folder('plain-warm')));
  }
  fs.rmSync(path.join(scratch, 'synth'), { recursive: true, force: true });
  return { cold: medianOf(runs.cold), plainCold: medianOf(runs.plainCold), unchanged: medianOf(runs.unchanged), plainAgain: medianOf(runs.plainAgain) };
}

/** Copies ENVIRONMENT's YAML files into one flat folder for kubectl, without the .stagecraft metadata it cannot read. */
function flatFolder(environment, tag) {
  const flat = path.join(scratch, `${environment}-${tag}`);
  fs.rmSync(flat, { recursive: true, force: true });
  fs.mkdirSync(flat, { recursive: true });
  for (const entry of fs.readdirSync(path.join(repo, environment), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') {
      fs.copyFileSync(path.join(entry.parentPath, entry.name), path.join(flat, `${path.basename(entry.parentPath)}-${entry.name}`));
    }
  }
  return flat;
}

/**
 * Synthesizes the env repo and commits it. Without a change: returns the kubectl folders of every cold apply
 * (folders[copy - 1][index - 1]); with one: the changed kubectl folder of the first environment.
 */
function synthesize(change) {
  const child = spawnSync(process.execPath, [path.join(__dirname, 'env-repo.js'), String(options.apps), String(options.repeat), repo, change ?? '', String(options.envs)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`env-repo.js failed:\n${child.stderr}`);
  git('add', '--all');
  git('commit', '--quiet', '--allow-empty', '-m', change ? `change ${change}` : 'base');
  if (change) return flatFolder(envName('kubectl', 1, 1), change);
  return Array.from({ length: options.repeat }, (_, copy) => indexes.map((index) => flatFolder(envName('kubectl', copy + 1, index), 'base')));
}

function stagecraft(label, environment) {
  const run = timed(process.execPath, [path.join(root, 'bin', 'stagecraft'), 'reconcile', '--repo', repo, '--env', environment, '--kubeconfig', kubeconfig,
    '--cache-dir', cache, '--once', '--no-wait', '--output', 'json']);
  if (run.status !== 0) throw new Error(`stagecraft reconcile (${label}, ${environment}) failed:\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: result.writeRequests, inside: result.timings.totalMs / 1000, timings: result.timings, applyset: result.applyset };
}

/**
 * The floor of a no-op (noop-floor.js): the environment's files read from the same git mirror and its live
 * objects LISTed with the same label selector, in flight together, nothing else; with `yaml`, each file also
 * parsed by js-yaml.
 */
function noopFloor(environment, applyset, yaml) {
  const mirror = fs.readdirSync(cache).find((entry) => entry.endsWith('.git'));
  const commit = git('rev-parse', 'HEAD').trim();
  const run = timed(process.execPath, [path.join(__dirname, 'noop-floor.js'), kubeconfig, path.join(cache, mirror), commit, environment, environment,
    `applyset.kubernetes.io/part-of=${applyset}`, 'apps/v1:deployments', 'v1:services', 'v1:configmaps', ...(yaml ? ['--yaml'] : [])]);
  if (run.status !== 0) throw new Error(`noop-floor.js failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  if (result.live !== options.apps * 3) throw new Error(`noop-floor.js listed ${result.live} live objects in ${environment}, expected ${options.apps * 3}`);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: 0, insideSeconds: result.insideSeconds };
}

function kubectl(label, namespace, folder) {
  const run = timed('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-n', namespace, '-f', folder]);
  if (run.status !== 0) throw new Error(`kubectl apply (${label}, ${namespace}) failed:\n${run.stderr}`);
  // kubectl sends one server-side apply PATCH per object, changed or not.
  const writes = run.stdout.split('\n').filter((line) => line.includes('serverside-applied')).length;
  return { seconds: run.seconds, rssMb: run.rssMb, writes };
}

/**
 * Runs `measure` for every environment one after the other: the processes' times, writes and inside
 * timings summed, the wall time from the first start to the last end, the peak RSS of all.
 */
function everyEnvironment(measure) {
  const started = process.hrtime.bigint();
  const runs = indexes.map((index) => measure(index));
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sum = (pick) => runs.reduce((total, run) => total + pick(run), 0);
  const combined = { seconds: sum((run) => run.seconds), wallSeconds, rssMb: Math.max(...runs.map((run) => run.rssMb)), writes: sum((run) => run.writes) };
  if (runs[0].insideSeconds !== undefined) return { ...combined, inside: sum((run) => run.insideSeconds) };
  if (runs[0].timings === undefined) return combined;
  return { ...combined, inside: sum((run) => run.inside), timings: { totalMs: sum((run) => run.timings.totalMs), planMs: sum((run) => run.timings.planMs), applyMs: sum((run) => run.timings.applyMs) } };
}

/** A read-only stagecraft command (diff, status), whole process. */
function readOnly(label, args) {
  const run = timed(process.execPath, [path.join(root, 'bin', 'stagecraft'), ...args, '--kubeconfig', kubeconfig, '--output', 'json']);
  if (run.status !== 0 && !(label === 'diff' && run.status === 1)) throw new Error(`stagecraft ${label} failed:\n${run.stdout}\n${run.stderr}`);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: 0 };
}

/** kubectl's closest read-only command, as the anchor. */
function kubectlRead(label, args) {
  const run = timed('kubectl', ['--kubeconfig', kubeconfig, ...args]);
  if (run.status !== 0 && !(label === 'diff' && run.status === 1)) throw new Error(`kubectl ${label} failed:\n${run.stderr}`);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: 0 };
}

/**
 * The floor: bare server-side apply PATCHes of the same files into fresh namespaces (raw-apply.js), all
 * environments in one process; with `perEnvironment`, one process per environment (bench-rawenv-…), summed.
 */
function floor(copy, folders, perEnvironment) {
  const rawApply = (pairs) => {
    const run = timed(process.execPath, [path.join(__dirname, 'raw-apply.js'), kubeconfig, '16', ...pairs]);
    if (run.status !== 0) throw new Error(`raw-apply.js failed:\n${run.stderr}`);
    const result = JSON.parse(run.stdout);
    return { seconds: run.seconds, rssMb: run.rssMb, writes: result.writes, insideSeconds: result.insideSeconds };
  };
  if (perEnvironment) {
    const combined = everyEnvironment((index) => rawApply([folders[index - 1], envName('rawenv', copy, index)]));
    return { ...combined, insideSeconds: combined.inside };
  }
  return rawApply(indexes.flatMap((index) => [folders[index - 1], envName('raw', copy, index)]));
}

function repeatMedian(label, measure) {
  return medianOf(Array.from({ length: options.repeat }, (_, attempt) => {
    progress(`${label} ${attempt + 1}/${options.repeat}`);
    return measure();
  }));
}

/** The run with the median time (its own inside timings), with the peak RSS of all runs. */
function medianOf(runs) {
  const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  return { ...middle, rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

/** One printed row: stagecraft against its anchor in the same run. */
function printRow(label, ours, theirs, anchor) {
  const wall = (run) => (options.envs > 1 && run.wallSeconds !== undefined ? [`wall ${run.wallSeconds.toFixed(2)} s`] : []);
  const notes = (run) => (run.length === 0 ? '' : ` (${run.join('; ')})`);
  const inside = ours.timings ? [`inside ${(ours.timings.totalMs / 1000).toFixed(2)} s: plan ${(ours.timings.planMs / 1000).toFixed(2)}, apply ${(ours.timings.applyMs / 1000).toFixed(2)}`] : [];
  const work = (run) => (run.written !== undefined ? `${String(run.written).padStart(4)} files` : run.writes !== undefined ? `${String(run.writes).padStart(4)} writes` : '');
  process.stdout.write(`  ${label.padEnd(20)} stagecraft ${ours.seconds.toFixed(2).padStart(5)} s${notes([...wall(ours), ...inside])}, ${work(ours)}, ${ours.rssMb.toFixed(0).padStart(3)} MB`
    + ` | ${anchor} ${theirs.seconds.toFixed(2).padStart(5)} s${notes(wall(theirs))}${work(theirs) ? `, ${work(theirs)}` : ''}, ${theirs.rssMb.toFixed(0).padStart(3)} MB`
    + ` | ${(theirs.seconds / ours.seconds).toFixed(1)}× faster\n`);
}

/** For each figure, this run's time over the --compare-with run's, against ≤ 1.1 × the growth of the work (≤ 11× for 10×). */
function printGrowth(results) {
  const work = results.objects / previous.objects;
  const limit = 1.1 * work;
  const figures = [
    ['synth, empty folder', 'synthSeconds', [['plain cdk8s', 'plainSynthSeconds']]],
    ['synth, nothing changed', 'synthUnchangedSeconds', [['plain cdk8s', 'plainResynthSeconds']]],
    ['cold apply', 'coldSeconds', [['floor', 'floorColdSeconds'], ['floor per environment', 'floorPerEnvironmentColdSeconds'], ['kubectl', 'kubectlColdSeconds']]],
    ['no-op', 'noopSeconds', [['kubectl', 'kubectlNoopSeconds'], ['floor', 'noopFloorSeconds'], ['floor + js-yaml', 'noopFloorYamlSeconds']]],
    ['one-object change', 'changeSeconds', [['kubectl', 'kubectlChangeSeconds']]],
    ['diff', 'diffSeconds', [['kubectl', 'kubectlDiffSeconds']]],
    ['status', 'statusSeconds', [['kubectl', 'kubectlStatusSeconds']]],
  ];
  const ratio = (key) => (previous[key] > 0 && results[key] > 0 ? results[key] / previous[key] : undefined);
  const growth = {};
  const lines = ['', `growth against ${options.compareWith}: ${previous.objects} → ${results.objects} objects (${work.toFixed(1)}× the work), ${previous.environments ?? 1} → ${results.environments} environments; target: each time ≤ ${limit.toFixed(1)}×`];
  if ((previous.environments ?? 1) !== results.environments) lines.push('  note: the two runs have different numbers of environments, so they are not the same layout');
  for (const [label, key, anchors] of figures) {
    const ours = ratio(key);
    const theirs = anchors.filter(([, anchorKey]) => ratio(anchorKey) !== undefined).map(([anchor, anchorKey]) => `${anchor} ${ratio(anchorKey).toFixed(1)}×`);
    growth[key] = ours;
    if (ours === undefined) {
      lines.push(`  ${label.padEnd(24)} not in the earlier run`);
      continue;
    }
    lines.push(`  ${label.padEnd(24)} ${previous[key].toFixed(2).padStart(6)} s → ${results[key].toFixed(2).padStart(6)} s  ${ours.toFixed(1).padStart(5)}×  ${ours <= limit ? 'met' : 'NOT met'}`
      + (theirs.length === 0 ? '' : `   (${theirs.join(', ')})`));
  }
  for (const [label, key] of [['peak RSS, reconcile', 'maxRssMb'], ['peak RSS, synth', 'synthRssMb']]) {
    growth[key] = ratio(key);
    if (growth[key] !== undefined) lines.push(`  ${label.padEnd(24)} ${previous[key].toFixed(0).padStart(6)} MB → ${results[key].toFixed(0).padStart(5)} MB  ${growth[key].toFixed(1).padStart(5)}×`);
  }
  lines.push(`BENCH_GROWTH ${JSON.stringify({ work, limit, ...growth })}`, '');
  process.stdout.write(lines.join('\n'));
}

const objects = options.apps * 3 * options.envs;
const layout = options.envs === 1 ? `${options.apps} apps` : `${options.envs} environments × ${options.apps} apps`;
process.stdout.write(`bench/reconcile: ${layout} × (Deployment + Service + ConfigMap) = ${objects} objects, ${os.cpus().length} cores, node ${process.version}, etcd data on ${options.tmpfs ? 'tmpfs' : 'disk'}\n`);
let kubeconfig;
try {
  // Synth first, while no etcd is fsyncing on the same disk (see bench/README.md).
  const synth = synthRows();
  process.stdout.write('starting a fresh control plane for the benchmark (etcd wiped)\n');
  kubeconfig = startFresh(cluster);
  fs.mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: repo, env: gitEnv });
  progress('synthesizing the env repo');
  const baseFolders = synthesize();
  const kubectlNamespaces = baseFolders.flatMap((_, copy) => indexes.map((index) => `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${envName('kubectl', copy + 1, index)}"}}`));
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', '-f', '-'], { input: kubectlNamespaces.join('\n'), stdio: ['pipe', 'ignore', 'inherit'] });

  process.stdout.write('\n');
  printRow('synth, empty folder', synth.cold, synth.plainCold, 'plain cdk8s');
  printRow('synth, unchanged', synth.unchanged, synth.plainAgain, 'plain cdk8s');
  // Cold applies round-robin, each into fresh namespaces: stagecraft, kubectl, the floor (and with several
  // environments the floor in one process per environment, which pays a process start per environment as
  // stagecraft does).
  const cold = { ours: [], theirs: [], floor: [], floorPerEnvironment: [] };
  for (let copy = 1; copy <= options.repeat; copy++) {
    progress(`cold apply ${copy}/${options.repeat}`);
    cold.ours.push(everyEnvironment((index) => stagecraft('cold', envName('ours', copy, index))));
    cold.theirs.push(everyEnvironment((index) => kubectl('cold', envName('kubectl', copy, index), baseFolders[copy - 1][index - 1])));
    cold.floor.push(floor(copy, baseFolders[0]));
    if (options.envs > 1) cold.floorPerEnvironment.push(floor(copy, baseFolders[0], true));
  }
  const coldOurs = medianOf(cold.ours);
  const coldTheirs = medianOf(cold.theirs);
  const coldFloor = medianOf(cold.floor);
  printRow('cold apply', coldOurs, coldTheirs, 'kubectl');
  const printFloor = (label, run) => process.stdout.write(`  ${label.padEnd(20)} ${run.seconds.toFixed(2).padStart(5)} s whole process${run.wallSeconds === undefined ? '' : `es summed (wall ${run.wallSeconds.toFixed(2)} s;`} ${run.wallSeconds === undefined ? '(' : ''}${run.insideSeconds.toFixed(2)} s for the requests alone), ${run.writes} writes, ${run.rssMb.toFixed(0)} MB\n`);
  printFloor('floor (bare SSA)', coldFloor);
  const printNoopFloor = (label, run) => process.stdout.write(`  ${label.padEnd(20)} ${run.seconds.toFixed(2).padStart(5)} s whole process${options.envs > 1 ? 'es summed' : ''} (${run.insideSeconds.toFixed(2)} s for the reads alone), 0 writes, ${run.rssMb.toFixed(0)} MB\n`);
  const coldFloorPerEnvironment = options.envs > 1 ? medianOf(cold.floorPerEnvironment) : undefined;
  if (coldFloorPerEnvironment) printFloor('  per environment', coldFloorPerEnvironment);
  // No-ops round-robin with their floors: the bare git read + LIST, and the same with every file parsed as YAML.
  const applysets = new Map();
  const noops = { ours: [], floor: [], floorYaml: [] };
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    progress(`no-op ${attempt}/${options.repeat}`);
    noops.ours.push(everyEnvironment((index) => {
      const run = stagecraft('no-op', envName('ours', 1, index));
      applysets.set(index, run.applyset);
      return run;
    }));
    noops.floor.push(everyEnvironment((index) => noopFloor(envName('ours', 1, index), applysets.get(index), false)));
    noops.floorYaml.push(everyEnvironment((index) => noopFloor(envName('ours', 1, index), applysets.get(index), true)));
  }
  const noop = medianOf(noops.ours);
  const noopFloorRun = { ...medianOf(noops.floor), insideSeconds: medianOf(noops.floor).inside };
  const noopFloorYaml = { ...medianOf(noops.floorYaml), insideSeconds: medianOf(noops.floorYaml).inside };
  const kubectlNoop = repeatMedian('kubectl no-op', () => everyEnvironment((index) => kubectl('no-op', envName('kubectl', 1, index), baseFolders[0][index - 1])));
  printRow('no-op', noop, kubectlNoop, 'kubectl');
  printNoopFloor('floor (git + LIST)', noopFloorRun);
  printNoopFloor('floor + js-yaml', noopFloorYaml);
  progress('synthesizing the one-object change');
  const changedFolder = synthesize('debug');
  const [ours1, kubectl1] = [envName('ours', 1, 1), envName('kubectl', 1, 1)];
  const diff = repeatMedian('diff', () => readOnly('diff', ['diff', '--dir', repo, '--env', ours1]));
  const kubectlDiff = repeatMedian('kubectl diff', () => kubectlRead('diff', ['diff', '--server-side', '--field-manager', 'bench-kubectl', '-n', kubectl1, '-f', changedFolder]));
  printRow('diff (1 change)', diff, kubectlDiff, 'kubectl');
  const change = stagecraft('change', ours1);
  const kubectlChange = kubectl('change', kubectl1, changedFolder);
  printRow('one-object change', change, kubectlChange, 'kubectl');
  const status = repeatMedian('status', () => readOnly('status', ['status', '--env', ours1, '--namespace', ours1]));
  const kubectlStatus = repeatMedian('kubectl get', () => kubectlRead('status', ['get', 'configmap', `stagecraft-status-${ours1}`, '-n', ours1, '-o', 'json']));
  printRow('status', status, kubectlStatus, 'kubectl');
  const results = {
    objects,
    apps: options.apps,
    environments: options.envs,
    synthSeconds: synth.cold.seconds,
    plainSynthSeconds: synth.plainCold.seconds,
    synthSpeedup: synth.plainCold.seconds / synth.cold.seconds,
    synthFilesWritten: synth.cold.written,
    synthUnchangedSeconds: synth.unchanged.seconds,
    synthUnchangedFilesWritten: synth.unchanged.written,
    plainResynthSeconds: synth.plainAgain.seconds,
    synthRssMb: Math.max(synth.cold.rssMb, synth.unchanged.rssMb),
    plainSynthRssMb: Math.max(synth.plainCold.rssMb, synth.plainAgain.rssMb),
    coldSeconds: coldOurs.seconds,
    coldWallSeconds: coldOurs.wallSeconds,
    coldInsideSeconds: coldOurs.inside,
    kubectlColdSeconds: coldTheirs.seconds,
    coldSpeedup: coldTheirs.seconds / coldOurs.seconds,
    floorColdSeconds: coldFloor.seconds,
    floorColdRequestSeconds: coldFloor.insideSeconds,
    floorSpeedupLimit: coldTheirs.seconds / coldFloor.seconds,
    coldOverFloor: coldOurs.seconds / coldFloor.seconds,
    floorPerEnvironmentColdSeconds: coldFloorPerEnvironment?.seconds,
    coldOverFloorPerEnvironment: coldFloorPerEnvironment ? coldOurs.seconds / coldFloorPerEnvironment.seconds : undefined,
    etcd: options.tmpfs ? 'tmpfs' : 'disk',
    noopSeconds: noop.seconds,
    noopWallSeconds: noop.wallSeconds,
    noopInsideSeconds: noop.inside,
    noopWrites: noop.writes,
    noopFloorSeconds: noopFloorRun.seconds,
    noopFloorYamlSeconds: noopFloorYaml.seconds,
    kubectlNoopSeconds: kubectlNoop.seconds,
    changeSeconds: change.seconds,
    changeWrites: change.writes,
    kubectlChangeSeconds: kubectlChange.seconds,
    diffSeconds: diff.seconds,
    kubectlDiffSeconds: kubectlDiff.seconds,
    statusSeconds: status.seconds,
    kubectlStatusSeconds: kubectlStatus.seconds,
    maxRssMb: Math.max(coldOurs.rssMb, noop.rssMb, diff.rssMb, change.rssMb, status.rssMb),
  };
  const fleet = options.envs === 1 ? '' : ` of all ${options.envs} environments (one reconcile --once per environment, one after the other; processes summed, wall ${results.coldWallSeconds.toFixed(2)} s)`;
  const one = options.envs === 1 ? '' : ` (one environment, ${ours1})`;
  process.stdout.write([
    '',
    `synth of ${objects} objects (${layout}): ${results.synthSeconds.toFixed(2)} s whole process into an empty folder, ${results.synthFilesWritten} files; plain cdk8s + cdk8s-plus-28, one chart per environment, ${results.plainSynthSeconds.toFixed(2)} s: ${results.synthSpeedup.toFixed(1)}× faster`,
    `re-synth with nothing changed: ${results.synthUnchangedSeconds.toFixed(2)} s, ${results.synthUnchangedFilesWritten} files written (target 0); plain cdk8s again into its folder ${results.plainResynthSeconds.toFixed(2)} s; peak RSS ${results.synthRssMb.toFixed(0)} MB (target ≤ 300 MB), plain cdk8s ${results.plainSynthRssMb.toFixed(0)} MB`,
    `cold apply${fleet}: ${results.coldSpeedup.toFixed(1)}× faster than kubectl apply --server-side (target ≥ 3×), ${results.coldOverFloor.toFixed(2)}× the floor (target ≤ 1.2×), median of ${options.repeat} fresh namespace sets, etcd on ${results.etcd}`,
    `floor: bare server-side apply PATCHes of the same objects take ${results.floorColdSeconds.toFixed(2)} s whole process${options.envs === 1 ? '' : ` (one process for all ${options.envs} namespaces)`}, so no tool that applies each object can be more than ${results.floorSpeedupLimit.toFixed(1)}× faster than kubectl on this server`,
    ...(coldFloorPerEnvironment ? [`floor with one process per environment (a process start each, as stagecraft's per-environment reconciles pay): ${results.floorPerEnvironmentColdSeconds.toFixed(2)} s summed; stagecraft is ${results.coldOverFloorPerEnvironment.toFixed(2)}× that`] : []),
    `no-op reconcile${fleet ? ` of all ${options.envs} environments (summed; wall ${results.noopWallSeconds.toFixed(2)} s)` : ''}: ${results.noopSeconds.toFixed(2)} s whole process (${results.noopInsideSeconds.toFixed(2)} s inside), ${results.noopWrites} write requests (target ≤ 1.5 s at 9,000 objects in one environment, 0 writes); kubectl ${results.kubectlNoopSeconds.toFixed(2)} s`,
    `no-op floor: reading the files from git and LISTing the live objects, nothing else, ${results.noopFloorSeconds.toFixed(2)} s; with each file parsed by js-yaml ${results.noopFloorYamlSeconds.toFixed(2)} s (stagecraft ${(results.noopSeconds / results.noopFloorYamlSeconds).toFixed(2)}× of it)`,
    `one-object change${one}: ${results.changeSeconds.toFixed(2)} s with ${results.changeWrites} write requests (the ConfigMap and the status); kubectl ${results.kubectlChangeSeconds.toFixed(2)} s`,
    `diff${one}: ${results.diffSeconds.toFixed(2)} s whole process; kubectl diff --server-side ${results.kubectlDiffSeconds.toFixed(2)} s`,
    `status${one}: ${results.statusSeconds.toFixed(2)} s whole process; kubectl get of the status ConfigMap ${results.kubectlStatusSeconds.toFixed(2)} s`,
    `peak RSS: ${results.maxRssMb.toFixed(0)} MB reconcile, diff and status (target ≤ 300 MB); synth ${results.synthRssMb.toFixed(0)} MB`,
    `BENCH_RESULT ${JSON.stringify(results)}`,
    '',
  ].join('\n'));
  if (previous !== undefined) printGrowth(results);
} finally {
  wipe(cluster);
  fs.rmSync(scratch, { recursive: true, force: true });
}
