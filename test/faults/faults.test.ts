import { FAULT_CLUSTER, killApiServer, runStagecraftAsync, snapshot, Snapshot, startFaultCluster, wipeFaultCluster, wrongfulDeletions } from './fault-cluster';
import { KubeObject } from '../../lib/reconciler/kube-object';
import { KubernetesClusterClient } from '../../lib/reconciler/private/kubernetes-cluster-client';
import { configMap, deployment } from '../support/objects';
import { changesOf, kubectl, kubectlJson, kubectlNames, ScratchEnvRepo, uniqueName } from '../support/test-cluster';

/**
 * Faults on a real control plane of their own (test/faults/fault-cluster.ts): each scenario injects one
 * fault with an independent client (kubectl, kill -9, a webhook, an unreachable git remote) while or between
 * reconciles run as users run them (the built CLI in a subprocess), then checks with kubectl that the
 * cluster converged and that nothing was wrongly deleted. The suite prints `faults: N survived / M tried`.
 */
jest.setTimeout(240_000);

const ledger = { tried: 0, survived: 0, wrongful: [] as string[] };
let kubeconfig: string;

beforeAll(() => {
  wipeFaultCluster();
  kubeconfig = startFaultCluster();
}, 20 * 60_000);

afterAll(() => {
  wipeFaultCluster();
  const line = `faults: ${ledger.survived} survived / ${ledger.tried} tried, ${ledger.wrongful.length} wrongful deletion${ledger.wrongful.length === 1 ? '' : 's'}\n`;
  process.stdout.write(line);
  expect(ledger.wrongful).toEqual([]);
  expect(ledger.survived).toBe(ledger.tried);
  expect(ledger.tried).toBeGreaterThanOrEqual(12);
}, 120_000);

/** A fault scenario: counted as tried when it starts and as survived when every assertion held. */
function scenario(name: string, body: () => Promise<void> | void): void {
  it(name, async () => {
    ledger.tried++;
    await body();
    ledger.survived++;
  });
}

/** Snapshots the namespace now; `check` later fails (and counts) any wrongful deletion since. */
function guard(namespaces: readonly string[]): { check(applyset: string, stillDesired: readonly KubeObject[]): void } {
  const before: Snapshot = snapshot(kubeconfig, namespaces);
  expect(before.size).toBeGreaterThan(0);
  return {
    check(applyset, stillDesired) {
      const desired = new Set(stillDesired.map((object) => `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`));
      const wrongful = wrongfulDeletions(before, snapshot(kubeconfig, namespaces), applyset, desired);
      ledger.wrongful.push(...wrongful);
      expect(wrongful).toEqual([]);
    },
  };
}

function reconcileArgs(repo: ScratchEnvRepo, extra: string[] = []): string[] {
  return ['reconcile', '--dir', repo.root, '--env', repo.environment, '--kubeconfig', kubeconfig, '--once', '--output', 'json', '--no-wait', ...extra];
}

function partOf(applyset: string): string {
  return `applyset.kubernetes.io/part-of=${applyset}`;
}

