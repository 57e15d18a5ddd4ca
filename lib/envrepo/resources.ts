import { apiGroupOf } from './object-identity';

/**
 * Resource names (the plurals in API paths and RBAC rules) of the built-in kinds. Custom resources get
 * theirs from their CustomResourceDefinition's `spec.names.plural`, never from a guess: a wrong plural in
 * an RBAC rule grants nothing, or something else.
 */
const BUILT_IN_RESOURCES: Readonly<Record<string, string>> = {
  APIService: 'apiservices',
  CertificateSigningRequest: 'certificatesigningrequests',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  ComponentStatus: 'componentstatuses',
  ConfigMap: 'configmaps',
  ControllerRevision: 'controllerrevisions',
  CronJob: 'cronjobs',
  CSIDriver: 'csidrivers',
  CSINode: 'csinodes',
  CSIStorageCapacity: 'csistoragecapacities',
  CustomResourceDefinition: 'customresourcedefinitions',
  DaemonSet: 'daemonsets',
  Deployment: 'deployments',
  Endpoints: 'endpoints',
  EndpointSlice: 'endpointslices',
  Event: 'events',
  FlowSchema: 'flowschemas',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  Job: 'jobs',
  Lease: 'leases',
  LimitRange: 'limitranges',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  Namespace: 'namespaces',
  NetworkPolicy: 'networkpolicies',
  Node: 'nodes',
  PersistentVolume: 'persistentvolumes',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Pod: 'pods',
  PodDisruptionBudget: 'poddisruptionbudgets',
  PodSecurityPolicy: 'podsecuritypolicies',
  PodTemplate: 'podtemplates',
  PriorityClass: 'priorityclasses',
  PriorityLevelConfiguration: 'prioritylevelconfigurations',
  ReplicaSet: 'replicasets',
  ReplicationController: 'replicationcontrollers',
  ResourceQuota: 'resourcequotas',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  RuntimeClass: 'runtimeclasses',
  Secret: 'secrets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  StatefulSet: 'statefulsets',
  StorageClass: 'storageclasses',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  VolumeAttachment: 'volumeattachments',
};

/**
 * Whether `apiVersion` belongs to Kubernetes itself. A CustomResourceDefinition's group must contain a dot,
 * and `*.k8s.io` groups are reserved for the project, so a kind in any other group is a custom resource
 * even when it is called `Deployment`.
 */
export function isBuiltInGroup(apiVersion: string): boolean {
  const group = apiGroupOf(apiVersion);
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/** The resource name of a built-in kind (`Deployment` → `deployments`), or undefined for other kinds. */
export function builtInResourceOf(kind: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(BUILT_IN_RESOURCES, kind) ? BUILT_IN_RESOURCES[kind] : undefined;
}
