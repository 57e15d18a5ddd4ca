import { KubeObject, ObjectReference } from '../../lib/envrepo/kube-object';
import { ApplyOptions, ClusterClient, DeleteOptions, ListOptions, ResourceType } from '../../lib/reconciler/cluster-client';
import { ReadAheadClient } from '../../lib/reconciler/read-ahead';

/** Counts the reads that reach the server; each answer names the call that produced it. */
class CountingClient implements ClusterClient {
  public readonly reads: string[] = [];
  public writeRequests = 0;
  public failNext = false;

  public async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    return { group: '', version: apiVersion, kind, plural: `${kind.toLowerCase()}s`, namespaced: true };
  }

  public async preferredVersion(): Promise<string | undefined> {
    return 'v1';
  }

  public async refreshDiscovery(): Promise<void> {}

  public async get(reference: ObjectReference): Promise<KubeObject | undefined> {
    return this.answer(`GET ${reference.name}`, { apiVersion: reference.apiVersion, kind: reference.kind, metadata: { name: reference.name, annotations: { call: String(this.reads.length + 1) } } });
  }

  public async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return this.answer(`LIST ${kind} ${options.namespace} ${options.labelSelector}`, [{ apiVersion, kind, metadata: { name: 'x', annotations: { call: String(this.reads.length + 1) } } }]);
  }

  public async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    this.writeRequests += options.dryRun === true ? 0 : 1;
    return object;
  }

  public async delete(_reference: ObjectReference, _options?: DeleteOptions): Promise<'deleted' | 'not-found'> {
    this.writeRequests++;
    return 'deleted';
  }

  public close(): void {}

  private async answer<T>(read: string, value: T): Promise<T> {
    this.reads.push(read);
    if (this.failNext) {
      this.failNext = false;
      throw new Error(`${read} failed`);
    }
    return value;
  }
}

const reference: ObjectReference = { apiVersion: 'v1', kind: 'Secret', namespace: 'dev', name: 'parent' };
const callOf = (object: KubeObject | undefined): string | undefined => object?.metadata.annotations?.call;

describe('ReadAheadClient', () => {
  it('hands a read sent ahead to the first identical read, once; the next one goes to the server', async () => {
    // GIVEN
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    void client.readAheadGet(reference);
    void client.readAheadList('v1', 'ConfigMap', { namespace: 'dev', labelSelector: 'a=b' });
    // WHEN
    const first = await client.get(reference);
    const listed = await client.list('v1', 'ConfigMap', { namespace: 'dev', labelSelector: 'a=b' });
    const second = await client.get(reference);
    // THEN
    expect([callOf(first), callOf(listed[0]), callOf(second)]).toEqual(['1', '2', '3']);
    expect(inner.reads).toEqual(['GET parent', 'LIST ConfigMap dev a=b', 'GET parent']);
    expect(client.pending).toBe(0);
  });

  it('sends nothing ahead that was asked for already or is on its way', async () => {
    // GIVEN a read asked for before it could be read ahead
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    await client.list('v1', 'ConfigMap', { namespace: 'dev' });
    // WHEN it and another read are sent ahead, the other twice
    const late = client.readAheadList('v1', 'ConfigMap', { namespace: 'dev' });
    const first = client.readAheadGet(reference);
    const twice = client.readAheadGet(reference);
    // THEN only the first of the other goes to the server
    expect([late, twice]).toEqual([undefined, undefined]);
    expect(callOf(await first)).toBe('2');
    expect(inner.reads).toEqual(['LIST ConfigMap dev undefined', 'GET parent']);
  });

  it('sends nothing ahead once stopped, and hands out nothing read before', async () => {
    // GIVEN a read sent ahead, then the cycle ends
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    void client.readAheadGet(reference);
    client.stop();
    // WHEN more is sent ahead and the first read is asked for
    const late = client.readAheadList('v1', 'ConfigMap', { namespace: 'dev' });
    const answer = await client.get(reference);
    // THEN
    expect([late, client.isStopped, callOf(answer)]).toEqual([undefined, true, '2']);
    expect(inner.reads).toEqual(['GET parent', 'GET parent']);
  });

  it('does not hand a LIST to a read with another namespace or selector', async () => {
    // GIVEN
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    void client.readAheadList('v1', 'ConfigMap', { namespace: 'dev', labelSelector: 'a=b' });
    // WHEN
    await client.list('v1', 'ConfigMap', { namespace: 'prod', labelSelector: 'a=b' });
    await client.list('v1', 'ConfigMap', { namespace: 'dev', labelSelector: 'a=c' });
    // THEN
    expect(inner.reads).toEqual(['LIST ConfigMap dev a=b', 'LIST ConfigMap prod a=b', 'LIST ConfigMap dev a=c']);
    expect(client.pending).toBe(1);
  });

  it('drops every answer not handed out yet at a write or a discovery refresh; a dry run keeps them', async () => {
    // GIVEN
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'dev' } };
    void client.readAheadGet(reference);
    // WHEN a dry run, then a real apply
    await client.apply(object, { fieldManager: 'stagecraft', force: true, dryRun: true });
    const keptThroughDryRun = client.pending;
    await client.apply(object, { fieldManager: 'stagecraft', force: true });
    // THEN the read after the apply goes to the server again
    expect([keptThroughDryRun, client.pending]).toEqual([1, 0]);
    expect(callOf(await client.get(reference))).toBe('2');
    // AND a delete and a discovery refresh drop them too
    void client.readAheadGet(reference);
    await client.delete(reference);
    void client.readAheadGet(reference);
    await client.refreshDiscovery();
    expect(client.pending).toBe(0);
    expect(client.writeRequests).toBe(2);
  });

  it('reads again when the read sent ahead failed, and its failure is never unhandled', async () => {
    // GIVEN a read ahead that fails
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner);
    inner.failNext = true;
    void client.readAheadGet(reference);
    // WHEN it is asked for
    const answer = await client.get(reference);
    // THEN the server was asked again and answered
    expect(inner.reads).toEqual(['GET parent', 'GET parent']);
    expect(callOf(answer)).toBe('2');
  });

  it('reads again when the answer is older than the limit', async () => {
    // GIVEN a clock the test moves
    let now = 1_000;
    const inner = new CountingClient();
    const client = new ReadAheadClient(inner, () => now, 10_000);
    void client.readAheadGet(reference);
    void client.readAheadList('v1', 'ConfigMap', { namespace: 'dev' });
    // WHEN one is asked for within the limit and the other after it
    now += 10_000;
    const fresh = await client.get(reference);
    now += 1;
    const stale = await client.list('v1', 'ConfigMap', { namespace: 'dev' });
    // THEN
    expect([callOf(fresh), callOf(stale[0])]).toEqual(['1', '3']);
  });
});
