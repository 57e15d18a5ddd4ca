import * as fs from 'fs';
import * as path from 'path';
import { KubeObject, ObjectReference } from '../../../lib/envrepo/kube-object';
import { systemClock } from '../../../lib/reconciler/clock';
import { ListOptions } from '../../../lib/reconciler/cluster-client';
import { CycleResult, reconcileCycle } from '../../../lib/reconciler/cycle';
import { readKubeconfig } from '../../../lib/reconciler/kubeconfig';
import { PassThroughClusterClient } from '../../../lib/reconciler/pass-through-client';
import { openTransport } from '../../../lib/reconciler/private/api-transport';
import { KubernetesClusterClient } from '../../../lib/reconciler/private/kubernetes-cluster-client';
import { gitSource, RevisionSource } from '../../../lib/reconciler/revision-source';
import { scratchFolder } from '../../support/fleets';
import { GitEnvRepo } from '../../support/git-env-repo';
import { configMap, deployment, service } from '../../support/objects';
import { changesOf, kubectl, startTestCluster, uniqueName } from '../../support/test-cluster';

/**
 * Reads sent ahead (lib/reconciler/read-ahead.ts) against a real kube-apiserver: while a cycle reads git, the
 * status, the applyset parent and the LISTs the parent implies are already on their way; reconcile picks them
 * up instead of asking again, and its outcome is the same as without them.
 */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

/** The real client, with every read that reaches the API server written down. */
class RecordingClient extends PassThroughClusterClient {
  public readonly reads: string[] = [];

  public get(reference: ObjectReference): Promise<KubeObject | undefined> {
    this.reads.push(`GET ${reference.kind}/${reference.name}`);
    return super.get(reference);
  }

  public list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]> {
    this.reads.push(`LIST ${kind} in ${options?.namespace ?? '(cluster)'}${options?.labelSelector?.includes('!=') ? ' of other applysets' : ''}`);
    return super.list(apiVersion, kind, options);
  }
}

async function cycle(
  repo: GitEnvRepo,
  cache: string,
  wrap: (source: RevisionSource, client: RecordingClient) => RevisionSource = (source) => source,
): Promise<{ result: CycleResult; reads: string[] }> {
  const client = new RecordingClient(await KubernetesClusterClient.connect({ kubeconfig }));
  try {
    const result = await reconcileCycle({
      client,
      clock: systemClock,
      source: wrap(gitSource({ repo: repo.root, branch: 'main', cacheDirectory: cache, environment: repo.environment }), client),
      environment: repo.environment,
      concurrency: 4,
      prune: { maxPruneShare: 0.5, allowMassPrune: false },
    });
    return { result, reads: client.reads };
  } finally {
    client.close();
  }
}

function repeated(reads: readonly string[]): string[] {
  return reads.filter((read, index) => reads.indexOf(read) !== index);
}

