import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { toCanonicalJson } from '../../lib/envrepo/canonical-json';
import { renderKustomization } from '../../lib/envrepo/kustomization';
import { GOLDEN_ENV_REPO, goldenEnvironmentFiles } from '../support/env-repo';
import { scratchFolder } from '../support/fleets';
import { kubectl, kubectlNames, startTestCluster, uniqueName } from '../support/test-cluster';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** The objects of the environment's object files (every file but metadata and the kustomization), as canonical JSON, sorted. */
function objectFilesOf(environment: string): string[] {
  return [...goldenEnvironmentFiles(environment)]
    .filter(([file]) => !file.includes('/.stagecraft/') && file !== `${environment}/kustomization.yaml`)
    .map(([, content]) => toCanonicalJson(yaml.load(Buffer.from(content).toString('utf8'))))
    .sort();
}

/** `kubectl kustomize <folder>`: the objects kustomize builds, as canonical JSON, sorted. */
function kustomizeBuild(folder: string): string[] {
  const child = spawnSync('kubectl', ['kustomize', folder], { encoding: 'utf8' });
  if (child.status !== 0) {
    throw new Error(`kubectl kustomize ${folder} failed (exit ${child.status}): ${child.stderr}`);
  }
  return yaml.loadAll(child.stdout).map((object) => toCanonicalJson(object)).sort();
}

/** `deployment.apps/web`, `configmap/web`: what `kubectl get -o name` prints for the object. */
function nameAsKubectlPrintsIt(object: { apiVersion: string; kind: string; metadata: { name: string } }): string {
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind.toLowerCase()}${group}/${object.metadata.name}`;
}

describe('the kustomization.yaml synth writes into every environment folder', () => {
  it('lists every object file relative to the environment, sorted, and nothing else', () => {
    // GIVEN files of every sort an environment folder holds
    const files = [
      'dev/web/service.web.yaml',
      'dev/_cluster/namespace.dev.yaml',
      'dev/.stagecraft/environment.json',
      'dev/.stagecraft/lock.json',
      'dev/kustomization.yaml',
      'dev/_delivery/kustomization.dev.yaml',
      'dev/_reconciler/deployment.stagecraft-reconciler-dev.yaml',
      'dev/api/deployment.api.yaml',
      'prod/web/service.web.yaml',
    ];
    // WHEN
    const rendered = renderKustomization('dev', files);
    // THEN
    expect(rendered).toBe([
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - "_cluster/namespace.dev.yaml"',
      '  - "_reconciler/deployment.stagecraft-reconciler-dev.yaml"',
      '  - api/deployment.api.yaml',
      '  - web/service.web.yaml',
      '',
    ].join('\n'));
  });

  it('lists no resource for an environment without objects', () => {
    // WHEN
    const rendered = renderKustomization('dev', ['dev/.stagecraft/environment.json']);
    // THEN
    expect(rendered).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n');
  });

  it.each(ENVIRONMENTS)('makes kubectl kustomize print exactly the object files of %s of the example', (environment) => {
    // WHEN
    const built = kustomizeBuild(path.join(GOLDEN_ENV_REPO, environment));
    // THEN
    expect(built).toEqual(objectFilesOf(environment));
    expect(built).toHaveLength(10);
  });
});

describe('kubectl apply --server-side -k on an environment folder', () => {
  let kubeconfig: string;

  beforeAll(() => {
    kubeconfig = startTestCluster();
  });

  it.each(ENVIRONMENTS)('creates every object of %s of the example on the control plane', (environment) => {
    // GIVEN the environment folder as synth wrote it, and an overlay that only moves it into a namespace of
    // its own (the shared test control plane has no namespace controller, so "dev" cannot be made fresh)
    const namespace = uniqueName(`kustomize-${environment}`);
    const root = scratchFolder('stagecraft-kustomize-');
    fs.cpSync(path.join(GOLDEN_ENV_REPO, environment), path.join(root, environment), { recursive: true });
    fs.mkdirSync(path.join(root, 'overlay'));
    fs.writeFileSync(path.join(root, 'overlay', 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\nresources:\n  - ../${environment}\n`);
    kubectl(kubeconfig, ['create', 'namespace', namespace]);
    // WHEN
    const applied = kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'kustomize-test', '-k', path.join(root, 'overlay')]);
    // THEN every object file became an object, and nothing else did
    const expected = objectFilesOf(environment).map((object) => nameAsKubectlPrintsIt(JSON.parse(object))).sort();
    expect(applied.stdout.split('\n').filter((line) => line !== '')).toHaveLength(10);
    expect(kubectlNames(kubeconfig, ['get', 'configmaps,deployments.apps,services,ingresses.networking.k8s.io,networkpolicies.networking.k8s.io', '-n', namespace])
      .filter((name) => name !== 'configmap/kube-root-ca.crt'))
      .toEqual(expected);
  });
});
