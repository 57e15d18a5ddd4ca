import * as http from 'http';
import { DEFAULT_MAX_HOOK_BODY_BYTES, EndpointOptions, serveEndpoint } from '../../lib/reconciler/http-endpoint';
import { ReconcileMetrics } from '../../lib/reconciler/metrics';
import { signHookBody } from '../../lib/reconciler/webhook-signature';
import { request } from '../support/http';

const SECRET = Buffer.from('endpoint-test-secret-0123456789');
const BODY = '{"ref":"refs/heads/main"}';

interface Running {
  readonly url: string;
  readonly hooks: string[];
  readonly metrics: ReconcileMetrics;
  ready: boolean;
  close(): Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((each) => each.close()));
});

async function start(overrides: Partial<EndpointOptions> & { hooksOff?: boolean; secret?: () => Buffer } = {}): Promise<Running> {
  const metrics = new ReconcileMetrics();
  const hooks: string[] = [];
  const state = { ready: false };
  const server: http.Server = await serveEndpoint({
    host: '127.0.0.1',
    port: 0,
    metrics,
    isReady: () => state.ready,
    hooks: overrides.hooksOff ? undefined : { secret: overrides.secret ?? (() => SECRET), onHook: () => hooks.push('hook'), maxBodyBytes: 1024 },
    ...overrides,
  });
  const result: Running = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hooks,
    metrics,
    get ready() {
      return state.ready;
    },
    set ready(value: boolean) {
      state.ready = value;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  running.push(result);
  return result;
}

function signed(body: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signHookBody(body, SECRET), ...extra };
}

