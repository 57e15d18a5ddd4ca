/**
 * Names of an environment's in-cluster reconciler objects. Part of the format: the reader exempts the
 * reconciler's own ClusterRole and ClusterRoleBinding, by this name, from `allowedClusterScopedKinds`.
 */

/** Prefix of every object of the in-cluster reconciler, and its `app.kubernetes.io/name`. */
export const RECONCILER_NAME = 'stagecraft-reconciler';

/** Name of the reconciler's ServiceAccount, Deployment and ClusterRole for an environment. */
export function reconcilerNameFor(environment: string): string {
  return `${RECONCILER_NAME}-${environment}`;
}
