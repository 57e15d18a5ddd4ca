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
