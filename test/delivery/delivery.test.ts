import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Application, Delivery, Environment, EnvironmentProps, Fleet } from '../../lib';
import { parseLock } from '../../lib/envrepo/lock';
import { readEnvironment } from '../../lib/envrepo/read-environment';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { writeTree } from '../../lib/synth/write-tree';
import { fakeDigest, readTree, scratchFleet } from '../support/fleets';
import { kubectl, startTestCluster, uniqueName } from '../support/test-cluster';
import { installUpstreamCrds, loadUpstreamCrd, UPSTREAM_CRD_FILES } from '../support/upstream-crds';

const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;
const ARGO_KEY = '4AEE18F83AFDEB23';

/** A fleet of dev (Flux), prod (Argo CD) and staging (stagecraft), written to disk; returns the tree. */
function deliveredFleet(namespaces: { flux: string; argocd: string } = { flux: 'flux-system', argocd: 'argocd' }): { outdir: string; tree: Record<string, string> } {
  const { fleet, outdir } = scratchFleet({ dev: { web: WEB }, staging: { web: WEB }, prod: { web: WEB } });
  new Environment(fleet, 'dev', {
    requireSignedCommits: true,
    labels: { 'acme.example/team': 'shop' },
    delivery: Delivery.flux({
      repository: 'ssh://git@git.example/acme/env-repo.git',
      namespace: namespaces.flux,
      interval: Duration.minutes(2),
      secretName: 'env-repo-deploy-key',
      verificationSecretName: 'env-repo-signers',
    }),
  });
  new Environment(fleet, 'staging');
  new Environment(fleet, 'prod', {
    cluster: 'prod-eu-1',
    additionalNamespaces: ['prod-jobs'],
    allowedClusterScopedKinds: ['Namespace', 'CustomResourceDefinition'],
    requireSignedCommits: true,
    delivery: Delivery.argoCd({ repository: 'https://git.example/acme/env-repo.git', branch: 'release', namespace: namespaces.argocd, signatureKeyIds: [ARGO_KEY] }),
  });
  new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
  writeTree(outdir, synthesizeFleet(fleet));
  return { outdir, tree: readTree(outdir) };
}

/** The metadata lines every delivery object of `environment` starts with. */
function metadataLines(environment: string, namespace: string, extraLabels: string[] = []): string[] {
  return [
    'metadata:',
    '  labels:',
    ...extraLabels,
    '    app.kubernetes.io/managed-by: stagecraft',
    `    stagecraft.dev/environment: ${environment}`,
    `  name: stagecraft-${environment}`,
    `  namespace: ${namespace}`,
  ];
}

