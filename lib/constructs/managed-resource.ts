/**
 * A kind of object the reconciler manages, as RBAC names it.
 */
export interface ManagedResource {
  /** API group, "" for the core group (`apps`, `networking.k8s.io`, `cert-manager.io`). */
  readonly apiGroup: string;

  /** Resource name as in API paths and RBAC rules: the plural, e.g. `deployments`. */
  readonly resource: string;

  /** Whether objects of this resource live in namespaces. */
  readonly namespaced: boolean;

  /**
   * Names of the objects, for cluster-scoped resources: the reconciler may touch only these.
   * @default - none (required for cluster-scoped resources)
   */
  readonly names?: string[];
}
