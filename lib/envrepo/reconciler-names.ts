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

/**
 * Name of the Secret `stagecraft bootstrap` writes next to the reconciler, mounted (optionally) at
 * /etc/stagecraft/credentials. Keys: `ssh-key` + `known_hosts` (a deploy key and the pinned host key), or
 * `token` (an HTTPS access token), and `ca.crt` (the git server's CA). Reserved for the reconciler's HTTP
 * endpoint and alerts: `webhook-secret` and `alert-urls`. It never enters the env repo.
 */
export function reconcilerCredentialsSecretName(environment: string): string {
  return `${reconcilerNameFor(environment)}-credentials`;
}