describe('delivery by Flux or Argo CD', () => {
  it('writes the Flux GitRepository and Kustomization of a Flux environment into <env>/_delivery/', () => {
    // WHEN
    const { tree } = deliveredFleet();
    // THEN
    expect(Object.keys(tree).filter((file) => file.includes('/_delivery/'))).toEqual([
      'dev/_delivery/gitrepository.stagecraft-dev.yaml',
      'dev/_delivery/kustomization.stagecraft-dev.yaml',
      'prod/_delivery/application.stagecraft-prod.yaml',
      'prod/_delivery/appproject.stagecraft-prod.yaml',
    ]);
    expect(tree['dev/_delivery/gitrepository.stagecraft-dev.yaml']).toBe([
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      ...metadataLines('dev', 'flux-system', ['    acme.example/team: shop']),
      'spec:',
      '  interval: 120s',
      '  ref:',
      '    branch: main',
      '  secretRef:',
      '    name: env-repo-deploy-key',
      '  url: ssh://git@git.example/acme/env-repo.git',
      '  verify:',
      '    mode: HEAD',
      '    secretRef:',
      '      name: env-repo-signers',
      '',
    ].join('\n'));
    expect(tree['dev/_delivery/kustomization.stagecraft-dev.yaml']).toBe([
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      ...metadataLines('dev', 'flux-system', ['    acme.example/team: shop']),
      'spec:',
      '  interval: 120s',
      '  path: "./dev"',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: stagecraft-dev',
      '  targetNamespace: dev',
      '  timeout: 300s',
      '  wait: true',
      '',
    ].join('\n'));
  });

  it('writes the Argo CD Application and an AppProject limited to the environment into <env>/_delivery/', () => {
    // WHEN
    const { tree } = deliveredFleet();
    // THEN
    expect(tree['prod/_delivery/application.stagecraft-prod.yaml']).toBe([
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      ...metadataLines('prod', 'argocd'),
      'spec:',
      '  destination:',
      '    name: prod-eu-1',
      '    namespace: prod',
      '  project: stagecraft-prod',
      '  source:',
      '    path: prod',
      '    repoURL: https://git.example/acme/env-repo.git',
      '    targetRevision: release',
      '  syncPolicy:',
      '    automated:',
      '      prune: true',
      '      selfHeal: true',
      '    syncOptions:',
      '      - ServerSideApply=true',
      '',
    ].join('\n'));
    expect(tree['prod/_delivery/appproject.stagecraft-prod.yaml']).toBe([
      'apiVersion: argoproj.io/v1alpha1',
      'kind: AppProject',
      ...metadataLines('prod', 'argocd'),
      'spec:',
      '  clusterResourceWhitelist:',
      '    - group: "*"',
      '      kind: CustomResourceDefinition',
      '    - group: "*"',
      '      kind: Namespace',
      '  description: stagecraft environment prod',
      '  destinations:',
      '    - name: prod-eu-1',
      '      namespace: prod',
      '    - name: prod-eu-1',
      '      namespace: prod-jobs',
      '  namespaceResourceWhitelist:',
      '    - group: "*"',
      '      kind: "*"',
      '  signatureKeys:',
      `    - keyID: "${ARGO_KEY}"`,
      '  sourceRepos:',
      '    - https://git.example/acme/env-repo.git',
      '',
    ].join('\n'));
  });

  it('locks the delivery objects, leaves them out of kustomization.yaml and records where their status is', () => {
    // GIVEN
    const { outdir, tree } = deliveredFleet();
    // WHEN
    const files = new Map(Object.entries(tree).filter(([file]) => file.startsWith('dev/')).map(([file, content]) => [file, new TextEncoder().encode(content)]));
    const environment = readEnvironment('dev', files);
    // THEN
    expect(Object.keys(parseLock('dev/.stagecraft/lock.json', tree['dev/.stagecraft/lock.json']).files)).toContain('dev/_delivery/kustomization.stagecraft-dev.yaml');
    expect(tree['dev/kustomization.yaml']).not.toContain('_delivery');
    expect(environment.delivery.map((object) => object.path)).toEqual(['dev/_delivery/gitrepository.stagecraft-dev.yaml', 'dev/_delivery/kustomization.stagecraft-dev.yaml']);
    expect(environment.objects.map((object) => object.path)).toEqual(['dev/web/deployment.web.yaml', 'dev/web/service.web.yaml']);
    expect(environment.metadata.delivery).toEqual({ reconciler: 'flux', kind: 'Kustomization', namespace: 'flux-system', name: 'stagecraft-dev' });
    expect(fs.existsSync(path.join(outdir, 'staging', '_delivery'))).toBe(false);
  });

  it('fails to read a _delivery folder in an environment that stagecraft delivers', () => {
    // GIVEN staging's files with dev's Flux Kustomization copied in (lock mismatches allowed, so only the folder rule speaks)
    const { tree } = deliveredFleet();
    const files = new Map(Object.entries(tree).filter(([file]) => file.startsWith('staging/')).map(([file, content]) => [file, new TextEncoder().encode(content)]));
    files.set('staging/_delivery/kustomization.stagecraft-dev.yaml', new TextEncoder().encode(tree['dev/_delivery/kustomization.stagecraft-dev.yaml']));
    // WHEN
    const read = () => readEnvironment('staging', files, { allowLockMismatch: true });
    // THEN
    expect(read).toThrow('staging/_delivery/kustomization.stagecraft-dev.yaml: staging/_delivery/ holds objects for Flux or Argo CD but environment.json names no such delivery; delete the folder or re-run stagecraft synth and commit its output');
  });

  it.each<[string, () => EnvironmentProps, string]>([
    ['an in-cluster reconciler next to Flux',
      () => ({ delivery: Delivery.flux({ repository: 'https://git.example/env.git' }), reconciler: { image: `registry.example/stagecraft@sha256:${fakeDigest('s')}`, repository: 'https://git.example/env.git' } }),
      'dev: both an in-cluster reconciler and delivery by Flux would apply the environment and fight over its objects; drop the reconciler option or the delivery'],
    ['signed commits required but no Flux verification secret',
      () => ({ requireSignedCommits: true, delivery: Delivery.flux({ repository: 'https://git.example/env.git' }) }),
      'dev: requireSignedCommits is true but Delivery.flux has no verificationSecretName, so Flux would apply unsigned commits; give the Secret holding the OpenPGP public keys'],
    ['signed commits required but no Argo CD signature key',
      () => ({ requireSignedCommits: true, delivery: Delivery.argoCd({ repository: 'https://git.example/env.git' }) }),
      'dev: requireSignedCommits is true but Delivery.argoCd has no signatureKeyIds, so Argo CD would sync unsigned commits; give the OpenPGP key ids allowed to sign'],
    ['a Flux namespace that is not a DNS label',
      () => ({ delivery: Delivery.flux({ repository: 'https://git.example/env.git', namespace: 'Flux_System' }) }),
      'Delivery.flux: namespace "Flux_System" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pick a DNS-1123 label'],
    ['a Flux interval under a second',
      () => ({ delivery: Delivery.flux({ repository: 'https://git.example/env.git', interval: Duration.millis(500) }) }),
      'Delivery.flux: interval of 500 ms is not a whole number of seconds of at least 1; use Duration.seconds(30) or similar'],
    ['a repository that starts with "-"',
      () => ({ delivery: Delivery.argoCd({ repository: '--upload-pack=touch /tmp/owned' }) }),
      'Delivery.argoCd: repository "--upload-pack=touch /tmp/owned" is not a git URL; give the env repo\'s URL, e.g. https://git.example/acme/env-repo.git'],
    ['an Argo CD signature key that is not a key id',
      () => ({ delivery: Delivery.argoCd({ repository: 'https://git.example/env.git', signatureKeyIds: ['alice@example.com'] }) }),
      'Delivery.argoCd: signatureKeyIds entry "alice@example.com" is not an OpenPGP key id; give 16 or 40 upper-case hex digits as gpg --list-keys --keyid-format long prints them'],
  ])('fails on %s', (_name, props, message) => {
    // GIVEN
    const fleet = new Fleet({ outdir: 'unused' });
    // WHEN
    const create = () => new Environment(fleet, 'dev', props());
    // THEN
    expect(create).toThrow(message);
  });
});