describe('reads sent ahead on a real API server', () => {
  it('sends every read of a no-op cycle once, and the cycle finds nothing to do', async () => {
    // GIVEN an environment applied once
    const name = uniqueName('ahead');
    const repo = new GitEnvRepo(name, name)
      .put('web', deployment(name, 'web'))
      .put('web', service(name, 'web'))
      .put('web', configMap(name, 'web'));
    repo.commit('web');
    const cache = scratchFolder('stagecraft-read-ahead-');
    const first = await cycle(repo, cache);
    expect(first.result.verdict).toBe('applied');
    // WHEN the same commit is reconciled again
    const again = await cycle(repo, cache);
    // THEN nothing is written, and each read reached the server exactly once
    expect(again.result.verdict).toBe('applied');
    expect(again.result.writeRequests).toBe(0);
    expect(changesOf(again.result.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([]);
    expect([...again.reads].sort()).toEqual([
      `GET ConfigMap/stagecraft-status-${name}`,
      `GET Namespace/${name}`,
      `GET Secret/stagecraft-applyset-${name}`,
      `LIST ConfigMap in ${name}`,
      `LIST Deployment in ${name}`,
      `LIST Service in ${name}`,
    ]);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('sends what the revision verified last read before the new one is fetched, in a process of its own', async () => {
    // GIVEN an environment applied by one process, then a one-object change committed
    const name = uniqueName('ahead');
    const repo = new GitEnvRepo(name, name).put('web', deployment(name, 'web')).put('web', configMap(name, 'web', { LOG_LEVEL: 'info' }));
    repo.commit('web');
    const cache = scratchFolder('stagecraft-read-ahead-');
    expect((await cycle(repo, cache)).result.verdict).toBe('applied');
    repo.put('web', configMap(name, 'web', { LOG_LEVEL: 'debug' }));
    repo.commit('debug logging');
    // WHEN the next process reconciles, its fetch taking 300 ms
    let readsBeforeFetch: string[] = [];
    const slowFetch = (source: RevisionSource, client: RecordingClient): RevisionSource => Object.assign(Object.create(source) as RevisionSource, {
      latest: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        readsBeforeFetch = [...client.reads];
        return source.latest();
      },
    });
    const { result, reads } = await cycle(repo, cache, slowFetch);
    // THEN the status, the parent and the LISTs of the kept revision went out while git fetched, once each
    expect(result.verdict).toBe('applied');
    expect(changesOf(result.result, ['created', 'configured'])).toEqual([['configured', 'ConfigMap/web']]);
    expect([...readsBeforeFetch].sort()).toEqual([
      `GET ConfigMap/stagecraft-status-${name}`,
      `GET Secret/stagecraft-applyset-${name}`,
      `LIST ConfigMap in ${name}`,
      `LIST Deployment in ${name}`,
    ]);
    expect(repeated(reads)).toEqual([]);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('lists a kind the parent does not name yet itself, and heals drift seen in what was read ahead', async () => {
    // GIVEN an environment applied once, then scaled behind git's back, and a commit that adds a ServiceAccount
    const name = uniqueName('ahead');
    const repo = new GitEnvRepo(name, name).put('web', deployment(name, 'web', 2)).put('web', configMap(name, 'web'));
    repo.commit('web');
    const cache = scratchFolder('stagecraft-read-ahead-');
    expect((await cycle(repo, cache)).result.verdict).toBe('applied');
    kubectl(kubeconfig, ['scale', 'deployment', 'web', '-n', name, '--replicas', '5']);
    repo.put('web', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: name } });
    repo.commit('a service account');
    // WHEN reconciled
    const { result, reads } = await cycle(repo, cache);
    // THEN the ServiceAccount is created, the scale undone, and no read was sent twice
    expect(result.verdict).toBe('applied');
    expect(changesOf(result.result, ['created', 'configured'])).toEqual([['configured', 'Deployment/web'], ['created', 'ServiceAccount/web']]);
    expect(kubectl(kubeconfig, ['get', 'deployment', 'web', '-n', name, '-o', 'jsonpath={.spec.replicas}']).stdout).toBe('2');
    expect(repeated(reads.filter((read) => read.startsWith('LIST')))).toEqual([]);
    expect(reads.filter((read) => read.startsWith('LIST ServiceAccount'))).toEqual([`LIST ServiceAccount in ${name}`, `LIST ServiceAccount in ${name} of other applysets`]);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('refuses a revision whose tree does not verify, whatever was read ahead for it', async () => {
    // GIVEN an applied environment, then a commit whose object file differs from the lock
    const name = uniqueName('ahead');
    const repo = new GitEnvRepo(name, name).put('web', configMap(name, 'web', { LOG_LEVEL: 'info' }));
    repo.commit('web');
    const cache = scratchFolder('stagecraft-read-ahead-');
    expect((await cycle(repo, cache)).result.verdict).toBe('applied');
    const file = path.join(repo.root, name, 'web', 'configmap.web.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('info', 'debug'));
    repo.commit('a hand edit');
    // WHEN reconciled
    const { result } = await cycle(repo, cache);
    // THEN refused before anything is written; the live ConfigMap keeps its value
    expect({ verdict: result.verdict, writes: result.writeRequests }).toEqual({ verdict: 'refused', writes: 0 });
    expect(result.message).toContain(`${name}/web/configmap.web.yaml: changed since stagecraft synth wrote it`);
    expect(kubectl(kubeconfig, ['get', 'configmap', 'web', '-n', name, '-o', 'jsonpath={.data.LOG_LEVEL}']).stdout).toBe('info');
    fs.rmSync(cache, { recursive: true, force: true });
  });
});

describe('closing the connection to a real API server', () => {
  it('fails a request still waiting for the connection instead of opening a new one, and every later request', async () => {
    // GIVEN a transport whose first request is still negotiating TLS
    const reading = readKubeconfig(kubeconfig, fs.readFileSync(kubeconfig, 'utf8'));
    if (reading.kind !== 'static') {
      throw new Error('the test cluster kubeconfig has static credentials');
    }
    const transport = openTransport(reading.settings, 4);
    const waiting = transport.send({ method: 'GET', path: '/api/v1/namespaces/default' });
    // WHEN the client is closed under it (a reconcile cycle ended while a read was sent ahead)
    transport.close();
    // THEN neither it nor a later request reaches the server (before, the waiting one opened a connection nobody closed)
    await expect(waiting).rejects.toThrow('the connection to the API server was closed');
    await expect(transport.send({ method: 'GET', path: '/api/v1/namespaces/default' })).rejects.toThrow('the connection to the API server was closed');
  });
});
