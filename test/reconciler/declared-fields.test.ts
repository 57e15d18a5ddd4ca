import { driftedFields } from '../../lib/reconciler/private/declared-fields';
import { sameQuantity } from '../../lib/reconciler/private/quantity';

describe('sameQuantity', () => {
  it.each([
    ['1000m', 1],
    ['1000m', '1'],
    [1, '1'],
    ['2000m', '2'],
    ['500m', '0.5'],
    ['1Gi', '1024Mi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['1k', '1000'],
    ['1e3', '1k'],
    ['1E3', 1000],
    ['100u', '0.0001'],
    ['0.1', '100m'],
  ])('%p equals %p', (left, right) => {
    expect(sameQuantity(left, right)).toBe(true);
  });

  it.each([
    ['1000m', '2'],
    ['1Gi', '1G'],
    ['1Mi', '1M'],
    ['abc', 'abc'],
    ['1 Gi', '1Gi'],
    ['', '0'],
  ])('%p differs from %p', (left, right) => {
    expect(sameQuantity(left, right)).toBe(false);
  });
});

describe('driftedFields', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      replicas: 3,
      minReadySeconds: 0,
      template: {
        spec: {
          hostNetwork: false,
          containers: [
            {
              name: 'web',
              image: 'web:1',
              args: ['--port', '8080'],
              env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'MODE', value: 'fast' }],
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              resources: { limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '500m', memory: '512Mi' } },
            },
          ],
        },
      },
    },
  };

  /** What the API server returns for `deployment`: defaults added, quantities canonical, zero values omitted, extra labels. */
  function liveOf(changes: (live: any) => void = () => undefined): any {
    const live = JSON.parse(JSON.stringify(deployment));
    live.metadata.labels['applyset.kubernetes.io/part-of'] = 'applyset-x-v1';
    live.metadata.uid = '1234';
    delete live.spec.minReadySeconds;
    delete live.spec.template.spec.hostNetwork;
    live.spec.template.spec.dnsPolicy = 'ClusterFirst';
    const container = live.spec.template.spec.containers[0];
    container.terminationMessagePath = '/dev/termination-log';
    container.resources = { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } };
    changes(live);
    return live;
  }

  it('finds nothing when the live object only adds defaults, canonical quantities and omits zero values', () => {
    // GIVEN
    const live = liveOf();
    // WHEN
    const paths = driftedFields(deployment, live);
    // THEN
    expect(paths).toEqual([]);
  });

  it.each<[string, (live: any) => void, string[]]>([
    ['a scaled Deployment', (live) => { live.spec.replicas = 5; }, ['spec.replicas']],
    ['an edited env value (keyed by name)', (live) => { live.spec.template.spec.containers[0].env[0].value = 'debug'; }, ['spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value']],
    ['a removed env entry', (live) => { live.spec.template.spec.containers[0].env.splice(1, 1); }, ['spec.template.spec.containers[name=web].env[name=MODE]']],
    ['reordered env entries (no drift: matched by name)', (live) => { live.spec.template.spec.containers[0].env.reverse(); }, []],
    ['an injected sidecar container (not ours)', (live) => { live.spec.template.spec.containers.push({ name: 'proxy', image: 'envoy' }); }, []],
    ['a changed image', (live) => { live.spec.template.spec.containers[0].image = 'web:2'; }, ['spec.template.spec.containers[name=web].image']],
    ['a changed cpu limit', (live) => { live.spec.template.spec.containers[0].resources.limits.cpu = '1500m'; }, ['spec.template.spec.containers[name=web].resources.limits.cpu']],
    ['an appended argument (scalar lists compare whole)', (live) => { live.spec.template.spec.containers[0].args.push('--debug'); }, ['spec.template.spec.containers[name=web].args']],
    ['a changed port in a list without names (by position)', (live) => { live.spec.template.spec.containers[0].ports[0].containerPort = 9090; }, ['spec.template.spec.containers[name=web].ports[0].containerPort']],
    ['an edited label', (live) => { live.metadata.labels['app.kubernetes.io/name'] = 'other'; }, ['metadata.labels["app.kubernetes.io/name"]']],
    ['hostNetwork turned on', (live) => { live.spec.template.spec.hostNetwork = true; }, ['spec.template.spec.hostNetwork']],
    ['two drifts, in the order declared (each path written from the steps to it)', (live) => {
      live.spec.template.spec.containers[0].env[1].value = 'slow';
      live.spec.template.spec.containers[0].ports[0].protocol = 'UDP';
      live.metadata.labels['app.kubernetes.io/name'] = 'other';
    }, ['metadata.labels["app.kubernetes.io/name"]', 'spec.template.spec.containers[name=web].env[name=MODE].value', 'spec.template.spec.containers[name=web].ports[0].protocol']],
    ['a map live where a list is declared', (live) => { live.spec.template.spec.containers[0].args = { port: '8080' }; }, ['spec.template.spec.containers[name=web].args']],
  ])('for %s reports %j', (_name, change, expected) => {
    // GIVEN
    const live = liveOf(change);
    // WHEN
    const paths = driftedFields(deployment, live);
    // THEN
    expect(paths).toEqual(expected);
  });

  it('does not compare quantities by value outside resource maps', () => {
    // GIVEN a ConfigMap value that merely looks like a quantity
    const declared = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { LIMIT: '1000m' } };
    // WHEN
    const paths = driftedFields(declared, { ...declared, data: { LIMIT: '1' } });
    // THEN
    expect(paths).toEqual(['data.LIMIT']);
  });

  it('compares a Secret\'s stringData with the decoded data the server keeps', () => {
    // GIVEN
    const declared = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2', user: 'admin' } };
    const live = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('root').toString('base64') } };
    // WHEN
    const paths = driftedFields(declared, live);
    // THEN
    expect(paths).toEqual(['stringData.user']);
  });

  it('reports a declared empty list that is not empty live', () => {
    // GIVEN
    const declared = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { externalIPs: [] } };
    // WHEN
    const absent = driftedFields(declared, { ...declared, spec: {} });
    const filled = driftedFields(declared, { ...declared, spec: { externalIPs: ['10.1.1.1'] } });
    // THEN
    expect({ absent, filled }).toEqual({ absent: [], filled: ['spec.externalIPs'] });
  });
});
