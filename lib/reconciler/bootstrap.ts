import { ClusterClient } from './cluster-client';
import { DesiredState } from './desired-state';
import { driftedFields } from './private/declared-fields';
import { ENVIRONMENT_LABEL } from '../envrepo/annotations';
import { KubeObject, referenceOf } from '../envrepo/kube-object';
import { describeObject } from '../envrepo/object-identity';
import { RECONCILER_NAME, reconcilerCredentialsSecretName, reconcilerNameFor } from '../envrepo/reconciler-names';

/** Field manager of `stagecraft bootstrap`: its fields (the bootstrap annotation) survive the reconciler's own applies. */
export const BOOTSTRAP_FIELD_MANAGER = 'stagecraft-bootstrap';
/** On every object bootstrap wrote, with the environment: what `stagecraft uninstall` removes. */
export const BOOTSTRAPPED_ANNOTATION = 'stagecraft.dev/bootstrapped-for';
/**
 * On a namespace bootstrap created (it did not exist) and that holds none of the environment's applications:
 * only such a namespace is deleted by uninstall (with what the reconciler kept in it: status, applyset, lock).
 */
export const CREATED_NAMESPACE_ANNOTATION = 'stagecraft.dev/namespace-created-by-bootstrap';

/** Kinds bootstrap writes, in the order it writes them (uninstall deletes in the reverse order). */
const BOOTSTRAP_KINDS: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly namespaced: boolean }> = [
  { apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
];

/** Refused bootstrap input: names the environment or file and the fix. */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/** Files of the credentials Secret (see reconcilerCredentialsSecretName), by key. */
export type CredentialFiles = Readonly<Record<string, Uint8Array>>;

/**
 * What installs an environment's reconciler: its own objects as synth wrote them into the env repo
 * (`<env>/_reconciler/` and its Namespace, ClusterRole and ClusterRoleBinding in `<env>/_cluster/`), the
 * environment's namespaces the Roles go into, and the credentials Secret. Each carries
 * the bootstrap annotation. Refuses an environment without the `reconciler` option.
 */
export function bootstrapObjects(desired: DesiredState, credentials?: CredentialFiles): KubeObject[] {
  const metadata = desired.environment;
  const environment = metadata.name;
  if (metadata.reconciler === undefined) {
    throw new BootstrapError(`environment "${environment}" declares no in-cluster reconciler; set reconciler: { image, repository } on its Environment construct, synth and commit, then bootstrap`);
  }
  const name = reconcilerNameFor(environment);
  const own = desired.objects.filter(({ path, object }) => {
    if (path.startsWith(`${environment}/_reconciler/`)) {
      return true;
    }
    const clusterFile = path.slice(`${environment}/_cluster/`.length);
    return path.startsWith(`${environment}/_cluster/`)
      && (clusterFile === `clusterrole.${name}.yaml` || clusterFile === `clusterrolebinding.${name}.yaml`
        || (object.kind === 'Namespace' && object.metadata.name === metadata.controlNamespace));
  }).map(({ object }) => object);
  if (!own.some((object) => object.kind === 'Deployment')) {
    throw new BootstrapError(`environment "${environment}" lists a reconciler in environment.json, but ${environment}/_reconciler/ holds no Deployment; run stagecraft synth again and commit`);
  }
  const labels = { 'app.kubernetes.io/name': RECONCILER_NAME, [ENVIRONMENT_LABEL]: environment };
  const objects = [...own];
  // The Roles go into every namespace of the environment: those that do not exist yet are created first.
  for (const namespace of [metadata.controlNamespace, ...metadata.namespaces]) {
    if (!objects.some((object) => object.kind === 'Namespace' && object.metadata.name === namespace)) {
      objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } });
    }
  }
  if (credentials !== undefined && Object.keys(credentials).length > 0) {
    const data: Record<string, string> = {};
    for (const key of Object.keys(credentials).sort()) {
      data[key] = Buffer.from(credentials[key]).toString('base64');
    }
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: reconcilerCredentialsSecretName(environment), namespace: metadata.controlNamespace, labels },
      type: 'Opaque',
      data,
    } as KubeObject);
  }
  const order = (object: KubeObject) => BOOTSTRAP_KINDS.findIndex((kind) => kind.kind === object.kind);
  return objects
    .filter((object, index) => object.kind !== 'Namespace' || objects.findIndex((other) => other.kind === 'Namespace' && other.metadata.name === object.metadata.name) === index)
    .map((object) => withAnnotation(object, BOOTSTRAPPED_ANNOTATION, environment))
    .sort((left, right) => order(left) - order(right));
}

