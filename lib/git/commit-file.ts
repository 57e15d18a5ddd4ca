import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commitIdentityVariables } from './identity';
import { locateRepository } from './location';
import { assertBranchName, ensureMirror, fetchBranch, resolveCommit } from './mirror';
import { GitCommandError, runGit } from './run-git';
import { GitTransport } from './transport';
import { repoPathProblem } from '../envrepo/repo-path';

export interface CommitFileOptions {
  /** The env repo: a local path (bare or not) or a git URL (`file://`, `https://`, `ssh://`, `user@host:path`). */
  readonly repo: string;
  /**
   * Folder for the mirror a record for a remote repository is committed in (unused for local paths).
   * @default - `stagecraft-git-cache` in the system's temporary folder
   */
  readonly cacheDirectory?: string;
  /** The branch to add the file to; created without history when missing. */
  readonly branch: string;
  /**
   * What the file is, for messages (`record path "…" …`).
   * @default "file"
   */
  readonly description?: string;
  /** Repo-relative path of the file to add or replace, e.g. `recordPath(record)`. */
  readonly path: string;
  readonly content: string;
  readonly message: string;
  readonly author: { readonly name: string; readonly email: string };
  /** Author and committer date, ISO 8601 (from the injected clock, so tests and replays are reproducible). */
  readonly clockIso: string;
  /**
   * Limit for each git command.
   * @default 120000
   */
  readonly timeoutMs?: number;
  /** How to reach a private repository (see gitTransport). @default - git's own configuration */
  readonly transport?: GitTransport;
}

/** What the commit is made of, checked once. */
interface FileCommitInput {
  readonly path: string;
  readonly content: string;
  readonly message: string;
  readonly description: string;
  /** GIT_AUTHOR_* and GIT_COMMITTER_* variables. */
  readonly identity: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly transport?: GitTransport;
}

/**
 * Adds or replaces one file on a branch of a repository and returns the new commit (or the current tip, when
 * the file already has this content). The branch is created without history when missing. No checkout,
 * index or other branch is touched: the commit is built from git objects with a scratch index, so this is
 * safe on a repository someone is working in.
 */
export async function commitFile(options: CommitFileOptions): Promise<string> {
  const branch = options.branch;
  const description = options.description ?? 'file';
  await assertBranchName(branch);
  const pathProblem = repoPathProblem(options.path);
  if (pathProblem !== undefined) {
    throw new Error(`${description} path "${options.path}" ${pathProblem}; pass a path relative to the repository root such as records/prod/<commit>.json`);
  }
  const input: FileCommitInput = {
    path: options.path,
    content: options.content,
    message: options.message,
    identity: commitIdentityVariables(options.author, options.clockIso, { subject: `${description} author`, fix: (field) => `pass a plain ${field}` }),
    description,
    timeoutMs: options.timeoutMs,
    transport: options.transport,
  };
  const location = locateRepository(options.repo);
  if (location.isUrl) {
    const cacheDirectory = options.cacheDirectory ?? path.join(os.tmpdir(), 'stagecraft-git-cache');
    return commitThroughMirror(options.repo, location.remote, cacheDirectory, branch, input);
  }
  return commitInPlace(options.repo, location.remote, branch, input);
}

/** Updates the branch of a local repository with a compare-and-swap, retried once if another writer won. */
async function commitInPlace(repo: string, folder: string, branch: string, input: FileCommitInput): Promise<string> {
  const gitDirectory = await localGitDirectory(repo, folder, input.timeoutMs);
  const ref = `refs/heads/${branch}`;
  for (let attempt = 1; ; attempt++) {
    const tip = await resolveCommit(gitDirectory, ref, input.timeoutMs);
    const commit = await buildFileCommit(gitDirectory, tip, input);
    if (commit === tip) {
      return tip;
    }
    try {
      await runGit(['update-ref', ref, commit, tip ?? ''], { gitDirectory, timeoutMs: input.timeoutMs });
      return commit;
    } catch (error) {
      const movedMeanwhile = (await resolveCommit(gitDirectory, ref, input.timeoutMs)) !== tip;
      if (!(error instanceof GitCommandError) || !movedMeanwhile || attempt >= 2) {
        const cause = error instanceof GitCommandError ? error.gitLine : (error as Error).message;
        throw new Error(`cannot update branch "${branch}" of ${repo}: ${cause}; the ${input.description} commit ${commit} was built but not referenced, run again`);
      }
    }
  }
}

