import { APPLIED_DIGEST_ANNOTATION } from './annotations';
import { IMAGE_DIGEST_PATTERN } from './digest';
import { MAX_ANNOTATIONS_BYTES } from './limits';
import { dnsLabelProblem, dnsSubdomainProblem } from './names';
import { reconcilerNameFor } from './reconciler-names';

/**
 * What an environment allows its objects: declared by the `Environment` construct, recorded in
 * `environment.json`. Synth checks rendered objects against it, the reconciler checks the files it reads.
 */
export interface ObjectPolicy {
  /** The environment's name, shown in messages. */
  readonly environment: string;
  /** Namespaces objects may live in; the first is where a namespaced object without one goes. */
  readonly namespaces: readonly string[];
  readonly allowedClusterScopedKinds: readonly string[];
  readonly requireImageDigest: boolean;
}

/** One object to check, with what its caller knows about it. */
export interface CheckedObject {
  /** The object as it will be written (synth) or as it was read (reconciler). */
  readonly manifest: any;
  readonly clusterScoped: boolean;
  /**
   * Whether the object was produced for the environment's in-cluster reconciler (synth: rendered into
   * `_reconciler`; env repo: environment.json declares a reconciler).
   */
  readonly fromReconciler: boolean;
}

/** One rule about a single object: `check` returns a problem description (without location) or nothing. */
export interface ObjectRule {
  readonly check: (object: CheckedObject, policy: ObjectPolicy) => string | undefined;
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
/**
 * A kind as the API server accepts it from a CustomResourceDefinition (a DNS-1035 label once lowercased).
 * Kinds become file names in the env repo, so anything else (a "/" or "..") could point outside it.
 */
const KIND = /^[A-Za-z]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
/** The version part of an apiVersion: `v1`, `v2beta1`, or any DNS-1035 label a CustomResourceDefinition may declare. */
const VERSION = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';
/** `stagecraft.dev/applied-digest: sha256:<64 hex>`, added to every object at apply time. */
const APPLIED_DIGEST_BYTES = APPLIED_DIGEST_ANNOTATION.length + 'sha256:'.length + 64;

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
  return [...arrayOrEmpty(podSpec?.initContainers), ...arrayOrEmpty(podSpec?.containers), ...arrayOrEmpty(podSpec?.ephemeralContainers)];
}

/** The rules every object of an environment must pass, in the order their messages are listed. */
export const OBJECT_RULES: readonly ObjectRule[] = [
  {
    check: ({ manifest }) => {
      const kind = manifest.kind;
      if (typeof kind !== 'string' || !KIND.test(kind)) {
        return `kind ${JSON.stringify(kind)} is not a kubernetes kind (letters, digits and "-", starting with a letter, at most 63 characters); fix the kind`;
      }
      const apiVersion = manifest.apiVersion;
      return typeof apiVersion === 'string' && apiVersionProblem(apiVersion) === undefined ? undefined
        : `apiVersion ${JSON.stringify(apiVersion)} is not "<version>" or "<group>/<version>" (group a DNS-1123 subdomain, version such as v1 or v2beta1); fix the apiVersion`;
    },
  },
  {
    // `kind: List` (and every `<Kind>List`) carries objects in `items`: kubectl applies each, one file would hide many.
    check: ({ manifest }) => (typeof manifest.kind === 'string' && manifest.kind.endsWith('List') && Array.isArray(manifest.items)
      ? `is a ${manifest.kind} of ${manifest.items.length} objects, but a file holds exactly one object; write each item as an object of its own`
      : undefined),
  },
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
    check: ({ manifest, clusterScoped }, policy) => {
      if (clusterScoped) {
        return undefined;
      }
      // The reconciler puts a namespaced object without a namespace into the first one (synth always writes one).
      const namespace = manifest.metadata?.namespace ?? policy.namespaces[0];
      return policy.namespaces.includes(namespace) ? undefined
        : `namespace "${namespace}" is outside environment "${policy.environment}" (allowed: ${policy.namespaces.join(', ')}); put the object in one of those or add the namespace with additionalNamespaces`;
    },
  },
  {
    check: (object, policy) => {
      const { manifest, clusterScoped } = object;
      if (!clusterScoped || policy.allowedClusterScopedKinds.includes(manifest.kind) || isReconcilerAccess(object, policy)) {
        return undefined;
      }
      return `cluster-scoped kind ${manifest.kind} is not allowed in environment "${policy.environment}" (allowed: ${policy.allowedClusterScopedKinds.join(', ') || 'none'}); add it to allowedClusterScopedKinds or remove the object`;
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
    check: ({ manifest }, policy) => {
      if (!policy.requireImageDigest) {
        return undefined;
      }
      const unpinned = containersOf(podSpecOf(manifest))
        .filter((container) => typeof container?.image !== 'string' || !IMAGE_DIGEST_PATTERN.test(container.image))
        .map((container) => `${container?.name}=${container?.image ?? '<none>'}`);
      return unpinned.length === 0 ? undefined
        : `image not pinned by digest (${unpinned.join(', ')}) but environment "${policy.environment}" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false`;
    },
  },
  {
    check: ({ manifest }) => {
      const annotations = manifest.metadata?.annotations;
      if (annotations === null || typeof annotations !== 'object') {
        return undefined;
      }
      let total = APPLIED_DIGEST_BYTES;
      let largest: { key: string; bytes: number } | undefined;
      for (const [key, value] of Object.entries(annotations)) {
        if (key === APPLIED_DIGEST_ANNOTATION) {
          continue;
        }
        const bytes = Buffer.byteLength(key, 'utf8') + Buffer.byteLength(String(value), 'utf8');
        total += bytes;
        if (largest === undefined || bytes > largest.bytes) {
          largest = { key, bytes };
        }
      }
      return total <= MAX_ANNOTATIONS_BYTES ? undefined
        : `annotations take ${total} bytes with ${APPLIED_DIGEST_ANNOTATION} (added at apply time), over the API server's limit of ${MAX_ANNOTATIONS_BYTES} bytes (256 KiB); the largest is "${largest!.key}" (${largest!.bytes} bytes): move large values into a ConfigMap`;
    },
  },
];

/** Every rule's problem for one object, in rule order. */
export function objectProblems(object: CheckedObject, policy: ObjectPolicy): string[] {
  const problems: string[] = [];
  for (const rule of OBJECT_RULES) {
    const problem = rule.check(object, policy);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  return problems;
}

/** Why an apiVersion is not `version` or `group/version`, or undefined. */
function apiVersionProblem(apiVersion: string): string | undefined {
  const parts = apiVersion.split('/');
  if (parts.length > 2 || !VERSION.test(parts[parts.length - 1])) {
    return 'bad version';
  }
  return parts.length === 2 ? dnsSubdomainProblem(parts[0]) : undefined;
}

/**
 * The in-cluster reconciler's own ClusterRole and ClusterRoleBinding. They exist only to let the reconciler
 * manage the cluster-scoped objects the environment already allows (its namespaces above all) and are
 * limited to those objects by name, so allowing them is part of allowing those kinds, not a new permission.
 */
function isReconcilerAccess(object: CheckedObject, policy: ObjectPolicy): boolean {
  const { manifest } = object;
  return object.fromReconciler
    && (manifest.kind === 'ClusterRole' || manifest.kind === 'ClusterRoleBinding')
    && manifest.apiVersion === RBAC_API_VERSION
    && manifest.metadata?.name === reconcilerNameFor(policy.environment);
}

function arrayOrEmpty(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
