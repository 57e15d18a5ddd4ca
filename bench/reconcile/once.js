// bench/reconcile/once.js: `stagecraft reconcile --once` of one environment, no-op and one-object change, timed
// round-robin with the no-op floor (noop-floor.js: the git read + LIST alone, and the same with js-yaml) in the
// same run, without run.js's synth rows, kubectl anchors and cold-apply rounds. One environment of --apps
// applications (Deployment + Service + ConfigMap each) is synthesized, committed and applied once; then each
// attempt, for every build given with --stagecraft (default: this checkout's bin/stagecraft), commits a
// one-ConfigMap change (the change and its revert alternate, each a new commit), reconciles it (the one-object
// change: 2 writes, the ConfigMap and the status) and reconciles again with nothing changed (the no-op: 0 writes),
// then the no-op again with nothing kept beside the mirror (ADR 24: what the first run after a new mirror or
// version pays), then runs the two floors. Several --stagecraft builds compare code round-robin on the same
// cluster and repo.
//   node bench/reconcile/once.js [--apps 3000] [--repeat 5] [--stagecraft BIN]... [--keep DIR]
// --keep DIR: keep the control plane, env repo and caches in DIR (state in DIR/state.json) and reuse them when
// the next run is given the same DIR (the cluster is started again if it is not answering). Without it, a
// scratch folder under TMPDIR and a fresh control plane, both wiped at the end. Prints one row per figure and a
// `BENCH_RESULT {…}` JSON line; progress goes to stderr.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchCluster, startFresh, wipe } = require('./bench-cluster');
const { environmentName } = require('./env-repo');

const root = path.resolve(__dirname, '..', '..');
const options = parseOptions(process.argv.slice(2));
const environment = environmentName('ours', 1, 1, 1);
const progress = (message) => process.stderr.write(`  … ${message}\n`);

function parseOptions(argv) {
  const parsed = { apps: 3000, repeat: 5, builds: [], keep: undefined };
  const count = (name, value) => {
    if (!/^[1-9]\d*$/.test(value ?? '')) throw new Error(`${name} needs a whole number of 1 or more, not "${value ?? ''}"`);
    return Number(value);
  };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--apps') parsed.apps = count('--apps', argv[++index]);
    else if (argv[index] === '--repeat') parsed.repeat = count('--repeat', argv[++index]);
    else if (argv[index] === '--stagecraft') parsed.builds.push(path.resolve(argv[++index] ?? ''));
    else if (argv[index] === '--keep') parsed.keep = path.resolve(argv[++index] ?? '');
    else throw new Error(`unknown option ${argv[index]}; use --apps N, --repeat N, --stagecraft BIN (repeatable), --keep DIR`);
  }
  if (parsed.builds.length === 0) parsed.builds.push(path.join(root, 'bin', 'stagecraft'));
  for (const build of parsed.builds) {
    if (!fs.existsSync(build)) throw new Error(`--stagecraft ${build}: no such file; give the path of a bin/stagecraft`);
  }
  return parsed;
}

function timed(command, args) {
  const started = process.hrtime.bigint();
  // /usr/bin/time reports the peak RSS and the CPU time (user + system) of the whole process: on a shared
  // machine the CPU time moves less with the other load than the wall time does.
  const child = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(child.stderr);
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, seconds, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, rssMb: Number(/MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024 };
}

