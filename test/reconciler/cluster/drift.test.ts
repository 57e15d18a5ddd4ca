import { REPO_ROOT, runStagecraft } from '../../support/cli';
import { configMap, deployment, service } from '../../support/objects';
import { changesOf, kubectl, kubectlJson, ScratchEnvRepo, startTestCluster, TEST_CLUSTER, uniqueName } from '../../support/test-cluster';

/**
 * Drift: changes made in the cluster behind git's back (kubectl scale, kubectl patch), found by
 * `stagecraft diff` and healed by `stagecraft reconcile` against a real kube-apiserver.
 */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

function reconciledApplication(): ScratchEnvRepo {
  const name = uniqueName('drift');
  const repo = new ScratchEnvRepo(name, name)
    .put('web', deployment(name, 'web', 3))
    .put('web', service(name, 'web'))
    .put('web', configMap(name, 'web', { LOG_LEVEL: 'info' }));
  const first = repo.reconcile(kubeconfig);
  expect(first.status).toBe(0);
  return repo;
}

describe('drift on a real API server', () => {
  it('diff exits 0 and says so when the cluster matches the folder', () => {
    // GIVEN
    const repo = reconciledApplication();
    // WHEN
    const diff = repo.diff(kubeconfig);
    // THEN
    expect({ status: diff.status, stdout: diff.stdout }).toEqual({ status: 0, stdout: 'no differences: 3 objects live as desired\n' });
  });

  it('finds a kubectl scale with diff (exit 1, field path) and heals it with reconcile', () => {
    // GIVEN
    const repo = reconciledApplication();
    const ns = repo.namespace;
    kubectl(kubeconfig, ['scale', 'deployment', 'web', '-n', ns, '--replicas=7']);
    // WHEN
    const diff = repo.diff(kubeconfig);
    // THEN
    expect({ status: diff.status, stdout: diff.stdout }).toEqual({
      status: 1,
      stdout: [
        `configure  Deployment/${ns}/web (construct env/web/deployment/Resource): drifted in the cluster: spec.replicas`,
        '1 difference: 0 to create, 1 to configure, 0 to prune; 2 unchanged',
        '',
      ].join('\n'),
    });

    // WHEN
    const heal = repo.reconcile(kubeconfig);
    // THEN
    expect(heal.status).toBe(0);
    expect(changesOf(heal.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([['configured', 'Deployment/web']]);
    expect(heal.result.changes.find((change: any) => change.action === 'configured').driftedFields).toEqual(['spec.replicas']);
    // the Deployment and the status ConfigMap
    expect(heal.result.writeRequests).toBe(2);
    expect(kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', ns]).spec.replicas).toBe(3);
    expect(repo.diff(kubeconfig).status).toBe(0);
  });

  it('finds a kubectl patch of a declared env value and of a ConfigMap, and takes the fields back from kubectl', () => {
    // GIVEN kubectl becomes the manager of two fields stagecraft declares
    const repo = reconciledApplication();
    const ns = repo.namespace;
    kubectl(kubeconfig, ['patch', 'deployment', 'web', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"debug"}]']);
    kubectl(kubeconfig, ['patch', 'configmap', 'web', '-n', ns, '--type=merge', '-p', '{"data":{"LOG_LEVEL":"trace"}}']);
    // WHEN
    const diff = repo.diff(kubeconfig, ['--output', 'json']);
    // THEN
    expect(diff.status).toBe(1);
    expect(JSON.parse(diff.stdout).differences.map((difference: any) => [difference.action, `${difference.kind}/${difference.name}`, difference.driftedFields])).toEqual([
      ['configure', 'ConfigMap/web', ['data.LOG_LEVEL']],
      ['configure', 'Deployment/web', ['spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value']],
    ]);

    // WHEN
    const heal = repo.reconcile(kubeconfig);
    // THEN
    expect(heal.status).toBe(0);
    expect(changesOf(heal.result, ['configured'])).toEqual([['configured', 'ConfigMap/web'], ['configured', 'Deployment/web']]);
    const web = kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', ns]);
    expect(web.spec.template.spec.containers[0].env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', ns]).data).toEqual({ LOG_LEVEL: 'info' });
    expect(repo.diff(kubeconfig).status).toBe(0);
  });

  it('re-creates an object deleted behind its back, and diff lists it as create', () => {
    // GIVEN
    const repo = reconciledApplication();
    const ns = repo.namespace;
    kubectl(kubeconfig, ['delete', 'configmap', 'web', '-n', ns]);
    // WHEN
    const diff = repo.diff(kubeconfig);
    const heal = repo.reconcile(kubeconfig);
    // THEN
    expect(diff.status).toBe(1);
    expect(diff.stdout.split('\n')[0]).toBe(`create     ConfigMap/${ns}/web (construct env/web/config/Resource)`);
    expect(changesOf(heal.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([['created', 'ConfigMap/web']]);
  });

  it('diff lists what reconcile would prune, and writes nothing', () => {
    // GIVEN
    const repo = reconciledApplication();
    repo.remove('web', 'ConfigMap');
    // WHEN
    const diff = repo.diff(kubeconfig);
    // THEN
    expect(diff.status).toBe(1);
    expect(diff.stdout).toBe(`prune      ConfigMap/${repo.namespace}/web (construct env/web/config/Resource)\n1 difference: 0 to create, 0 to configure, 1 to prune; 2 unchanged\n`);
    expect(kubectl(kubeconfig, ['get', 'configmap', 'web', '-n', repo.namespace], { allowFailure: true }).status).toBe(0);
  });
});

describe('cluster commands without --kubeconfig', () => {
  it('reconcile uses the dev cluster\'s kubeconfig when nothing else is given, and says so', () => {
    // GIVEN the test cluster's folder playing the dev cluster, and no KUBECONFIG
    const name = uniqueName('dev');
    const repo = new ScratchEnvRepo(name, name).put('web', configMap(name, 'web'));
    // WHEN
    const run = runStagecraft(['reconcile', '--dir', repo.root, '--env', name, '--once'], { cwd: REPO_ROOT, env: { STAGECRAFT_DEV_CLUSTER_DIR: TEST_CLUSTER.dir, KUBECONFIG: '' } });
    // THEN
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`stagecraft: reconcile: no --kubeconfig, --context or $KUBECONFIG given: using the dev cluster's kubeconfig ${TEST_CLUSTER.dir}/kubeconfig\n`);
  });

  it('dev-cluster status reports a running control plane with its kubeconfig', () => {
    // WHEN
    const status = runStagecraft(['dev-cluster', 'status', '--dir', TEST_CLUSTER.dir], { cwd: REPO_ROOT });
    // THEN
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^running \\(etcd pid \\d+, kube-apiserver pid \\d+, rollout simulator (pid \\d+|not running)\\); kubeconfig ${TEST_CLUSTER.dir}/kubeconfig\\n$`));
  });
});
