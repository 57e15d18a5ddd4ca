import * as http from 'http';
import { HookOutcome, ReconcileMetrics } from './metrics';
import { RecentDeliveries } from './recent-deliveries';
import { authenticateHook } from './webhook-signature';

/** Largest hook body read (1 MiB): GitHub's push payloads hold at most 20 commits and stay far below it. */
export const DEFAULT_MAX_HOOK_BODY_BYTES = 1024 * 1024;

/** Timeouts that end slow or half-open requests (slowloris) so they cannot hold the endpoint. */
export interface EndpointTimeouts {
  /** Time to receive the request's headers. @default 5000 */
  readonly headersMs?: number;
  /** Time to receive the whole request, body included. @default 10000 */
  readonly requestMs?: number;
  /** How often timed-out connections are looked for. @default 1000 */
  readonly checkIntervalMs?: number;
}

/** Git hooks: who may trigger a reconcile, and what happens when one may. */
export interface HookOptions {
  /** The shared secret, read when a hook arrives (a rotated secret file is picked up without a restart). */
  readonly secret: () => Buffer;
  /** Called for each accepted hook: asks the loop for a reconcile now. */
  readonly onHook: () => void;
  /** @default DEFAULT_MAX_HOOK_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** @default - a new RecentDeliveries */
  readonly deliveries?: RecentDeliveries;
}

export interface EndpointOptions {
  readonly host: string;
  /** 0 picks a free port (see the server's address()). */
  readonly port: number;
  readonly metrics: ReconcileMetrics;
  /** True once the first reconcile finished: /readyz answers 200 from then on. */
  readonly isReady: () => boolean;
  /** Without it, POST /hooks/git answers 404. */
  readonly hooks?: HookOptions;
  readonly timeouts?: EndpointTimeouts;
  /** One structured entry per hook request (never the secret, never the body). */
  readonly log?: (entry: Record<string, unknown>) => void;
}

const HOOK_PATH = '/hooks/git';
const READ_ROUTES = ['/healthz', '/readyz', '/metrics'];

/**
 * The reconciler's HTTP endpoint: `GET /healthz` (the process answers), `GET /readyz` (the first reconcile
 * finished), `GET /metrics` (Prometheus text format) and `POST /hooks/git` (a signed push from the git host
 * asks for a reconcile now). Resolves with the server once it listens.
 */
export function serveEndpoint(options: EndpointOptions): Promise<http.Server> {
  const timeouts = options.timeouts ?? {};
  const deliveries = options.hooks?.deliveries ?? new RecentDeliveries();
  const server = http.createServer({ connectionsCheckingInterval: timeouts.checkIntervalMs ?? 1000 }, (request, response) => {
    route(options, deliveries, request, response).catch((error: Error) => {
      // A bug, not bad input: answer 500 rather than leave the request hanging.
      options.log?.({ level: 'error', msg: 'endpoint', path: request.url, error: error.message });
      if (!response.headersSent) {
        reply(response, 500, 'internal error\n');
      }
    });
  });
  server.headersTimeout = timeouts.headersMs ?? 5000;
  server.requestTimeout = timeouts.requestMs ?? 10_000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${options.host}:${options.port}: ${error.message}; pick another --listen HOST:PORT`)));
    server.listen(options.port, options.host, () => resolve(server));
  });
}

type Request = http.IncomingMessage;
type Response = http.ServerResponse;

async function route(options: EndpointOptions, deliveries: RecentDeliveries, request: Request, response: Response): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://endpoint').pathname;
  if (path === HOOK_PATH) {
    if (options.hooks === undefined) {
      return reply(response, 404, 'git hooks are off: start the reconciler with --webhook-secret-file FILE\n');
    }
    if (request.method !== 'POST') {
      return reply(response, 405, `${HOOK_PATH} takes POST only\n`, { Allow: 'POST' });
    }
    return receiveHook(options, options.hooks, deliveries, request, response);
  }
  if (!READ_ROUTES.includes(path)) {
    return reply(response, 404, `not found: the endpoint serves ${[...READ_ROUTES, HOOK_PATH].join(', ')}\n`);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return reply(response, 405, `${path} takes GET or HEAD only\n`, { Allow: 'GET, HEAD' });
  }
  if (path === '/healthz') {
    return reply(response, 200, 'ok\n');
  }
  if (path === '/readyz') {
    return options.isReady() ? reply(response, 200, 'ready\n') : reply(response, 503, 'not ready: the first reconcile has not finished\n');
  }
  reply(response, 200, await options.metrics.render(), { 'Content-Type': options.metrics.contentType });
}

async function receiveHook(
  options: EndpointOptions, hooks: HookOptions, deliveries: RecentDeliveries, request: Request, response: Response,
): Promise<void> {
  const outcome = (status: number, result: HookOutcome, text: string, detail: Record<string, unknown> = {}) => {
    options.metrics.observeHook(result);
    options.log?.({ level: status >= 400 ? 'warn' : 'info', msg: 'hook', outcome: result, status, ...detail });
    reply(response, status, text);
  };
  const limit = hooks.maxBodyBytes ?? DEFAULT_MAX_HOOK_BODY_BYTES;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    // Refused before reading a byte; the connection is closed so the rest of the body is not read either.
    response.shouldKeepAlive = false;
    return outcome(413, 'too-large', `the hook body of ${declared} bytes is over the limit of ${limit} bytes\n`);
  }
  const body = await readBody(request, limit);
  if (body === undefined) {
    response.shouldKeepAlive = false;
    return outcome(413, 'too-large', `the hook body is over the limit of ${limit} bytes\n`);
  }
  let secret: Buffer;
  try {
    secret = hooks.secret();
  } catch (error) {
    return outcome(503, 'unavailable', 'the webhook secret cannot be read; see the reconciler\'s log\n', { reason: (error as Error).message });
  }
  const authentication = authenticateHook(request.headers, body, secret);
  if (!authentication.authenticated) {
    return outcome(401, 'unauthorized', `unauthorized: ${authentication.reason}\n`, { reason: authentication.reason });
  }
  const deliveryId = authentication.deliveryId;
  if (deliveryId !== undefined && !deliveries.remember(deliveryId)) {
    return outcome(200, 'replayed', `ignored: delivery ${deliveryId} was already received\n`, { deliveryId });
  }
  if (request.headers['x-github-event'] === 'ping') {
    return outcome(200, 'ping', 'pong\n', { deliveryId });
  }
  hooks.onHook();
  return outcome(202, 'accepted', 'accepted: a reconcile starts now\n', { deliveryId, scheme: authentication.scheme });
}

/** The whole body, or undefined as soon as it grows past `limit` (the rest is not kept). */
function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        request.pause();
        resolve(undefined);
      } else if (!over) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(response: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}
