// bench/reconcile/drift: how fast `stagecraft reconcile --interval 5m` undoes a `kubectl scale` of a managed
// Deployment (its watches start a cycle at once), and what an idle minute costs the API server, on a fresh
// bench control plane. Same-run anchors: the reconciler's own log line time against the moment kubectl was
// started; requests per idle minute of the watching loop against an idle minute with no reconciler (the
// server's own requests) and against what one LIST-based tick (`--once`, the loop before watches) costs.
//   node bench/reconcile/drift.js [--apps 300] [--scales 10]
'use strict';
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchCluster, startFresh, wipe } = require('./bench-cluster');

const root = path.resolve(__dirname, '..', '..');
const options = { apps: 300, scales: 10 };
for (let index = 2; index < process.argv.length; index++) {
  if (process.argv[index] === '--apps') options.apps = Number(process.argv[++index]);
  else if (process.argv[index] === '--scales') options.scales = Number(process.argv[++index]);
  else throw new Error(`unknown option ${process.argv[index]}; use --apps N, --scales N`);
}
const cluster = benchCluster();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-drift-'));
const repo = path.join(scratch, 'env-repo');
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ENV = 'bench-ours-1';

/** apiserver_request_total summed by verb, from the server's /metrics. */
function requestsByVerb(kubeconfig) {
  const text = execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const totals = {};
  for (const line of text.split('\n')) {
    const match = /^apiserver_request_total\{(.*)\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/.exec(line);
    if (match) {
      const verb = /verb="([^"]+)"/.exec(match[1])?.[1] ?? '?';
      totals[verb] = (totals[verb] ?? 0) + Number(match[2]);
    }
  }
  return totals;
}

function difference(after, before) {
  const verbs = [...new Set([...Object.keys(after), ...Object.keys(before)])].sort();
  const delta = {};
  for (const verb of verbs) {
    const value = (after[verb] ?? 0) - (before[verb] ?? 0);
    if (value > 0) delta[verb] = value;
  }
  return delta;
}

const total = (counts) => Object.values(counts).reduce((sum, value) => sum + value, 0);
const show = (counts) => `${total(counts)} (${Object.entries(counts).map(([verb, count]) => `${verb} ${count}`).join(', ') || 'none'})`;

