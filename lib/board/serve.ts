import * as http from 'http';
import { AddressInfo } from 'net';
import { BoardFilter, FILTER_STATES, MAX_FILTER_LENGTH } from './filter';
import { Board } from './model';
import { ASSETS, boardVersion, contentSecurityPolicy, renderBoard } from './render';

export interface ServeBoardOptions {
  /** Address to bind: 127.0.0.1 unless the user asks for another. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Reads the board anew (the repo, the status branch, gates judged at the current time). */
  readonly load: () => Promise<Board>;
  /** Pause between the end of one read and the start of the next. */
  readonly refreshMs: number;
  /** One line per refresh failure and per refused request class, for the terminal. */
  readonly log?: (line: string) => void;
}

export interface BoardServer {
  /** `http://127.0.0.1:8080/` */
  readonly url: string;
  readonly port: number;
  /** Reads the board now (tests; the loop does it every refreshMs). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Longest request target accepted; the filter needs a few hundred characters at most. */
const MAX_TARGET_LENGTH = 2048;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * `stagecraft board --serve`: the same page as the static export, read-only, refreshed every `refreshMs`,
 * with the filter applied on the server. Only GET and HEAD of five fixed paths; no file is ever read from
 * disk for a request, so no path can reach one. Bound to a loopback address it answers only requests whose
 * Host names that address (DNS rebinding cannot reach it from a web page).
 */
export async function serveBoard(options: ServeBoardOptions): Promise<BoardServer> {
  let board = await options.load();
  let refreshError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    running ??= (async () => {
      try {
        board = await options.load();
        refreshError = undefined;
      } catch (error) {
        refreshError = (error as Error).message;
        options.log?.(`refresh failed, still serving the board of ${board.generatedAt}: ${refreshError}`);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const schedule = (): void => {
    if (!closed) {
      timer = setTimeout(() => void refresh().then(schedule), options.refreshMs);
    }
  };

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      send(response, 500, 'text/plain; charset=utf-8', `internal error: ${(error as Error).message}\n`, request.method === 'HEAD');
    }
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  let port = options.port;
  const allowedHosts = (): Set<string> => new Set(
    [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`],
  );

  function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', `method ${request.method} is not allowed: the board is read-only (GET and HEAD)\n`, false);
      return;
    }
    if (LOOPBACK.has(options.host) && !allowedHosts().has(String(request.headers.host ?? '').toLowerCase())) {
      send(response, 421, 'text/plain; charset=utf-8', `host ${JSON.stringify(request.headers.host ?? '')} is not this board; open http://127.0.0.1:${port}/\n`, head);
      return;
    }
    const target = request.url ?? '';
    if (target.length > MAX_TARGET_LENGTH) {
      send(response, 414, 'text/plain; charset=utf-8', `request target of ${target.length} characters is longer than ${MAX_TARGET_LENGTH}\n`, head);
      return;
    }
    if (!target.startsWith('/')) {
      send(response, 400, 'text/plain; charset=utf-8', 'request target must be a path starting with /\n', head);
      return;
    }
    const url = new URL(target, 'http://board.invalid');
    const asset = ASSETS.find((candidate) => `/${candidate.name}` === url.pathname);
    if (asset !== undefined) {
      response.setHeader('Cache-Control', 'no-cache');
      send(response, 200, asset.contentType, asset.text, head);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      // Browsers ask for it on their own; the board has none, and a 404 would read as an error in their console.
      send(response, 204, 'text/plain; charset=utf-8', '', head);
      return;
    }
    if (url.pathname === '/version') {
      send(response, 200, 'text/plain; charset=utf-8', `${boardVersion(board)}\n`, head);
      return;
    }
    if (url.pathname !== '/') {
      send(response, 404, 'text/plain; charset=utf-8', 'not found: the board serves /, /board.css, /board.js, /version and /favicon.ico (empty)\n', head);
      return;
    }
    const filter = filterOf(url.searchParams, board);
    if (typeof filter === 'string') {
      send(response, 400, 'text/plain; charset=utf-8', `${filter}\n`, head);
      return;
    }
    send(response, 200, 'text/html; charset=utf-8', renderBoard(board, { live: true, filter, refreshError }), head);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  schedule();
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    refresh,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await running;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The filter of a query string, or why it is refused: each known parameter at most once, bounded, from its allowed values. */
export function filterOf(query: URLSearchParams, board: Board): BoardFilter | string {
  const values: Record<string, string> = { app: '', env: '', state: '' };
  for (const name of Object.keys(values)) {
    const given = query.getAll(name);
    if (given.length > 1) {
      return `query parameter ${name} is given ${given.length} times; give it once`;
    }
    const value = given[0] ?? '';
    if (value.length > MAX_FILTER_LENGTH) {
      return `query parameter ${name} is ${value.length} characters long, at most ${MAX_FILTER_LENGTH} allowed`;
    }
    values[name] = value;
  }
  const environments = [...new Set(board.pipelines.flatMap((pipeline) => pipeline.stages))].sort();
  if (values.env !== '' && !environments.includes(values.env)) {
    return `query parameter env is ${JSON.stringify(values.env)}, not an environment of this board (${environments.join(', ')})`;
  }
  if (values.state !== '' && !FILTER_STATES.includes(values.state)) {
    return `query parameter state is ${JSON.stringify(values.state)}; allowed: ${FILTER_STATES.join(', ')}`;
  }
  return { application: values.app, environment: values.env, state: values.state };
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'Content-Security-Policy': contentSecurityPolicy(true, true),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(response.hasHeader('Cache-Control') ? {} : { 'Cache-Control': 'no-store' }),
  });
  response.end(head ? undefined : bytes);
}
