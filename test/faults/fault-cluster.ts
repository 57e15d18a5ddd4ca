import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, STAGECRAFT_BIN } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { kubectl } from '../support/test-cluster';

/**
 * A control plane of its own for the fault tests: they kill its API server, register webhooks that reject
 * requests and delete namespaces, none of which may reach the test cluster other test files share. Wiped
 * before and after the suite.
 */
export const FAULT_CLUSTER = {
  dir: process.env.STAGECRAFT_FAULT_CLUSTER_DIR ?? path.join(os.homedir(), '.cache', 'stagecraft', 'fault-cluster'),
  port: process.env.STAGECRAFT_FAULT_CLUSTER_PORT ?? '19443',
  etcdPort: process.env.STAGECRAFT_FAULT_ETCD_PORT ?? '15379',
  etcdPeerPort: process.env.STAGECRAFT_FAULT_ETCD_PEER_PORT ?? '15380',
};

const SCRIPTS = path.join(REPO_ROOT, 'scripts', 'control-plane');

/** Starts (or restarts whichever process is missing of) the fault control plane; returns its kubeconfig. */
export function startFaultCluster(): string {
  const child = spawnSync('bash', [
    path.join(SCRIPTS, 'start.sh'),
    '--dir', FAULT_CLUSTER.dir, '--port', FAULT_CLUSTER.port, '--etcd-port', FAULT_CLUSTER.etcdPort, '--etcd-peer-port', FAULT_CLUSTER.etcdPeerPort,
  ], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (child.status !== 0) {
    throw new Error(`the fault control plane did not start (start.sh exit ${child.status ?? child.signal}):\n${child.stderr}`);
  }
  return child.stdout.trim().split('\n').pop()!;
}

/** Stops the fault control plane and deletes its etcd data. */
export function wipeFaultCluster(): void {
  const child = spawnSync('bash', [path.join(SCRIPTS, 'stop.sh'), '--dir', FAULT_CLUSTER.dir, '--wipe'], { encoding: 'utf8', timeout: 120_000 });
  if (child.status !== 0) {
    throw new Error(`stop.sh --wipe failed (exit ${child.status ?? child.signal}):\n${child.stderr}`);
  }
}

/** kill -9 of the fault cluster's kube-apiserver (etcd keeps running); resolves once the process is gone. */
export async function killApiServer(): Promise<void> {
  await killProcess('kube-apiserver');
}

/** kill -9 of the fault cluster's etcd (the API server keeps running); resolves once the process is gone. */
export async function killEtcd(): Promise<void> {
  await killProcess('etcd');
}

async function killProcess(name: 'kube-apiserver' | 'etcd'): Promise<void> {
  const pid = Number(fs.readFileSync(path.join(FAULT_CLUSTER.dir, `${name}.pid`), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  for (let tries = 0; tries < 200 && fs.existsSync(`/proc/${pid}`) && !isZombie(pid); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function isZombie(pid: number): boolean {
  try {
    return /\nState:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

export interface AsyncRun {
  readonly child: ChildProcess;
  /** Resolves when the process exits. */
  readonly done: Promise<{ status: number | null; stdout: string; stderr: string; result: any }>;
}

/** Runs the built CLI without blocking the test, so the test can inject a fault while it runs. */
export function runStagecraftAsync(args: string[]): AsyncRun {
  const child = spawn(process.execPath, [STAGECRAFT_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string; result: any }>((resolve) => {
    child.on('close', (status) => {
      let result: any;
      try {
        result = JSON.parse(stdout);
      } catch {
        result = undefined;
      }
      resolve({ status, stdout, stderr, result });
    });
  });
  return { child, done };
}

/** A validating admission webhook on loopback with its own CA, registered with the fault cluster. */
export class RejectingWebhook {
  /**
   * Starts the server (test/faults/webhook-server.js) and registers a ValidatingWebhookConfiguration named
   * `name` calling it for `resources` (plural names of the core group or `apps`) on `operations`.
   */
  public static async start(kubeconfig: string, name: string, options: {
    readonly rules: ReadonlyArray<{ operation: string; kind: string; namespace?: string; name: string; message: string }>;
    readonly resources: ReadonlyArray<{ group: string; resource: string }>;
  }): Promise<RejectingWebhook> {
    const folder = scratchFolder('stagecraft-webhook-');
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
    fs.writeFileSync(path.join(folder, 'san.cnf'), 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n');
    openssl('req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-sha256', '-days', '2', '-subj', '/CN=fault-webhook-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
    openssl('req', '-new', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
    openssl('x509', '-req', '-sha256', '-days', '2', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-extfile', 'san.cnf', '-out', 'server.crt');
    const child = spawn(process.execPath, [path.join(__dirname, 'webhook-server.js'), path.join(folder, 'server.crt'), path.join(folder, 'server.key'), JSON.stringify(options.rules)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk) => {
        text += chunk;
        const match = /listening (\d+)/.exec(text);
        if (match) {
          resolve(Number(match[1]));
        }
      });
      child.on('exit', (code) => reject(new Error(`webhook-server.js exited with ${code} before listening`)));
    });
    const groups = [...new Set(options.resources.map((entry) => entry.group))];
    const configuration = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: groups.map((group, index) => ({
        name: `rule${index}.${name}.faults.stagecraft.dev`,
        clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: fs.readFileSync(path.join(folder, 'ca.crt')).toString('base64') },
        rules: [{
          apiGroups: [group],
          apiVersions: ['v1'],
          operations: [...new Set(options.rules.map((rule) => rule.operation))],
          resources: options.resources.filter((entry) => entry.group === group).map((entry) => entry.resource),
        }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
      })),
    };
    kubectl(kubeconfig, ['apply', '-f', '-'], { input: JSON.stringify(configuration) });
    const webhook = new RejectingWebhook(kubeconfig, name, child);
    await webhook.untilEffective(options.rules[0]);
    return webhook;
  }

  private constructor(private readonly kubeconfig: string, private readonly name: string, private readonly child: ChildProcess) {}

  /** Unregisters the webhook, then stops its server. */
  public stop(): void {
    kubectl(this.kubeconfig, ['delete', 'validatingwebhookconfiguration', this.name, '--ignore-not-found']);
    this.child.kill('SIGTERM');
  }

  /**
   * The API server picks up a new webhook configuration within a second or so: wait until a dry-run request
   * of the first rule is rejected, so the test does not race it.
   */
  private async untilEffective(rule: { operation: string; kind: string; namespace?: string; name: string }): Promise<void> {
    if (rule.operation !== 'CREATE' || rule.kind !== 'ConfigMap' || rule.namespace === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return;
    }
    for (let tries = 0; tries < 50; tries++) {
      const probe = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rule.name, namespace: rule.namespace } };
      const run = kubectl(this.kubeconfig, ['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(probe), allowFailure: true });
      if (run.status !== 0 && run.stderr.includes('denied the request')) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`webhook ${this.name} did not become effective within 10 s`);
  }
}

/** What a scenario must not lose: every object of these kinds in its namespaces, with its applyset label. */
export type Snapshot = ReadonlyMap<string, string | undefined>;

const SNAPSHOT_KINDS = 'configmaps,secrets,services,deployments.apps,leases.coordination.k8s.io';
const PART_OF_JSONPATH = '{range .items[*]}{.kind}{"\\t"}{.metadata.name}{"\\t"}{.metadata.labels.applyset\\.kubernetes\\.io/part-of}{"\\n"}{end}';

/** Every object (and the namespace itself) in `namespaces`, as `Kind/namespace/name` → part-of label, read with kubectl. */
export function snapshot(kubeconfig: string, namespaces: readonly string[]): Snapshot {
  const objects = new Map<string, string | undefined>();
  for (const namespace of namespaces) {
    const run = kubectl(kubeconfig, ['get', SNAPSHOT_KINDS, '-n', namespace, '-o', `jsonpath=${PART_OF_JSONPATH}`], { allowFailure: true });
    if (run.status !== 0) {
      continue;
    }
    for (const line of run.stdout.split('\n').filter((entry) => entry !== '')) {
      const [kind, name, partOf] = line.split('\t');
      objects.set(`${kind}/${namespace}/${name}`, partOf === '' ? undefined : partOf);
    }
    if (kubectl(kubeconfig, ['get', 'namespace', namespace], { allowFailure: true }).status === 0) {
      objects.set(`Namespace/${namespace}`, undefined);
    }
  }
  return objects;
}

/**
 * Objects of `before` missing from `after` that must not have gone: not labelled as members of the applyset
 * (never ours to delete), or still desired (`Kind/namespace/name`).
 */
export function wrongfulDeletions(before: Snapshot, after: Snapshot, applysetLabel: string, stillDesired: ReadonlySet<string>): string[] {
  return [...before.entries()]
    .filter(([key]) => !after.has(key))
    .filter(([key, partOf]) => partOf !== applysetLabel || stillDesired.has(key))
    .map(([key]) => key);
}
