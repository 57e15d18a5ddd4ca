import { ApiObject, Duration } from 'cdk8s';
import * as yaml from 'js-yaml';
import { Application, Environment, EnvironmentProps, Fleet, InClusterReconcilerOptions } from '../../lib';
import { clusterRules, namespacedRules, stateRules } from '../../lib/constructs/private/reconciler-rules';
import { lockPath } from '../../lib/envrepo/paths';
import { readEnvironment } from '../../lib/envrepo/read-environment';
import { builtInResourceOf, isBuiltInGroup } from '../../lib/envrepo/resources';
import { builtInKinds } from '../../lib/envrepo/scope';
import { SynthError } from '../../lib/synth/synth-error';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { fakeDigest, scratchFleet } from '../support/fleets';

const RECONCILER_IMAGE = `registry.example/stagecraft@sha256:${fakeDigest('stagecraft')}`;
const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const OPTIONS: InClusterReconcilerOptions = { image: RECONCILER_IMAGE, repository: 'https://git.example/acme/env-repo.git' };

/** Synthesizes one environment `prod` with a web application and `extra` objects, and returns its files parsed. */
function synthesize(props: EnvironmentProps, extra: (scope: any) => void = () => undefined): Map<string, any> {
  const { fleet } = scratchFleet({ prod: { web: WEB } });
  new Environment(fleet, 'prod', props);
  new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
  new Application(fleet, 'extra', { manifests: { produce: (scope) => extra(scope) } });
  const [environment] = synthesizeFleet(fleet).environments;
  return new Map([...environment.files].map(([file, content]) => [file, file.endsWith('.json') ? JSON.parse(content) : yaml.load(content)]));
}

function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof SynthError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected synth to fail');
}

