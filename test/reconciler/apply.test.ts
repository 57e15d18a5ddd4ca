import { KubeObject } from '../../lib/envrepo/kube-object';
import { applyStaged } from '../../lib/reconciler/apply';
import { ClusterError } from '../../lib/reconciler/cluster-client';
import { planChanges } from '../../lib/reconciler/plan';
import { FakeCluster } from '../support/fake-cluster';
import { configMap, deployment, desiredAt } from '../support/objects';

const SET = 'applyset-test-v1';

function fakeClock(): { now(): number; sleep(milliseconds: number): Promise<void> } {
  let time = 0;
  return { now: () => time, sleep: async (milliseconds) => { time += milliseconds; } };
}

const crontabDefinition: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com', annotations: { 'stagecraft.dev/construct-path': 'env/_cluster/crontabs/Resource' } },
  spec: { group: 'stable.example.com', names: { kind: 'CronTab', plural: 'crontabs' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
};
const crontab: KubeObject = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'nightly', namespace: 'shop' }, spec: { cronSpec: '0 0 * * *' } };
const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };

describe('applyStaged', () => {
  it('applies namespaces and definitions first, waits for them to be Established, refreshes discovery, then the rest', async () => {
    // GIVEN a custom resource whose definition comes in the same revision
    const cluster = new FakeCluster();
    const plan = planChanges({ desired: [desiredAt('env', 'app', crontab), desiredAt('env', 'app', configMap('shop', 'web')), desiredAt('env', '_cluster', crontabDefinition), desiredAt('env', '_cluster', namespace)], live: [], applysetId: SET });
    // WHEN
    const outcomes = await applyStaged(cluster, plan.changes, { concurrency: 1, clock: fakeClock() });
    // THEN
    expect(cluster.takeRequests()).toEqual([
      'apply CustomResourceDefinition/crontabs.stable.example.com',
      'apply Namespace/shop',
      'get CustomResourceDefinition/crontabs.stable.example.com',
      'refreshDiscovery',
      'apply CronTab/shop/nightly',
      'apply ConfigMap/shop/web',
    ]);
    expect(outcomes.map((outcome) => [outcome.change.desired.kind, outcome.result])).toEqual([
      ['CustomResourceDefinition', 'created'],
      ['Namespace', 'created'],
      ['CronTab', 'created'],
      ['ConfigMap', 'created'],
    ]);
  });

  it('fails a definition that does not become Established in time, naming it and its construct path', async () => {
    // GIVEN a cluster that never establishes the definition
    const cluster = new FakeCluster();
    const realApply = cluster.apply.bind(cluster);
    cluster.apply = async (object, options) => {
      const stored = await realApply(object, options);
      const pending = { ...stored, status: { conditions: [{ type: 'NamesAccepted', status: 'False', message: 'the plural name "crontabs" is already in use' }] } };
      cluster.put(pending);
      return pending;
    };
    const plan = planChanges({ desired: [desiredAt('env', '_cluster', crontabDefinition)], live: [], applysetId: SET });
    // WHEN
    const outcomes = await applyStaged(cluster, plan.changes, { concurrency: 1, clock: fakeClock(), definitionTimeoutMs: 1000, pollIntervalMs: 250 });
    // THEN
    expect(outcomes.map((outcome) => [outcome.result, outcome.message])).toEqual([[
      'failed',
      'applied CustomResourceDefinition/crontabs.stable.example.com (construct env/_cluster/crontabs/Resource), but it did not become Established within 1 s (NamesAccepted: the plural name "crontabs" is already in use); objects of its kind cannot be applied until it is',
    ]]);
  });

  it('records a failed apply with the server message, file and construct path and applies the others', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    cluster.failures.set('Deployment/shop/web', 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value');
    const plan = planChanges({ desired: [desiredAt('env', 'web', deployment('shop', 'web')), desiredAt('env', 'web', configMap('shop', 'web'))], live: [], applysetId: SET });
    // WHEN
    const outcomes = await applyStaged(cluster, plan.changes, { concurrency: 2, clock: fakeClock() });
    // THEN
    expect(outcomes.map((outcome) => [outcome.change.desired.kind, outcome.result, outcome.message])).toEqual([
      ['Deployment', 'failed', 'could not apply Deployment/shop/web (construct env/web/deployment/Resource) from env/web/deployment.web.yaml: Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value'],
      ['ConfigMap', 'created', undefined],
    ]);
  });

  it('reports a create that took over an existing unlabelled object as configured, naming its other field managers', async () => {
    // GIVEN an object created earlier by kubectl, without the applyset label
    const cluster = new FakeCluster();
    const web = configMap('shop', 'web');
    cluster.put({ ...web, metadata: { ...web.metadata, managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }] } });
    const plan = planChanges({ desired: [desiredAt('env', 'web', web)], live: [], applysetId: SET });
    // WHEN
    const outcomes = await applyStaged(cluster, plan.changes, { concurrency: 1, clock: fakeClock() });
    // THEN
    expect(outcomes.map((outcome) => [outcome.result, outcome.message])).toEqual([
      ['configured', 'took over an existing object that had no applyset label (other field managers: kubectl-client-side-apply)'],
    ]);
  });

  it('stops sending once the API server stopped answering, reporting each object not sent', async () => {
    // GIVEN a server whose storage stopped answering after the first object
    const cluster = new FakeCluster();
    const realApply = cluster.apply.bind(cluster);
    cluster.apply = async (object, options) => {
      if (object.metadata.name !== 'a') {
        throw new ClusterError('server-side apply of ConfigMap/shop/b failed with 504 Timeout: the server was unable to return a response in the time allotted', 504, 'Timeout');
      }
      return realApply(object, options);
    };
    const plan = planChanges({ desired: ['a', 'b', 'c'].map((name) => desiredAt('env', 'web', configMap('shop', name))), live: [], applysetId: SET });
    // WHEN
    const outcomes = await applyStaged(cluster, plan.changes, { concurrency: 1, clock: fakeClock() });
    // THEN
    expect(outcomes.map((outcome) => [outcome.change.desired.metadata.name, outcome.result, outcome.message])).toEqual([
      ['a', 'created', undefined],
      ['b', 'failed', 'could not apply ConfigMap/shop/b (construct env/b/config/Resource) from env/web/configmap.b.yaml: server-side apply of ConfigMap/shop/b failed with 504 Timeout: the server was unable to return a response in the time allotted'],
      ['c', 'failed', 'not applied: ConfigMap/shop/c (construct env/c/config/Resource) from env/web/configmap.c.yaml was not sent, because the API server stopped answering during this reconcile (server-side apply of ConfigMap/shop/b failed with 504 Timeout: the server was unable to return a response in the time allotted); the next reconcile applies it'],
    ]);
    expect(cluster.writeRequests).toBe(1);
  });

  it('sends nothing for unchanged objects', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const web = configMap('shop', 'web');
    const first = planChanges({ desired: [desiredAt('env', 'web', web)], live: [], applysetId: SET });
    const [applied] = await applyStaged(cluster, first.changes, { concurrency: 1, clock: fakeClock() });
    cluster.takeRequests();
    const stored = cluster.stored({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' })!;
    // WHEN
    const second = planChanges({ desired: [desiredAt('env', 'web', web)], live: [stored], applysetId: SET });
    const outcomes = await applyStaged(cluster, second.changes, { concurrency: 1, clock: fakeClock() });
    // THEN
    expect(applied.result).toBe('created');
    expect(second.changes.map((change) => change.action)).toEqual(['unchanged']);
    expect(outcomes).toEqual([]);
    expect(cluster.takeRequests()).toEqual([]);
  });
});
