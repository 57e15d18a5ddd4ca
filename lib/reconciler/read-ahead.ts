import { ApplyOptions, ClusterClient, DeleteOptions, ListOptions } from './cluster-client';
import { applySetParentOf, parentContentsOf } from './inventory';
import { kindsToList, listRequests } from './live-state';
import { APPLYSET_PART_OF_LABEL } from './metadata-keys';
import { PassThroughClusterClient } from './pass-through-client';
import { RevisionSource } from './revision-source';
import { statusObjectName } from './status-store';
import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';
import { sortedUnique } from '../envrepo/names';

/** How long an answer read ahead may wait to be asked for; older ones are read again. */
export const READ_AHEAD_MAX_AGE_MS = 10_000;

/**
 * A ClusterClient that can send reads before they are asked for, so they travel while the reconciler is busy
 * reading and verifying git (the live state of 9,000 objects takes the API server as long as the env repo
 * takes us). Each answer read ahead is handed out once, to the first identical read; any write, and any
 * discovery refresh, drops the answers not handed out yet (they may be stale by then), and so does age. A read
 * ahead that failed is simply read again when asked for: it never surfaces an error of its own.
 */
export class ReadAheadClient extends PassThroughClusterClient {
  private readonly ahead = new Map<string, { readonly at: number; readonly answer: Promise<unknown> }>();
  /** Reads already asked for: reading one ahead after that is too late, its answer would never be used. */
  private readonly asked = new Set<string>();
  private stopped = false;

  constructor(
    inner: ClusterClient,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs: number = READ_AHEAD_MAX_AGE_MS,
  ) {
    super(inner);
  }

  /**
   * Sends nothing ahead any more and drops what was not asked for: the cycle is over, and the connection
   * may be closed under a read that would otherwise still be on its way.
   */
  public stop(): void {
    this.stopped = true;
    this.ahead.clear();
  }

  /** Whether stop was called. */
  public get isStopped(): boolean {
    return this.stopped;
  }

  /** Reads sent ahead that were not asked for yet. */
  public get pending(): number {
    return this.ahead.size;
  }

  /**
   * Sends the GET now; the first `get` of the same reference receives its answer. Sends nothing (undefined)
   * when that GET was asked for already or is on its way.
   */
  public readAheadGet(reference: ObjectReference): Promise<KubeObject | undefined> | undefined {
    return this.send(getKey(reference), () => this.inner.get(reference));
  }

  /** Sends the LIST now; the first `list` with the same arguments receives its answer (see readAheadGet). */
  public readAheadList(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> | undefined {
    return this.send(listKey(apiVersion, kind, options), () => this.inner.list(apiVersion, kind, options));
  }

  public async refreshDiscovery(): Promise<void> {
    this.ahead.clear();
    return this.inner.refreshDiscovery();
  }

  public get(reference: ObjectReference): Promise<KubeObject | undefined> {
    return this.take(getKey(reference), () => this.inner.get(reference));
  }

  public list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return this.take(listKey(apiVersion, kind, options), () => this.inner.list(apiVersion, kind, options));
  }

  public apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    if (options.dryRun !== true) {
      this.ahead.clear();
    }
    return this.inner.apply(object, options);
  }

  public delete(reference: ObjectReference, options?: DeleteOptions): Promise<'deleted' | 'not-found'> {
    this.ahead.clear();
    return this.inner.delete(reference, options);
  }

  public close(): void {
    this.ahead.clear();
    super.close();
  }

  private send<T>(key: string, read: () => Promise<T>): Promise<T> | undefined {
    if (this.stopped || this.asked.has(key) || this.ahead.has(key)) {
      return undefined;
    }
    const answer = read();
    // Nobody may ever ask for it: a failure here must not become an unhandled rejection.
    answer.catch(() => undefined);
    this.ahead.set(key, { at: this.now(), answer });
    return answer;
  }

  private take<T>(key: string, read: () => Promise<T>): Promise<T> {
    this.asked.add(key);
    const entry = this.ahead.get(key);
    this.ahead.delete(key);
    if (entry === undefined || this.now() - entry.at > this.maxAgeMs) {
      return read();
    }
    return (entry.answer as Promise<T>).catch(() => read());
  }
}

