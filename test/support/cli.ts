import { spawnSync } from 'child_process';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const STAGECRAFT_BIN = path.join(REPO_ROOT, 'bin', 'stagecraft');
export const EXAMPLE = path.join(REPO_ROOT, 'examples', 'acme-shop');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI in a subprocess, as users and CI do. The environment is the test's, without CDK8S_*
 * variables unless `env` sets them.
 */
export function runStagecraft(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const baseEnvironment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CDK8S_') && value !== undefined) {
      baseEnvironment[key] = value;
    }
  }
  const child = spawnSync(process.execPath, [STAGECRAFT_BIN, ...args], {
    cwd: options.cwd ?? EXAMPLE,
    env: { ...baseEnvironment, ...(options.env ?? {}) },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    // A reconcile of thousands of objects prints megabytes of JSON.
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.error) {
    throw child.error;
  }
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}