/** The bench state: control plane, env repo, the base and changed trees; set up once, or read back from --keep. */
function setUp() {
  const stateFile = options.keep === undefined ? undefined : path.join(options.keep, 'state.json');
  if (stateFile !== undefined && fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    if (state.apps !== options.apps) throw new Error(`--keep ${options.keep} holds ${state.apps} applications, not ${options.apps}; give another folder or --apps ${state.apps}`);
    const ready = spawnSync('kubectl', ['--kubeconfig', state.kubeconfig, 'get', '--raw', '/readyz'], { encoding: 'utf8' });
    if (ready.status === 0) return state;
    throw new Error(`--keep ${options.keep}: its control plane does not answer (${ready.stderr.trim()}); remove the folder to set up again`);
  }
  const scratch = options.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-once-'));
  fs.mkdirSync(scratch, { recursive: true });
  const cluster = benchCluster(path.join(scratch, 'cluster'));
  const repo = path.join(scratch, 'env-repo');
  progress('starting a fresh control plane');
  const kubeconfig = startFresh(cluster);
  const state = { apps: options.apps, scratch, cluster, kubeconfig, repo, trees: [], keep: options.keep !== undefined };
  fs.mkdirSync(repo, { recursive: true });
  const git = gitIn(repo);
  git('init', '--quiet', '--initial-branch=main');
  for (const change of ['', 'debug']) {
    progress(`synthesizing ${options.apps} applications${change ? ' with the one-object change' : ''}`);
    const child = spawnSync(process.execPath, [path.join(__dirname, 'env-repo.js'), String(options.apps), '1', repo, change], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`env-repo.js failed:\n${child.stderr}`);
    git('add', '--all');
    git('commit', '--quiet', '-m', change ? `change ${change}` : 'base');
    state.trees.push(git('rev-parse', 'HEAD^{tree}').trim());
  }
  commitTree(state, 0);
  progress('cold apply');
  stagecraft(state, options.builds[0], 'cold');
  if (stateFile !== undefined) fs.writeFileSync(stateFile, `${JSON.stringify(state, undefined, 2)}\n`);
  return state;
}

function gitIn(repo) {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };
  return (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
}

/** A new commit on main with tree number WHICH (0 the base, 1 the one-object change), parent the current head. */
function commitTree(state, which) {
  const git = gitIn(state.repo);
  const commit = git('commit-tree', state.trees[which], '-p', 'HEAD', '-m', which === 0 ? 'revert the change' : 'the one-object change').trim();
  git('update-ref', 'refs/heads/main', commit);
  return commit;
}

