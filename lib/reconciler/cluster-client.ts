import { KubeObject, ObjectReference } from '../envrepo/kube-object';

/** How the API server serves a kind (from discovery). */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * A failed API call, with what the server said. `status` is the HTTP status (409 conflict, 404 not found,
 * 422 invalid, 0 when the server could not be reached).
 */
export class ClusterError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly reason?: string,
    /** The server's Status object, when it sent one. */
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

export interface ApplyOptions {
  readonly fieldManager: string;
  /** Take ownership of conflicting fields (git wins). */
  readonly force: boolean;
  readonly dryRun?: boolean;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid (guards against deleting a re-created object). */
  readonly uid?: string;
}

/**
 * Everything the reconciler asks of a cluster. The only implementation that talks to a real API server is
 * `private/kubernetes-cluster-client.ts` (the one place that loads @kubernetes/client-node); tests of pure
 * logic may use fakes, behaviour tests use the real test control plane.
 */
export interface ClusterClient {
  /** Number of write requests (apply, delete) sent so far: the reconciler reports it. */
  readonly writeRequests: number;
  /** The resource serving `kind` in `apiVersion`; throws ClusterError (404) naming the kind when the server does not know it. */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceType>;
  /**
   * The version the server prefers for an API group (`v1` for the core group ''), or undefined when it does
   * not serve the group: how kinds named without a version (an applyset's contains-group-kinds) are listed.
   */
  preferredVersion(group: string): Promise<string | undefined>;
  /** Forgets cached discovery (after CRDs were created). */
  refreshDiscovery(): Promise<void>;
  get(reference: ObjectReference): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Server-side apply (PATCH application/apply-patch+yaml). Returns the object as stored. */
  apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  /** Deletes; resolves 'not-found' when it was already gone. */
  delete(reference: ObjectReference, options?: DeleteOptions): Promise<'deleted' | 'not-found'>;
  close(): void;
}

/** What a watch reports: one change of one object, a bookmark (a newer resourceVersion), or an error. */
export type WatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | { readonly type: 'ERROR'; readonly code: number; readonly message: string };

export interface WatchOptions extends ListOptions {
  /** Changes after this version of the collection (from a LIST or an earlier event). */
  readonly resourceVersion: string;
  /** The server ends the watch after this long (the caller then watches again from the last version). */
  readonly timeoutSeconds: number;
}

/** An open watch. */
export interface Watch {
  /** Resolves when the server ended the watch (its timeout); rejects when the connection broke or the server refused it (ClusterError). */
  readonly done: Promise<void>;
  stop(): void;
}

/** A collection as one LIST returned it: its objects and the version to watch from. */
export interface ListedCollection {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

/** A ClusterClient that can also watch: what the --interval loop keeps its live state with. */
export interface WatchableClusterClient extends ClusterClient {
  listCollection(apiVersion: string, kind: string, options?: ListOptions): Promise<ListedCollection>;
  /** Opens a watch (with bookmarks) and calls `onEvent` for every event, in order. */
  watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch>;
}
