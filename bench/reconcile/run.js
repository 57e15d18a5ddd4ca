// bench/reconcile: stagecraft reconcile against `kubectl apply --server-side` on the same files, on the
// test control plane (real kube-apiserver + etcd on loopback), in the same run, with the floor: bare
// server-side apply PATCHes of the same objects and nothing else (raw-apply.js).
//   node bench/reconcile/run.js [--apps 300] [--repeat 3] [--etcd-on-tmpfs]
// Every cold apply goes into a fresh namespace; the cold applies of the three run round-robin.
// Prints a table and one JSON line (BENCH_RESULT …).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchCluster, startFresh, wipe } = require('./bench-cluster');

const root = path.resolve(__dirname, '..', '..');
const options = { apps: 300, repeat: 3, tmpfs: false };
for (let index = 2; index < process.argv.length; index++) {
  if (process.argv[index] === '--apps') options.apps = Number(process.argv[++index]);
  else if (process.argv[index] === '--repeat') options.repeat = Number(process.argv[++index]);
  else if (process.argv[index] === '--etcd-on-tmpfs') options.tmpfs = true;
  else throw new Error(`unknown option ${process.argv[index]}; use --apps N, --repeat N, --etcd-on-tmpfs`);
}
// etcd's data lives on disk, as in the test control plane and real clusters (every write fsynced);
// --etcd-on-tmpfs puts it in memory instead, which shortens kubectl's one-request-at-a-time latency most.
const clusterDir = options.tmpfs ? '/dev/shm/stagecraft-bench-cluster' : path.join(os.homedir(), '.cache', 'stagecraft', 'bench-cluster');
const cluster = benchCluster(clusterDir);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-reconcile-'));
const repo = path.join(scratch, 'env-repo');
const cache = path.join(scratch, 'cache');
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });

function timed(command, args, env) {
  // /usr/bin/time reports the peak RSS of the whole process.
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: env ?? process.env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024;
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, seconds, rssMb: rss };
}

