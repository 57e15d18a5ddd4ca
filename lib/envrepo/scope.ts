/**
 * Kinds the API server serves without a namespace. Objects of these kinds are written under
 * `<env>/_cluster/` and never get the environment's namespace.
 */
const CLUSTER_SCOPED_KINDS = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Whether objects of `kind` live outside namespaces; `extraClusterScopedKinds` adds custom kinds (CRDs with scope Cluster). */
export function isClusterScopedKind(kind: string, extraClusterScopedKinds: ReadonlySet<string> = new Set()): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind) || extraClusterScopedKinds.has(kind);
}

/** Namespaced kinds served by every API server; together with the cluster-scoped table these are the built-in kinds. */
const NAMESPACED_BUILT_IN_KINDS = new Set([
  'ConfigMap', 'ControllerRevision', 'CronJob', 'CSIStorageCapacity', 'DaemonSet', 'Deployment', 'Endpoints', 'EndpointSlice',
  'Event', 'HorizontalPodAutoscaler', 'Ingress', 'Job', 'Lease', 'LimitRange', 'NetworkPolicy', 'PersistentVolumeClaim',
  'Pod', 'PodDisruptionBudget', 'PodTemplate', 'ReplicaSet', 'ReplicationController', 'ResourceQuota', 'Role',
  'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet',
]);

/** Whether the kind is built into Kubernetes (its scope is known without a CustomResourceDefinition). */
export function isBuiltInKind(kind: string): boolean {
  return NAMESPACED_BUILT_IN_KINDS.has(kind) || CLUSTER_SCOPED_KINDS.has(kind);
}

/** Every built-in kind, sorted: the kinds whose resource names the built-in table must know. */
export function builtInKinds(): string[] {
  return [...NAMESPACED_BUILT_IN_KINDS, ...CLUSTER_SCOPED_KINDS].sort();
}
