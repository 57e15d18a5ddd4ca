import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, runStagecraft, CliResult } from './cli';
import { scratchFolder } from './fleets';
import { environmentNamed } from './objects';
import { toCanonicalYaml } from '../../lib/envrepo/canonical-yaml';
import { EnvironmentMetadata } from '../../lib/envrepo/environment-metadata';
import { KubeObject } from '../../lib/envrepo/kube-object';
import { renderKustomization } from '../../lib/envrepo/kustomization';
import { createLock, serializeLock } from '../../lib/envrepo/lock';
import { kustomizationPath, objectPath } from '../../lib/envrepo/paths';
import { isClusterScopedKind } from '../../lib/envrepo/scope';

/**
 * The control plane cluster tests run against: its own folder and ports, so a developer's dev cluster
 * (6443) is never touched. Started once by whichever test file needs it first and left running for the
 * next run (start.sh is idempotent and takes 0.1 s then); stop it with
 * `bash scripts/control-plane/stop.sh --dir ~/.cache/stagecraft/test-cluster`.
 */
export const TEST_CLUSTER = {
  dir: process.env.STAGECRAFT_TEST_CLUSTER_DIR ?? path.join(os.homedir(), '.cache', 'stagecraft', 'test-cluster'),
  port: process.env.STAGECRAFT_TEST_CLUSTER_PORT ?? '16443',
  etcdPort: process.env.STAGECRAFT_TEST_ETCD_PORT ?? '12379',
  etcdPeerPort: process.env.STAGECRAFT_TEST_ETCD_PEER_PORT ?? '12380',
};

