import { WatchableClusterClient } from './cluster-client';

export interface ConnectOptions {
  /** kubeconfig file; default $KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
  readonly kubeconfig?: string;
  /** Context to use; default the kubeconfig's current-context. */
  readonly context?: string;
  /** Requests in flight at once. @default 16 */
  readonly maxConcurrentRequests?: number;
}

/**
 * A ClusterClient for a real cluster. The adapter is loaded here, on first use, so commands that never talk
 * to a cluster (synth) never load it or anything it loads.
 */
export async function connectToCluster(options: ConnectOptions): Promise<WatchableClusterClient> {
  const { KubernetesClusterClient } = await import('./private/kubernetes-cluster-client.js');
  const target = { kubeconfig: options.kubeconfig, context: options.context };
  return KubernetesClusterClient.connect(target, { maxConcurrentRequests: options.maxConcurrentRequests });
}
