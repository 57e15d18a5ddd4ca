import { KubeObject } from '../../lib/envrepo/kube-object';
import { unservedKindProblems } from '../../lib/reconciler/served-kinds';
import { FakeCluster } from '../support/fake-cluster';
import { configMap, desiredAt } from '../support/objects';

const widget = (name: string, apiVersion = 'example.com/v1'): KubeObject => ({ apiVersion, kind: 'Widget', metadata: { name, namespace: 'shop' } });
const widgetDefinition = (versions: Array<{ name: string; served: boolean }>): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions },
});

describe('kinds the API server can take, checked before any write', () => {
  it('accepts served kinds and kinds a CustomResourceDefinition of the same revision serves', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const objects = [
      desiredAt('dev', 'web', configMap('shop', 'web')),
      desiredAt('dev', '_cluster', widgetDefinition([{ name: 'v1', served: true }])),
      desiredAt('dev', 'web', widget('a')),
    ];
    // WHEN
    const problems = await unservedKindProblems(cluster, objects);
    // THEN
    expect(problems).toEqual([]);
    expect(cluster.writeRequests).toBe(0);
  });

  it.each([
    [
      'a kind the server does not serve, once per kind',
      [desiredAt('dev', 'web', widget('a')), desiredAt('dev', 'web', widget('b')), desiredAt('dev', 'web', widget('c'))],
      ['dev/web/widget.a.yaml (Widget/shop/a) and 2 more objects of this kind: the server does not serve kind Widget in apiVersion example.com/v1; install its CustomResourceDefinition first or fix apiVersion'],
    ],
    [
      'a version the revision\'s own CustomResourceDefinition does not serve',
      [desiredAt('dev', '_cluster', widgetDefinition([{ name: 'v1', served: true }, { name: 'v2', served: false }])), desiredAt('dev', 'web', widget('a', 'example.com/v2'))],
      ['dev/web/widget.a.yaml (Widget/shop/a): CustomResourceDefinition/widgets.example.com of this revision serves Widget in version v1, not v2; fix apiVersion or the definition\'s spec.versions'],
    ],
    [
      'a namespace on a kind the server serves cluster-scoped',
      [desiredAt('dev', 'web', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extra', namespace: 'shop' } })],
      ['dev/web/namespace.extra.yaml (Namespace/shop/extra): the server serves kind Namespace (v1) cluster-scoped, but the object names a namespace (kinds neither built in nor declared by a CustomResourceDefinition of the environment count as namespaced); declare the kind\'s CustomResourceDefinition in the environment, or remove metadata.namespace'],
    ],
  ])('fails on %s', async (_name, objects, expected) => {
    // GIVEN
    const cluster = new FakeCluster();
    // WHEN
    const problems = await unservedKindProblems(cluster, objects);
    // THEN
    expect(problems).toEqual(expected);
    expect(cluster.writeRequests).toBe(0);
  });
});
