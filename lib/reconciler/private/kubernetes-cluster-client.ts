import * as fs from 'fs';
import type * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { ApiRequest, ApiResponse, ApiStream, ApiTransport, openTransport } from './api-transport';
import { KubeObject, ObjectReference } from '../../envrepo/kube-object';
import { describeObject } from '../../envrepo/object-identity';
import {
  ApplyOptions, ClusterError, DeleteOptions, ListedCollection, ListOptions, ResourceType, Watch, WatchableClusterClient, WatchEvent, WatchOptions,
} from '../cluster-client';
import { ConnectionSettings, DEFAULT_SERVICE_ACCOUNT_DIR, inClusterSettings, KubeconfigError, readKubeconfig } from '../kubeconfig';

/** Where a connection came from, for messages. */
export interface ConnectionTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Connect as the Pod's ServiceAccount (see inClusterSettings), with its token and CA in this folder. */
  readonly inCluster?: { readonly serviceAccountDir?: string };
}

export interface ClientOptions {
  /** Streams (HTTP/2) or sockets (HTTP/1.1) in flight at once. @default 16 */
  readonly maxConcurrentRequests?: number;
}

const MAX_ATTEMPTS_WHEN_THROTTLED = 6;

interface ServedResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/**
 * ClusterClient on a real API server. The only file that may load @kubernetes/client-node, and only for
 * kubeconfigs that need a credential plugin; requests go over node's own HTTP/2 (see api-transport.ts).
 * Discovery is read lazily, one group-version at a time, and cached until refreshDiscovery.
 */
export class KubernetesClusterClient implements WatchableClusterClient {
  public static async connect(target: ConnectionTarget, options: ClientOptions = {}): Promise<KubernetesClusterClient> {
    const settings = await connectionSettingsFor(target);
    return new KubernetesClusterClient(settings, openTransport(settings, options.maxConcurrentRequests ?? 16));
  }

  private writes = 0;
  private readonly groupVersions = new Map<string, Promise<readonly ServedResource[] | undefined>>();
  private readonly preferredVersions = new Map<string, Promise<string | undefined>>();

  constructor(
    public readonly settings: ConnectionSettings,
    private readonly transport: ApiTransport,
    private readonly sleep: (milliseconds: number) => Promise<void> = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  ) {}

  public get writeRequests(): number {
    return this.writes;
  }

