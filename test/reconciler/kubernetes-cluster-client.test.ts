import { ClusterError } from '../../lib/reconciler/cluster-client';
import { ApiRequest, ApiResponse, ApiStream, ApiTransport } from '../../lib/reconciler/private/api-transport';
import { KubernetesClusterClient } from '../../lib/reconciler/private/kubernetes-cluster-client';

/** Answers requests from a script: one entry per request, an Error meaning "no answer". */
class ScriptedTransport implements ApiTransport {
  public readonly sent: string[] = [];
  constructor(private readonly answers: Array<ApiResponse | Error | ((request: ApiRequest) => ApiResponse)>) {}
  public async send(request: ApiRequest): Promise<ApiResponse> {
    this.sent.push(`${request.method} ${request.path}`);
    const answer = this.answers.shift();
    if (answer === undefined) {
      throw new Error(`unexpected request ${request.method} ${request.path}`);
    }
    if (answer instanceof Error) {
      throw answer;
    }
    return typeof answer === 'function' ? answer(request) : answer;
  }
  public async stream(request: ApiRequest): Promise<ApiStream> {
    throw new Error(`unexpected stream ${request.method} ${request.path}`);
  }
  public close(): void {}
}

const SETTINGS = { server: 'https://127.0.0.1:6443', context: 'test', insecureSkipTlsVerify: false };
const CORE_V1 = {
  status: 200,
  body: JSON.stringify({
    resources: [
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { name: 'namespaces', kind: 'Namespace', namespaced: false },
      { name: 'namespaces/status', kind: 'Namespace', namespaced: false },
    ],
  }),
};

type Answers = ConstructorParameters<typeof ScriptedTransport>[0];

function client(answers: Answers, slept: number[] = []): { client: KubernetesClusterClient; transport: ScriptedTransport } {
  const transport = new ScriptedTransport(answers);
  return { client: new KubernetesClusterClient(SETTINGS, transport, async (milliseconds) => { slept.push(milliseconds); }), transport };
}

const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'shop' }, data: { A: '1' } };

describe('KubernetesClusterClient (against a scripted transport)', () => {
  it('sends a server-side apply as PATCH application/apply-patch+yaml with field manager and force, and counts it', async () => {
    // GIVEN
    let sent: ApiRequest | undefined;
    const { client: cluster, transport } = client([CORE_V1, (request) => { sent = request; return { status: 201, body: JSON.stringify({ ...configMap, metadata: { ...configMap.metadata, uid: 'u1' } }) }; }]);
    // WHEN
    const stored = await cluster.apply(configMap, { fieldManager: 'stagecraft', force: true });
    // THEN
    expect(transport.sent).toEqual(['GET /api/v1', 'PATCH /api/v1/namespaces/shop/configmaps/web?fieldManager=stagecraft&force=true']);
    expect(sent?.contentType).toBe('application/apply-patch+yaml');
    expect(JSON.parse(sent!.body!)).toEqual(configMap);
    expect(stored.metadata.uid).toBe('u1');
    expect(cluster.writeRequests).toBe(1);
  });

  it('reads discovery once per group-version and fails on an unserved kind with the fix', async () => {
    // GIVEN
    const { client: cluster, transport } = client([CORE_V1, { status: 404, body: '{"kind":"Status","reason":"NotFound"}' }]);
    // WHEN
    await cluster.resourceFor('v1', 'ConfigMap');
    await cluster.resourceFor('v1', 'Namespace');
    const missing = cluster.resourceFor('stable.example.com/v1', 'CronTab');
    // THEN
    await expect(missing).rejects.toThrow(new ClusterError('the server does not serve kind CronTab in apiVersion stable.example.com/v1; install its CustomResourceDefinition first or fix apiVersion', 404));
    expect(transport.sent).toEqual(['GET /api/v1', 'GET /apis/stable.example.com/v1']);
    expect(await cluster.resourceFor('v1', 'Namespace')).toEqual({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false });
  });

  it('waits as told by Retry-After when throttled (429), then succeeds', async () => {
    // GIVEN
    const slept: number[] = [];
    const { client: cluster } = client([CORE_V1, { status: 429, body: '{}', retryAfterSeconds: 2 }, { status: 200, body: JSON.stringify(configMap) }], slept);
    // WHEN
    const live = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' });
    // THEN
    expect(live?.data).toEqual({ A: '1' });
    expect(slept).toEqual([2000]);
  });

  it('tries a request once more after a broken connection, then fails naming the server and context', async () => {
    // GIVEN
    const { client: cluster } = client([CORE_V1, new Error('read ECONNRESET'), { status: 404, body: '{}' }, new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED')]);
    // WHEN
    const first = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' });
    const second = cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' });
    // THEN
    expect(first).toBeUndefined();
    await expect(second).rejects.toThrow('read ConfigMap/shop/web failed: cannot reach the API server https://127.0.0.1:6443 (context test): connect ECONNREFUSED; check that the cluster runs');
  });

  it('fails with the status, the server\'s reason and message, and a hint for conflicts', async () => {
    // GIVEN
    const conflict = { kind: 'Status', reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "kubectl-edit": .data.A', code: 409 };
    const { client: cluster } = client([CORE_V1, { status: 409, body: JSON.stringify(conflict) }]);
    // WHEN
    const applying = cluster.apply(configMap, { fieldManager: 'stagecraft', force: false });
    // THEN
    await expect(applying).rejects.toThrow('server-side apply of ConfigMap/shop/web failed with 409 Conflict: Apply failed with 1 conflict: conflict with "kubectl-edit": .data.A; another field manager owns a field this object sets: apply with force');
  });

  it('deletes with the uid as precondition and treats 404 as already gone', async () => {
    // GIVEN
    let body: unknown;
    const { client: cluster } = client([CORE_V1, (request) => { body = JSON.parse(request.body!); return { status: 404, body: '{}' }; }]);
    // WHEN
    const result = await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' }, { uid: 'u1', propagationPolicy: 'Background' });
    // THEN
    expect(result).toBe('not-found');
    expect(body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'u1' } });
  });

  it('fills apiVersion and kind into listed items', async () => {
    // GIVEN
    const { client: cluster, transport } = client([CORE_V1, { status: 200, body: JSON.stringify({ items: [{ metadata: { name: 'web', namespace: 'shop' } }] }) }]);
    // WHEN
    const items = await cluster.list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'applyset.kubernetes.io/part-of=x' });
    // THEN
    expect(items).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'shop' } }]);
    expect(transport.sent[1]).toBe('GET /api/v1/namespaces/shop/configmaps?labelSelector=applyset.kubernetes.io%2Fpart-of%3Dx');
  });
});