/** One whole `stagecraft reconcile --once` process of BUILD, its own cache folder per build. */
function stagecraft(state, build, label) {
  const cache = path.join(state.scratch, 'cache', String(options.builds.indexOf(build)));
  const run = timed(process.execPath, [build, 'reconcile', '--repo', state.repo, '--env', environment, '--kubeconfig', state.kubeconfig,
    '--cache-dir', cache, '--once', '--no-wait', '--output', 'json']);
  if (run.status !== 0) throw new Error(`${build} reconcile (${label}) failed:\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, rssMb: run.rssMb, writes: result.writeRequests, inside: result.timings.totalMs / 1000, applyset: result.applyset };
}

function noopFloor(state, applyset, yaml) {
  // The mirror of the build that ran last, which fetched the head.
  const cache = path.join(state.scratch, 'cache', String(options.builds.length - 1));
  const mirror = fs.readdirSync(cache).find((entry) => entry.endsWith('.git'));
  const commit = gitIn(state.repo)('rev-parse', 'HEAD').trim();
  const run = timed(process.execPath, [path.join(__dirname, 'noop-floor.js'), state.kubeconfig, path.join(cache, mirror), commit, environment, environment,
    `applyset.kubernetes.io/part-of=${applyset}`, 'apps/v1:deployments', 'v1:services', 'v1:configmaps', ...(yaml ? ['--yaml'] : [])]);
  if (run.status !== 0) throw new Error(`noop-floor.js failed:\n${run.stderr}`);
  const live = JSON.parse(run.stdout).live;
  if (live !== options.apps * 3) throw new Error(`noop-floor.js listed ${live} live objects, expected ${options.apps * 3}`);
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, rssMb: run.rssMb, writes: 0 };
}

/** Removes the trees BUILD's git source kept beside its mirror (ADR 24), as a new mirror would have none. */
function forgetVerifiedTrees(state, build) {
  const cache = path.join(state.scratch, 'cache', String(options.builds.indexOf(build)));
  for (const mirror of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
    fs.rmSync(path.join(cache, mirror, 'stagecraft'), { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

function main() {
  process.stdout.write(`bench/reconcile/once: ${options.apps} apps × (Deployment + Service + ConfigMap) = ${options.apps * 3} objects in one environment, ${os.cpus().length} cores, node ${process.version}, ${options.repeat} round-robin attempts\n`);
  const state = setUp();
  const runs = new Map([...options.builds.map((build) => [build, { change: [], noop: [], noopNothingKept: [] }]), ['floor', { noop: [] }], ['floor + js-yaml', { noop: [] }]]);
  // The tree that is not at the head now (and so not live, after the last run's reconcile) comes next.
  let which = gitIn(state.repo)('rev-parse', 'HEAD^{tree}').trim() === state.trees[1] ? 0 : 1;
  let applyset;
  try {
    for (let attempt = 1; attempt <= options.repeat; attempt++) {
      progress(`attempt ${attempt}/${options.repeat}`);
      for (const build of options.builds) {
        commitTree(state, which);
        which = 1 - which;
        const change = stagecraft(state, build, 'change');
        if (change.writes !== 2) throw new Error(`${build}: the one-object change sent ${change.writes} write requests, expected 2 (the ConfigMap and the status)`);
        const noop = stagecraft(state, build, 'no-op');
        if (noop.writes !== 0) throw new Error(`${build}: the no-op sent ${noop.writes} write requests, expected 0`);
        // The same no-op once more with nothing kept beside the mirror (ADR 24): the first run after a new mirror,
        // another version or other options reads and verifies every file. Builds before ADR 24 keep nothing.
        forgetVerifiedTrees(state, build);
        const noopNothingKept = stagecraft(state, build, 'no-op, nothing kept');
        if (noopNothingKept.writes !== 0) throw new Error(`${build}: the no-op with nothing kept sent ${noopNothingKept.writes} write requests, expected 0`);
        runs.get(build).change.push(change);
        runs.get(build).noop.push(noop);
        runs.get(build).noopNothingKept.push(noopNothingKept);
        applyset = noop.applyset;
      }
      runs.get('floor').noop.push(noopFloor(state, applyset, false));
      runs.get('floor + js-yaml').noop.push(noopFloor(state, applyset, true));
    }
  } finally {
    if (!state.keep) {
      wipe(state.cluster);
      fs.rmSync(state.scratch, { recursive: true, force: true });
    }
  }
  const results = {};
  const describe = (list) => ({
    seconds: median(list.map((run) => run.seconds)),
    cpuSeconds: median(list.map((run) => run.cpuSeconds)),
    all: list.map((run) => Number(run.seconds.toFixed(3))),
    rssMb: Math.max(...list.map((run) => run.rssMb)),
  });
  const row = (label, figure) => process.stdout.write(`  ${label.padEnd(48)} ${figure.seconds.toFixed(2).padStart(5)} s median (${figure.all.map((s) => s.toFixed(2)).join(', ')}), CPU ${figure.cpuSeconds.toFixed(2)} s, ${figure.rssMb.toFixed(0)} MB\n`);
  for (const [name, figures] of runs) {
    // A build is named by its checkout folder (the one holding bin/stagecraft).
    const label = name === 'floor' ? 'no-op floor (git read + LIST)' : name === 'floor + js-yaml' ? 'no-op floor + js-yaml' : path.dirname(path.dirname(name));
    results[label] = {};
    if (figures.change) {
      results[label].change = describe(figures.change);
      row(`${label}: one-object change (2 writes)`, results[label].change);
    }
    results[label].noop = describe(figures.noop);
    row(name.startsWith('floor') ? label : `${label}: no-op (0 writes)`, results[label].noop);
    if (figures.noopNothingKept) {
      results[label].noopNothingKept = describe(figures.noopNothingKept);
      row(`${label}: no-op, nothing kept (0 writes)`, results[label].noopNothingKept);
    }
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ apps: options.apps, objects: options.apps * 3, repeat: options.repeat, results })}\n`);
}

main();