  public async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    const { group, version } = splitApiVersion(apiVersion);
    const resources = await this.resourcesOf(apiVersion);
    const served = resources?.find((resource) => resource.kind === kind && !resource.name.includes('/'));
    if (served === undefined) {
      throw new ClusterError(`the server does not serve kind ${kind} in apiVersion ${apiVersion}; install its CustomResourceDefinition first or fix apiVersion`, 404, 'NotFound');
    }
    return { group, version, kind, plural: served.name, namespaced: served.namespaced };
  }

  public async preferredVersion(group: string): Promise<string | undefined> {
    if (group === '') {
      return 'v1';
    }
    let cached = this.preferredVersions.get(group);
    if (cached === undefined) {
      cached = this.request({ method: 'GET', path: `/apis/${encodeURIComponent(group)}` }, `discovery of API group ${group}`, [404])
        .then((response) => (response.status === 404 ? undefined : (JSON.parse(response.body)?.preferredVersion?.version as string | undefined)));
      this.preferredVersions.set(group, cached);
      cached.catch(() => this.preferredVersions.delete(group));
    }
    return cached;
  }

  public async refreshDiscovery(): Promise<void> {
    this.groupVersions.clear();
    this.preferredVersions.clear();
  }

  public async get(reference: ObjectReference): Promise<KubeObject | undefined> {
    const url = await this.objectPath(reference);
    const response = await this.request({ method: 'GET', path: url }, `read ${describeObject(reference)}`, [404]);
    return response.status === 404 ? undefined : withTypeOf(JSON.parse(response.body), reference);
  }

  public async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return (await this.listCollection(apiVersion, kind, options)).items;
  }

  public async listCollection(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ListedCollection> {
    const { path: collection, where } = await this.collectionPath(apiVersion, kind, options.namespace);
    const query = options.labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(options.labelSelector)}`;
    const response = await this.request({ method: 'GET', path: `${collection}${query}` }, `list ${kind} (${apiVersion})${where}`);
    const body = JSON.parse(response.body);
    const items = (body?.items ?? []) as Array<Record<string, unknown>>;
    // Items of a LIST carry no apiVersion and kind of their own. They were parsed just now and belong to no one
    // else: given theirs in place, not copied (9,000 copies are garbage the no-op reconcile then collects).
    for (const item of items) {
      item.apiVersion = apiVersion;
      item.kind = kind;
    }
    return { items: items as unknown as KubeObject[], resourceVersion: String(body?.metadata?.resourceVersion ?? '') };
  }

  public async watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch> {
    const { path: collection, where } = await this.collectionPath(apiVersion, kind, options.namespace);
    const query = [
      'watch=1', 'allowWatchBookmarks=true', `resourceVersion=${encodeURIComponent(options.resourceVersion)}`, `timeoutSeconds=${options.timeoutSeconds}`,
      ...(options.labelSelector === undefined ? [] : [`labelSelector=${encodeURIComponent(options.labelSelector)}`]),
    ];
    const what = `watch of ${kind} (${apiVersion})${where}`;
    let pending = '';
    let failure: Error | undefined;
    const lines = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '' && failure === undefined) {
          try {
            onEvent(watchEventOf(line, apiVersion, kind));
          } catch (error) {
            failure = new Error(`${what}: ${(error as Error).message}`);
            stream?.cancel();
          }
        }
      }
    };
    let stream: ApiStream | undefined;
    // Chunks that arrive before the status is known wait; an error status collects the body for its message.
    const early: Buffer[] = [];
    const errorBody: Buffer[] = [];
    const route = (chunk: Buffer): void => {
      if (stream === undefined) {
        early.push(chunk);
      } else if (stream.status >= 300) {
        errorBody.push(chunk);
      } else {
        lines(chunk);
      }
    };
    try {
      stream = await this.transport.stream({ method: 'GET', path: `${collection}?${query.join('&')}` }, route);
    } catch (error) {
      throw new ClusterError(`${what} failed: cannot reach the API server ${this.settings.server} (context ${this.settings.context}): ${(error as Error).message}`, 0);
    }
    const opened = stream;
    early.splice(0).forEach(route);
    if (opened.status >= 300) {
      await opened.done.catch(() => undefined);
      throw statusError(what, { status: opened.status, body: Buffer.concat(errorBody).toString('utf8') });
    }
    const done = opened.done.then(
      () => {
        if (failure !== undefined) {
          throw failure;
        }
      },
      (error: Error) => {
        throw failure ?? new ClusterError(`${what} broke: ${error.message}`, 0);
      },
    );
    done.catch(() => undefined);
    return { done, stop: () => opened.cancel() };
  }

  public async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const reference = { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
    const url = await this.objectPath(reference);
    const query = [`fieldManager=${encodeURIComponent(options.fieldManager)}`, `force=${options.force}`];
    if (options.dryRun) {
      query.push('dryRun=All');
    }
    this.writes++;
    const response = await this.request(
      { method: 'PATCH', path: `${url}?${query.join('&')}`, body: JSON.stringify(object), contentType: 'application/apply-patch+yaml' },
      `server-side apply of ${describeObject(reference)}`,
    );
    return withTypeOf(JSON.parse(response.body), reference);
  }

  public async delete(reference: ObjectReference, options: DeleteOptions = {}): Promise<'deleted' | 'not-found'> {
    const url = await this.objectPath(reference);
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (options.propagationPolicy !== undefined) {
      body.propagationPolicy = options.propagationPolicy;
    }
    if (options.uid !== undefined) {
      body.preconditions = { uid: options.uid };
    }
    this.writes++;
    const request: ApiRequest = { method: 'DELETE', path: url, body: JSON.stringify(body), contentType: 'application/json' };
    const response = await this.request(request, `delete of ${describeObject(reference)}`, [404]);
    return response.status === 404 ? 'not-found' : 'deleted';
  }

  public close(): void {
    this.transport.close();
  }

  private async collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<{ path: string; where: string }> {
    const resource = await this.resourceFor(apiVersion, kind);
    const namespacePart = resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const where = namespace === undefined || !resource.namespaced ? '' : ` in namespace ${namespace}`;
    return { path: `${groupVersionPath(apiVersion)}${namespacePart}/${resource.plural}`, where };
  }

  private async objectPath(reference: ObjectReference): Promise<string> {
    const resource = await this.resourceFor(reference.apiVersion, reference.kind);
    const name = encodeURIComponent(reference.name);
    if (!resource.namespaced) {
      if (reference.namespace !== undefined) {
        throw new ClusterError(`${describeObject(reference)}: ${reference.kind} is cluster-scoped, but the object names namespace ${reference.namespace}; remove metadata.namespace`, 400, 'BadRequest');
      }
      return `${groupVersionPath(reference.apiVersion)}/${resource.plural}/${name}`;
    }
    if (reference.namespace === undefined) {
      throw new ClusterError(`${describeObject(reference)}: ${reference.kind} is namespaced, but the object has no metadata.namespace; set one`, 400, 'BadRequest');
    }
    return `${groupVersionPath(reference.apiVersion)}/namespaces/${encodeURIComponent(reference.namespace)}/${resource.plural}/${name}`;
  }

  private resourcesOf(apiVersion: string): Promise<readonly ServedResource[] | undefined> {
    let cached = this.groupVersions.get(apiVersion);
    if (cached === undefined) {
      cached = this.request({ method: 'GET', path: groupVersionPath(apiVersion) }, `discovery of ${apiVersion}`, [404]).then((response) => {
        if (response.status === 404) {
          return undefined;
        }
        const resources = (JSON.parse(response.body)?.resources ?? []) as Array<{ name: string; kind: string; namespaced: boolean }>;
        return resources.map((resource) => ({ name: resource.name, kind: resource.kind, namespaced: resource.namespaced }));
      });
      this.groupVersions.set(apiVersion, cached);
      // A failed discovery is not cached: the next call asks again.
      cached.catch(() => this.groupVersions.delete(apiVersion));
    }
    return cached;
  }

  /** Sends a request; any status >= 400 not in `expected` becomes a ClusterError saying what was attempted and what the server answered. */
  private async request(request: ApiRequest, what: string, expected: readonly number[] = []): Promise<ApiResponse> {
    for (let attempt = 1; ; attempt++) {
      let response: ApiResponse;
      try {
        response = await this.transport.send(request);
      } catch (error) {
        // One more try on a fresh connection: a reset or GOAWAY in the middle of a burst is not a dead server.
        // Every request sent is safe to repeat (GET, server-side apply of the same object, delete with a uid).
        if (attempt < 2) {
          continue;
        }
        throw new ClusterError(
          `${what} failed: cannot reach the API server ${this.settings.server} (context ${this.settings.context}): ${(error as Error).message}; check that the cluster runs (for the dev cluster: stagecraft dev-cluster status) and the kubeconfig's server address`,
          0,
        );
      }
      // API priority and fairness answers 429 with Retry-After when the server is busy: wait, do not fail.
      if (response.status === 429 && attempt < MAX_ATTEMPTS_WHEN_THROTTLED) {
        await this.sleep(Math.min(response.retryAfterSeconds ?? 1, 10) * 1000);
        continue;
      }
      if (response.status >= 400 && !expected.includes(response.status)) {
        throw statusError(what, response);
      }
      return response;
    }
  }
}

