import { KubeObject } from '../../../lib/envrepo/kube-object';
import { REPO_ROOT, runStagecraft } from '../../support/cli';
import { configMap, deployment, service } from '../../support/objects';
import { changesOf, kubectl, kubectlJson, kubectlNames, ScratchEnvRepo, startTestCluster, uniqueName } from '../../support/test-cluster';

/**
 * `stagecraft reconcile` against a real kube-apiserver (scripts/control-plane), driven as users drive it: the
 * built CLI in a subprocess. kubectl, an independent client, checks what is in the cluster afterwards.
 * Every test uses its own environment and namespace.
 */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

/** An environment with two applications: web (Deployment, Service, ConfigMap) and api (Deployment, ConfigMap). */
function twoApplications(): ScratchEnvRepo {
  const name = uniqueName('rc');
  return new ScratchEnvRepo(name, name)
    .put('web', deployment(name, 'web'))
    .put('web', service(name, 'web'))
    .put('web', configMap(name, 'web', { LOG_LEVEL: 'info' }))
    .put('api', deployment(name, 'api'))
    .put('api', configMap(name, 'api', { LOG_LEVEL: 'info' }));
}

describe('stagecraft reconcile on a real API server', () => {
  it('creates exactly the desired objects, the namespace and the applyset parent', () => {
    // GIVEN
    const repo = twoApplications();
    const ns = repo.namespace;
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.result.verdict).toBe('applied');
    expect(changesOf(run.result)).toEqual([
      ['created', `Namespace/${ns}`],
      ['created', 'ConfigMap/api'],
      ['created', 'Deployment/api'],
      ['created', 'ConfigMap/web'],
      ['created', 'Deployment/web'],
      ['created', 'Service/web'],
    ]);
    // 5 objects, the applyset parent, the namespace, the status ConfigMap
    expect(run.result.writeRequests).toBe(8);
    expect(kubectlNames(kubeconfig, ['get', 'deployments,services,configmaps', '-n', ns, '-l', `applyset.kubernetes.io/part-of=${run.result.applyset}`])).toEqual([
      'configmap/api', 'configmap/web', 'deployment.apps/api', 'deployment.apps/web', 'service/web',
    ]);
    const parent = kubectlJson(kubeconfig, ['get', 'secret', `stagecraft-applyset-${repo.environment}`, '-n', ns]);
    expect(parent.metadata.labels).toEqual({ 'applyset.kubernetes.io/id': run.result.applyset });
    expect(parent.metadata.annotations).toEqual({ 'applyset.kubernetes.io/tooling': 'stagecraft/v1', 'applyset.kubernetes.io/contains-group-kinds': 'ConfigMap,Deployment.apps,Service' });
    const web = kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', ns, '--show-managed-fields']);
    expect(web.metadata.annotations['stagecraft.dev/applied-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(web.metadata.managedFields.map((entry: any) => [entry.manager, entry.operation])).toEqual([['stagecraft', 'Apply']]);
  });

  it('gives the same counts in the reconcile line and in stagecraft status, the namespace and the status write said apart', () => {
    // GIVEN an environment whose namespace does not exist yet
    const repo = twoApplications();
    // WHEN reconciled with the human output, then its status is read
    const run = repo.reconcile(kubeconfig, ['--output', 'text']);
    const status = runStagecraft(['status', '--env', repo.environment, '--namespace', repo.namespace, '--kubeconfig', kubeconfig], { cwd: REPO_ROOT });
    // THEN both say 5 objects created and 8 write requests: 5 objects, the applyset parent, the namespace and the status itself
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n').pop()).toMatch(new RegExp(`^applied ${repo.environment} at sha256:[0-9a-f]{5}: 5 created, 0 configured, 0 unchanged, 0 pruned, 0 failed \\(and 1 namespace created\\); 8 write requests \\(the last one the status ConfigMap\\) in \\d+\\.\\d\\d s$`));
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^ {4}\S+ {2}applied {5}sha256:[0-9a-f]{5} {2}5 created, 0 configured, 0 pruned, 0 failed; 8 writes, \d+\.\d\d s$/m);
  });

  it('applies a Service with its port protocol, and the server allocates a cluster IP', () => {
    // GIVEN
    const repo = twoApplications();
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect(run.status).toBe(0);
    const web = kubectlJson(kubeconfig, ['get', 'service', 'web', '-n', repo.namespace]);
    expect(web.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(web.spec.clusterIP).toMatch(/^10\.0\.\d+\.\d+$/);
  });

  it('sends no write request when everything is live as desired', () => {
    // GIVEN
    const repo = twoApplications();
    repo.reconcile(kubeconfig);
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect(run.status).toBe(0);
    expect(run.result.writeRequests).toBe(0);
    expect(changesOf(run.result)).toEqual([
      ['unchanged', 'ConfigMap/api'],
      ['unchanged', 'Deployment/api'],
      ['unchanged', 'ConfigMap/web'],
      ['unchanged', 'Deployment/web'],
      ['unchanged', 'Service/web'],
    ]);
  });

  it('configures exactly the object whose declared field changed', () => {
    // GIVEN
    const repo = twoApplications();
    repo.reconcile(kubeconfig);
    repo.put('web', configMap(repo.namespace, 'web', { LOG_LEVEL: 'debug' }));
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect(run.status).toBe(0);
    expect(changesOf(run.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([['configured', 'ConfigMap/web']]);
    expect(run.result.changes.find((change: any) => change.action === 'configured')).toMatchObject({
      constructPath: 'env/web/config/Resource',
      driftedFields: ['data.LOG_LEVEL'],
      message: 'changed in this revision: data.LOG_LEVEL',
    });
    // the ConfigMap and the status ConfigMap
    expect(run.result.writeRequests).toBe(2);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', repo.namespace]).data).toEqual({ LOG_LEVEL: 'debug' });
  });

  it('prunes an application removed from the desired tree and leaves unowned objects and other applysets\' objects alone', () => {
    // GIVEN
    const repo = twoApplications();
    const ns = repo.namespace;
    repo.reconcile(kubeconfig);
    kubectl(kubeconfig, ['create', 'configmap', 'unowned', '-n', ns, '--from-literal=a=b']);
    kubectl(kubeconfig, ['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'theirs', namespace: ns, labels: { 'applyset.kubernetes.io/part-of': 'applyset-someone-else-v1' } }, data: { a: 'b' } }),
    });
    repo.remove('api');
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect(run.status).toBe(0);
    expect(changesOf(run.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([['pruned', 'ConfigMap/api'], ['pruned', 'Deployment/api']]);
    expect(kubectlNames(kubeconfig, ['get', 'deployments,configmaps', '-n', ns])).toEqual([
      `configmap/stagecraft-status-${repo.environment}`, 'configmap/theirs', 'configmap/unowned', 'configmap/web', 'deployment.apps/web',
    ]);
  });

  it('fails (refuses) a mass prune with exit 1, names the counts and deletes nothing; --allow-mass-prune goes ahead', () => {
    // GIVEN every application but one Service removed (4 of 5 members)
    const repo = twoApplications();
    const ns = repo.namespace;
    repo.reconcile(kubeconfig);
    repo.remove('api').remove('web', 'Deployment').remove('web', 'ConfigMap');
    // WHEN
    const refused = repo.reconcile(kubeconfig);
    // THEN
    expect(refused.status).toBe(1);
    expect(refused.result.verdict).toBe('refused');
    expect(refused.result.writeRequests).toBe(0);
    expect(refused.result.message).toBe(`refusing to prune 4 of 5 live objects of applyset ${refused.result.applyset}: that is 80 %, more than --max-prune-share 0.5 (50 %) (ConfigMap/${ns}/api, ConfigMap/${ns}/web, Deployment/${ns}/api, Deployment/${ns}/web); an emptied environment folder or a wrong --env looks like this. Nothing was applied or deleted; if the deletions are intended, run again with --allow-mass-prune`);
    expect(kubectlNames(kubeconfig, ['get', 'deployments,configmaps,services', '-n', ns, '-l', 'applyset.kubernetes.io/part-of'])).toHaveLength(5);

    // WHEN allowed
    const allowed = repo.reconcile(kubeconfig, ['--allow-mass-prune']);
    // THEN
    expect(allowed.status).toBe(0);
    expect(changesOf(allowed.result, ['pruned'])).toHaveLength(4);
    expect(kubectlNames(kubeconfig, ['get', 'deployments,configmaps,services', '-n', ns, '-l', 'applyset.kubernetes.io/part-of'])).toEqual(['service/web']);
  });

  it('applies a CustomResourceDefinition and a custom resource of it in one revision', () => {
    // GIVEN
    const name = uniqueName('crd');
    const group = `${name}.stagecraft.test`;
    const definition: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `crontabs.${group}`, annotations: { 'stagecraft.dev/construct-path': `${name}/crontab-definition/Resource` } },
      spec: {
        group,
        names: { kind: 'CronTab', plural: 'crontabs', singular: 'crontab', listKind: 'CronTabList' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' } } } } } } }],
      },
    };
    const crontab: KubeObject = { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: 'nightly', namespace: name }, spec: { cronSpec: '0 0 * * *' } };
    const repo = new ScratchEnvRepo(name, name, { policy: { requireImageDigest: false, requireSignedCommits: false, allowedClusterScopedKinds: ['CustomResourceDefinition', 'Namespace'] } })
      .put('_cluster', definition).put('reports', crontab);
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect({ status: run.status, message: run.result.message }).toEqual({ status: 0, message: undefined });
    expect(changesOf(run.result)).toEqual([['created', `Namespace/${name}`], ['created', `CustomResourceDefinition/crontabs.${group}`], ['created', 'CronTab/nightly']]);
    expect(kubectlJson(kubeconfig, ['get', `crontabs.${group}`, 'nightly', '-n', name]).spec).toEqual({ cronSpec: '0 0 * * *' });
    // AND a second run finds both live as desired
    const again = repo.reconcile(kubeconfig);
    expect({ writes: again.result.writeRequests, changes: changesOf(again.result) }).toEqual({
      writes: 0,
      changes: [['unchanged', `CustomResourceDefinition/crontabs.${group}`], ['unchanged', 'CronTab/nightly']],
    });
  });

  it('fails an object the server rejects with its message and construct path, applies the others and prunes nothing', () => {
    // GIVEN a Service port without protocol (1.20 rejects it under server-side apply) and an app removed
    const repo = twoApplications();
    const ns = repo.namespace;
    repo.reconcile(kubeconfig);
    const broken = service(ns, 'broken');
    (broken.spec as any).ports = [{ name: 'http', port: 80, targetPort: 8080 }];
    repo.put('broken', broken).remove('api').put('web', configMap(ns, 'web', { LOG_LEVEL: 'warn' }));
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN
    expect(run.status).toBe(1);
    expect(run.result.verdict).toBe('failed');
    expect(run.result.message).toBe('1 object could not be applied; the others were; prune skipped, 2 objects that left the desired state stay until a reconcile applies cleanly');
    expect(changesOf(run.result, ['created', 'configured', 'pruned', 'failed'])).toEqual([['failed', 'Service/broken'], ['configured', 'ConfigMap/web']]);
    const failure = run.result.changes.find((change: any) => change.action === 'failed');
    expect(failure.message).toMatch(new RegExp(`^could not apply Service/${ns}/broken \\(construct env/broken/service/Resource\\) from ${repo.environment}/broken/service.broken.yaml: server-side apply of Service/${ns}/broken failed with 500: failed to create typed patch object: \\.spec\\.ports: element 0: associative list with keys has an element that omits key field "protocol"`));
    expect(kubectlNames(kubeconfig, ['get', 'deployments', '-n', ns])).toEqual(['deployment.apps/api', 'deployment.apps/web']);
  });

  it('fails (refuses) a revision with a kind the server does not serve before writing anything, saying how to fix it', () => {
    // GIVEN batch/v1 CronJob, which kube-apiserver 1.20 serves only as batch/v1beta1, next to a ConfigMap it would take
    const name = uniqueName('kind');
    const cronJob: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: name, annotations: { 'stagecraft.dev/construct-path': `${name}/worker/report/Resource` } },
      spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox' }] } } } } },
    };
    const repo = new ScratchEnvRepo(name, name).put('worker', cronJob).put('worker', configMap(name, 'worker'));
    // WHEN
    const run = repo.reconcile(kubeconfig);
    // THEN the whole revision is refused as bad input and nothing, not even the namespace, was written
    expect({ status: run.status, verdict: run.result.verdict, writeRequests: run.result.writeRequests, changes: run.result.changes }).toEqual({
      status: 2, verdict: 'refused', writeRequests: 0, changes: [],
    });
    expect(run.result.message).toBe(`the API server cannot take one kind of this revision: ${name}/worker/cronjob.report.yaml (CronJob/${name}/report, construct ${name}/worker/report/Resource): the server does not serve kind CronJob in apiVersion batch/v1; install its CustomResourceDefinition first or fix apiVersion. Nothing was applied or deleted`);
    expect(kubectl(kubeconfig, ['get', 'namespace', name], { allowFailure: true }).status).not.toBe(0);
  });

  it('prints one human line per change and a summary', () => {
    // GIVEN
    const repo = twoApplications();
    repo.reconcile(kubeconfig);
    repo.put('web', configMap(repo.namespace, 'web', { LOG_LEVEL: 'debug' }));
    // WHEN
    const run = repo.reconcile(kubeconfig, ['--output', 'text']);
    // THEN
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`configured  ConfigMap/${repo.namespace}/web (construct env/web/config/Resource): changed in this revision: data.LOG_LEVEL`);
    expect(lines[1]).toMatch(new RegExp(`^applied ${repo.environment} at sha256:[0-9a-f]{5}: 0 created, 1 configured, 4 unchanged, 0 pruned, 0 failed; 2 write requests \\(the last one the status ConfigMap\\) in \\d+\\.\\d\\d s$`));
    expect(lines).toHaveLength(2);
  });
});