/** Synthesizes the env repo and commits it; returns the kubectl copy of each bench-kubectl-N environment. */
function synthesize(change) {
  const child = spawnSync(process.execPath, [path.join(__dirname, 'env-repo.js'), String(options.apps), String(options.repeat), repo, change ?? ''], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`env-repo.js failed:\n${child.stderr}`);
  const folders = [];
  for (let copy = 1; copy <= options.repeat; copy++) {
    // kubectl gets the same YAML files in one flat folder, without the .stagecraft metadata it cannot read.
    const flat = path.join(scratch, `kubectl-${copy}-${change ?? 'base'}`);
    fs.rmSync(flat, { recursive: true, force: true });
    fs.mkdirSync(flat, { recursive: true });
    for (const entry of fs.readdirSync(path.join(repo, `bench-kubectl-${copy}`), { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') {
        const from = path.join(entry.parentPath, entry.name);
        fs.copyFileSync(from, path.join(flat, `${path.basename(entry.parentPath)}-${entry.name}`));
      }
    }
    folders.push(flat);
  }
  git('add', '--all');
  git('commit', '--quiet', '--allow-empty', '-m', change ? `change ${change}` : 'base');
  return folders;
}

function stagecraft(label, copy) {
  const run = timed(process.execPath, [path.join(root, 'bin', 'stagecraft'), 'reconcile', '--repo', repo, '--env', `bench-ours-${copy}`, '--kubeconfig', kubeconfig,
    '--cache-dir', cache, '--once', '--no-wait', '--output', 'json']);
  if (run.status !== 0) throw new Error(`stagecraft reconcile (${label}) failed:\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: result.writeRequests, inside: result.timings.totalMs / 1000, timings: result.timings };
}

function kubectl(label, copy, folder) {
  const run = timed('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-n', `bench-kubectl-${copy}`, '-f', folder]);
  if (run.status !== 0) throw new Error(`kubectl apply (${label}) failed:\n${run.stderr}`);
  // kubectl sends one server-side apply PATCH per object, changed or not.
  const writes = run.stdout.split('\n').filter((line) => line.includes('serverside-applied')).length;
  return { seconds: run.seconds, rssMb: run.rssMb, writes };
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

/** The floor: bare server-side apply PATCHes of the same files into a fresh namespace (raw-apply.js). */
function floor(copy, folder) {
  const run = timed(process.execPath, [path.join(__dirname, 'raw-apply.js'), kubeconfig, folder, `bench-raw-${copy}`, '16']);
  if (run.status !== 0) throw new Error(`raw-apply.js failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  return { seconds: run.seconds, rssMb: run.rssMb, writes: result.writes, insideSeconds: result.insideSeconds };
}

function repeatMedian(measure) {
  return medianOf(Array.from({ length: options.repeat }, () => measure()));
}

/** The run with the median time (its own inside timings), with the peak RSS of all runs. */
function medianOf(runs) {
  const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  return { ...middle, rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

process.stdout.write(`bench/reconcile: ${options.apps} apps × (Deployment + Service + ConfigMap) = ${options.apps * 3} objects, ${os.cpus().length} cores, node ${process.version}, etcd data on ${options.tmpfs ? 'tmpfs' : 'disk'}\n`);
process.stdout.write('starting a fresh control plane for the benchmark (etcd wiped)\n');
const kubeconfig = startFresh(cluster);
try {
  fs.mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: repo, env: gitEnv });
  const baseFolders = synthesize();
  for (let copy = 1; copy <= options.repeat; copy++) {
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', 'namespace', `bench-kubectl-${copy}`], { stdio: 'ignore' });
  }

  const rows = [];
  const row = (label, ours, theirs) => {
    rows.push({ label, ours, theirs });
    const inside = ours.timings ? ` (inside ${(ours.timings.totalMs / 1000).toFixed(2)} s: plan ${(ours.timings.planMs / 1000).toFixed(2)}, apply ${(ours.timings.applyMs / 1000).toFixed(2)})` : '';
    process.stdout.write(`  ${label.padEnd(20)} stagecraft ${ours.seconds.toFixed(2).padStart(5)} s${inside}, ${String(ours.writes).padStart(4)} writes, ${ours.rssMb.toFixed(0).padStart(3)} MB`
      + ` | kubectl ${theirs.seconds.toFixed(2).padStart(5)} s, ${String(theirs.writes).padStart(4)} writes, ${theirs.rssMb.toFixed(0).padStart(3)} MB`
      + ` | ${(theirs.seconds / ours.seconds).toFixed(1)}× faster\n`);
  };
  process.stdout.write('\n');
  // Cold applies round-robin, each into its own fresh namespace: stagecraft, kubectl, the floor.
  const cold = { ours: [], theirs: [], floor: [] };
  for (let copy = 1; copy <= options.repeat; copy++) {
    cold.ours.push(stagecraft('cold', copy));
    cold.theirs.push(kubectl('cold', copy, baseFolders[copy - 1]));
    cold.floor.push(floor(copy, baseFolders[0]));
  }
  const coldFloor = medianOf(cold.floor);
  row('cold apply', medianOf(cold.ours), medianOf(cold.theirs));
  process.stdout.write(`  ${'floor (bare SSA)'.padEnd(20)} ${coldFloor.seconds.toFixed(2).padStart(5)} s whole process (${coldFloor.insideSeconds.toFixed(2)} s for the requests alone), ${coldFloor.writes} writes, ${coldFloor.rssMb.toFixed(0)} MB\n`);
  row('no-op', repeatMedian(() => stagecraft('no-op', 1)), repeatMedian(() => kubectl('no-op', 1, baseFolders[0])));
  const changedFolders = synthesize('debug');
  row('diff (1 change)', repeatMedian(() => readOnly('diff', ['diff', '--dir', repo, '--env', 'bench-ours-1'])),
    repeatMedian(() => kubectlRead('diff', ['diff', '--server-side', '--field-manager', 'bench-kubectl', '-n', 'bench-kubectl-1', '-f', changedFolders[0]])));
  row('one-object change', stagecraft('change', 1), kubectl('change', 1, changedFolders[0]));
  row('status', repeatMedian(() => readOnly('status', ['status', '--env', 'bench-ours-1', '--namespace', 'bench-ours-1'])),
    repeatMedian(() => kubectlRead('status', ['get', 'configmap', 'stagecraft-status-bench-ours-1', '-n', 'bench-ours-1', '-o', 'json'])));
  const noop = rows[1].ours;
  const diffRow = rows[2];
  const statusRow = rows[4];
  rows.splice(2, 1);
  const results = {
    objects: options.apps * 3,
    coldSeconds: rows[0].ours.seconds,
    kubectlColdSeconds: rows[0].theirs.seconds,
    coldSpeedup: rows[0].theirs.seconds / rows[0].ours.seconds,
    floorColdSeconds: coldFloor.seconds,
    floorColdRequestSeconds: coldFloor.insideSeconds,
    floorSpeedupLimit: rows[0].theirs.seconds / coldFloor.seconds,
    etcd: options.tmpfs ? 'tmpfs' : 'disk',
    noopSeconds: noop.seconds,
    noopInsideSeconds: noop.inside,
    noopWrites: noop.writes,
    kubectlNoopSeconds: rows[1].theirs.seconds,
    changeSeconds: rows[2].ours.seconds,
    changeWrites: rows[2].ours.writes,
    kubectlChangeSeconds: rows[2].theirs.seconds,
    diffSeconds: diffRow.ours.seconds,
    kubectlDiffSeconds: diffRow.theirs.seconds,
    statusSeconds: statusRow.ours.seconds,
    kubectlStatusSeconds: statusRow.theirs.seconds,
    maxRssMb: Math.max(...rows.map((r) => r.ours.rssMb)),
  };
  process.stdout.write([
    '',
    `cold apply: ${results.coldSpeedup.toFixed(1)}× faster than kubectl apply --server-side (target ≥ 3×), median of ${options.repeat} fresh namespaces each, etcd on ${results.etcd}`,
    `floor: bare server-side apply PATCHes of the same objects take ${results.floorColdSeconds.toFixed(2)} s whole process, so no tool that applies each object can be more than ${results.floorSpeedupLimit.toFixed(1)}× faster than kubectl on this server`,
    `no-op reconcile: ${results.noopSeconds.toFixed(2)} s whole process (${results.noopInsideSeconds.toFixed(2)} s inside), ${results.noopWrites} write requests (target ≤ 1.5 s at 9,000 objects, 0 writes); kubectl ${results.kubectlNoopSeconds.toFixed(2)} s`,
    `one-object change: ${results.changeSeconds.toFixed(2)} s with ${results.changeWrites} write requests (the ConfigMap and the status); kubectl ${results.kubectlChangeSeconds.toFixed(2)} s`,
    `diff: ${results.diffSeconds.toFixed(2)} s whole process; kubectl diff --server-side ${results.kubectlDiffSeconds.toFixed(2)} s`,
    `status: ${results.statusSeconds.toFixed(2)} s whole process; kubectl get of the status ConfigMap ${results.kubectlStatusSeconds.toFixed(2)} s`,
    `peak RSS: ${results.maxRssMb.toFixed(0)} MB (target ≤ 300 MB)`,
    `BENCH_RESULT ${JSON.stringify(results)}`,
    '',
  ].join('\n'));
} finally {
  wipe(cluster);
  fs.rmSync(scratch, { recursive: true, force: true });
}
