import { KubeObject, ObjectReference } from '../../lib/envrepo/kube-object';
import { ApplyOptions, ClusterClient, ClusterError, DeleteOptions, ListOptions, ResourceType } from '../../lib/reconciler/cluster-client';

/**
 * An in-memory ClusterClient for unit tests of pure-ish orchestration (staging, ordering, failure handling).
 * Cluster behaviour itself is tested against the real control plane (test/reconciler/cluster).
 */
export class FakeCluster implements ClusterClient {
  public writeRequests = 0;
  public readonly requests: string[] = [];
  /** apply/delete of an object whose `Kind/namespace/name` is listed here fails with this message. */
  public readonly failures = new Map<string, string>();
  private readonly objects = new Map<string, KubeObject>();
  private readonly kinds = new Map<string, ResourceType>();
  private nextUid = 1;

  constructor() {
    for (const [apiVersion, kind, plural, namespaced] of [
      ['v1', 'Namespace', 'namespaces', false],
      ['v1', 'ConfigMap', 'configmaps', true],
      ['v1', 'Secret', 'secrets', true],
      ['v1', 'Service', 'services', true],
      ['apps/v1', 'Deployment', 'deployments', true],
      ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false],
    ] as const) {
      this.serve(apiVersion, kind, plural, namespaced);
    }
  }

  public serve(apiVersion: string, kind: string, plural: string, namespaced: boolean): void {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    this.kinds.set(`${apiVersion}|${kind}`, { group, version, kind, plural, namespaced });
  }

  public async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    const resource = this.kinds.get(`${apiVersion}|${kind}`);
    if (resource === undefined) {
      throw new ClusterError(`the server does not serve kind ${kind} in apiVersion ${apiVersion}; install its CustomResourceDefinition first or fix apiVersion`, 404, 'NotFound');
    }
    return resource;
  }

  public async preferredVersion(group: string): Promise<string | undefined> {
    return [...this.kinds.values()].find((resource) => resource.group === group)?.version;
  }

  public async refreshDiscovery(): Promise<void> {
    this.requests.push('refreshDiscovery');
    // A CustomResourceDefinition applied here becomes served, as the API server would do.
    for (const object of this.objects.values()) {
      if (object.kind === 'CustomResourceDefinition') {
        const spec = object.spec as { group: string; names: { kind: string; plural: string }; scope: string; versions: Array<{ name: string }> };
        for (const version of spec.versions) {
          this.serve(`${spec.group}/${version.name}`, spec.names.kind, spec.names.plural, spec.scope === 'Namespaced');
        }
      }
    }
  }

  public async get(reference: ObjectReference): Promise<KubeObject | undefined> {
    await this.resourceFor(reference.apiVersion, reference.kind);
    this.requests.push(`get ${key(reference)}`);
    return this.objects.get(key(reference));
  }

  public async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    await this.resourceFor(apiVersion, kind);
    this.requests.push(`list ${kind}${options.namespace ? ` in ${options.namespace}` : ''}${options.labelSelector ? ` where ${options.labelSelector}` : ''}`);
    return [...this.objects.values()].filter((object) => object.kind === kind
      && (options.namespace === undefined || object.metadata.namespace === options.namespace)
      && matches(object.metadata.labels ?? {}, options.labelSelector));
  }

  public async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    await this.resourceFor(object.apiVersion, object.kind);
    this.writeRequests++;
    const objectKey = key({ ...object, ...object.metadata });
    this.requests.push(`apply ${objectKey}`);
    const failure = this.failures.get(objectKey);
    if (failure !== undefined) {
      throw new ClusterError(failure, 422, 'Invalid');
    }
    const existing = this.objects.get(objectKey);
    const stored: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? `uid-${this.nextUid++}`,
        managedFields: [...(existing?.metadata.managedFields ?? []).filter((entry) => entry.manager !== options.fieldManager), { manager: options.fieldManager, operation: 'Apply' }],
      },
      ...(object.kind === 'CustomResourceDefinition' ? { status: { conditions: [{ type: 'Established', status: 'True' }] } } : {}),
    };
    this.objects.set(objectKey, stored);
    return stored;
  }

  public async delete(reference: ObjectReference, options: DeleteOptions = {}): Promise<'deleted' | 'not-found'> {
    this.writeRequests++;
    this.requests.push(`delete ${key(reference)}`);
    const failure = this.failures.get(key(reference));
    if (failure !== undefined) {
      throw new ClusterError(failure, 403, 'Forbidden');
    }
    const existing = this.objects.get(key(reference));
    if (existing === undefined) {
      return 'not-found';
    }
    if (options.uid !== undefined && existing.metadata.uid !== options.uid) {
      throw new ClusterError(`uid precondition failed for ${key(reference)}`, 409, 'Conflict');
    }
    this.objects.delete(key(reference));
    return 'deleted';
  }

  public close(): void {}

  /** Puts an object in the cluster directly, as another client would. */
  public put(object: KubeObject): KubeObject {
    const stored = { ...object, metadata: { ...object.metadata, uid: object.metadata.uid ?? `uid-${this.nextUid++}` } };
    this.objects.set(key({ ...object, ...object.metadata }), stored);
    return stored;
  }

  public has(reference: ObjectReference): boolean {
    return this.objects.has(key(reference));
  }

  public stored(reference: ObjectReference): KubeObject | undefined {
    return this.objects.get(key(reference));
  }

  /** Requests sent since the last call, for exact assertions on what a step sent. */
  public takeRequests(): string[] {
    return this.requests.splice(0);
  }
}

function key(reference: { kind: string; namespace?: string; name: string }): string {
  return reference.namespace === undefined ? `${reference.kind}/${reference.name}` : `${reference.kind}/${reference.namespace}/${reference.name}`;
}

/** Label selectors as the reconciler writes them: `k=v`, `k`, `k!=v`, comma-separated. */
function matches(labels: Readonly<Record<string, string>>, selector: string | undefined): boolean {
  if (selector === undefined) {
    return true;
  }
  return selector.split(',').every((term) => {
    if (term.includes('!=')) {
      const [name, value] = term.split('!=');
      return labels[name] !== value;
    }
    if (term.includes('=')) {
      const [name, value] = term.split('=');
      return labels[name] === value;
    }
    return term in labels;
  });
}
