import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FAULT_CLUSTER, killApiServer, killEtcd, RejectingWebhook, runStagecraftAsync, snapshot, Snapshot, startFaultCluster, wipeFaultCluster, wrongfulDeletions } from './fault-cluster';
import { KubeObject } from '../../lib/envrepo/kube-object';
import { systemClock } from '../../lib/reconciler/clock';
import { reconcileCycle } from '../../lib/reconciler/cycle';
import { readKubeconfig } from '../../lib/reconciler/kubeconfig';
import { ApiRequest, ApiResponse, ApiStream, ApiTransport, openTransport } from '../../lib/reconciler/private/api-transport';
import { KubernetesClusterClient } from '../../lib/reconciler/private/kubernetes-cluster-client';
import { folderSource } from '../../lib/reconciler/revision-source';
import { runStagecraft, REPO_ROOT, STAGECRAFT_BIN } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { GitEnvRepo } from '../support/git-env-repo';
import { SshGitServer } from '../support/git-servers';
import { LogWatcher } from '../support/log-watcher';
import { configMap, deployment, service } from '../support/objects';
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

/** 300 ConfigMaps cm-000 … cm-299 in `namespace`, each carrying `blobBytes` of data. */
function bulkConfigMaps(namespace: string, blobBytes: number) {
  return Array.from({ length: 300 }, (_, index) => configMap(namespace, `cm-${String(index).padStart(3, '0')}`, { BLOB: 'x'.repeat(blobBytes) }));
}

/** Waits (reading with a client of its own) until ConfigMap cm-020 exists in `namespace`, then does `fault`. */
async function onceTwentiethObjectExists(namespace: string, fault: () => unknown): Promise<void> {
  const watcher = await KubernetesClusterClient.connect({ kubeconfig });
  try {
    for (let tries = 0; ; tries++) {
      if (tries > 3000) {
        throw new Error('the reconcile never got to the 20th object');
      }
      if (await watcher.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'cm-020' }).catch(() => undefined)) {
        break;
      }
      await sleep(10);
    }
    await fault();
  } finally {
    watcher.close();
  }
}

