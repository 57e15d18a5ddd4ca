/**
 * How risky one change of an object is, from harmless to destructive. A promotion plan gives each changed
 * object a class and each application the highest class of its objects; a policy can demand extra
 * approvals or soak time from a class upwards (`PromotionGate.extraApprovalsFor`).
 */
export enum RiskClass {
  /** Nothing changes. */
  NO_OP = 'no-op',
  /**
   * The object changes but no pod restarts and nothing is recreated: ConfigMap or Secret data, labels and
   * annotations outside the pod template, replica counts, Service ports, Ingress rules, new objects that run no pods.
   */
  CONFIG_ONLY = 'config-only',
  /** The pod template changes (image, env, resources, probes): pods are replaced, or start or stop. */
  POD_RESTART = 'pod-restart',
  /**
   * A field the API server does not let change in place (a workload's selector, a Job's template, a
   * PersistentVolumeClaim's storage class, a StatefulSet's volume claim templates): the object must be
   * deleted and recreated.
   */
  IMMUTABLE_FIELD_RECREATE = 'immutable-field-recreate',
  /** A kind that holds data is deleted: PersistentVolumeClaim, Namespace, CustomResourceDefinition. */
  DATA_DELETION = 'data-deletion',
}