describe('an environment with an in-cluster reconciler', () => {
  it('gets the reconciler\'s files under _reconciler/ and its cluster-scoped ones under _cluster/', () => {
    // WHEN
    const files = synthesize({ controlNamespace: 'stagecraft', reconciler: OPTIONS });
    // THEN
    expect([...files.keys()].sort()).toEqual([
      'prod/.stagecraft/environment.json',
      'prod/_cluster/clusterrole.stagecraft-reconciler-prod.yaml',
      'prod/_cluster/clusterrolebinding.stagecraft-reconciler-prod.yaml',
      'prod/_cluster/namespace.stagecraft.yaml',
      'prod/_reconciler/deployment.stagecraft-reconciler-prod.yaml',
      'prod/_reconciler/role.stagecraft-reconciler-prod-prod.yaml',
      'prod/_reconciler/role.stagecraft-reconciler-prod-stagecraft.yaml',
      'prod/_reconciler/rolebinding.stagecraft-reconciler-prod-prod.yaml',
      'prod/_reconciler/rolebinding.stagecraft-reconciler-prod-stagecraft.yaml',
      'prod/_reconciler/serviceaccount.stagecraft-reconciler-prod.yaml',
      'prod/kustomization.yaml',
      'prod/web/deployment.web.yaml',
      'prod/web/service.web.yaml',
    ]);
  });

  it('records the reconciler in environment.json, keys by digest only', () => {
    // WHEN
    const files = synthesize({ reconciler: { ...OPTIONS, branch: 'release', interval: Duration.minutes(2), sshAllowedSigners: 'alice ssh-ed25519 AAAA\n' } });
    // THEN
    expect(files.get('prod/.stagecraft/environment.json').reconciler).toEqual({
      image: RECONCILER_IMAGE,
      repository: 'https://git.example/acme/env-repo.git',
      branch: 'release',
      intervalSeconds: 120,
      serviceAccount: 'system:serviceaccount:prod:stagecraft-reconciler-prod',
      sshAllowedSignersDigest: 'sha256:c2f1097560effd914e4eca879266892ca0ab97c8e84ef39c5d941961c6f7da51',
    });
  });

  it('gives every namespace of the environment a Role for exactly the kinds the environment uses', () => {
    // WHEN
    const files = synthesize({ additionalNamespaces: ['prod-jobs'], controlNamespace: 'stagecraft', reconciler: OPTIONS }, (scope) => {
      new ApiObject(scope, 'nightly', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'prod-jobs' }, spec: {} });
    });
    // THEN
    const objectRules = [
      { apiGroups: [''], resources: ['serviceaccounts', 'services'], verbs: ALL_VERBS },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL_VERBS },
      { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ALL_VERBS },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: ALL_VERBS },
    ];
    expect(files.get('prod/_reconciler/role.stagecraft-reconciler-prod-prod.yaml').rules).toEqual(objectRules);
    expect(files.get('prod/_reconciler/role.stagecraft-reconciler-prod-prod-jobs.yaml').rules).toEqual(objectRules);
    expect(files.get('prod/_reconciler/role.stagecraft-reconciler-prod-stagecraft.yaml').rules).toEqual([
      ...objectRules,
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['stagecraft-status-prod'], verbs: ['get', 'create', 'update', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['stagecraft-applyset-prod'], verbs: ['get', 'create', 'update', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['stagecraft-lock-prod'], verbs: ['get', 'create', 'update', 'patch'] },
    ]);
    expect(files.get('prod/_reconciler/rolebinding.stagecraft-reconciler-prod-prod-jobs.yaml')).toMatchObject({
      metadata: { name: 'stagecraft-reconciler-prod-prod-jobs', namespace: 'prod-jobs' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'stagecraft-reconciler-prod-prod-jobs' },
      subjects: [{ kind: 'ServiceAccount', name: 'stagecraft-reconciler-prod', namespace: 'stagecraft' }],
    });
  });

  it('limits the ClusterRole to the namespaces and cluster-scoped objects of the environment, by name', () => {
    // WHEN
    const files = synthesize({
      controlNamespace: 'stagecraft',
      allowedClusterScopedKinds: ['Namespace', 'CustomResourceDefinition'],
      reconciler: OPTIONS,
    }, (scope) => {
      new ApiObject(scope, 'crd', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' }, versions: [] },
      });
      new ApiObject(scope, 'widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue' }, spec: {} });
    });
    // THEN
    const named = ['get', 'create', 'update', 'patch', 'delete'];
    expect(files.get('prod/_cluster/clusterrole.stagecraft-reconciler-prod.yaml').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['prod', 'stagecraft'], verbs: ['get', 'create', 'patch'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], resourceNames: ['widgets.example.com'], verbs: named },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], resourceNames: ['stagecraft-reconciler-prod'], verbs: named },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['stagecraft-reconciler-prod'], verbs: named },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings', 'clusterroles'], verbs: ['list', 'watch'] },
    ]);
    expect(files.get('prod/_reconciler/role.stagecraft-reconciler-prod-prod.yaml').rules).toContainEqual(
      { apiGroups: ['example.com'], resources: ['widgets'], verbs: ALL_VERBS },
    );
  });

  it('writes no ClusterRole and no Namespace for an environment that allows no cluster-scoped kind', () => {
    // WHEN
    const files = synthesize({ allowedClusterScopedKinds: [], reconciler: OPTIONS });
    // THEN
    expect([...files.keys()].filter((file) => file.includes('/_cluster/'))).toEqual([]);
  });

  it('takes resource names of custom resources defined elsewhere from resourcePlurals', () => {
    // WHEN
    const files = synthesize({ reconciler: { ...OPTIONS, resourcePlurals: { 'Certificate.cert-manager.io': 'certificates' } } }, (scope) => {
      new ApiObject(scope, 'certificate', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: {} });
    });
    // THEN
    expect(files.get('prod/_reconciler/role.stagecraft-reconciler-prod-prod.yaml').rules).toContainEqual(
      { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ALL_VERBS },
    );
  });

  it('fails on a custom resource whose resource name nothing declares', () => {
    // WHEN
    const problems = problemsOf(() => synthesize({ reconciler: OPTIONS }, (scope) => {
      new ApiObject(scope, 'certificate', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: {} });
      new ApiObject(scope, 'certificate-api', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api' }, spec: {} });
    }));
    // THEN
    expect(problems).toEqual([
      'prod/extra/certificate (Certificate/prod/web): the in-cluster reconciler\'s RBAC rules need the resource name of kind Certificate (cert-manager.io/v1), which no CustomResourceDefinition of environment "prod" declares; add reconciler.resourcePlurals: { \'Certificate.cert-manager.io\': \'<plural>\' } to the environment, with the plural from that kind\'s CustomResourceDefinition (spec.names.plural)',
    ]);
  });

  it('runs the reconciler hardened, with the allowed keys mounted and passed', () => {
    // WHEN
    const files = synthesize({ requireSignedCommits: true, reconciler: { ...OPTIONS, sshAllowedSigners: 'alice ssh-ed25519 AAAA\n', gpgPublicKeys: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n' } });
    // THEN
    const deployment = files.get('prod/_reconciler/deployment.stagecraft-reconciler-prod.yaml');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].args).toEqual([
      'reconcile', '--repo', 'https://git.example/acme/env-repo.git', '--branch', 'main', '--env', 'prod', '--interval', '30s',
      '--listen', '0.0.0.0:9464', '--in-cluster', '--credentials-dir', '/etc/stagecraft/credentials',
      '--ssh-allowed-signers', '/etc/stagecraft/trust/allowed_signers', '--gpg-keyring', '/etc/stagecraft/trust/keyring.asc',
    ]);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 });
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    // The credentials Secret is stagecraft bootstrap's, never the env repo's: mounted when it exists.
    expect(pod.volumes).toContainEqual({ name: 'credentials', secret: { secretName: 'stagecraft-reconciler-prod-credentials', optional: true, defaultMode: 0o400 } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'credentials', mountPath: '/etc/stagecraft/credentials', readOnly: true });
    expect(pod.serviceAccountName).toBe('stagecraft-reconciler-prod');
    expect(files.get('prod/_reconciler/configmap.stagecraft-reconciler-prod-trust.yaml').data).toEqual({
      'allowed_signers': 'alice ssh-ed25519 AAAA\n',
      'keyring.asc': '-----BEGIN PGP PUBLIC KEY BLOCK-----\n',
    });
  });

  it('writes files the env-repo reader accepts as they are', () => {
    // GIVEN
    const { fleet } = scratchFleet({ prod: { web: WEB } });
    new Environment(fleet, 'prod', { controlNamespace: 'stagecraft', reconciler: OPTIONS });
    new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
    const [synthesized] = synthesizeFleet(fleet).environments;
    const files = new Map([...synthesized.files].map(([file, content]) => [file, Buffer.from(content)]));
    files.set(lockPath('prod'), Buffer.from(synthesized.lockContent));
    // WHEN
    const tree = readEnvironment('prod', files);
    // THEN
    expect(tree.objects.filter((object) => !object.path.startsWith('prod/web/')).map((object) => `${object.object.kind}/${object.object.metadata.name}`)).toEqual([
      'ClusterRole/stagecraft-reconciler-prod',
      'ClusterRoleBinding/stagecraft-reconciler-prod',
      'Namespace/stagecraft',
      'Deployment/stagecraft-reconciler-prod',
      'Role/stagecraft-reconciler-prod-prod',
      'Role/stagecraft-reconciler-prod-stagecraft',
      'RoleBinding/stagecraft-reconciler-prod-prod',
      'RoleBinding/stagecraft-reconciler-prod-stagecraft',
      'ServiceAccount/stagecraft-reconciler-prod',
    ]);
    expect(tree.metadata.reconciler?.serviceAccount).toBe('system:serviceaccount:stagecraft:stagecraft-reconciler-prod');
  });

  it('writes nothing for the reconciler when the environment has none', () => {
    // WHEN
    const files = synthesize({});
    // THEN
    expect([...files.keys()].filter((file) => file.includes('_reconciler') || file.includes('_cluster'))).toEqual([]);
    expect(files.get('prod/.stagecraft/environment.json')).not.toHaveProperty('reconciler');
  });
});