function statusError(what: string, response: ApiResponse): ClusterError {
  let status: { message?: string; reason?: string } | undefined;
  try {
    status = JSON.parse(response.body);
  } catch {
    status = undefined;
  }
  const reason = status?.reason === undefined ? '' : ` ${status.reason}`;
  const message = status?.message ?? response.body.trim().slice(0, 500);
  const reconcilerAccount = response.status === 403 ? reconcilerAccountRefusal(message) : undefined;
  const hint = response.status === 401
    ? '; the credentials of the kubeconfig were refused: renew them'
    : reconcilerAccount !== undefined
      ? reconcilerAccount
      : response.status === 403 && status?.reason === 'Forbidden'
        ? '; the kubeconfig user lacks permission: grant it in RBAC or use another context'
        : response.status === 409 && what.startsWith('server-side apply')
          ? '; another field manager owns a field this object sets: apply with force'
          : '';
  return new ClusterError(`${what} failed with ${response.status}${reason}: ${message}${hint}`, response.status, status?.reason, status);
}

/**
 * The in-cluster reconciler's own ServiceAccount refused (`stagecraft-reconciler-<env>`): its RBAC is generated
 * from the kinds the environment used when it was last installed, so a new kind needs an administrator to
 * apply the regenerated RBAC (the reconciler can never widen its own rights).
 */