function getKey(reference: ObjectReference): string {
  return `GET ${reference.apiVersion}|${reference.kind}|${reference.namespace ?? ''}|${reference.name}`;
}

function listKey(apiVersion: string, kind: string, options: ListOptions): string {
  return `LIST ${apiVersion}|${kind}|${options.namespace ?? ''}|${options.labelSelector ?? ''}`;
}

/**
 * Sends ahead the reads a reconcile of `environment` starts with, as far as they can be known before its
 * objects are parsed: the status, the applyset parent and, from the parent, one LIST per kind it contains in
 * each namespace it names. Reconcile asks for a superset of these (it adds the kinds and namespaces of the new
 * revision), so every read sent here is asked for unless the revision changes the environment's namespaces or
 * the parent names a kind in another version. `environment` may come from an unverified file: nothing read
 * here is used unless the verified revision asks for the same read. Never throws.
 */
export async function readAheadLiveState(client: ReadAheadClient, environment: EnvironmentMetadata): Promise<void> {
  try {
    const parent = applySetParentOf(environment);
    void client.readAheadGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: environment.controlNamespace, name: statusObjectName(environment.name) });
    const parentRead = client.readAheadGet(parent.reference);
    if (parentRead === undefined) {
      // Reconcile reads the live state itself already.
      return;
    }
    const contents = parentContentsOf(await parentRead);
    const namespaces = sortedUnique([...environment.namespaces, environment.controlNamespace, ...contents.additionalNamespaces]);
    // Discovery goes to the server too: none of it once the cycle is over.
    const stopped = (): Promise<never> => Promise.reject(new Error('the cycle is over'));
    const discovery = {
      resourceFor: (apiVersion: string, kind: string) => (client.isStopped ? stopped() : client.resourceFor(apiVersion, kind)),
      preferredVersion: (group: string) => (client.isStopped ? stopped() : client.preferredVersion(group)),
    };
    const requests = await listRequests(discovery, kindsToList([], contents), namespaces);
    const labelSelector = `${APPLYSET_PART_OF_LABEL}=${parent.id}`;
    for (const request of requests) {
      void client.readAheadList(request.apiVersion, request.kind, { namespace: request.namespace, labelSelector });
    }
  } catch {
    // Reconcile reads whatever it needs itself, and reports its own errors.
  }
}

/**
 * Reads ahead for `revision` of a git source: its environment metadata names the namespaces and the applyset
 * parent (on an idle --interval tick the source has it verified already, so nothing is read from git).
 * Sources without history (folders) read nothing ahead.
 */
export async function readAheadRevision(client: ReadAheadClient, source: RevisionSource, revision: string): Promise<void> {
  try {
    const environment = await source.peekEnvironment?.(revision);
    if (environment !== undefined && !client.isStopped) {
      await readAheadLiveState(client, environment);
    }
  } catch {
    // Unreadable here is unreadable when the tree is read: reconcile says why.
  }
}

/**
 * Reads ahead, before the tip is even fetched, what the revision the source verified last needed: the next
 * one most likely needs the same (a one-object change always does). Returns whether there was such a revision
 * (the reads are then on their way). Never throws.
 */
export function readAheadLastVerified(client: ReadAheadClient, source: RevisionSource): boolean {
  let environment: EnvironmentMetadata | undefined;
  try {
    environment = source.lastVerifiedEnvironment?.();
  } catch {
    // Nothing kept, or not readable: the reads go out once the tip's metadata is known.
  }
  if (environment === undefined || client.isStopped) {
    return false;
  }
  void readAheadLiveState(client, environment);
  return true;
}
