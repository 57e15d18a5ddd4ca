import { WatchableClusterClient } from './cluster-client';

export interface ConnectOptions {
  /** kubeconfig file; default $KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
  readonly kubeconfig?: string;
  /** Context to use; default the kubeconfig's current-context. */
  readonly context?: string;
  /**
   * Connect as the Pod's ServiceAccount instead of through a kubeconfig: server from
   * KUBERNETES_SERVICE_HOST/PORT, token and CA from `serviceAccountDir`
   * (default /var/run/secrets/kubernetes.io/serviceaccount); the token is read again when it rotates.
   */
  readonly inCluster?: { readonly serviceAccountDir?: string };
  /** Requests in flight at once. @default 16 */
  readonly maxConcurrentRequests?: number;
}

/**
 * A ClusterClient for a real cluster. The adapter is loaded here, on first use, so commands that never talk
 * to a cluster (synth) never load it or anything it loads.
 */
export async function connectToCluster(options: ConnectOptions): Promise<WatchableClusterClient> {
  const { KubernetesClusterClient } = await import('./private/kubernetes-cluster-client.js');
  const target = { kubeconfig: options.kubeconfig, context: options.context, inCluster: options.inCluster };
  return KubernetesClusterClient.connect(target, { maxConcurrentRequests: options.maxConcurrentRequests });
}