/** What one object came to. */
export interface BootstrapChange {
  readonly object: string;
  readonly action: 'created' | 'configured' | 'unchanged' | 'deleted' | 'kept';
  readonly message?: string;
}

/**
 * Applies the objects (server-side, field manager stagecraft-bootstrap, force), each only when it is missing
 * or one of its declared fields differs live: a second bootstrap sends no write. A namespace created here is
 * marked, so that uninstall knows it may delete it.
 */
export async function installReconciler(
  client: ClusterClient, objects: readonly KubeObject[], desiredState: DesiredState,
): Promise<BootstrapChange[]> {
  const environment = desiredState.environment.name;
  const applicationNamespaces = new Set(desiredState.objects
    .filter(({ path }) => !path.startsWith(`${environment}/_reconciler/`) && !path.startsWith(`${environment}/_cluster/`))
    .map(({ object }) => object.metadata.namespace));
  const changes: BootstrapChange[] = [];
  for (const object of objects) {
    const live = await client.get(referenceOf(object));
    let desired = object;
    if (object.kind === 'Namespace') {
      // Created now, or created by an earlier bootstrap: either way bootstrap owns it, unless applications live there.
      const created = live === undefined || live.metadata.annotations?.[CREATED_NAMESPACE_ANNOTATION] === 'true';
      desired = created && !applicationNamespaces.has(object.metadata.name) ? withAnnotation(object, CREATED_NAMESPACE_ANNOTATION, 'true') : object;
    }
    if (live !== undefined && driftedFields(desired as unknown as Record<string, unknown>, live as unknown as Record<string, unknown>).length === 0) {
      changes.push({ object: describeObject(referenceOf(object)), action: 'unchanged' });
      continue;
    }
    await client.apply(desired, { fieldManager: BOOTSTRAP_FIELD_MANAGER, force: true });
    changes.push({ object: describeObject(referenceOf(object)), action: live === undefined ? 'created' : 'configured' });
  }
  return changes;
}

/**
 * Deletes what bootstrap wrote for the environment: the objects of the reconciler's kinds that carry its
 * labels and the bootstrap annotation, in the reverse order of installing. A namespace is deleted only when
 * bootstrap created it for the reconciler alone (CREATED_NAMESPACE_ANNOTATION); otherwise it is kept.
 */
export async function uninstallReconciler(client: ClusterClient, environment: string): Promise<BootstrapChange[]> {
  const selector = `app.kubernetes.io/name=${RECONCILER_NAME},${ENVIRONMENT_LABEL}=${environment}`;
  const changes: BootstrapChange[] = [];
  for (const kind of [...BOOTSTRAP_KINDS].reverse()) {
    const found = await client.list(kind.apiVersion, kind.kind, { labelSelector: selector });
    for (const object of found.filter((candidate) => candidate.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === environment)) {
      const typed = { ...object, apiVersion: kind.apiVersion, kind: kind.kind } as KubeObject;
      if (kind.kind === 'Namespace') {
        if (object.metadata.annotations?.[CREATED_NAMESPACE_ANNOTATION] !== 'true') {
          changes.push({ object: describeObject(referenceOf(typed)), action: 'kept', message: 'it existed before bootstrap or holds the environment\'s applications; delete it yourself if it should go' });
          continue;
        }
      }
      const result = await client.delete(referenceOf(typed), { uid: object.metadata.uid as string | undefined, propagationPolicy: 'Background' });
      if (result === 'deleted') {
        changes.push({ object: describeObject(referenceOf(typed)), action: 'deleted' });
      }
    }
  }
  return changes;
}

function withAnnotation(object: KubeObject, key: string, value: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, annotations: { ...(object.metadata.annotations ?? {}), [key]: value } } };
}
