import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, stringOption, UsageError } from './args';
import { devClusterFolder } from './cluster-target';
import { Output } from './output';

export const DEV_CLUSTER_USAGE = `usage: stagecraft dev-cluster start|stop|status [--dir DIR] [--port N] [--etcd-port N] [--etcd-peer-port N] [--wipe]

A local test control plane (kube-apiserver 1.20 + etcd on 127.0.0.1, no controllers, no kubelet) to
reconcile against; see scripts/control-plane/README.md. Reconcile and diff use its kubeconfig when no
--kubeconfig, --context or $KUBECONFIG is given.

  start   start it (builds kube-apiserver on first use, about 8 minutes) and print the kubeconfig path;
          also starts the rollout simulator (scripts/control-plane/simulate-rollouts.js), which plays the
          missing Deployment controller so that reconciles into this cluster can turn healthy
  stop    stop it and the simulator; --wipe also deletes every object (the etcd data)
  status  print whether it runs; exit 0 when it does, 1 when not

  --dir DIR            state folder (default $STAGECRAFT_DEV_CLUSTER_DIR or ~/.cache/stagecraft/dev-cluster)
  --port N             kube-apiserver port (default 6443); --etcd-port (2379) and --etcd-peer-port (2380)`;

const SCRIPTS = path.resolve(__dirname, '..', '..', 'scripts', 'control-plane');

/** `stagecraft dev-cluster`: returns the exit code. */
export function devClusterCommand(argv: readonly string[], output: Output): number {
  const parsed = parseArguments(argv, { values: ['dir', 'port', 'etcd-port', 'etcd-peer-port'], switches: ['wipe', 'help'] });
  if (parsed.options.has('help')) {
    output.line(DEV_CLUSTER_USAGE);
    return 0;
  }
  const [action, ...extra] = parsed.positionals;
  if (action === undefined || !['start', 'stop', 'status'].includes(action) || extra.length > 0) {
    throw new UsageError(`needs exactly one of start, stop, status; got ${parsed.positionals.length === 0 ? 'none' : `"${parsed.positionals.join(' ')}"`}`);
  }
  if (parsed.options.has('wipe') && action !== 'stop') {
    throw new UsageError('--wipe only goes with stop');
  }
  const directory = path.resolve(stringOption(parsed, 'dir') ?? devClusterFolder());
  if (action === 'status') {
    return status(directory, output);
  }
  if (!fs.existsSync(path.join(SCRIPTS, 'start.sh'))) {
    output.error(`dev-cluster: ${SCRIPTS} is missing; the dev cluster runs from a source checkout of stagecraft`);
    return 2;
  }
  const scriptArguments = ['--dir', directory];
  for (const option of action === 'start' ? ['port', 'etcd-port', 'etcd-peer-port'] : []) {
    const value = stringOption(parsed, option);
    if (value !== undefined) {
      scriptArguments.push(`--${option}`, value);
    }
  }
  if (parsed.options.has('wipe')) {
    scriptArguments.push('--wipe');
  }
  if (action === 'stop') {
    stopSimulator(directory);
  }
  const script = path.join(SCRIPTS, `${action}.sh`);
  // The scripts report progress on stderr; start.sh prints the kubeconfig path as its last stdout line.
  const child = spawnSync('bash', [script, ...scriptArguments], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (child.error) {
    throw new Error(`could not run ${script}: ${child.error.message}`);
  }
  if (child.status !== 0) {
    output.error(`dev-cluster ${action}: ${path.basename(script)} failed (exit code ${child.status ?? child.signal}); see its message above`);
    return 1;
  }
  if (action === 'start') {
    const lines = child.stdout.trim().split('\n');
    startSimulator(directory, lines[lines.length - 1]);
    output.line(lines[lines.length - 1]);
  }
  return 0;
}

const SIMULATOR = 'simulate-rollouts.js';

/** Starts the rollout simulator for every namespace of the dev cluster, detached, unless it already runs. */
function startSimulator(directory: string, kubeconfig: string): void {
  if (simulatorPid(directory) !== undefined) {
    return;
  }
  const log = fs.openSync(path.join(directory, 'simulate-rollouts.log'), 'a');
  const child = spawn(process.execPath, [path.join(SCRIPTS, SIMULATOR), kubeconfig], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(path.join(directory, 'simulate-rollouts.pid'), `${child.pid}\n`);
}

function stopSimulator(directory: string): void {
  const pid = simulatorPid(directory);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
  }
  fs.rmSync(path.join(directory, 'simulate-rollouts.pid'), { force: true });
}

/** The simulator's pid when it is alive and was started for this folder's kubeconfig. */
function simulatorPid(directory: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(directory, 'simulate-rollouts.pid'), 'utf8').trim());
    const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const ours = commandLine.some((argument) => argument.endsWith(SIMULATOR)) && commandLine.some((argument) => argument.startsWith(directory));
    return ours ? pid : undefined;
  } catch {
    return undefined;
  }
}

function status(directory: string, output: Output): number {
  const running = ['etcd', 'kube-apiserver'].map((name) => ({ name, pid: runningPid(directory, name) }));
  const kubeconfig = path.join(directory, 'kubeconfig');
  if (running.every((process) => process.pid !== undefined)) {
    const simulator = simulatorPid(directory);
    const simulating = simulator === undefined ? 'rollout simulator not running' : `rollout simulator pid ${simulator}`;
    output.line(`running (${running.map((process) => `${process.name} pid ${process.pid}`).join(', ')}, ${simulating}); kubeconfig ${kubeconfig}`);
    return 0;
  }
  const partly = running.filter((process) => process.pid !== undefined);
  output.line(partly.length === 0
    ? `stopped (${directory}); start it with: stagecraft dev-cluster start`
    : `partly running (${partly.map((process) => `${process.name} pid ${process.pid}`).join(', ')}); run stagecraft dev-cluster start to start the rest`);
  return 1;
}

/** The pid recorded for NAME when that process is alive and is NAME started for this folder. */
function runningPid(directory: string, name: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(directory, `${name}.pid`), 'utf8').trim());
    const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine[0].endsWith(name) && commandLine.some((argument) => argument.includes(directory)) ? pid : undefined;
  } catch {
    return undefined;
  }
}