/** Pushes from the mirror without force; a rejected push (someone else committed first) is rebuilt once. */
async function commitThroughMirror(repo: string, remote: string, cacheDirectory: string, branch: string, input: FileCommitInput): Promise<string> {
  const gitDirectory = await ensureMirror(remote, cacheDirectory, input.timeoutMs);
  for (let attempt = 1; ; attempt++) {
    const tip = await fetchBranch(gitDirectory, repo, branch, input.timeoutMs, input.transport);
    const commit = await buildFileCommit(gitDirectory, tip, input);
    if (commit === tip) {
      return tip;
    }
    try {
      await runGit(['push', '--quiet', 'origin', `${commit}:refs/heads/${branch}`], { gitDirectory, timeoutMs: input.timeoutMs, env: input.transport?.env });
      return commit;
    } catch (error) {
      if (!(error instanceof GitCommandError)) {
        throw error;
      }
      const rejected = /\[rejected\]|non-fast-forward|fetch first/.test(error.stderr);
      if (!rejected || attempt >= 2) {
        const cause = input.transport === undefined ? error.gitLine : input.transport.explain(error.gitLine, error.stderr, repo);
        throw new Error(`cannot push branch "${branch}" to ${repo}: ${cause}; check push access to the repository${rejected ? ' and run again' : ''}`);
      }
    }
  }
}

/** The git folder of the repository whose top is `folder`; refuses a folder that is merely inside one. */
async function localGitDirectory(repo: string, folder: string, timeoutMs: number | undefined): Promise<string> {
  if (!fs.existsSync(folder)) {
    throw new Error(`repository ${repo} does not exist; pass the path of the env repo or its URL`);
  }
  let lines: string[];
  try {
    const output = await runGit(['rev-parse', '--absolute-git-dir', '--is-bare-repository'], { cwd: folder, timeoutMs });
    lines = output.stdout.toString('utf8').trim().split('\n');
  } catch (error) {
    throw new Error(`${repo} is not a git repository (${error instanceof GitCommandError ? error.gitLine : (error as Error).message}); pass the path of the env repo or its URL`);
  }
  const [gitDirectory, bare] = lines;
  const top = bare === 'true'
    ? gitDirectory
    : (await runGit(['rev-parse', '--show-toplevel'], { cwd: folder, timeoutMs })).stdout.toString('utf8').trim();
  if (fs.realpathSync(top) !== fs.realpathSync(folder)) {
    throw new Error(`${repo} is inside the git repository ${top}, not the top of one; pass ${top} or the env repo's own folder`);
  }
  return gitDirectory;
}

/**
 * A commit holding the parent's tree with `input.path` set to `input.content`, or the parent itself when
 * that changes nothing. Objects are written to the repository; no ref moves.
 */
async function buildFileCommit(gitDirectory: string, parent: string | undefined, input: FileCommitInput): Promise<string> {
  const timeoutMs = input.timeoutMs;
  const run = async (args: string[], extra: { input?: string; env?: Record<string, string> } = {}) =>
    (await runGit(args, { gitDirectory, timeoutMs, ...extra })).stdout.toString('utf8').trim();
  const blob = await run(['hash-object', '-w', '--no-filters', '--stdin'], { input: input.content });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-index-'));
  const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
  try {
    await run(parent === undefined ? ['read-tree', '--empty'] : ['read-tree', parent], { env });
    await run(['update-index', '--add', '--cacheinfo', '100644', blob, input.path], { env });
    const tree = await run(['write-tree'], { env });
    if (parent !== undefined && tree === await run(['rev-parse', `${parent}^{tree}`])) {
      return parent;
    }
    return await run(
      ['commit-tree', '--no-gpg-sign', tree, ...(parent === undefined ? [] : ['-p', parent]), '-F', '-'],
      { input: input.message.endsWith('\n') ? input.message : `${input.message}\n`, env: { ...input.identity } },
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