describe('faults on a real API server', () => {
  scenario('survives the API server killed in the middle of an apply: the run fails, the next converges, the inventory claims only applied objects', async () => {
    // GIVEN 300 ConfigMaps of 20 KiB each, applied one request at a time so the apply takes a while
    const name = uniqueName('kill');
    const objects = bulkConfigMaps(name, 20 * 1024);
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    // WHEN the API server is killed (kill -9) once the 20th object exists
    const run = runStagecraftAsync(reconcileArgs(repo, ['--concurrency', '1', '--lock-lease', '3s']));
    await onceTwentiethObjectExists(name, () => killApiServer());
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
    // WHEN the next reconcile runs (after the lease of the killed run, which could not release it, expired)
    const guardian = guard([name]);
    const lease = kubectlJson(kubeconfig, ['get', 'lease', `stagecraft-lock-${name}`, '-n', name]).spec;
    expect(lease.leaseDurationSeconds).toBe(3);
    await sleep(Math.max(0, Date.parse(lease.renewTime) + 3_000 - Date.now()));
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
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
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
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
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
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
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
  scenario('fails the object an admission webhook rejects with the webhook\'s message, applies the rest of its stage and prunes nothing', async () => {
    // GIVEN an applied environment with an object that leaves it in the next revision
    const name = uniqueName('hook');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'web')).put('web', configMap(name, 'old')).put('web', deployment(name, 'web'));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    repo.remove('web', 'ConfigMap').put('web', configMap(name, 'web', { KEY: 'changed' })).put('web', configMap(name, 'bad')).put('web', configMap(name, 'fine'));
    // WHEN a webhook on loopback rejects ConfigMap bad
    const webhook = await RejectingWebhook.start(kubeconfig, `${name}-hook`, {
      rules: [{ operation: 'CREATE', kind: 'ConfigMap', namespace: name, name: 'bad', message: 'policy forbids ConfigMap bad: ask the platform team' }],
      resources: [{ group: '', resource: 'configmaps' }],
    });
    let run: ReturnType<ScratchEnvRepo['reconcile']>;
    try {
      run = repo.reconcile(kubeconfig);
    } finally {
      webhook.stop();
    }
    // THEN the reconcile fails with the webhook's message naming the object, the others are applied, nothing is pruned
    expect(run.status).toBe(1);
    expect(run.result.verdict).toBe('failed');
    expect(run.result.message).toBe('1 object could not be applied; the others were; prune skipped, 1 object that left the desired state stays until a reconcile applies cleanly');
    expect(run.result.changes.map((change: any) => [change.action, change.name, change.action === 'failed' ? change.message : undefined])).toEqual([
      ['failed', 'bad', `could not apply ConfigMap/${name}/bad (construct env/bad/config/Resource) from ${name}/web/configmap.bad.yaml: server-side apply of ConfigMap/${name}/bad failed with 403: admission webhook "rule0.${name}-hook.faults.stagecraft.dev" denied the request: policy forbids ConfigMap bad: ask the platform team`],
      ['created', 'fine', undefined],
      ['configured', 'web', undefined],
      ['unchanged', 'web', undefined],
    ]);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(first.result.applyset)])).toEqual(['configmap/fine', 'configmap/old', 'configmap/web']);
    // AND once the webhook is gone the next reconcile applies it and prunes
    const next = repo.reconcile(kubeconfig);
    expect(next.status).toBe(0);
    expect(changesOf(next.result, ['created', 'pruned'])).toEqual([['created', 'ConfigMap/bad'], ['pruned', 'ConfigMap/old']]);
    guardian.check(first.result.applyset, [configMap(name, 'web'), configMap(name, 'bad'), configMap(name, 'fine'), deployment(name, 'web')]);
  });

  scenario('stops at a Namespace an admission webhook rejects: nothing of the later stage is applied and nothing is pruned', async () => {
    // GIVEN an environment that declares its Namespace, applied
    const name = uniqueName('stage');
    const namespaceObject = (team: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team } } });
    const repo = new ScratchEnvRepo(name, name).put('base', namespaceObject('a')).put('web', configMap(name, 'web')).put('web', configMap(name, 'old'));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    repo.remove('web').put('base', namespaceObject('b')).put('web', configMap(name, 'web', { KEY: 'changed' }));
    // WHEN a webhook rejects the update of the Namespace
    const webhook = await RejectingWebhook.start(kubeconfig, `${name}-hook`, {
      rules: [{ operation: 'UPDATE', kind: 'Namespace', name, message: 'namespace labels are frozen' }],
      resources: [{ group: '', resource: 'namespaces' }],
    });
    let run: ReturnType<ScratchEnvRepo['reconcile']>;
    try {
      run = repo.reconcile(kubeconfig);
    } finally {
      webhook.stop();
    }
    // THEN the Namespace fails with the webhook's message, the ConfigMap of the next stage is not applied, nothing is pruned
    expect(run.status).toBe(1);
    expect(run.result.changes.map((change: any) => [change.action, change.kind, change.message])).toEqual([
      ['failed', 'Namespace', `could not apply Namespace/${name} from ${name}/_cluster/namespace.${name}.yaml: server-side apply of Namespace/${name} failed with 403: admission webhook "rule0.${name}-hook.faults.stagecraft.dev" denied the request: namespace labels are frozen`],
      ['failed', 'ConfigMap', `not applied: ConfigMap/${name}/web (construct env/web/config/Resource) from ${name}/web/configmap.web.yaml waits for the Namespaces and CustomResourceDefinitions applied before it, and Namespace/${name} failed; fix that first`],
    ]);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ KEY: 'value' });
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(first.result.applyset)])).toEqual(['configmap/old', 'configmap/web']);
    guardian.check(first.result.applyset, []);
  });

  scenario('fails an immutable field change clearly, naming the object, the field and the opt-in', () => {
    // GIVEN an applied Service and Deployment
    const name = uniqueName('immut');
    const repo = new ScratchEnvRepo(name, name).put('web', service(name, 'web')).put('web', deployment(name, 'web'));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    const before = kubectlJson(kubeconfig, ['get', 'service,deployment', '-n', name]).items.map((item: any) => item.metadata.uid);
    // WHEN the clusterIP and the selector change in git
    repo.put('web', withClusterIp(service(name, 'web'), '10.0.201.7')).put('web', withSelector(deployment(name, 'web'), 'web-v2'));
    const run = repo.reconcile(kubeconfig);
    // THEN both fail with the field and the annotation to opt in; nothing was deleted
    expect(run.status).toBe(1);
    expect(run.result.changes.map((change: any) => [change.action, change.message])).toEqual([
      ['failed', `could not apply Deployment/${name}/web (construct env/web/deployment/Resource) from ${name}/web/deployment.web.yaml: the server refuses to change spec.selector (field is immutable) in place; keep the live value, or annotate the object stagecraft.dev/recreate-on-immutable-change: "true" to let stagecraft delete and re-create it`],
      ['failed', `could not apply Service/${name}/web (construct env/web/service/Resource) from ${name}/web/service.web.yaml: the server refuses to change spec.clusterIPs[0] (may not change once set) in place; keep the live value, or annotate the object stagecraft.dev/recreate-on-immutable-change: "true" to let stagecraft delete and re-create it`],
    ]);
    expect(kubectlJson(kubeconfig, ['get', 'service,deployment', '-n', name]).items.map((item: any) => item.metadata.uid)).toEqual(before);
    guardian.check(first.result.applyset, []);
  });

  scenario('re-creates an object whose immutable field changed when it opts in with the annotation', () => {
    // GIVEN an applied Service and Deployment that opt in to re-creation
    const name = uniqueName('recreate');
    const repo = new ScratchEnvRepo(name, name).put('web', optIn(service(name, 'web'))).put('web', optIn(deployment(name, 'web')));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    const before = kubectlJson(kubeconfig, ['get', 'service,deployment', '-n', name]).items.map((item: any) => item.metadata.uid);
    // WHEN the clusterIP and the selector change in git
    repo.put('web', optIn(withClusterIp(service(name, 'web'), '10.0.201.8'))).put('web', optIn(withSelector(deployment(name, 'web'), 'web-v2')));
    const run = repo.reconcile(kubeconfig);
    // THEN both are deleted and created again with the new values
    expect(run.status).toBe(0);
    expect(run.result.changes.map((change: any) => [change.action, change.kind, change.recreated, change.message])).toEqual([
      ['configured', 'Deployment', true, 're-created (deleted and created again): the server refuses to change spec.selector (field is immutable) in place and the object opts in with stagecraft.dev/recreate-on-immutable-change'],
      ['configured', 'Service', true, 're-created (deleted and created again): the server refuses to change spec.clusterIPs[0] (may not change once set) in place and the object opts in with stagecraft.dev/recreate-on-immutable-change'],
    ]);
    const after = kubectlJson(kubeconfig, ['get', 'service,deployment', '-n', name]).items;
    expect(after.map((item: any) => item.metadata.uid).filter((uid: string) => before.includes(uid))).toEqual([]);
    expect(after.map((item: any) => [item.kind, item.kind === 'Service' ? item.spec.clusterIP : item.spec.selector.matchLabels])).toEqual([
      ['Service', '10.0.201.8'],
      ['Deployment', { 'app.kubernetes.io/name': 'web-v2' }],
    ]);
    expect(repo.reconcile(kubeconfig).result.writeRequests).toBe(0);
    guardian.check(first.result.applyset, []);
  });

  scenario('re-creates a namespace deleted out of band, with its objects', () => {
    // GIVEN an applied environment
    const name = uniqueName('nsgone');
    const objects = [configMap(name, 'web'), deployment(name, 'web'), service(name, 'web')];
    const repo = new ScratchEnvRepo(name, name);
    objects.forEach((object) => repo.put('web', object));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    // WHEN someone deletes the namespace (the test plays the namespace controller 1.20 lacks here: empties it)
    kubectl(kubeconfig, ['delete', 'namespace', name, '--wait=false']);
    const whileTerminating = repo.reconcile(kubeconfig);
    kubectl(kubeconfig, ['delete', 'configmaps,secrets,services,deployments', '--all', '-n', name]);
    kubectl(kubeconfig, ['replace', '--raw', `/api/v1/namespaces/${name}/finalize`, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: [] } }),
    });
    expect(kubectl(kubeconfig, ['get', 'namespace', name], { allowFailure: true }).status).toBe(1);
    const run = repo.reconcile(kubeconfig);
    // THEN a reconcile while it terminates fails clearly and applies nothing; the next re-creates namespace and objects
    expect(whileTerminating.status).toBe(1);
    expect(whileTerminating.result.message).toMatch(new RegExp(`^namespace ${name} is being deleted \\(since .*\\); nothing can be created in it until it is gone. No object of the environment was applied or deleted$`));
    // (the only write: the status ConfigMap, which records the failure; updates are allowed while it terminates)
    expect(whileTerminating.result.writeRequests).toBe(1);
    expect(run.status).toBe(0);
    expect(changesOf(run.result)).toEqual([['created', `Namespace/${name}`], ['created', 'ConfigMap/web'], ['created', 'Deployment/web'], ['created', 'Service/web']]);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps,deployments,services', '-n', name, '-l', partOf(first.result.applyset)])).toEqual(['configmap/web', 'deployment.apps/web', 'service/web']);
    guardian.check(first.result.applyset, objects);
  });

  scenario('re-creates an object deleted out of band', () => {
    // GIVEN an applied environment
    const name = uniqueName('objgone');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'web')).put('web', deployment(name, 'web'));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    // WHEN kubectl deletes the Deployment
    kubectl(kubeconfig, ['delete', 'deployment', 'web', '-n', name]);
    const run = repo.reconcile(kubeconfig);
    // THEN the reconcile creates it again and touches nothing else
    expect(run.status).toBe(0);
    expect(changesOf(run.result)).toEqual([['unchanged', 'ConfigMap/web'], ['created', 'Deployment/web']]);
    expect(run.result.writeRequests).toBe(2);
    guardian.check(first.result.applyset, [configMap(name, 'web'), deployment(name, 'web')]);
  });

  scenario('keeps an object whose DELETE fails in the inventory and deletes it on the next run once the cause is gone', async () => {
    // GIVEN an applied environment of three ConfigMaps, one of which leaves it
    const name = uniqueName('delfail');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'a')).put('web', configMap(name, 'b')).put('web', configMap(name, 'doomed'));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    repo.remove('web').put('web', configMap(name, 'a')).put('web', configMap(name, 'b'));
    // WHEN a webhook rejects its DELETE
    const webhook = await RejectingWebhook.start(kubeconfig, `${name}-hook`, {
      rules: [{ operation: 'DELETE', kind: 'ConfigMap', namespace: name, name: 'doomed', message: 'doomed is protected' }],
      resources: [{ group: '', resource: 'configmaps' }],
    });
    let failed: ReturnType<ScratchEnvRepo['reconcile']>;
    try {
      failed = repo.reconcile(kubeconfig);
      // THEN the run fails naming the object and the webhook's message; the object keeps its label and its kind stays listed
      expect(failed.status).toBe(1);
      expect(failed.result.message).toBe('1 object could not be pruned; everything else was applied and pruned');
      expect(failed.result.changes.filter((change: any) => change.action === 'failed').map((change: any) => change.message)).toEqual([
        `could not delete ConfigMap/${name}/doomed (construct env/doomed/config/Resource): delete of ConfigMap/${name}/doomed failed with 403: admission webhook "rule0.${name}-hook.faults.stagecraft.dev" denied the request: doomed is protected; it keeps its applyset label and is retried by the next reconcile`,
      ]);
      expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(first.result.applyset)])).toEqual(['configmap/a', 'configmap/b', 'configmap/doomed']);
      expect(parentGroupKinds(repo)).toBe('ConfigMap');
    } finally {
      webhook.stop();
    }
    // WHEN the webhook is gone
    const next = repo.reconcile(kubeconfig);
    // THEN the next reconcile deletes it
    expect(next.status).toBe(0);
    expect(changesOf(next.result, ['pruned'])).toEqual([['pruned', 'ConfigMap/doomed']]);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(first.result.applyset)])).toEqual(['configmap/a', 'configmap/b']);
    guardian.check(first.result.applyset, [configMap(name, 'a'), configMap(name, 'b')]);
  });
  scenario('keeps the last good revision when the git remote is unreachable: failed with the fetch message, exit 1, nothing deleted', () => {
    // GIVEN an environment applied from a git env repo
    const name = uniqueName('gitgone');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', configMap(name, 'web')).put('web', deployment(name, 'web'));
    const commit = repo.commit('web');
    const cache = scratchFolder('stagecraft-cache-');
    const args = ['reconcile', '--repo', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--cache-dir', cache, '--once', '--output', 'json', '--no-wait'];
    const first = runStagecraft(args, { cwd: REPO_ROOT });
    expect(first.status).toBe(0);
    const applyset = JSON.parse(first.stdout).applyset;
    const guardian = guard([name]);
    // WHEN the remote disappears
    const moved = `${repo.root}.gone`;
    fs.renameSync(repo.root, moved);
    let run: ReturnType<typeof runStagecraft>;
    try {
      run = runStagecraft(args, { cwd: REPO_ROOT });
    } finally {
      fs.renameSync(moved, repo.root);
    }
    // THEN the reconcile fails with the fetch message and the cluster keeps running the last good revision
    expect(run.status).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.verdict).toBe('failed');
    expect(result.message).toMatch(new RegExp(`^could not fetch branch main of ${repo.root}: .*; the cluster keeps running what it runs$`));
    expect(result.writeRequests).toBe(0);
    const status = kubectlJson(kubeconfig, ['get', 'configmap', `stagecraft-status-${name}`, '-n', name]);
    expect(JSON.stringify(status.data)).toContain(commit);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps,deployments', '-n', name, '-l', partOf(applyset)])).toEqual(['configmap/web', 'deployment.apps/web']);
    guardian.check(applyset, [configMap(name, 'web'), deployment(name, 'web')]);
  });

  scenario('fails a fetch whose sshd dies in the middle of it, applies nothing, and converges once sshd is back', async () => {
    // GIVEN an applied revision served by sshd with a deploy key, and a new revision waiting
    const server = await SshGitServer.start();
    const name = uniqueName('sshd');
    const repo = new GitEnvRepo(name, name);
    const cache = scratchFolder('stagecraft-cache-');
    const args = ['reconcile', '--repo', server.urlOf(repo.root), '--env', name, '--kubeconfig', kubeconfig, '--cache-dir', cache,
      '--ssh-key', server.deployKey, '--known-hosts', server.knownHosts, '--once', '--no-wait', '--output', 'json'];
    try {
      repo.put('web', configMap(name, 'web', { MODE: 'one' }));
      repo.commit('one');
      expect(runStagecraft(args, { cwd: REPO_ROOT }).status).toBe(0);
      const guardian = guard([name]);
      repo.put('web', configMap(name, 'web', { MODE: 'two' }));
      repo.commit('two');
      // WHEN sshd (and the session serving the fetch) is killed once the session was accepted
      await server.stop();
      server.stallSeconds = 30;
      await server.restart();
      const run = runStagecraftAsync(args);
      for (let tries = 0; tries < 400 && !server.sessionAccepted(); tries++) {
        await sleep(25);
      }
      expect(server.sessionAccepted()).toBe(true);
      await server.kill();
      const failed = await run.done;
      // THEN the reconcile fails with the fetch message, writes nothing, and the cluster keeps revision one
      expect(failed.status).toBe(1);
      expect(failed.result).toMatchObject({ verdict: 'failed', writeRequests: 0 });
      expect(failed.result.message).toMatch(new RegExp(`^could not fetch branch main of ${server.urlOf(repo.root)}: cannot fetch branch "main" from `));
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ MODE: 'one' });
      // WHEN sshd is back
      server.stallSeconds = 0;
      await server.restart();
      const converged = runStagecraft(args, { cwd: REPO_ROOT });
      // THEN the next reconcile applies revision two, and nothing was wrongly deleted
      expect(converged.status).toBe(0);
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ MODE: 'two' });
      guardian.check(JSON.parse(converged.stdout).applyset, [configMap(name, 'web', { MODE: 'two' })]);
    } finally {
      await server.kill();
    }
  });

  scenario('goes on with a rotated ServiceAccount token in --interval mode: refused while the token is bad, applied once the file holds a good one', async () => {
    // GIVEN the reconciler running in-cluster style (token file and CA in a folder) with a token the server refuses
    const name = uniqueName('rotate');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'web'));
    const folder = scratchFolder('stagecraft-serviceaccount-');
    const tokenFile = path.join(folder, 'token');
    fs.writeFileSync(tokenFile, 'expired-token');
    fs.copyFileSync(path.join(FAULT_CLUSTER.dir, 'pki', 'ca.crt'), path.join(folder, 'ca.crt'));
    const child = spawn(process.execPath, [STAGECRAFT_BIN,
      'reconcile', '--dir', repo.root, '--env', name, '--in-cluster', '--service-account-dir', folder, '--interval', '200ms', '--no-wait', '--metrics-address', '127.0.0.1:0'],
    { cwd: REPO_ROOT, env: { ...process.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: FAULT_CLUSTER.port, KUBECONFIG: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    const lines = () => log.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const waitFor = async (match: (line: any) => boolean): Promise<any> => {
      for (let tries = 0; tries < 600; tries++) {
        const found = lines().find(match);
        if (found !== undefined) {
          return found;
        }
        await sleep(50);
      }
      throw new Error(`no such log line within 30 s: ${log}`);
    };
    try {
      const refused = await waitFor((line) => line.verdict === 'failed');
      expect(refused.reason).toContain('401');
      expect(kubectl(kubeconfig, ['get', 'configmap', 'web', '-n', name], { allowFailure: true }).status).not.toBe(0);
      // WHEN the kubelet would rotate the token: a good one is renamed into place
      const good = fs.readFileSync(path.join(FAULT_CLUSTER.dir, 'pki', 'tokens.csv'), 'utf8').split(',')[0];
      fs.writeFileSync(`${tokenFile}.new`, good);
      fs.renameSync(`${tokenFile}.new`, tokenFile);
      // THEN the same process applies the environment with it, without a restart
      const applied = await waitFor((line) => line.verdict === 'applied');
      expect(applied.environment).toBe(name);
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).metadata.name).toBe('web');
      expect(log).not.toContain(good);
    } finally {
      child.kill('SIGTERM');
    }
  });

  scenario('retries an unreachable git remote with a growing delay in --interval mode and resumes once it is back', async () => {
    // GIVEN a reconciler running every 200 ms on a git env repo
    const name = uniqueName('backoff');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', configMap(name, 'web'));
    repo.commit('web');
    const reconciler = runStagecraftAsync([
      'reconcile', '--repo', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'),
      '--interval', '200ms', '--no-wait', '--metrics-address', '127.0.0.1:0',
    ]);
    const lines: any[] = [];
    let buffer = '';
    reconciler.child.stderr!.on('data', (chunk) => {
      buffer += chunk;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (text.startsWith('{')) {
          lines.push(JSON.parse(text));
        }
      }
    });
    const waitFor = async (match: (line: any) => boolean, what: string): Promise<any> => {
      for (let tries = 0; tries < 600; tries++) {
        const found = lines.find(match);
        if (found !== undefined) {
          return found;
        }
        await sleep(50);
      }
      throw new Error(`no log line ${what} within 30 s; saw ${JSON.stringify(lines)}`);
    };
    const moved = `${repo.root}.gone`;
    try {
      const applied = await waitFor((line) => line.verdict === 'applied', 'with verdict applied');
      expect(applied.nextReconcileInMs).toBe(200);
      const guardian = guard([name]);
      // WHEN the remote disappears for four attempts, then comes back
      fs.renameSync(repo.root, moved);
      await waitFor((line) => line.consecutiveFetchFailures === 4, 'after 4 failed fetches');
      fs.renameSync(moved, repo.root);
      const failures = lines.filter((line) => line.consecutiveFetchFailures !== undefined);
      const resumed = await waitFor((line) => lines.indexOf(line) > lines.indexOf(failures[failures.length - 1]) && line.verdict === 'applied', 'applied again');
      // THEN each failure logs an error with the fetch message and a doubled delay; the delay falls back once a fetch works
      expect(failures.slice(0, 4).map((line) => [line.level, line.verdict, line.consecutiveFetchFailures, line.nextReconcileInMs])).toEqual([
        ['error', 'failed', 1, 400],
        ['error', 'failed', 2, 800],
        ['error', 'failed', 3, 1600],
        ['error', 'failed', 4, 3200],
      ]);
      expect(failures[0].reason).toMatch(/^could not fetch branch main of /);
      expect([resumed.nextReconcileInMs, resumed.consecutiveFetchFailures, resumed.writeRequests]).toEqual([200, undefined, 0]);
      const applyset = kubectlJson(kubeconfig, ['get', 'secret', `stagecraft-applyset-${name}`, '-n', name]).metadata.labels['applyset.kubernetes.io/id'];
      guardian.check(applyset, [configMap(name, 'web')]);
    } finally {
      if (fs.existsSync(moved)) {
        fs.renameSync(moved, repo.root);
      }
      reconciler.child.kill('SIGTERM');
    }
    // AND SIGTERM ends the loop cleanly
    expect((await reconciler.done).status).toBe(0);
  });

  scenario('converges while the API server throttles every third request with 429 and Retry-After', async () => {
    // GIVEN a transport to the real API server that answers every third request with 429 Retry-After: 1
    const name = uniqueName('throttle');
    const objects = Array.from({ length: 20 }, (_, index) => configMap(name, `cm-${index}`));
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    const reading = readKubeconfig(kubeconfig, fs.readFileSync(kubeconfig, 'utf8'));
    if (reading.kind !== 'static') {
      throw new Error('the fault cluster kubeconfig has static credentials');
    }
    const throttling = new ThrottlingTransport(openTransport(reading.settings, 4));
    const slept: number[] = [];
    const client = new KubernetesClusterClient(reading.settings, throttling, async (milliseconds) => {
      slept.push(milliseconds);
      await sleep(10);
    });
    // WHEN a reconcile runs through it
    let result: Awaited<ReturnType<typeof reconcileCycle>>;
    try {
      result = await reconcileCycle({
        client,
        clock: systemClock,
        source: folderSource({ directory: repo.root, environment: name }),
        environment: name,
        concurrency: 4,
        prune: { maxPruneShare: 0.5, allowMassPrune: false },
      });
    } finally {
      client.close();
    }
    // THEN every throttled request waited as told and was sent again, and everything is applied
    expect(result.verdict).toBe('applied');
    expect(throttling.throttled).toBeGreaterThan(5);
    expect(slept).toEqual(Array.from({ length: throttling.throttled }, () => 1000));
    expect(changesOf(result.result).filter(([action]) => action === 'created').length).toBe(21);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(result.result!.applyset)]).length).toBe(20);
  });
  scenario('re-creates a CustomResourceDefinition deleted out of band, with its custom resources', () => {
    // GIVEN an environment that declares a CustomResourceDefinition and two of its objects, applied
    const name = uniqueName('crd');
    const group = `${name}.faults.stagecraft.dev`;
    const definition: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const widget = (widgetName: string, size: number): KubeObject => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: widgetName, namespace: name }, spec: { size } });
    const repo = new ScratchEnvRepo(name, name);
    repo.allowedClusterScopedKinds = ['Namespace', 'CustomResourceDefinition'];
    repo.put('widgets', definition).put('widgets', widget('small', 1)).put('widgets', widget('large', 9));
    const first = repo.reconcile(kubeconfig);
    expect({ status: first.status, message: first.result?.message, stderr: first.stderr }).toEqual({ status: 0, message: undefined, stderr: '' });
    const guardian = guard([name]);
    // WHEN someone deletes the definition (the API server deletes its objects with it)
    kubectl(kubeconfig, ['delete', 'customresourcedefinition', `widgets.${group}`, '--wait=true', '--timeout=60s']);
    const run = repo.reconcile(kubeconfig);
    // THEN the reconcile creates the definition, waits until it is served, and creates the objects again
    expect(run.status).toBe(0);
    expect(changesOf(run.result)).toEqual([['created', `CustomResourceDefinition/widgets.${group}`], ['created', 'Widget/large'], ['created', 'Widget/small']]);
    expect(kubectlJson(kubeconfig, ['get', `widgets.${group}`, '-n', name]).items.map((item: any) => [item.metadata.name, item.spec.size])).toEqual([['large', 9], ['small', 1]]);
    guardian.check(first.result.applyset, [definition, widget('small', 1), widget('large', 9)]);
  });

  scenario('keeps healing drift from watches after the API server restarts in the middle of them', async () => {
    // GIVEN a reconciler in --interval 5m mode whose watches hold a Deployment and a ConfigMap
    const name = uniqueName('rewatch');
    const repo = new ScratchEnvRepo(name, name).put('web', deployment(name, 'web', 2)).put('web', configMap(name, 'web'));
    const reconciler = runStagecraftAsync([
      'reconcile', '--dir', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--interval', '5m', '--no-wait', '--metrics-address', '127.0.0.1:0',
    ]);
    const logs = new LogWatcher(reconciler.child);
    try {
      const first = await logs.waitFor((line) => line.msg === 'reconcile');
      expect(first).toMatchObject({ verdict: 'applied', trigger: 'start', created: 2, namespacesCreated: 1 });
      const guardian = guard([name]);
      // WHEN the API server is killed (kill -9) and started again
      await killApiServer();
      await sleep(500);
      startFaultCluster();
      // THEN the watches list again once it answers, and that gap starts a cycle of its own
      const relisted = await logs.waitFor((line) => line.msg === 'reconcile' && /^watch: the watch of (Deployment|ConfigMap) \((apps\/v1|v1)\) in namespace /.test(line.trigger), 60_000);
      expect(relisted).toMatchObject({ verdict: 'applied', writeRequests: 0, watchesHealthy: true });
      // WHEN someone scales the Deployment afterwards
      const cycles = logs.lines.filter((line) => line.msg === 'reconcile').length;
      kubectl(kubeconfig, ['scale', 'deployment', 'web', '-n', name, '--replicas', '5']);
      const healed = await logs.waitFor((line) => line.msg === 'reconcile' && logs.lines.filter((other) => other.msg === 'reconcile').indexOf(line) >= cycles, 30_000);
      // THEN the new watch heals it at once, without a LIST
      expect(healed).toMatchObject({ verdict: 'applied', trigger: `watch: Deployment ${name}/web was changed`, configured: 1, listRequests: 0, watchesHealthy: true });
      expect(kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', name]).spec.replicas).toBe(2);
      guardian.check(first.applyset ?? kubectlJson(kubeconfig, ['get', 'secret', `stagecraft-applyset-${name}`, '-n', name]).metadata.labels['applyset.kubernetes.io/id'],
        [deployment(name, 'web', 2), configMap(name, 'web')]);
    } finally {
      reconciler.child.kill('SIGTERM');
      expect((await reconciler.done).status).toBe(0);
    }
  });

  scenario('finishes the reconcile in progress and its status when --interval mode gets SIGTERM', async () => {
    // GIVEN a reconciler in --interval mode applying 300 ConfigMaps one request at a time
    const name = uniqueName('sigterm');
    const objects = bulkConfigMaps(name, 4 * 1024);
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    const reconciler = runStagecraftAsync([
      'reconcile', '--dir', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--interval', '1h', '--no-wait', '--concurrency', '1', '--metrics-address', '127.0.0.1:0',
    ]);
    // WHEN SIGTERM arrives once the 20th object exists
    await onceTwentiethObjectExists(name, () => reconciler.child.kill('SIGTERM'));
    const exit = await reconciler.done;
    // THEN the cycle in progress completes (all 300 applied), its status is written, and the process exits 0
    expect(exit.status).toBe(0);
    const log = exit.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).filter((line) => line.msg === 'reconcile');
    // (300 ConfigMaps, and the namespace counted apart)
    expect(log.map((line) => [line.verdict, line.created, line.namespacesCreated, line.failed])).toEqual([['applied', 300, 1, 0]]);
    const applyset = kubectlJson(kubeconfig, ['get', 'secret', `stagecraft-applyset-${name}`, '-n', name]).metadata.labels['applyset.kubernetes.io/id'];
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(applyset)]).length).toBe(300);
    const status = kubectlJson(kubeconfig, ['get', 'configmap', `stagecraft-status-${name}`, '-n', name]);
    expect(JSON.stringify(status.data)).toContain(log[0].revision);
    expect(repo.reconcile(kubeconfig).result.writeRequests).toBe(0);
  });
  scenario('keeps a second reconciler out while one writes the environment, and lets it in once the lease expires', async () => {
    // GIVEN an applied environment of 300 ConfigMaps
    const name = uniqueName('twice');
    const objects = bulkConfigMaps(name, 4 * 1024);
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    const first = repo.reconcile(kubeconfig);
    expect(first.status).toBe(0);
    const guardian = guard([name]);
    // WHEN two reconcilers start at once on a new revision
    const changed = objects.map((object) => ({ ...object, data: { BLOB: 'y'.repeat(4 * 1024) } }));
    repo.putAll('bulk', changed);
    const runs = await Promise.all([0, 1].map(() => runStagecraftAsync(reconcileArgs(repo, ['--concurrency', '1'])).done));
    // THEN exactly one writes, the other is kept out having written nothing
    expect(runs.map((run) => [run.status, run.result.verdict]).sort()).toEqual([[0, 'applied'], [1, 'refused']]);
    const keptOut = runs.find((run) => run.status === 1)!;
    expect(keptOut.result.message).toMatch(new RegExp(`^another reconcile is writing environment ${name}: Lease/${name}/stagecraft-lock-${name} (is held by [^ ]+ \\(renewed .*, expires .*\\)|was taken by another reconciler at the same moment)\\. Nothing was applied or deleted; the next reconcile tries again \\(a lease whose holder died expires by itself\\)$`));
    expect(keptOut.result.writeRequests).toBe(0);
    const writer = runs.find((run) => run.status === 0)!;
    expect(changesOf(writer.result, ['configured']).length).toBe(300);
    // AND the writer released the lease
    expect(kubectlJson(kubeconfig, ['get', 'lease', `stagecraft-lock-${name}`, '-n', name]).spec.holderIdentity ?? '').toBe('');
    // WHEN another holder's unexpired lease is in place, then expires
    const lease = (renewTime: string) => JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: `stagecraft-lock-${name}`, namespace: name },
      spec: { holderIdentity: 'ci-runner-42', leaseDurationSeconds: 60, renewTime },
    });
    kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'ci', '--force-conflicts', '-f', '-'], { input: lease(new Date().toISOString().replace('Z', '000Z')) });
    repo.putAll('bulk', objects);
    const held = repo.reconcile(kubeconfig);
    kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'ci', '--force-conflicts', '-f', '-'], { input: lease(new Date(Date.now() - 120_000).toISOString().replace('Z', '000Z')) });
    const expired = repo.reconcile(kubeconfig);
    // THEN the first is kept out naming the holder, the second takes the expired lease and writes
    expect(held.status).toBe(1);
    expect(held.result.message).toMatch(new RegExp(`^another reconcile is writing environment ${name}: Lease/${name}/stagecraft-lock-${name} is held by ci-runner-42 \\(renewed `));
    expect(held.result.writeRequests).toBe(0);
    expect(expired.status).toBe(0);
    expect(changesOf(expired.result, ['configured']).length).toBe(300);
    expect(repo.reconcile(kubeconfig).result.writeRequests).toBe(0);
    guardian.check(first.result.applyset, objects);
  });
  scenario('survives etcd killed for five seconds in the middle of an apply: the next run converges', async () => {
    // GIVEN 300 ConfigMaps applied four at a time
    const name = uniqueName('etcd');
    const objects = bulkConfigMaps(name, 4 * 1024);
    const repo = new ScratchEnvRepo(name, name).putAll('bulk', objects);
    const run = runStagecraftAsync(reconcileArgs(repo, ['--concurrency', '4', '--lock-lease', '3s']));
    // WHEN etcd is killed once the 20th object exists, and started again five seconds later
    await onceTwentiethObjectExists(name, () => killEtcd());
    await sleep(5_000);
    startFaultCluster();
    const interrupted = await run.done;
    // THEN the interrupted run either waited it out or failed saying so, never claiming what it did not apply
    expect([interrupted.status, interrupted.result.verdict]).toEqual(interrupted.status === 0 ? [0, 'applied'] : [1, 'failed']);
    const applyset = interrupted.result.applyset;
    const desiredNames = new Set(objects.map((object) => `configmap/${object.metadata.name}`));
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(applyset)]).filter((object) => !desiredNames.has(object))).toEqual([]);
    expect(parentGroupKinds(repo)).toBe('ConfigMap');
    // WHEN the next reconcile runs (after the interrupted run's lease expired)
    const guardian = guard([name]);
    await sleep(3_000);
    const next = repo.reconcile(kubeconfig);
    // THEN all 300 are there and a further run writes nothing
    expect(next.status).toBe(0);
    expect(changesOf(next.result).filter(([, object]) => object.startsWith('ConfigMap/')).length).toBe(300);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps', '-n', name, '-l', partOf(applyset)]).length).toBe(300);
    expect(repo.reconcile(kubeconfig).result.writeRequests).toBe(0);
    guardian.check(applyset, objects);
  });
});

