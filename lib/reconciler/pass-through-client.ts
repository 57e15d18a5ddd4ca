import { ApplyOptions, ClusterClient, DeleteOptions, ListOptions, ResourceType } from './cluster-client';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';

/**
 * A ClusterClient that hands every call to `inner`: the base of clients that change a few calls (the watch
 * cache's LISTs, the reads sent ahead) and pass the rest through.
 */
export class PassThroughClusterClient<Inner extends ClusterClient = ClusterClient> implements ClusterClient {
  constructor(protected readonly inner: Inner) {}

  public get writeRequests(): number {
    return this.inner.writeRequests;
  }

  public resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    return this.inner.resourceFor(apiVersion, kind);
  }

  public preferredVersion(group: string): Promise<string | undefined> {
    return this.inner.preferredVersion(group);
  }

  public refreshDiscovery(): Promise<void> {
    return this.inner.refreshDiscovery();
  }

  public get(reference: ObjectReference): Promise<KubeObject | undefined> {
    return this.inner.get(reference);
  }

  public list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]> {
    return this.inner.list(apiVersion, kind, options);
  }

  public apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    return this.inner.apply(object, options);
  }

  public delete(reference: ObjectReference, options?: DeleteOptions): Promise<'deleted' | 'not-found'> {
    return this.inner.delete(reference, options);
  }

  public close(): void {
    this.inner.close();
  }
}