describe('the reconciler\'s HTTP endpoint', () => {
  it('answers /healthz at once and /readyz only once the first reconcile finished', async () => {
    // GIVEN
    const endpoint = await start();
    // WHEN / THEN
    expect(await request(`${endpoint.url}/healthz`)).toMatchObject({ status: 200, text: 'ok\n' });
    expect(await request(`${endpoint.url}/readyz`)).toMatchObject({ status: 503, text: 'not ready: the first reconcile has not finished\n' });
    endpoint.ready = true;
    expect(await request(`${endpoint.url}/readyz`)).toMatchObject({ status: 200, text: 'ready\n' });
  });

  it('serves /metrics in the Prometheus text format, hooks counted by outcome', async () => {
    // GIVEN one accepted and one unsigned hook
    const endpoint = await start();
    await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY), body: BODY });
    await request(`${endpoint.url}/hooks/git`, { method: 'POST', body: BODY });
    // WHEN
    const metrics = await request(`${endpoint.url}/metrics`);
    // THEN
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.text).toContain('stagecraft_webhook_requests_total{outcome="accepted"} 1\n');
    expect(metrics.text).toContain('stagecraft_webhook_requests_total{outcome="unauthorized"} 1\n');
  });

  it('triggers a reconcile on a hook signed over its raw body, and answers 202', async () => {
    // GIVEN
    const endpoint = await start();
    // WHEN
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY, { 'X-GitHub-Delivery': 'one' }), body: BODY });
    // THEN
    expect(answer).toMatchObject({ status: 202, text: 'accepted: a reconcile starts now\n' });
    expect(endpoint.hooks).toEqual(['hook']);
  });

  it('triggers a reconcile on a GitLab hook carrying the secret as X-Gitlab-Token', async () => {
    const endpoint = await start();
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: { 'X-Gitlab-Token': SECRET.toString(), 'X-Gitlab-Event-UUID': 'u-1' }, body: BODY });
    expect(answer.status).toBe(202);
    expect(endpoint.hooks).toEqual(['hook']);
  });

  it('answers a signed GitHub ping with pong and does not reconcile', async () => {
    const endpoint = await start();
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY, { 'X-GitHub-Event': 'ping' }), body: BODY });
    expect(answer).toMatchObject({ status: 200, text: 'pong\n' });
    expect(endpoint.hooks).toEqual([]);
  });

  it('fails with 401 and no reconcile on an unsigned hook', async () => {
    const endpoint = await start();
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', body: BODY });
    expect(answer).toMatchObject({ status: 401, text: 'unauthorized: no X-Hub-Signature-256 or X-Gitlab-Token header\n' });
    expect(endpoint.hooks).toEqual([]);
  });

  it('fails with 401 on a signature of the body re-serialized (the raw bytes are what is signed)', async () => {
    // GIVEN the signature of the same JSON with other whitespace
    const endpoint = await start();
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed('{ "ref": "refs/heads/main" }'), body: BODY });
    expect(answer.status).toBe(401);
    expect(endpoint.hooks).toEqual([]);
  });

  it('ignores a repeated delivery id: the second delivery answers 200 and does not reconcile', async () => {
    // GIVEN one delivery accepted
    const endpoint = await start();
    const headers = signed(BODY, { 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
    expect((await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers, body: BODY })).status).toBe(202);
    // WHEN it is sent again byte for byte
    const replay = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers, body: BODY });
    // THEN
    expect(replay).toMatchObject({ status: 200, text: 'ignored: delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958 was already received\n' });
    expect(endpoint.hooks).toEqual(['hook']);
  });

  it('does not remember the delivery id of a refused hook (a forger cannot block a real delivery)', async () => {
    const endpoint = await start();
    await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: { 'X-GitHub-Delivery': 'real', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }, body: BODY });
    const real = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY, { 'X-GitHub-Delivery': 'real' }), body: BODY });
    expect(real.status).toBe(202);
  });

  it('fails with 413 on a body over the limit declared in Content-Length, before reading it', async () => {
    const endpoint = await start();
    const body = 'x'.repeat(2048);
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(body), body });
    expect(answer).toMatchObject({ status: 413, text: 'the hook body of 2048 bytes is over the limit of 1024 bytes\n' });
    expect(endpoint.hooks).toEqual([]);
  });

  it('fails with 413 on a chunked body that grows over the limit', async () => {
    // GIVEN no Content-Length: the body streams in chunks
    const endpoint = await start();
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = http.request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked', 'X-Hub-Signature-256': signHookBody('', SECRET) } }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      outgoing.on('error', reject);
      for (let index = 0; index < 4; index++) {
        outgoing.write('y'.repeat(512));
      }
      outgoing.end();
    });
    expect(answer).toEqual({ status: 413, text: 'the hook body is over the limit of 1024 bytes\n' });
    expect(endpoint.hooks).toEqual([]);
  });

  it('caps hook bodies at 1 MiB unless told otherwise', () => {
    expect(DEFAULT_MAX_HOOK_BODY_BYTES).toBe(1_048_576);
  });

  it.each([
    ['GET', '/hooks/git', 405, '/hooks/git takes POST only\n', 'POST'],
    ['PUT', '/hooks/git', 405, '/hooks/git takes POST only\n', 'POST'],
    ['POST', '/metrics', 405, '/metrics takes GET or HEAD only\n', 'GET, HEAD'],
    ['DELETE', '/healthz', 405, '/healthz takes GET or HEAD only\n', 'GET, HEAD'],
    ['GET', '/hooks/git/../../etc/passwd', 404, 'not found: the endpoint serves /healthz, /readyz, /metrics, /hooks/git\n', undefined],
    ['GET', '/', 404, 'not found: the endpoint serves /healthz, /readyz, /metrics, /hooks/git\n', undefined],
  ])('fails on %s %s with %i', async (method, path, status, text, allow) => {
    const endpoint = await start();
    const answer = await request(`${endpoint.url}${path}`, { method });
    expect({ status: answer.status, text: answer.text, allow: answer.headers.allow }).toEqual({ status, text, allow });
    expect(endpoint.hooks).toEqual([]);
  });

  it('fails with 404 on hooks when no secret is configured', async () => {
    const endpoint = await start({ hooksOff: true });
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY), body: BODY });
    expect(answer).toMatchObject({ status: 404, text: 'git hooks are off: start the reconciler with --webhook-secret-file FILE\n' });
  });

  it('fails with 503 and no reconcile when the secret cannot be read', async () => {
    const endpoint = await start({
      secret: () => {
        throw new Error('gone');
      },
    });
    const answer = await request(`${endpoint.url}/hooks/git`, { method: 'POST', headers: signed(BODY), body: BODY });
    expect(answer).toMatchObject({ status: 503, text: 'the webhook secret cannot be read; see the reconciler\'s log\n' });
    expect(endpoint.hooks).toEqual([]);
  });

  it('fails to start with a message naming the address when the port is taken', async () => {
    const endpoint = await start();
    const port = Number(new URL(endpoint.url).port);
    await expect(serveEndpoint({ host: '127.0.0.1', port, metrics: new ReconcileMetrics(), isReady: () => true }))
      .rejects.toThrow(`cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}; pick another --listen HOST:PORT`);
  });
});
