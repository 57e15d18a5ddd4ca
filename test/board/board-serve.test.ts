/// <reference lib="dom" />
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import type { Browser } from 'playwright-core';
import { BOARD_NOW, boardScenario } from '../support/board-scenario';
import { launchChromium } from '../support/browser';
import { STAGECRAFT_BIN } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { ISOLATED_GIT, stagecraft } from '../support/promotion-repo';

/**
 * `stagecraft board --serve` as users run it (the built CLI in a subprocess, a real git env repo), driven over
 * raw HTTP for the hostile cases and by headless Chromium for the live refresh.
 */
jest.setTimeout(300_000);

let scratch: string;
let repo: string;
let server: ChildProcess;
let port: number;
let stderr = '';

beforeAll(async () => {
  scratch = scratchFolder('stagecraft-board-serve-');
  repo = (await boardScenario(scratch)).repo;
  server = spawn(process.execPath, [STAGECRAFT_BIN, 'board', '--repo', repo, '--serve', '--port', '0', '--refresh', '300ms', '--now', BOARD_NOW], {
    cwd: scratch,
    env: { ...process.env, ...ISOLATED_GIT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) {
        resolve(stdout.split('\n')[0]);
      }
    });
    server.once('exit', (code) => reject(new Error(`the board server exited ${code}: ${stderr}`)));
  });
  const match = /^serving the board of .* on http:\/\/127\.0\.0\.1:(\d+)\/ \(read again every 0\.3 s; stop with Ctrl-C\)$/.exec(firstLine);
  expect(match).not.toBeNull();
  port = Number(match![1]);
}, 300_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends `request` as written (no client normalizes the target or the Host) and reads the whole response. */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

const get = (target: string, host = `127.0.0.1:${port}`, method = 'GET', extra = ''): Promise<RawResponse> =>
  raw(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);

describe('stagecraft board --serve', () => {
  it('binds 127.0.0.1 and serves the board with a strict policy and no caching', async () => {
    // WHEN the page is fetched
    const response = await get('/');
    // THEN it is the board, with headers that keep it read-only, unframed and uncached
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(response.body).toContain('<body data-mode="live"');
    expect(response.body).toContain('<output id="filter-count" aria-live="polite">2 of 2 rows</output>');
    const css = await get('/board.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    const js = await get('/board.js');
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
  });

  it('filters on the server, so the filter works without JavaScript', async () => {
    const response = await get('/?app=ap&env=&state=');
    expect(response.status).toBe(200);
    expect(response.body).toContain('1 of 2 rows');
    expect(response.body).toContain('<tr data-app="api"');
    expect(response.body).not.toContain('<tr data-app="web"');
    expect(response.body).toContain('<input type="search" name="app" value="ap"');
  });

  it('escapes what a query string reflects', async () => {
    const response = await get('/?app=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(response.status).toBe(200);
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(response.body).not.toContain('<script>alert(1)');
  });

  it.each([
    ['/../../../../etc/passwd', 404],
    ['/board.css/../../../etc/passwd', 404],
    ['/%2e%2e/%2e%2e/etc/passwd', 404],
    ['/..%2f..%2fetc%2fpasswd', 404],
    ['//etc/passwd', 404],
    ['/index.html', 404],
    ['/.git/config', 404],
    ['/board.js%00.html', 404],
    ['http://evil.example/', 400],
    ['*', 400],
    ['/?app=a&app=b', 400],
    ['/?env=../../etc', 400],
    ['/?state=%3Cscript%3E', 400],
    [`/?app=${'x'.repeat(129)}`, 400],
    [`/?${'a=1&'.repeat(600)}`, 414],
  ])('refuses the hostile target %# (%s) with %d and no file content', async (target, status) => {
    const response = await get(target);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).not.toMatch(/root:|\[core\]/);
  });

  it('refuses a header block over 16 KiB (431) and stays up', async () => {
    const response = await get('/', `127.0.0.1:${port}`, 'GET', `X-Padding: ${'p'.repeat(20_000)}\r\n`);
    expect(response.status).toBe(431);
    expect((await get('/')).status).toBe(200);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'])('refuses %s: the board is read-only', async (method) => {
    const response = await get('/', `127.0.0.1:${port}`, method, 'Content-Length: 0\r\n');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await get('/', `127.0.0.1:${port}`, 'HEAD');
    expect(response.status).toBe(200);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(1000);
    expect(response.body).toBe('');
  });

  it.each([
    ['evil.example', 421],
    ['evil.example:PORT', 421],
    ['127.0.0.1.evil.example:PORT', 421],
    ['127.0.0.1:1', 421],
    ['', 421],
    ['localhost:PORT', 200],
    ['LOCALHOST:PORT', 200],
    ['[::1]:PORT', 200],
  ])('answers Host "%s" with %d (no DNS rebinding onto the loopback board)', async (host, status) => {
    const response = await get('/', host.replace('PORT', String(port)));
    expect(response.status).toBe(status);
  });

  it('refuses a request without a Host header', async () => {
    const response = await raw('GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(response.status).toBe(400);
  });

  it('refreshes as the repo changes: the open page reloads and shows the second approval', async () => {
    const { browser, close } = await launchChromium();
    try {
      const page = await (browser as Browser).newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      await page.goto(`http://127.0.0.1:${port}/?env=prod`);
      const approvals = page.locator('tr[data-app="web"] td[data-env="prod"] li[data-gate="approvals"]');
      await expect(approvals.textContent()).resolves.toBe('approvals 1 of 2');
      // WHEN bob approves (a commit on the env repo's main branch)
      const approve = stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'bob@example.com', '--now', BOARD_NOW);
      expect(approve.status).toBe(0);
      // THEN the page reloads by itself, keeps its filter, and shows 2 of 2
      await page.waitForFunction(() => document.querySelector('tr[data-app="web"] td[data-env="prod"] li[data-gate="approvals"]')?.textContent === 'approvals 2 of 2', undefined, { timeout: 30_000 });
      expect(new URL(page.url()).search).toBe('?env=prod');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('keeps serving the last board and says so when a refresh fails, and recovers', async () => {
    // GIVEN the repo disappears
    const moved = `${repo}.away`;
    fs.renameSync(repo, moved);
    try {
      // THEN the page still shows the board, with the failure on top
      let response: RawResponse | undefined;
      await waitFor(async () => {
        response = await get('/');
        return response.body.includes('the last refresh failed');
      });
      response = response!;
      expect(response.status).toBe(200);
      // (a read that was under way when the folder went reports it in its own words)
      expect(response.body).toMatch(/<p class="warnings" role="alert">the last refresh failed, this page shows the board before it: [^<]*env\.git[^<]*<\/p>/);
      expect(response.body).toContain('<tr data-app="web"');
      expect(stderr).toContain('refresh failed, still serving the board of');
    } finally {
      fs.renameSync(moved, repo);
    }
    // AND when the repo is back, so is the plain board
    await waitFor(async () => !(await get('/')).body.includes('the last refresh failed'));
  });
  it('stops with exit code 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
