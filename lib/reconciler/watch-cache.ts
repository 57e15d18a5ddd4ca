import {
  ApplyOptions, DeleteOptions, ListOptions, Watch, WatchableClusterClient, WatchEvent,
} from './cluster-client';
import { PassThroughClusterClient } from './pass-through-client';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';

/**
 * Live state kept from watches, for the --interval loop (docs/adr/0018): the first LIST of a collection (one
 * kind in one namespace, with the applyset's label selector) starts a watch from the list's resourceVersion,
 * and later LISTs of it are answered from what the watch delivered, so an idle tick sends no LIST. Changes
 * other than status (someone scaled, edited or deleted a managed object) call `onChange`, so the loop heals
 * them at once instead of at the next interval.
 *
 * The algorithm is client-go's reflector, as @kubernetes/client-node's ListWatch (cache.js) implements it:
 * list, watch from the list's version with bookmarks (which only move the version), watch again from the last
 * version when the server ends a watch (its timeout), list again when the version expired (410 Gone, as an
 * ERROR event or a status). Unlike ListWatch, which stops on any other error, a broken watch (the API server
 * restarted) marks the collection stale, so the next LIST goes to the server, and is listed again with
 * backoff in the background; after such a gap `onChange` is called, because changes may have been missed.
 * The interval tick itself is the resync: it plans every object against the cache.
 */
export interface WatchCacheOptions {
  /** Whether a LIST with these options is kept from a watch (the applyset's members); others go to the server. */
  readonly cached: (options: ListOptions) => boolean;
  /** A managed object changed other than in its status, or a watch came back after a gap. */
  readonly onChange: (reason: string) => void;
  /** How long the server keeps one watch open. @default 300 (with up to 10% jitter) */
  readonly timeoutSeconds?: number;
  /** Wait before listing again after the n-th failure in a row (1-based). @default 250 ms doubled per failure, at most 5 s */
  readonly retryDelayMs?: (failures: number) => number;
  /** Wait used between retries; tests make it short. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** What the watches cost and how they fare, for the loop's log line and metrics. */
export interface WatchCounters {
  /** LIST requests sent to the server (cache misses and re-lists). */
  readonly listRequests: number;
  /** Watches opened (first, after a timeout, after an error). */
  readonly watchesOpened: number;
  /** Watches that broke or expired and needed a re-list. */
  readonly relists: number;
}

function defaultRetryDelay(failures: number): number {
  return Math.min(250 * 2 ** (failures - 1), 5000);
}

/** A ClusterClient whose member LISTs come from watches; everything else passes through to `inner`. */
export class WatchingClusterClient extends PassThroughClusterClient<WatchableClusterClient> {
  private readonly collections = new Map<string, WatchedCollection>();
  private readonly counters = { listRequests: 0, watchesOpened: 0, relists: 0 };
  private closed = false;

  constructor(inner: WatchableClusterClient, private readonly options: WatchCacheOptions) {
    super(inner);
  }

  /** Counters since the client was made. */
  public get watchCounters(): WatchCounters {
    return { ...this.counters };
  }

  /** Whether every collection listed so far has an open, caught-up watch. */
  public get healthy(): boolean {
    return [...this.collections.values()].every((collection) => collection.synced);
  }

  public async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    if (this.closed || !this.options.cached(options)) {
      this.counters.listRequests++;
      return this.inner.list(apiVersion, kind, options);
    }
    const key = `${apiVersion}|${kind}|${options.namespace ?? ''}|${options.labelSelector ?? ''}`;
    let collection = this.collections.get(key);
    if (collection === undefined) {
      collection = new WatchedCollection(this.inner, apiVersion, kind, options, this.options, this.counters);
      this.collections.set(key, collection);
    }
    return collection.items();
  }

