import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ParsedArguments, stringOption, UsageError } from './args';
import { Output } from './output';

/** Folder of the local dev cluster (`stagecraft dev-cluster start`), as scripts/control-plane uses it. */
export function devClusterFolder(): string {
  return process.env.STAGECRAFT_DEV_CLUSTER_DIR || path.join(os.homedir(), '.cache', 'stagecraft', 'dev-cluster');
}

/**
 * The kubeconfig and context a cluster command talks to: --kubeconfig / --context when given; else
 * $KUBECONFIG (or ~/.kube/config) when set; else the dev cluster's kubeconfig when it exists, which is said
 * on stderr so nobody mistakes it for their real cluster.
 */
/** Where a cluster command connects: a kubeconfig (and context), or the Pod's ServiceAccount. */
export interface ClusterTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly inCluster?: { readonly serviceAccountDir?: string };
}

export function clusterTargetOf(parsed: ParsedArguments, output: Output, command: string): ClusterTarget {
  const kubeconfig = stringOption(parsed, 'kubeconfig');
  const context = stringOption(parsed, 'context');
  const serviceAccountDir = stringOption(parsed, 'service-account-dir');
  if (parsed.options.has('in-cluster')) {
    if (kubeconfig !== undefined || context !== undefined) {
      throw new UsageError('--in-cluster connects as the Pod\'s ServiceAccount; it takes no --kubeconfig or --context');
    }
    return { inCluster: { serviceAccountDir: serviceAccountDir === undefined ? undefined : path.resolve(serviceAccountDir) } };
  }
  if (serviceAccountDir !== undefined) {
    throw new UsageError('--service-account-dir goes with --in-cluster');
  }
  if (kubeconfig !== undefined || context !== undefined || (process.env.KUBECONFIG ?? '') !== '') {
    return { kubeconfig: kubeconfig === undefined ? undefined : path.resolve(kubeconfig), context };
  }
  const devKubeconfig = path.join(devClusterFolder(), 'kubeconfig');
  if (fs.existsSync(devKubeconfig)) {
    output.error(`${command}: no --kubeconfig, --context or $KUBECONFIG given: using the dev cluster's kubeconfig ${devKubeconfig}`);
    return { kubeconfig: devKubeconfig };
  }
  return {};
}

/** Options of the commands that run as the in-cluster agent. */
export const IN_CLUSTER_VALUE_OPTIONS = ['service-account-dir'] as const;
export const IN_CLUSTER_SWITCHES = ['in-cluster'] as const;
export const IN_CLUSTER_USAGE = `  --in-cluster            connect as the Pod's ServiceAccount, no kubeconfig: the API server from
                          KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, token and CA from --service-account-dir;
                          the token is read again whenever the kubelet rotates it (also the default inside a Pod
                          when no kubeconfig is given)
  --service-account-dir DIR  with --in-cluster: the folder holding token and ca.crt
                          (default /var/run/secrets/kubernetes.io/serviceaccount)`;

/** A whole number option within bounds, or its default. */
export function integerOption(parsed: ParsedArguments, name: string, fallback: number, minimum: number, maximum: number): number {
  const text = stringOption(parsed, name);
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < minimum || value > maximum) {
    throw new UsageError(`--${name} ${text} is not a whole number from ${minimum} to ${maximum}`);
  }
  return value;
}

/** A number option within bounds, or its default. */
export function shareOption(parsed: ParsedArguments, name: string, fallback: number): number {
  const text = stringOption(parsed, name);
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UsageError(`--${name} ${text} is not a share greater than 0 and at most 1 (0.5 is 50 %)`);
  }
  return value;
}