describe('reconciler options', () => {
  const environment = (props: EnvironmentProps) => () => new Environment(new Fleet({ outdir: '/nonexistent' }), 'prod', props);
  it.each<[string, EnvironmentProps, string]>([
    ['an image not pinned by digest', { reconciler: { ...OPTIONS, image: 'registry.example/stagecraft:1.0' } },
      'prod: reconciler image "registry.example/stagecraft:1.0" is not pinned by digest; the reconciler holds the environment\'s keys, so give the image as registry/stagecraft@sha256:<digest>'],
    ['a repository that looks like an option', { reconciler: { ...OPTIONS, repository: '--upload-pack=evil' } },
      'prod: reconciler repository "--upload-pack=evil" is not a git URL; give the env repo\'s URL, e.g. https://git.example/acme/env-repo.git'],
    ['a branch with ".."', { reconciler: { ...OPTIONS, branch: 'main/../x' } },
      'prod: reconciler branch "main/../x" is not a usable branch name; use letters, digits, "-", "_", "." and "/", not starting with "-" or "/"'],
    ['an interval of part of a second', { reconciler: { ...OPTIONS, interval: Duration.millis(1500) } },
      'prod: reconciler interval of 1500 ms is not a whole number of seconds of at least 1; use Duration.seconds(30) or similar'],
    ['a control namespace the environment may not create', { allowedClusterScopedKinds: [], reconciler: { ...OPTIONS, createControlNamespace: true } },
      'prod: reconciler createControlNamespace is true but the environment does not allow the Namespace kind (allowed: none); add Namespace to allowedClusterScopedKinds or drop createControlNamespace'],
    ['signed commits without keys', { requireSignedCommits: true, reconciler: OPTIONS },
      'prod: reconciler has no keys to check signed commits, but the environment requires signed commits; give sshAllowedSigners and/or gpgPublicKeys'],
    ['a resourcePlurals key without group', { reconciler: { ...OPTIONS, resourcePlurals: { Certificate: 'certificates' } } },
      'prod: reconciler resourcePlurals key "Certificate" is not Kind.group; write it like Certificate.cert-manager.io'],
    ['a plural that is not a resource name', { reconciler: { ...OPTIONS, resourcePlurals: { 'Certificate.cert-manager.io': 'Certificates' } } },
      'prod: reconciler resourcePlurals["Certificate.cert-manager.io"] "Certificates" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; give the resource name as in the CustomResourceDefinition\'s spec.names.plural'],
  ])('fails on %s', (_case, props, message) => {
    expect(environment(props)).toThrow(new Error(message));
  });
});