/** Starts the loop; resolves with the child and a function waiting for the next log line matching `match`. */
function startLoop(kubeconfig, interval) {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'stagecraft'), 'reconcile', '--repo', repo, '--env', ENV, '--kubeconfig', kubeconfig,
    '--cache-dir', path.join(scratch, `cache-${interval}`), '--interval', interval, '--no-wait', '--metrics-address', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = [];
  let waiters = [];
  let buffer = '';
  child.stderr.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text);
      lines.push(line);
      waiters = waiters.filter((waiter) => (waiter.match(line) ? (waiter.resolve(line), false) : true));
    }
  });
  const next = (match, timeoutMs = 600_000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no log line within ${timeoutMs} ms; saw ${JSON.stringify(lines.slice(-3))}`)), timeoutMs);
    waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
  });
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return { child, lines, next, stop };
}

async function main() {
  process.stdout.write(`bench/reconcile/drift: ${options.apps} apps × (Deployment + Service + ConfigMap) = ${options.apps * 3} objects, ${os.cpus().length} cores, node ${process.version}\n`);
  const kubeconfig = startFresh(cluster);
  try {
    fs.mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: repo, env: gitEnv });
    const synth = spawnSync(process.execPath, [path.join(__dirname, 'env-repo.js'), String(options.apps), '1', repo], { encoding: 'utf8' });
    if (synth.status !== 0) throw new Error(`env-repo.js failed:\n${synth.stderr}`);
    execFileSync('git', ['add', '--all'], { cwd: repo, env: gitEnv });
    execFileSync('git', ['commit', '--quiet', '-m', 'base'], { cwd: repo, env: gitEnv });

    // Drift: kubectl scale under --interval 5m.
    const loop = startLoop(kubeconfig, '5m');
    await loop.next((line) => line.msg === 'reconcile');
    await sleep(2000);
    const heals = [];
    for (let attempt = 0; attempt < options.scales; attempt++) {
      const app = `app${(attempt * 37) % options.apps}`;
      const declared = execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'deployment', app, '-n', ENV, '-o', 'jsonpath={.spec.replicas}'], { encoding: 'utf8' });
      const healed = loop.next((line) => line.msg === 'reconcile' && line.driftedObjects > 0, 60_000);
      const started = Date.now();
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'scale', 'deployment', app, '-n', ENV, '--replicas', '7'], { stdio: 'ignore' });
      const line = await healed;
      const replicas = execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'deployment', app, '-n', ENV, '-o', 'jsonpath={.spec.replicas}'], { encoding: 'utf8' });
      if (replicas !== declared) throw new Error(`${app} has ${replicas} replicas after the heal, expected ${declared}`);
      heals.push({ seconds: (Date.parse(line.time) - started) / 1000, cycleMs: line.durationMs, trigger: line.trigger, lists: line.listRequests });
      await sleep(1500);
    }
    await loop.stop();
    process.stdout.write(`\nkubectl scale undone in (s, from kubectl's start to the healing cycle's end): ${heals.map((heal) => heal.seconds.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`  median ${median(heals.map((heal) => heal.seconds)).toFixed(2)} s (target ≤ 2 s); healing cycle median ${median(heals.map((heal) => heal.cycleMs))} ms; LISTs in healing cycles: ${heals.reduce((sum, heal) => sum + heal.lists, 0)}; triggers: ${[...new Set(heals.map((heal) => heal.trigger.replace(/app\d+/, 'appN')))].join('; ')}\n`);

    // Idle minute: the server alone, one LIST-based tick (what every tick cost before watches), the watching loop at --interval 30s.
    const idleMs = 60_000;
    const baseBefore = requestsByVerb(kubeconfig);
    await sleep(idleMs);
    const baseline = difference(requestsByVerb(kubeconfig), baseBefore);
    const onceBefore = requestsByVerb(kubeconfig);
    const once = spawnSync(process.execPath, [path.join(root, 'bin', 'stagecraft'), 'reconcile', '--repo', repo, '--env', ENV, '--kubeconfig', kubeconfig,
      '--cache-dir', path.join(scratch, 'cache-once'), '--once', '--no-wait', '--output', 'json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (once.status !== 0) throw new Error(`reconcile --once failed:\n${once.stderr}`);
    const tick = difference(requestsByVerb(kubeconfig), onceBefore);
    const watching = startLoop(kubeconfig, '30s');
    await watching.next((line) => line.msg === 'reconcile');
    await sleep(5000);
    const loopBefore = requestsByVerb(kubeconfig);
    const ticksBefore = watching.lines.length;
    await sleep(idleMs);
    const loopMinute = difference(requestsByVerb(kubeconfig), loopBefore);
    const idleTicks = watching.lines.slice(ticksBefore).filter((line) => line.msg === 'reconcile');
    await watching.stop();
    const beforePerMinute = {};
    for (const [verb, count] of Object.entries(tick)) beforePerMinute[verb] = count * 2;
    process.stdout.write(`\nAPI server requests per idle minute (apiserver_request_total):\n`);
    process.stdout.write(`  the server alone (anchor):                       ${show(baseline)}\n`);
    process.stdout.write(`  before, LIST-based ticks at --interval 30s:      ${show(beforePerMinute)} + the server's own (2 × one --once tick)\n`);
    process.stdout.write(`  after, watching loop at --interval 30s (${idleTicks.length} ticks, ${idleTicks.reduce((sum, line) => sum + line.listRequests, 0)} LISTs, ${idleTicks.reduce((sum, line) => sum + line.writeRequests, 0)} writes): ${show(loopMinute)} including the server's own\n`);
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ objects: options.apps * 3, healSeconds: heals.map((heal) => heal.seconds), healMedianSeconds: median(heals.map((heal) => heal.seconds)), baseline, beforePerMinute, afterPerMinute: loopMinute })}\n`);
  } finally {
    wipe(cluster);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
