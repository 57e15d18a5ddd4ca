import { Environment } from '../../constructs/environment';
import { InClusterReconciler } from '../../constructs/in-cluster-reconciler';
import { isPinnedByDigest } from '../../constructs/private/image-reference';
import { dnsLabelProblem, dnsSubdomainProblem } from '../../envrepo/names';
import { RECONCILER_FOLDER } from '../../envrepo/paths';

/** An object after rendering, with everything the rules need to name it. */
export interface RenderedObject {
  readonly manifest: any;
  /** Construct path of the ApiObject that produced it. */
  readonly constructPath: string;
  readonly application: string;
  readonly clusterScoped: boolean;
}

/** One rule about a single object: `check` returns a problem description (without location) or nothing. */
interface ObjectRule {
  readonly check: (object: RenderedObject, environment: Environment) => string | undefined;
}

const WORKLOAD_POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose names are DNS-1123 labels rather than subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);
/** RBAC kinds accept path-segment names such as `system:aggregate-to-view`. */
const PATH_SEGMENT_NAMED_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const PATH_SEGMENT_NAME = /^[a-z0-9]([-a-z0-9:._]*[a-z0-9])?$/;

/** The pod spec of a workload object, or undefined for other kinds. */
export function podSpecOf(manifest: any): any | undefined {
  const path = WORKLOAD_POD_SPEC_PATHS[manifest.kind];
  if (path === undefined) {
    return undefined;
  }
  let node = manifest;
  for (const key of path) {
    node = node?.[key];
  }
  return node;
}

/** Every container (init, regular, ephemeral) of a pod spec. */
export function containersOf(podSpec: any): any[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? []), ...(podSpec?.ephemeralContainers ?? [])];
}

/** The rules every object of an environment must pass, in the order their messages are listed. */
export const OBJECT_RULES: readonly ObjectRule[] = [
  {
    check: ({ manifest }) => {
      const name = manifest.metadata?.name;
      if (typeof name !== 'string') {
        return 'has no metadata.name; give the object a name';
      }
      if (PATH_SEGMENT_NAMED_KINDS.has(manifest.kind)) {
        return PATH_SEGMENT_NAME.test(name) && name.length <= 253 ? undefined
          : `name "${name}" is not a valid ${manifest.kind} name; use lowercase letters, digits, "-", ".", ":" and "_"`;
      }
      const problem = LABEL_NAMED_KINDS.has(manifest.kind) ? dnsLabelProblem(name) : dnsSubdomainProblem(name);
      return problem ? `name "${name}" ${problem} (DNS-1123); rename the object` : undefined;
    },
  },
  {
    check: ({ manifest, clusterScoped }, environment) => {
      if (clusterScoped) {
        return undefined;
      }
      const namespace = manifest.metadata?.namespace;
      return environment.namespaces.includes(namespace) ? undefined
        : `namespace "${namespace}" is outside environment "${environment.environmentName}" (allowed: ${environment.namespaces.join(', ')}); put the object in one of those or add the namespace with additionalNamespaces`;
    },
  },
  {
    check: (object, environment) => {
      const { manifest, clusterScoped } = object;
      if (!clusterScoped || environment.allowedClusterScopedKinds.includes(manifest.kind) || isReconcilerAccess(object, environment)) {
        return undefined;
      }
      return `cluster-scoped kind ${manifest.kind} is not allowed in environment "${environment.environmentName}" (allowed: ${environment.allowedClusterScopedKinds.join(', ') || 'none'}); add it to allowedClusterScopedKinds or remove the object`;
    },
  },
  {
    check: ({ manifest }) => {
      if (manifest.kind !== 'Secret' || !/^v1$/.test(manifest.apiVersion)) {
        return undefined;
      }
      const keys = [...Object.keys(manifest.data ?? {}), ...Object.keys(manifest.stringData ?? {})];
      return keys.length === 0 ? undefined
        : `holds plaintext secret data (keys: ${keys.sort().join(', ')}) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)`;
    },
  },
  {
    check: ({ manifest }, environment) => {
      if (!environment.requireImageDigest) {
        return undefined;
      }
      const unpinned = containersOf(podSpecOf(manifest))
        .filter((container) => typeof container.image !== 'string' || !isPinnedByDigest(container.image))
        .map((container) => `${container.name}=${container.image ?? '<none>'}`);
      return unpinned.length === 0 ? undefined
        : `image not pinned by digest (${unpinned.join(', ')}) but environment "${environment.environmentName}" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false`;
    },
  },
];

/**
 * The in-cluster reconciler's own ClusterRole and ClusterRoleBinding. They exist only to let the reconciler
 * manage the cluster-scoped objects the environment already allows (its namespaces above all) and are
 * limited to those objects by name, so allowing them is part of allowing those kinds, not a new permission.
 */
function isReconcilerAccess(object: RenderedObject, environment: Environment): boolean {
  return object.application === RECONCILER_FOLDER
    && (object.manifest.kind === 'ClusterRole' || object.manifest.kind === 'ClusterRoleBinding')
    && object.manifest.apiVersion === 'rbac.authorization.k8s.io/v1'
    && object.manifest.metadata?.name === InClusterReconciler.nameFor(environment.environmentName);
}
