import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, stringOption, UsageError } from './args';
import { devClusterFolder } from './cluster-target';
import { Output } from './output';

export const DEV_CLUSTER_USAGE = `usage: stagecraft dev-cluster start|stop|status [--dir DIR] [--port N] [--etcd-port N] [--etcd-peer-port N] [--wipe]

A local test control plane (kube-apiserver 1.20 + etcd on 127.0.0.1, no controllers, no kubelet) to
reconcile against; see scripts/control-plane/README.md. Reconcile and diff use its kubeconfig when no
--kubeconfig, --context or $KUBECONFIG is given.

  start   start it (builds kube-apiserver on first use, about 8 minutes) and print the kubeconfig path
  stop    stop it; --wipe also deletes every object (the etcd data)
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
    output.line(lines[lines.length - 1]);
  }
  return 0;
}

function status(directory: string, output: Output): number {
  const running = ['etcd', 'kube-apiserver'].map((name) => ({ name, pid: runningPid(directory, name) }));
  const kubeconfig = path.join(directory, 'kubeconfig');
  if (running.every((process) => process.pid !== undefined)) {
    output.line(`running (${running.map((process) => `${process.name} pid ${process.pid}`).join(', ')}); kubeconfig ${kubeconfig}`);
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
