import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';

/** Everything needed to open a connection to one API server. */
export interface ConnectionSettings {
  /** `https://host:port`, possibly with a path prefix. */
  readonly server: string;
  readonly context: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  /** Value of the Authorization header, if any. */
  readonly authorization?: string;
  /**
   * A bearer token file read again whenever it changes (a projected ServiceAccount token is rotated by the
   * kubelet); takes the place of `authorization`.
   */
  readonly tokenFile?: string;
}

/** Where a Pod finds its ServiceAccount's token, CA and namespace (the kubelet's projected volume). */
export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The connection of a Pod to its own API server, as client-go and @kubernetes/client-node's `loadFromCluster`
 * make it: the server from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT, the CA from `ca.crt` and the
 * bearer token from `token` in `serviceAccountDir`, the token read again when it rotates. The folder may be
 * moved (`--service-account-dir`), which is how the reconciler runs as a ServiceAccount outside a Pod.
 */
export function inClusterSettings(serviceAccountDir: string = DEFAULT_SERVICE_ACCOUNT_DIR, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '') {
    throw new KubeconfigError('in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so this is not a Pod; run inside the cluster, set both to the API server\'s address, or pass --kubeconfig');
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new KubeconfigError(`in-cluster: KUBERNETES_SERVICE_PORT "${port}" is not a port number`);
  }
  if (/[\s/@]/.test(host)) {
    throw new KubeconfigError(`in-cluster: KUBERNETES_SERVICE_HOST "${host}" is not a host name or address`);
  }
  const tokenFile = path.join(serviceAccountDir, 'token');
  const token = readServiceAccountFile(tokenFile, serviceAccountDir).toString('utf8').trim();
  if (token === '') {
    throw new KubeconfigError(`in-cluster: the ServiceAccount token ${tokenFile} is empty; check the Pod's token volume`);
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    context: 'in-cluster',
    ca: readServiceAccountFile(path.join(serviceAccountDir, 'ca.crt'), serviceAccountDir),
    insecureSkipTlsVerify: false,
    tokenFile,
  };
}

function readServiceAccountFile(file: string, folder: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new KubeconfigError(`in-cluster: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the Pod needs its ServiceAccount token mounted (automountServiceAccountToken) or --service-account-dir must name a folder holding token and ca.crt (not ${folder})`);
  }
}

/**
 * A kubeconfig whose credentials are static (token, token file, client certificate, basic auth) is read here;
 * one that needs a credential plugin (`exec`, `auth-provider`) is left to @kubernetes/client-node, which
 * costs about half a second and 110 MB to load: too much to pay on every reconcile of a dev or CI cluster.
 */
export type KubeconfigReading =
  | { readonly kind: 'static'; readonly settings: ConnectionSettings }
  | { readonly kind: 'plugin'; readonly context: string };

/** Thrown for a kubeconfig that cannot be used; the message names the file and the fix. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export function readKubeconfig(file: string, text: string, context?: string): KubeconfigReading {
  let config: any;
  try {
    config = yaml.load(text, { filename: file });
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid yaml: ${(error as Error).message.split('\n')[0]}`);
  }
  if (config === null || typeof config !== 'object') {
    throw new KubeconfigError(`kubeconfig ${file} is empty or not a mapping; point --kubeconfig at a kubeconfig file`);
  }
  const contextName: string | undefined = context ?? config['current-context'];
  const contexts: any[] = Array.isArray(config.contexts) ? config.contexts : [];
  const known = contexts.map((entry) => entry?.name).filter((name) => typeof name === 'string');
  if (contextName === undefined || contextName === '') {
    throw new KubeconfigError(`kubeconfig ${file} sets no current-context; pass --context (known: ${known.join(', ') || 'none'})`);
  }
  const contextEntry = contexts.find((entry) => entry?.name === contextName)?.context;
  if (contextEntry === undefined) {
    throw new KubeconfigError(`kubeconfig ${file} has no context "${contextName}"; known contexts: ${known.join(', ') || 'none'}`);
  }
  const cluster = findNamed(config.clusters, contextEntry.cluster)?.cluster;
  if (cluster === undefined || typeof cluster.server !== 'string') {
    throw new KubeconfigError(`kubeconfig ${file}: context "${contextName}" names cluster "${contextEntry.cluster}", which is missing or has no server`);
  }
  if (cluster['proxy-url'] !== undefined) {
    throw new KubeconfigError(`kubeconfig ${file}: cluster "${contextEntry.cluster}" uses proxy-url, which stagecraft does not support yet; reach the API server directly`);
  }
  const user = findNamed(config.users, contextEntry.user)?.user ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    return { kind: 'plugin', context: contextName };
  }
  const directory = path.dirname(file);
  const settings: ConnectionSettings = {
    server: cluster.server.replace(/\/+$/, ''),
    context: contextName,
    ca: fileOrData(directory, cluster['certificate-authority'], cluster['certificate-authority-data'], file),
    cert: fileOrData(directory, user['client-certificate'], user['client-certificate-data'], file),
    key: fileOrData(directory, user['client-key'], user['client-key-data'], file),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    authorization: authorizationOf(user, directory, file),
  };
  return { kind: 'static', settings };
}

function findNamed(list: unknown, name: unknown): any {
  return Array.isArray(list) ? list.find((entry) => entry?.name === name) : undefined;
}

function authorizationOf(user: any, directory: string, file: string): string | undefined {
  if (typeof user.token === 'string' && user.token !== '') {
    return `Bearer ${user.token}`;
  }
  if (typeof user.tokenFile === 'string') {
    return `Bearer ${readReferenced(path.resolve(directory, user.tokenFile), file).toString('utf8').trim()}`;
  }
  if (typeof user.username === 'string') {
    return `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  }
  return undefined;
}

function fileOrData(directory: string, fileName: unknown, data: unknown, kubeconfig: string): Buffer | undefined {
  if (typeof fileName === 'string' && fileName !== '') {
    return readReferenced(path.resolve(directory, fileName), kubeconfig);
  }
  if (typeof data === 'string' && data !== '') {
    return Buffer.from(data, 'base64');
  }
  return undefined;
}

function readReferenced(file: string, kubeconfig: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${kubeconfig} refers to ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