function reconcilerAccountRefusal(message: string): string | undefined {
  const bootstrap = (environment: string) => `an administrator re-runs \`stagecraft bootstrap --env ${environment} --repo …\`, which applies the environment's regenerated RBAC`;
  const refused = /User "system:serviceaccount:([^:"]+):stagecraft-reconciler-([^"]+)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"/i.exec(message);
  if (refused !== null) {
    const [, namespace, environment, verb, resource, group] = refused;
    return `; the reconciler's ServiceAccount ${namespace}/stagecraft-reconciler-${environment} may not ${verb} ${resource}${group === '' ? '' : `.${group}`}: `
      + `the environment uses a kind (or namespace) its RBAC does not grant yet; ${bootstrap(environment)}`;
  }
  // Its own Role widened by a new revision: the API server refuses rules the writer does not hold.
  const escalation = /user "system:serviceaccount:([^:"]+):stagecraft-reconciler-([^"]+)" \(groups=.*\) is attempting to grant RBAC permissions not currently held/i.exec(message);
  if (escalation !== null) {
    const [, namespace, environment] = escalation;
    const resources = [...message.matchAll(/APIGroups:\["([^"]*)"\], Resources:\[([^\]]*)\]/g)]
      .flatMap(([, group, names]) => names.split(' ').map((name) => `${name.replace(/"/g, '')}${group === '' ? '' : `.${group}`}`));
    return `; the reconciler's ServiceAccount ${namespace}/stagecraft-reconciler-${environment} may not grant itself ${[...new Set(resources)].join(', ') || 'new rights'}: `
      + `the environment started using a kind its RBAC does not grant yet; ${bootstrap(environment)}`;
  }
  return undefined;
}

/** One line of a watch answer; objects of a watch carry their apiVersion and kind, filled in when missing. */
function watchEventOf(line: string, apiVersion: string, kind: string): WatchEvent {
  let parsed: { type?: unknown; object?: any };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`the server sent a line that is not json: ${line.slice(0, 200)}`);
  }
  const object = parsed.object;
  if (parsed.type === 'ERROR') {
    return { type: 'ERROR', code: Number(object?.code ?? 0), message: String(object?.message ?? 'no message') };
  }
  if (parsed.type === 'BOOKMARK') {
    return { type: 'BOOKMARK', resourceVersion: String(object?.metadata?.resourceVersion ?? '') };
  }
  if ((parsed.type === 'ADDED' || parsed.type === 'MODIFIED' || parsed.type === 'DELETED') && typeof object?.metadata?.name === 'string') {
    return { type: parsed.type, object: { ...object, apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? kind } };
  }
  throw new Error(`the server sent an event of type ${JSON.stringify(parsed.type)} without an object`);
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function withTypeOf(object: Record<string, unknown>, reference: ObjectReference): KubeObject {
  const apiVersion = (object.apiVersion as string | undefined) ?? reference.apiVersion;
  return { ...object, apiVersion, kind: (object.kind as string | undefined) ?? reference.kind } as KubeObject;
}

/**
 * The kubeconfig file to read: the one given, else $KUBECONFIG when it names a single file, else
 * ~/.kube/config. Undefined when client-node must decide (a $KUBECONFIG list, or running inside a cluster).
 */
function kubeconfigFileFor(target: ConnectionTarget): string | undefined {
  if (target.kubeconfig !== undefined) {
    return target.kubeconfig;
  }
  const fromEnvironment = process.env.KUBECONFIG;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    return fromEnvironment.includes(path.delimiter) ? undefined : fromEnvironment;
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  return fs.existsSync(home) ? home : undefined;
}

async function connectionSettingsFor(target: ConnectionTarget): Promise<ConnectionSettings> {
  if (target.inCluster !== undefined) {
    return inClusterSettings(target.inCluster.serviceAccountDir);
  }
  const file = kubeconfigFileFor(target);
  // No kubeconfig, in a Pod: its ServiceAccount, with the token read again when the kubelet rotates it.
  if (file === undefined && target.context === undefined && (process.env.KUBECONFIG ?? '') === ''
    && (process.env.KUBERNETES_SERVICE_HOST ?? '') !== '' && fs.existsSync(path.join(DEFAULT_SERVICE_ACCOUNT_DIR, 'token'))) {
    return inClusterSettings(DEFAULT_SERVICE_ACCOUNT_DIR);
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new KubeconfigError(`cannot read kubeconfig ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass an existing file as --kubeconfig`);
    }
    const reading = readKubeconfig(file, text, target.context);
    if (reading.kind === 'static') {
      return reading.settings;
    }
  }
  return settingsFromClientNode(file, target.context);
}

/** Credential plugins, $KUBECONFIG lists and in-cluster service accounts, through @kubernetes/client-node. */
async function settingsFromClientNode(file: string | undefined, context: string | undefined): Promise<ConnectionSettings> {
  const clientNode = await import('@kubernetes/client-node');
  const config = new clientNode.KubeConfig();
  if (file !== undefined) {
    config.loadFromFile(file);
  } else {
    config.loadFromDefault();
  }
  if (context !== undefined) {
    if (config.getContextObject(context) === null) {
      throw new KubeconfigError(`kubeconfig ${file ?? '(default)'} has no context "${context}"; known contexts: ${config.getContexts().map((entry) => entry.name).join(', ') || 'none'}`);
    }
    config.setCurrentContext(context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new KubeconfigError(`no cluster found in kubeconfig ${file ?? '(default)'} for context "${config.getCurrentContext()}"; pass --kubeconfig and --context`);
  }
  const options: https.RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const headers = (options.headers ?? {}) as Record<string, string>;
  const basic = typeof options.auth === 'string' ? `Basic ${Buffer.from(options.auth).toString('base64')}` : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: config.getCurrentContext(),
    ca: toBuffer(options.ca),
    cert: toBuffer(options.cert),
    key: toBuffer(options.key),
    insecureSkipTlsVerify: options.rejectUnauthorized === false || cluster.skipTLSVerify === true,
    tlsServerName: cluster.tlsServerName,
    authorization: headers.Authorization ?? headers.authorization ?? basic,
  };
}

function toBuffer(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
}