  public async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    if (options.dryRun) {
      return this.inner.apply(object, options);
    }
    // Events about an object while this client writes it are its own write: they wake nothing.
    const holding = this.collectionsHolding(object);
    holding.forEach((collection) => collection.writing(object.metadata, +1));
    try {
      const stored = await this.inner.apply(object, options);
      // What the server stored is the newest state: the loop must not plan against the state before its own write.
      this.collectionsHolding(stored).forEach((collection) => collection.store(stored));
      return stored;
    } finally {
      holding.forEach((collection) => collection.writing(object.metadata, -1));
    }
  }

  public async delete(reference: ObjectReference, options?: DeleteOptions): Promise<'deleted' | 'not-found'> {
    const collections = [...this.collections.values()];
    collections.forEach((collection) => collection.writing(reference, +1));
    try {
      const result = await this.inner.delete(reference, options);
      collections.forEach((collection) => collection.forget(reference));
      return result;
    } finally {
      collections.forEach((collection) => collection.writing(reference, -1));
    }
  }

  public close(): void {
    this.closed = true;
    for (const collection of this.collections.values()) {
      collection.stop();
    }
    this.inner.close();
  }

  private collectionsHolding(object: KubeObject): WatchedCollection[] {
    return [...this.collections.values()].filter((collection) => collection.holds(object));
  }
}

/** One kind in one namespace with one label selector: its objects by namespace/name, kept from a watch. */
class WatchedCollection {
  /** True while a watch is open (or re-opening after the server's timeout) since the last LIST. */
  public synced = false;
  private objects = new Map<string, KubeObject>();
  /** Objects this client is writing now (namespace/name → writes in flight). */
  private readonly ownWrites = new Map<string, number>();
  private resourceVersion = '';
  private listing: Promise<void> | undefined;
  private watch: Watch | undefined;
  private watching = false;
  private stopped = false;

  constructor(
    private readonly inner: WatchableClusterClient,
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly listOptions: ListOptions,
    private readonly options: WatchCacheOptions,
    private readonly counters: { listRequests: number; watchesOpened: number; relists: number },
  ) {}

  public async items(): Promise<KubeObject[]> {
    if (!this.synced) {
      await this.relist();
    }
    return [...this.objects.values()];
  }

  /** Whether `object` belongs here: same kind and version, same namespace, and labels matching the selector. */
  public holds(object: KubeObject): boolean {
    return object.apiVersion === this.apiVersion && object.kind === this.kind
      && (this.listOptions.namespace === undefined || object.metadata.namespace === this.listOptions.namespace)
      && matchesEqualitySelector(object, this.listOptions.labelSelector);
  }

  public store(object: KubeObject): void {
    const key = keyOf(object.metadata);
    const known = this.objects.get(key);
    if (known === undefined || !isOlder(object, known)) {
      this.objects.set(key, object);
    }
  }

  public writing(metadata: { readonly namespace?: string; readonly name: string }, change: 1 | -1): void {
    const key = keyOf(metadata);
    const count = (this.ownWrites.get(key) ?? 0) + change;
    if (count > 0) {
      this.ownWrites.set(key, count);
    } else {
      this.ownWrites.delete(key);
    }
  }

  public forget(reference: ObjectReference): void {
    if (reference.apiVersion === this.apiVersion && reference.kind === this.kind) {
      this.objects.delete(keyOf(reference));
    }
  }

  public stop(): void {
    this.stopped = true;
    this.synced = false;
    this.watch?.stop();
  }

  /** One LIST at a time, shared by whoever needs it; starts the watch loop when it is not running. */
  private relist(): Promise<void> {
    this.listing ??= (async () => {
      try {
        this.counters.listRequests++;
        const listed = await this.inner.listCollection(this.apiVersion, this.kind, this.listOptions);
        this.objects = new Map(listed.items.map((object) => [keyOf(object.metadata), object]));
        this.resourceVersion = listed.resourceVersion;
        this.synced = !this.stopped;
        if (!this.watching && !this.stopped) {
          this.watching = true;
          void this.watchLoop();
        }
      } finally {
        this.listing = undefined;
      }
    })();
    return this.listing;
  }