/** Starts the test control plane (building kube-apiserver on first use) and returns its kubeconfig path. */
export function startTestCluster(): string {
  const child = spawnSync('bash', [
    path.join(REPO_ROOT, 'scripts', 'control-plane', 'start.sh'),
    '--dir', TEST_CLUSTER.dir, '--port', TEST_CLUSTER.port, '--etcd-port', TEST_CLUSTER.etcdPort, '--etcd-peer-port', TEST_CLUSTER.etcdPeerPort,
  ], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (child.status !== 0) {
    throw new Error(`the test control plane did not start (start.sh exit ${child.status ?? child.signal}):\n${child.stderr}`);
  }
  return child.stdout.trim().split('\n').pop()!;
}

/** A name no other test (or earlier run) has used: namespaces cannot be re-used on a cluster without a namespace controller. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** kubectl, the independent second client. Fails the test on a non-zero exit unless `allowFailure`. */
export function kubectl(kubeconfig: string, args: string[], options: { input?: string; allowFailure?: boolean } = {}): CliResult {
  const child = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', input: options.input, timeout: 60_000 });
  if (child.error) {
    throw child.error;
  }
  if (child.status !== 0 && !options.allowFailure) {
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${child.status}): ${child.stderr}`);
  }
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

export function kubectlJson(kubeconfig: string, args: string[]): any {
  return JSON.parse(kubectl(kubeconfig, [...args, '-o', 'json']).stdout);
}

/** Names of the objects kubectl lists, e.g. `configmap/web`, sorted. */
export function kubectlNames(kubeconfig: string, args: string[]): string[] {
  return kubectl(kubeconfig, [...args, '-o', 'name']).stdout.split('\n').filter((line) => line !== '').sort();
}

/**
 * A one-environment env repo in a scratch folder, written like synth writes it: canonical YAML at
 * `<env>/<app>/<kind>.<name>.yaml`, environment.json, and a lock over both.
 */
export class ScratchEnvRepo {
  public readonly root = scratchFolder('stagecraft-cluster-test-');
  private readonly files = new Map<string, KubeObject>();
  private readonly applications = new Map<string, string>();
  /** environment.json's policy.requireSignedCommits; written with the next put/remove/commit. */
  public requireSignedCommits = false;
  /** Files written byte for byte (hostile input): repo-relative path → content. */
  private readonly rawFiles = new Map<string, string | Uint8Array>();
  /** environment.json's policy.allowedClusterScopedKinds when set; written with the next put/remove/commit. */
  public allowedClusterScopedKinds: string[] | undefined;

  /** `metadata` replaces fields of the default environment.json (one namespace, only Namespace allowed cluster-wide). */
  constructor(public readonly environment: string, public readonly namespace: string, private readonly metadata: Partial<EnvironmentMetadata> = {}) {
    this.write();
  }

  /** Writes a file as given, not as synth would, and locks it like the rest (what a hand edit plus a re-lock does). */
  public putFile(relativePath: string, content: string | Uint8Array): this {
    this.rawFiles.set(relativePath, content);
    return this.write();
  }

  public put(application: string, object: KubeObject): this {
    return this.putAll(application, [object]);
  }

  /** Adds many objects and writes the tree once (put rewrites every file on each call). */
  public putAll(application: string, objects: readonly KubeObject[]): this {
    for (const object of objects) {
      this.add(application, object);
    }
    return this.write();
  }

  private add(application: string, object: KubeObject): void {
    // Cluster-scoped objects live under _cluster/, as synth writes them (the reader refuses them elsewhere).
    const customClusterScoped = new Set([...this.files.values()]
      .filter((candidate) => candidate.kind === 'CustomResourceDefinition' && (candidate as any).spec?.scope === 'Cluster')
      .map((candidate) => (candidate as any).spec.names.kind as string));
    const folder = isClusterScopedKind(object.kind, customClusterScoped) ? undefined : application;
    const relative = objectPath(this.environment, folder, object.kind, object.metadata.name);
    this.files.set(relative, object);
    this.applications.set(relative, application);
  }

  public remove(application: string, kind?: string): this {
    for (const relative of [...this.files.keys()]) {
      const object = this.files.get(relative)!;
      if (this.applications.get(relative) === application && (kind === undefined || object.kind === kind)) {
        this.files.delete(relative);
      }
    }
    return this.write();
  }

  public reconcile(kubeconfig: string, extra: string[] = []): { status: number | null; result: any; stdout: string; stderr: string } {
    // Without a controller-manager nothing becomes healthy on its own: tests about health pass their own wait options.
    const wait = extra.some((option) => option === '--timeout' || option === '--wait') ? extra.filter((option) => option !== '--wait') : ['--no-wait', ...extra];
    const cli = runStagecraft(['reconcile', '--dir', this.root, '--env', this.environment, '--kubeconfig', kubeconfig, '--once', '--output', 'json', ...wait], { cwd: REPO_ROOT });
    let result: any;
    try {
      result = JSON.parse(cli.stdout);
    } catch {
      result = undefined;
    }
    return { ...cli, result };
  }

  public diff(kubeconfig: string, extra: string[] = []): CliResult {
    return runStagecraft(['diff', '--dir', this.root, '--env', this.environment, '--kubeconfig', kubeconfig, ...extra], { cwd: REPO_ROOT });
  }

  protected write(): this {
    const folder = path.join(this.root, this.environment);
    fs.rmSync(folder, { recursive: true, force: true });
    const contents = new Map<string, string | Uint8Array>();
    for (const [relative, object] of this.files) {
      contents.set(relative, toCanonicalYaml(object));
    }
    const base = { ...environmentNamed(this.environment, this.namespace), ...this.metadata };
    const policy = {
      ...base.policy,
      requireSignedCommits: this.requireSignedCommits || base.policy.requireSignedCommits,
      ...(this.allowedClusterScopedKinds ? { allowedClusterScopedKinds: this.allowedClusterScopedKinds } : {}),
    };
    contents.set(`${this.environment}/.stagecraft/environment.json`, `${JSON.stringify({ ...base, policy }, undefined, 2)}\n`);
    for (const [relative, content] of this.rawFiles) {
      contents.set(relative, content);
    }
    if (!this.rawFiles.has(kustomizationPath(this.environment))) {
      contents.set(kustomizationPath(this.environment), renderKustomization(this.environment, contents.keys()));
    }
    for (const [relative, text] of contents) {
      fs.mkdirSync(path.dirname(path.join(this.root, relative)), { recursive: true });
      fs.writeFileSync(path.join(this.root, relative), text);
    }
    const lock = createLock({ environment: this.environment, files: contents, inputsDigest: 'sha256:0' });
    fs.writeFileSync(path.join(this.root, this.environment, '.stagecraft', 'lock.json'), serializeLock(lock));
    return this;
  }
}

/** `[action, Kind/name]` of each change of a reconcile result, for exact comparisons. */
export function changesOf(result: any, actions: string[] = ['created', 'configured', 'unchanged', 'pruned', 'failed']): string[][] {
  return (result?.changes ?? []).filter((change: any) => actions.includes(change.action)).map((change: any) => [change.action, `${change.kind}/${change.name}`]);
}
