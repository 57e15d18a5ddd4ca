import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_GIT_TIMEOUT_MS, GitCommandError, runGit } from './run-git';
import { GitTransport } from './transport';

/** Refuses names git would not accept as a branch, before they reach a refspec. */
export async function assertBranchName(branch: string): Promise<void> {
  const invalid = () => new Error(`branch "${branch}" is not a valid git branch name; pass a name such as main or stagecraft/status`);
  if (branch.length === 0 || branch.startsWith('-')) {
    throw invalid();
  }
  try {
    await runGit(['check-ref-format', `refs/heads/${branch}`]);
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode !== undefined) {
      throw invalid();
    }
    throw error;
  }
}

/**
 * Where the bare mirror of `remote` under `cacheDirectory` is (whether it exists yet or not). Its folder name
 * is a hash of the remote (with a readable prefix), so two repositories never share a mirror.
 */
export function mirrorDirectory(remote: string, cacheDirectory: string): string {
  const readable = (remote.replace(/\/+$/, '').split(/[/:]/).pop() ?? '').replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40);
  const hash = createHash('sha256').update(remote).digest('hex').slice(0, 16);
  return path.join(path.resolve(cacheDirectory), `${readable.length > 0 ? `${readable}-` : ''}${hash}.git`);
}

/** The bare mirror of `remote` under `cacheDirectory` (mirrorDirectory), created on first use. */
export async function ensureMirror(remote: string, cacheDirectory: string, timeoutMs?: number): Promise<string> {
  const gitDirectory = mirrorDirectory(remote, cacheDirectory);
  if (!fs.existsSync(path.join(gitDirectory, 'HEAD'))) {
    fs.mkdirSync(path.dirname(gitDirectory), { recursive: true });
    // Built aside and renamed into place, so a concurrent reconciler never sees half a mirror.
    const incoming = fs.mkdtempSync(path.join(path.dirname(gitDirectory), '.incoming-'));
    try {
      await runGit(['-c', 'init.defaultBranch=main', 'init', '--bare', '--quiet', incoming], { timeoutMs });
      await runGit(['config', 'remote.origin.url', remote], { gitDirectory: incoming, timeoutMs });
      fs.renameSync(incoming, gitDirectory);
    } catch (error) {
      fs.rmSync(incoming, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') {
        throw error;
      }
    }
  }
  const configured = (await runGit(['config', '--get', 'remote.origin.url'], { gitDirectory, timeoutMs })).stdout.toString('utf8').trim();
  if (configured !== remote) {
    throw new Error(`mirror ${gitDirectory} belongs to ${configured}, not ${remote}; delete the folder and run again`);
  }
  return gitDirectory;
}

/**
 * Fetches one branch into `refs/remotes/origin/<branch>` of the mirror and returns its commit, or undefined
 * when the remote has no such branch. `repo` is how the caller named the repository, for messages.
 */
export async function fetchBranch(
  gitDirectory: string, repo: string, branch: string, timeoutMs?: number, transport?: GitTransport,
): Promise<string | undefined> {
  const trackingRef = `refs/remotes/origin/${branch}`;
  try {
    await runGit(['fetch', '--quiet', '--prune', '--no-tags', 'origin', `+refs/heads/${branch}:${trackingRef}`], { gitDirectory, timeoutMs, env: transport?.env });
  } catch (error) {
    if (!(error instanceof GitCommandError)) {
      throw error;
    }
    if (error.stderr.includes("couldn't find remote ref")) {
      // Forget a branch deleted upstream, so it is not mistaken for the current one.
      await runGit(['update-ref', '-d', trackingRef], { gitDirectory, timeoutMs });
      return undefined;
    }
    if (error.timedOut) {
      throw new Error(`fetching branch "${branch}" from ${repo} timed out after ${timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS} ms; check the network or raise the timeout`);
    }
    if (transport !== undefined) {
      throw new Error(`cannot fetch branch "${branch}" from ${repo}: ${transport.explain(error.gitLine, error.stderr, repo)}`);
    }
    throw new Error(`cannot fetch branch "${branch}" from ${repo}: ${error.gitLine}; check that the repository exists and is reachable, and the credentials for ssh or https`);
  }
  return resolveCommit(gitDirectory, trackingRef, timeoutMs);
}

/** The commit a ref points to, or undefined when the ref does not exist. */
export async function resolveCommit(gitDirectory: string, ref: string, timeoutMs?: number): Promise<string | undefined> {
  try {
    const output = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { gitDirectory, timeoutMs });
    return output.stdout.toString('utf8').trim();
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) {
      return undefined;
    }
    throw error;
  }
}

/** Branch names of the remote, for messages that suggest the right one (at most `limit`). */
export async function remoteBranches(gitDirectory: string, limit: number, timeoutMs?: number, transport?: GitTransport): Promise<string[]> {
  const output = await runGit(['ls-remote', '--heads', 'origin'], { gitDirectory, timeoutMs, env: transport?.env });
  return output.stdout.toString('utf8').split('\n')
    .map((line) => line.split('\t')[1])
    .filter((ref): ref is string => ref !== undefined && ref.startsWith('refs/heads/'))
    .map((ref) => ref.slice('refs/heads/'.length))
    .sort()
    .slice(0, limit);
}
