import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, STAGECRAFT_BIN } from './cli';
import { scratchFolder } from './fleets';
import { GitEnvRepo } from './git-env-repo';
import { request } from './http';
import { LogWatcher } from './log-watcher';
import { signHookBody } from '../../lib/reconciler/webhook-signature';

/** `stagecraft reconcile --interval 5m` (the built CLI) with hooks on, listening on a free loopback port. */
export interface RunningReconciler {
  readonly child: ChildProcess;
  readonly logs: LogWatcher;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  /** The structured `reconcile` lines so far. */
  reconciles(): any[];
  /** POSTs `body` to /hooks/git with the headers given (and Content-Type, X-GitHub-Event: push). */
  hook(body: string, headers?: Record<string, string>): ReturnType<typeof request>;
  /** The headers of a correctly signed GitHub push delivery of `body`. */
  signed(body: string, deliveryId: string): Record<string, string>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the reconciler and waits until it listens; `extra` goes on its command line. */
export async function startRunningReconciler(kubeconfig: string, repo: GitEnvRepo, extra: string[] = []): Promise<RunningReconciler> {
  const secret = randomBytes(32).toString('hex');
  const secretFile = path.join(scratchFolder('stagecraft-hook-secret-'), 'secret');
  fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, [
    STAGECRAFT_BIN, 'reconcile', '--repo', repo.root, '--env', repo.environment, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'),
    '--interval', '5m', '--poll-interval', '100ms', '--listen', '127.0.0.1:0', '--webhook-secret-file', secretFile, ...extra,
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = new LogWatcher(child);
  const listening = await logs.waitFor((line) => line.msg === 'listening');
  const [host, port] = [listening.address.slice(0, listening.address.lastIndexOf(':')), Number(listening.address.slice(listening.address.lastIndexOf(':') + 1))];
  const url = `http://${listening.address}`;
  return {
    child,
    logs,
    url,
    host,
    port,
    secret,
    reconciles: () => logs.lines.filter((line) => line.msg === 'reconcile'),
    hook: (body, headers = {}) => request(`${url}/hooks/git`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', ...headers }, body }),
    signed: (body, deliveryId) => ({ 'X-Hub-Signature-256': signHookBody(body, secret), 'X-GitHub-Delivery': deliveryId }),
    stop: () => {
      if (child.exitCode !== null) {
        return Promise.resolve(child.exitCode);
      }
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The body of a GitHub push delivery for `commit` (the reconciler reads only its signature). */
export function pushPayload(commit: string): string {
  return JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { full_name: 'acme/env-repo' } });
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