describe('RBAC rules of the reconciler', () => {
  it('groups namespaced resources by API group, sorted, with every verb the reconciler uses', () => {
    expect(namespacedRules([
      { apiGroup: 'apps', resource: 'statefulsets', namespaced: true },
      { apiGroup: '', resource: 'services', namespaced: true },
      { apiGroup: 'apps', resource: 'deployments', namespaced: true },
      { apiGroup: 'apps', resource: 'deployments', namespaced: true },
      { apiGroup: '', resource: 'namespaces', namespaced: false, names: ['x'] },
    ])).toEqual([
      { apiGroups: [''], resources: ['services'], verbs: ALL_VERBS },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ALL_VERBS },
    ]);
  });

  it('gives ensured namespaces get, create and patch by name, and no list when none is a member', () => {
    expect(clusterRules([], ['prod', 'prod-jobs'])).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['prod', 'prod-jobs'], verbs: ['get', 'create', 'patch'] },
    ]);
  });

  it('never lets the reconciler delete a namespace, member or not', () => {
    const rules = clusterRules([{ apiGroup: '', resource: 'namespaces', namespaced: false, names: ['stagecraft'] }], ['prod']);
    expect(rules.flatMap((rule) => rule.verbs)).not.toContain('delete');
  });

  it('limits its own state to two objects by name', () => {
    expect(stateRules('stagecraft-applyset-prod', 'stagecraft-status-prod').map((rule) => [rule.resources, rule.resourceNames])).toEqual([
      [['configmaps'], ['stagecraft-status-prod']],
      [['secrets'], ['stagecraft-applyset-prod']],
    ]);
  });
});

describe('resource names of built-in kinds', () => {
  it('knows the resource name of every built-in kind', () => {
    expect(builtInKinds().filter((kind) => builtInResourceOf(kind) === undefined)).toEqual([]);
  });

  it.each([
    ['v1', true], ['apps/v1', true], ['networking.k8s.io/v1', true], ['example.com/v1', false], ['cert-manager.io/v1', false],
  ])('tells whether %s is a Kubernetes group', (apiVersion, builtIn) => {
    expect(isBuiltInGroup(apiVersion)).toBe(builtIn);
  });

  it('does not take an object prototype property for a kind', () => {
    expect(builtInResourceOf('constructor')).toBeUndefined();
  });
});