/** Passes requests to the real API server, but answers every third one itself with 429 Retry-After: 1. */
class ThrottlingTransport implements ApiTransport {
  public throttled = 0;
  private count = 0;
  constructor(private readonly inner: ApiTransport) {}
  public async send(request: ApiRequest): Promise<ApiResponse> {
    if (++this.count % 3 === 0) {
      this.throttled++;
      return { status: 429, body: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429 }), retryAfterSeconds: 1 };
    }
    return this.inner.send(request);
  }
  public stream(request: ApiRequest, onData: (chunk: Buffer) => void): Promise<ApiStream> {
    return this.inner.stream(request, onData);
  }
  public close(): void {
    this.inner.close();
  }
}

function withClusterIp(object: KubeObject, clusterIP: string): KubeObject {
  return { ...object, spec: { ...(object.spec as object), clusterIP } };
}

function withSelector(object: KubeObject, value: string): KubeObject {
  const labels = { 'app.kubernetes.io/name': value };
  const spec = object.spec as any;
  return { ...object, spec: { ...spec, selector: { matchLabels: labels }, template: { ...spec.template, metadata: { labels } } } };
}

function optIn(object: KubeObject): KubeObject {
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, 'stagecraft.dev/recreate-on-immutable-change': 'true' } } };
}
