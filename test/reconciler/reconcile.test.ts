import { DesiredState } from '../../lib/reconciler/desired-state';
import { reconcile, ReconcileOptions } from '../../lib/reconciler/reconcile';
import { FakeCluster } from '../support/fake-cluster';
import { configMap, deployment, desiredAt, environmentNamed, service } from '../support/objects';

function desiredState(objects: DesiredState['objects'], revision = 'sha256:1'): DesiredState {
  return { revision, environment: environmentNamed('dev', 'shop'), objects };
}

function options(cluster: FakeCluster, overrides: Partial<ReconcileOptions> = {}): ReconcileOptions {
  let time = 0;
  return {
    client: cluster,
    clock: { now: () => time, sleep: async (milliseconds) => { time += milliseconds; } },
    concurrency: 4,
    prune: { maxPruneShare: 0.5, allowMassPrune: false },
    ...overrides,
  };
}

const apps = ['api', 'web', 'worker'].flatMap((name) => [desiredAt('dev', name, configMap('shop', name)), desiredAt('dev', name, deployment('shop', name))]);

describe('reconcile (orchestration, against an in-memory cluster)', () => {
  it('creates the namespace, the applyset parent and every object on the first run', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    // WHEN
    const result = await reconcile(desiredState(apps), options(cluster));
    // THEN
    expect(result.verdict).toBe('applied');
    expect(result.changes.map((change) => `${change.action} ${change.kind}/${change.name}`)).toEqual([
      'created Namespace/shop',
      'created ConfigMap/api', 'created Deployment/api',
      'created ConfigMap/web', 'created Deployment/web',
      'created ConfigMap/worker', 'created Deployment/worker',
    ]);
    expect(result.writeRequests).toBe(8);
    const parent = cluster.stored({ apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'stagecraft-applyset-dev' });
    expect(parent?.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap,Deployment.apps');
  });

  it('sends no write and no per-object read when everything is live as desired', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    await reconcile(desiredState(apps), options(cluster));
    cluster.takeRequests();
    // WHEN
    const result = await reconcile(desiredState(apps), options(cluster));
    // THEN
    expect(result.verdict).toBe('applied');
    expect(result.writeRequests).toBe(0);
    expect(result.changes.every((change) => change.action === 'unchanged')).toBe(true);
    expect(cluster.takeRequests()).toEqual([
      'get Secret/shop/stagecraft-applyset-dev',
      `list ConfigMap in shop where applyset.kubernetes.io/part-of=${result.applyset}`,
      `list Deployment in shop where applyset.kubernetes.io/part-of=${result.applyset}`,
      'get Namespace/shop',
    ]);
  });

  it('prunes the objects of an application that left the desired state and narrows the parent', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    await reconcile(desiredState([...apps, desiredAt('dev', 'web', service('shop', 'web'))]), options(cluster));
    // WHEN the web service leaves
    const result = await reconcile(desiredState(apps), options(cluster));
    // THEN
    expect(result.changes.filter((change) => change.action !== 'unchanged').map((change) => `${change.action} ${change.kind}/${change.name}`)).toEqual(['pruned Service/web']);
    expect(cluster.has({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' })).toBe(false);
    const parent = cluster.stored({ apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'stagecraft-applyset-dev' });
    expect(parent?.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap,Deployment.apps');
  });

  it('fails (refuses) a mass prune before writing anything', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    await reconcile(desiredState(apps), options(cluster));
    // WHEN two of three applications leave and one config changes
    const result = await reconcile(desiredState([desiredAt('dev', 'api', configMap('shop', 'api', { CHANGED: 'yes' })), apps[1]]), options(cluster));
    // THEN
    expect(result.verdict).toBe('refused');
    expect(result.writeRequests).toBe(0);
    expect(result.changes).toEqual([]);
    expect(result.message).toMatch(/^refusing to prune 4 of 6 live objects of applyset applyset-[A-Za-z0-9_-]+-v1: that is 66.7 %, more than --max-prune-share 0.5/);
    expect(cluster.stored({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'api' })?.data).toEqual({ KEY: 'value' });
  });

  it('skips prune when an object failed to apply, and says so', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    await reconcile(desiredState([...apps, desiredAt('dev', 'web', service('shop', 'web'))]), options(cluster));
    cluster.failures.set('Deployment/shop/api', 'Deployment.apps "api" is invalid');
    // WHEN the service leaves and the api deployment changes
    const result = await reconcile(desiredState([apps[0], desiredAt('dev', 'api', deployment('shop', 'api', 5)), ...apps.slice(2)]), options(cluster));
    // THEN
    expect(result.verdict).toBe('failed');
    expect(result.message).toBe('1 object could not be applied; the others were; prune skipped, 1 object that left the desired state stays until a reconcile applies cleanly');
    expect(result.changes.find((change) => change.name === 'api' && change.kind === 'Deployment')).toMatchObject({
      action: 'failed',
      message: 'could not apply Deployment/shop/api (construct env/api/deployment/Resource) from dev/api/deployment.api.yaml: Deployment.apps "api" is invalid',
      driftedFields: ['spec.replicas'],
    });
    expect(cluster.has({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' })).toBe(true);
  });

  it('fails (refuses) to touch an applyset parent of another tool', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    cluster.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stagecraft-applyset-dev', namespace: 'shop', labels: { 'applyset.kubernetes.io/id': 'x' }, annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1.32' } } });
    // WHEN
    const result = await reconcile(desiredState(apps), options(cluster));
    // THEN
    expect(result.verdict).toBe('refused');
    expect(result.writeRequests).toBe(0);
    expect(result.message).toMatch(/is the parent of an applyset managed by kubectl\/v1.32 .*Nothing was applied or deleted$/);
  });

  it('fails (refuses) a desired state that declares an object twice', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    // WHEN
    const result = await reconcile(desiredState([apps[0], { ...apps[0], path: 'dev/other/configmap.api.yaml' }]), options(cluster));
    // THEN
    expect(result.verdict).toBe('refused');
    expect(result.message).toBe('the desired state declares objects more than once: ConfigMap/shop/api is declared twice, in dev/api/configmap.api.yaml and dev/other/configmap.api.yaml; keep one. Nothing was applied or deleted');
  });

  it('fails (refuses) the whole revision as bad input when one kind is not served, before any write', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a', namespace: 'shop' } };
    // WHEN
    const result = await reconcile(desiredState([...apps, desiredAt('dev', 'web', widget)]), options(cluster));
    // THEN
    expect({ verdict: result.verdict, badInput: result.badInput, writeRequests: result.writeRequests, changes: result.changes }).toEqual({
      verdict: 'refused', badInput: true, writeRequests: 0, changes: [],
    });
    expect(result.message).toBe('the API server cannot take one kind of this revision: dev/web/widget.a.yaml (Widget/shop/a): the server does not serve kind Widget in apiVersion example.com/v1; install its CustomResourceDefinition first or fix apiVersion. Nothing was applied or deleted');
    expect(cluster.has({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' })).toBe(false);
  });

  it('places namespaced objects without a namespace in the environment\'s first namespace', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const bare = configMap('shop', 'bare');
    delete (bare.metadata as { namespace?: string }).namespace;
    // WHEN
    const result = await reconcile(desiredState([desiredAt('dev', 'bare', bare)]), options(cluster));
    // THEN
    expect(result.changes.map((change) => [change.action, change.kind, change.namespace, change.name])).toEqual([
      ['created', 'Namespace', undefined, 'shop'],
      ['created', 'ConfigMap', 'shop', 'bare'],
    ]);
  });

  it('hands every desired object to the health hook and fails when it answers unhealthy', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const asked: string[] = [];
    // WHEN
    const result = await reconcile(desiredState(apps.slice(0, 2)), options(cluster, {
      waitForHealth: async (targets) => {
        asked.push(...targets.map((target) => `${target.kind}/${target.name}`));
        return { healthy: false, message: 'Deployment/shop/api: 0/2 replicas available' };
      },
    }));
    // THEN
    expect(asked).toEqual(['ConfigMap/api', 'Deployment/api']);
    expect(result.verdict).toBe('failed');
    expect(result.message).toBe('applied and pruned, but not healthy: Deployment/shop/api: 0/2 replicas available');
  });
});