function parentGroupKinds(repo: ScratchEnvRepo): string {
  return kubectlJson(kubeconfig, ['get', 'secret', `stagecraft-applyset-${repo.environment}`, '-n', repo.namespace]).metadata.annotations['applyset.kubernetes.io/contains-group-kinds'];
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

describe('faults on a real API server', () => {
  scenario('survives the API server killed in the middle of an apply: the run fails, the next converges, the inventory claims only applied objects', async () => {
    // GIVEN 300 ConfigMaps of 20 KiB each, applied one request at a time so the apply takes a while
    const name = uniqueName('kill');
    const objects = Array.from({ length: 300 }, (_, index) => configMap(name, `cm-${String(index).padStart(3, '0')}`, { BLOB: 'x'.repeat(20 * 1024) }));
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    const watcher = await KubernetesClusterClient.connect({ kubeconfig });
    const guardian = guard([name]);
    // WHEN the API server is killed (kill -9) once the 20th object exists
    const run = runStagecraftAsync(reconcileArgs(repo, ['--concurrency', '1']));
    try {
      for (let tries = 0; ; tries++) {
        if (tries > 3000) {
          throw new Error('the reconcile never got to the 20th object');
        }
        if (await watcher.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: name, name: 'cm-020' }).catch(() => undefined)) {
          break;
        }
        await sleep(10);
      }
      await killApiServer();
    } finally {
      watcher.close();
    }
    const failed = await run.done;
    startFaultCluster();
    // THEN the interrupted run reports failed (exit 1), naming the unreachable server
    expect(failed.status).toBe(1);
    expect(failed.result.verdict).toBe('failed');
    expect(failed.result.message).toMatch(new RegExp(`^\\d+ objects could not be applied; the others were; could not write the status ConfigMap in ${name}: .*cannot reach the API server`));
    const failedChanges = failed.result.changes.filter((change: any) => change.action === 'failed');
    expect(failedChanges.length).toBeGreaterThan(0);
    expect(failedChanges[0].message).toContain(`cannot reach the API server https://127.0.0.1:${FAULT_CLUSTER.port}`);
    // AND every labelled object exists, is desired and of a kind the parent lists (so it can always be pruned)
    const applyset = failed.result.applyset;
    const labelled = kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(applyset)]);
    expect(labelled.length).toBeGreaterThanOrEqual(20);
    expect(labelled.length).toBeLessThan(300);
    const desiredNames = new Set(objects.map((object) => `configmap/${object.metadata.name}`));
    expect(labelled.filter((object) => !desiredNames.has(object))).toEqual([]);
    expect(parentGroupKinds(repo)).toBe('ConfigMap');
    // WHEN the next reconcile runs
    const next = repo.reconcile(kubeconfig);
    // THEN it converges: all 300 present, each created or unchanged exactly once
    expect(next.status).toBe(0);
    expect(next.result.verdict).toBe('applied');
    const actions = changesOf(next.result).filter(([, object]) => object.startsWith('ConfigMap/'));
    expect(actions.length).toBe(300);
    expect(actions.filter(([action]) => action === 'created' || action === 'unchanged' || action === 'configured').length).toBe(300);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(applyset)]).length).toBe(300);
    expect(repo.reconcile(kubeconfig).result.writeRequests).toBe(0);
    guardian.check(applyset, objects);
  });

  scenario('fails clearly when the API server is unreachable at start, and writes nothing', async () => {
    // GIVEN an applied environment
    const name = uniqueName('down');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'web'));
    const first = repo.reconcile(kubeconfig);
    expect(first.status).toBe(0);
    repo.put('web', configMap(name, 'web', { KEY: 'changed' }));
    const guardian = guard([name]);
    const before = kubectlJson(kubeconfig, ['get', 'configmaps', '-n', name]).items.map((item: any) => [item.metadata.name, item.metadata.resourceVersion]);
    // WHEN the API server is down during a reconcile
    await killApiServer();
    let down: ReturnType<ScratchEnvRepo['reconcile']>;
    try {
      down = repo.reconcile(kubeconfig);
    } finally {
      startFaultCluster();
    }
    // THEN it fails (exit 1) naming the server, and nothing changed in the cluster
    expect(down.status).toBe(1);
    expect(down.result.verdict).toBe('failed');
    expect(down.result.message).toContain(`cannot reach the API server https://127.0.0.1:${FAULT_CLUSTER.port}`);
    expect(down.result.writeRequests).toBe(0);
    const after = kubectlJson(kubeconfig, ['get', 'configmaps', '-n', name]).items.map((item: any) => [item.metadata.name, item.metadata.resourceVersion]);
    expect(after).toEqual(before);
    guardian.check(first.result.applyset, [configMap(name, 'web')]);
  });

  scenario('takes back declared fields another field manager changed, naming the manager and the fields', () => {
    // GIVEN an applied Deployment and ConfigMap
    const name = uniqueName('conflict');
    const repo = new ScratchEnvRepo(name, name).put('web', deployment(name, 'web', 2)).put('web', configMap(name, 'web', { KEY: 'value' }));
    const first = repo.reconcile(kubeconfig);
    expect(first.status).toBe(0);
    const guardian = guard([name]);
    // WHEN kubectl patch scales the Deployment and another manager force-applies the ConfigMap's data
    kubectl(kubeconfig, ['patch', 'deployment', 'web', '-n', name, '--type', 'merge', '-p', '{"spec":{"replicas":5}}']);
    kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: name }, data: { KEY: 'theirs' } }),
    });
    const run = repo.reconcile(kubeconfig);
    // THEN git wins and the result says whose fields were taken back
    expect(run.status).toBe(0);
    const configured = run.result.changes.filter((change: any) => change.action === 'configured').map((change: any) => [change.kind, change.message, change.takenBack]);
    expect(configured).toEqual([
      ['ConfigMap', 'drifted in the cluster: data.KEY; took back data.KEY from other', [{ manager: 'other', fields: ['data.KEY'] }]],
      ['Deployment', 'drifted in the cluster: spec.replicas; took back spec.replicas from kubectl-patch', [{ manager: 'kubectl-patch', fields: ['spec.replicas'] }]],
    ]);
    expect(kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', name]).spec.replicas).toBe(2);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ KEY: 'value' });
    guardian.check(first.result.applyset, []);
  });

  scenario('leaves fields it does not declare to their manager: replicas set by an autoscaler survive reconciles', () => {
    // GIVEN a Deployment whose desired state leaves replicas to an autoscaler
    const name = uniqueName('hpa');
    const withoutReplicas = (image: string): KubeObject => {
      const object = deployment(name, 'web', 1, image) as any;
      delete object.spec.replicas;
      return object;
    };
    const repo = new ScratchEnvRepo(name, name).put('web', withoutReplicas('registry.example/web:1'));
    const first = repo.reconcile(kubeconfig);
    expect(first.status).toBe(0);
    const guardian = guard([name]);
    // WHEN the autoscaler sets 7 replicas, and a new image is reconciled
    kubectl(kubeconfig, ['patch', 'deployment', 'web', '-n', name, '--field-manager', 'autoscaler', '--type', 'merge', '-p', '{"spec":{"replicas":7}}']);
    const idle = repo.reconcile(kubeconfig);
    repo.put('web', withoutReplicas('registry.example/web:2'));
    const changed = repo.reconcile(kubeconfig);
    // THEN the idle reconcile sends nothing, the change keeps replicas 7 and takes nothing back
    expect(idle.result.writeRequests).toBe(0);
    expect(changesOf(idle.result)).toEqual([['unchanged', 'Deployment/web']]);
    expect(changed.status).toBe(0);
    expect(changed.result.changes.map((change: any) => [change.action, change.message, change.takenBack])).toEqual([['configured', 'changed in this revision: spec.template.spec.containers[name=web].image', undefined]]);
    const live = kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', name, '--show-managed-fields']);
    expect(live.spec.replicas).toBe(7);
    expect(live.spec.template.spec.containers[0].image).toBe('registry.example/web:2');
    expect(live.metadata.managedFields.map((entry: any) => entry.manager).sort()).toEqual(['autoscaler', 'stagecraft']);
    guardian.check(first.result.applyset, []);
  });
});
