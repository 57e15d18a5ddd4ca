import * as http from 'http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** One HTTP request over loopback; resolves with the answer however it ends (the body as text). */
export function request(url: string, options: HttpRequest = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** A loopback receiver that records every request body and answers with `answer` (default 200). */
export class Receiver {
  public readonly received: Array<{ readonly path: string; readonly body: string; readonly headers: http.IncomingHttpHeaders }> = [];
  private readonly server = http.createServer((incoming, response) => {
    let body = '';
    incoming.on('data', (chunk) => (body += chunk));
    incoming.on('end', () => {
      this.received.push({ path: incoming.url ?? '', body, headers: incoming.headers });
      const answer = this.answer(incoming.url ?? '', this.received.length - 1);
      if (answer !== 'hang') {
        response.writeHead(answer, { 'Content-Type': 'text/plain' });
        response.end('ok');
      }
    });
  });

  /** The status to answer the request at `path` (the `index`th received) with, or 'hang' to never answer. */
  public answer: (path: string, index: number) => number | 'hang' = () => 200;

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  public bodiesAt(path: string): any[] {
    return this.received.filter((entry) => entry.path === path).map((entry) => JSON.parse(entry.body));
  }

  public close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves once `check` holds, polling every 20 ms; fails after `timeoutMs` with `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