  private async watchLoop(): Promise<void> {
    const sleep = this.options.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds).unref()));
    const retryDelay = this.options.retryDelayMs ?? defaultRetryDelay;
    const base = this.options.timeoutSeconds ?? 300;
    try {
      while (!this.stopped) {
        let gap: string | undefined;
        try {
          this.counters.watchesOpened++;
          let gone = false;
          const timeoutSeconds = Math.max(1, Math.round(base * (1 + Math.random() * 0.1)));
          const watchOptions = { ...this.listOptions, resourceVersion: this.resourceVersion, timeoutSeconds };
          this.watch = await this.inner.watch(this.apiVersion, this.kind, watchOptions, (event) => {
            if (this.apply(event) === 'gone') {
              gone = true;
              this.watch?.stop();
            }
          });
          if (this.stopped) {
            this.watch.stop();
            return;
          }
          await this.watch.done.catch((error: Error) => {
            if (!gone) {
              throw error;
            }
          });
          if (gone) {
            gap = 'its resourceVersion expired (410 Gone)';
          }
        } catch (error) {
          if (this.stopped) {
            return;
          }
          gap = (error as { status?: number }).status === 410 ? 'its resourceVersion expired (410 Gone)' : (error as Error).message;
        }
        if (gap === undefined) {
          // The server's timeout: watch again from the last version; nothing was missed.
          continue;
        }
        this.synced = false;
        this.counters.relists++;
        for (let failures = 1; !this.stopped; failures++) {
          await sleep(retryDelay(failures));
          if (this.synced) {
            // A LIST of the loop (a tick) came first and caught up.
            break;
          }
          try {
            await this.relist();
            break;
          } catch {
            // The server is still away: wait longer.
          }
        }
        if (!this.stopped) {
          this.options.onChange(`the watch of ${this.kind} (${this.apiVersion})${this.where()} was re-listed: ${gap}`);
        }
      }
    } finally {
      this.watching = false;
    }
  }

  /** Applies one event to the cache; says whether the version expired. Calls onChange for changes beyond status. */
  private apply(event: WatchEvent): 'gone' | undefined {
    if (event.type === 'ERROR') {
      if (event.code === 410) {
        return 'gone';
      }
      throw new Error(`the server ended the watch with error ${event.code}: ${event.message}`);
    }
    if (event.type === 'BOOKMARK') {
      this.resourceVersion = event.resourceVersion || this.resourceVersion;
      return undefined;
    }
    const { object } = event;
    const key = keyOf(object.metadata);
    const known = this.objects.get(key);
    this.resourceVersion = String(object.metadata.resourceVersion ?? this.resourceVersion);
    const own = this.ownWrites.has(key);
    if (event.type === 'DELETED') {
      if (known !== undefined) {
        this.objects.delete(key);
        if (!own) {
          this.options.onChange(`${this.kind} ${key} was deleted`);
        }
      }
      return undefined;
    }
    if (known !== undefined && isOlder(object, known)) {
      return undefined;
    }
    this.objects.set(key, object);
    if (!own && (known === undefined || declaredStateOf(known) !== declaredStateOf(object))) {
      this.options.onChange(`${this.kind} ${key} was ${known === undefined ? 'created' : 'changed'}`);
    }
    return undefined;
  }

  private where(): string {
    return this.listOptions.namespace === undefined ? '' : ` in namespace ${this.listOptions.namespace}`;
  }
}

function keyOf(metadata: { readonly namespace?: string; readonly name: string }): string {
  return `${metadata.namespace ?? ''}/${metadata.name}`;
}

/** Everything but status and bookkeeping: a change here is someone's edit, not a controller reporting progress. */
function declaredStateOf(object: KubeObject): string {
  const { status: _status, metadata, ...rest } = object as KubeObject & { status?: unknown };
  const { resourceVersion: _version, managedFields: _fields, generation: _generation, ...identity } = metadata as Record<string, unknown>;
  return JSON.stringify([rest, identity]);
}

/** Whether `candidate` is an older state than `known` (resourceVersions are etcd revisions: compared as numbers when both are). */
function isOlder(candidate: KubeObject, known: KubeObject): boolean {
  const left = Number(candidate.metadata.resourceVersion);
  const right = Number(known.metadata.resourceVersion);
  return Number.isSafeInteger(left) && Number.isSafeInteger(right) && left < right;
}

/** Whether the object's labels match an equality selector (`a=b,c=d`); other selectors never match (nothing is stored). */
function matchesEqualitySelector(object: KubeObject, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') {
    return true;
  }
  const labels = object.metadata.labels ?? {};
  return selector.split(',').every((term) => {
    const match = /^([^=!]+)=([^=]*)$/.exec(term.trim());
    return match !== null && labels[match[1]] === match[2];
  });
}