describe('the generated Flux and Argo CD objects against the upstream CRDs', () => {
  let kubeconfig: string;

  beforeAll(() => {
    kubeconfig = startTestCluster();
    installUpstreamCrds(kubeconfig);
  });

  it('strips only the CEL validation rules kube-apiserver 1.20 does not know, as the fixtures README says', () => {
    // WHEN
    const stripped = UPSTREAM_CRD_FILES.map((file) => [file, loadUpstreamCrd(file).strippedValidations]);
    // THEN
    expect(stripped).toEqual([
      ['argoproj.io_applications.yaml', []],
      ['argoproj.io_appprojects.yaml', []],
      ['kustomize.toolkit.fluxcd.io_kustomizations.yaml', ['.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.kubeConfig.x-kubernetes-validations (2 rules)']],
      ['source.toolkit.fluxcd.io_gitrepositories.yaml', ['.spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations (1 rules)']],
    ]);
  });

  it('accepts every generated object in a server-side dry-run', () => {
    // GIVEN the delivery objects written into namespaces of this test
    const namespaces = { flux: uniqueName('flux'), argocd: uniqueName('argocd') };
    kubectl(kubeconfig, ['create', 'namespace', namespaces.flux]);
    kubectl(kubeconfig, ['create', 'namespace', namespaces.argocd]);
    const { outdir, tree } = deliveredFleet(namespaces);
    const deliveryFiles = Object.keys(tree).filter((file) => file.includes('/_delivery/'));
    // WHEN
    const outcomes = deliveryFiles.map((file) => kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--field-manager', 'stagecraft-tests', '-f', path.join(outdir, file)]).stdout.trim());
    // THEN
    expect(outcomes).toEqual([
      'gitrepository.source.toolkit.fluxcd.io/stagecraft-dev serverside-applied (server dry run)',
      'kustomization.kustomize.toolkit.fluxcd.io/stagecraft-dev serverside-applied (server dry run)',
      'application.argoproj.io/stagecraft-prod serverside-applied (server dry run)',
      'appproject.argoproj.io/stagecraft-prod serverside-applied (server dry run)',
    ]);
  });

  it.each([
    ['a Kustomization whose prune is not a boolean', 'kustomization.stagecraft-dev.yaml', 'prune: true', 'prune: "yes"', 'spec.prune'],
    ['a Kustomization without a sourceRef', 'kustomization.stagecraft-dev.yaml', '  sourceRef:\n    kind: GitRepository\n    name: stagecraft-dev\n', '', 'spec.sourceRef'],
    ['an Application without a destination', 'application.stagecraft-prod.yaml', '  destination:\n    name: prod-eu-1\n    namespace: prod\n', '', 'spec.destination'],
  ])('fails on %s (the schemas are in force)', (_name, file, from, to, field) => {
    // GIVEN
    const namespaces = { flux: uniqueName('flux'), argocd: uniqueName('argocd') };
    kubectl(kubeconfig, ['create', 'namespace', namespaces.flux]);
    kubectl(kubeconfig, ['create', 'namespace', namespaces.argocd]);
    const { tree } = deliveredFleet(namespaces);
    const original = Object.entries(tree).find(([name]) => name.endsWith(`/_delivery/${file}`))![1];
    expect(original).toContain(from);
    // WHEN
    const result = kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--validate=false', '--field-manager', 'stagecraft-tests', '-f', '-'], { input: original.replace(from, to), allowFailure: true });
    // THEN
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(field);
  });
});
