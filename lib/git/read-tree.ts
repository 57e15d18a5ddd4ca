import { locateRepository } from './location';
import { assertBranchName, ensureMirror, fetchBranch, remoteBranches } from './mirror';
import { listTree, readBlobs, TreeEntry } from './private/tree-objects';
import { GitCommandError, runGit } from './run-git';
import { GitTransport } from './transport';
import { DEFAULT_MAX_FILE_BYTES, EnvRepoLimits, fileCountProblem, fileSizeProblem, isMetadataFile, totalSizeProblem } from '../envrepo/limits';
import type { KnownFile } from '../envrepo/lock';
import { dnsLabelProblem } from '../envrepo/names';
import { EnvironmentFile, TreeVerificationError } from '../envrepo/read-environment';
import { displayPath, repoPathProblem } from '../envrepo/repo-path';

export interface FetchRevisionOptions {
  /** A local path (bare or not) or a git URL (`file://`, `https://`, `ssh://`, `user@host:path`). */
  readonly repo: string;
  readonly branch: string;
  /** Folder holding bare mirrors of the repositories fetched; created when missing. */
  readonly cacheDirectory: string;
  /**
   * Limit for each git command.
   * @default 120000
   */
  readonly timeoutMs?: number;
  /** How to reach a private repository (see gitTransport). @default - git's own configuration */
  readonly transport?: GitTransport;
}

/** The tip of a branch, fetched into a local mirror. */
export interface FetchedRevision {
  /** Full hex object name of the commit. */
  readonly commit: string;
  /** The bare mirror holding it: pass it to readEnvironmentFiles. */
  readonly gitDirectory: string;
  readonly branch: string;
}

/** The env repo's limits (lib/envrepo/limits.ts): the same for every reader and for synth. */
export type ReadLimits = EnvRepoLimits;

export { DEFAULT_MAX_FILES } from '../envrepo/limits';

/** Mode git gives symbolic links and submodules in a tree. */
const SYMLINK_MODE = '120000';
const SUBMODULE_MODE = '160000';
const COMMIT_PATTERN = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Fetches the tip of `branch` from `repo` into a bare mirror under `cacheDirectory` and returns its commit.
 * Nothing is checked out: the files are read from git objects, so no path in the repository ever touches
 * the file system.
 */
export async function fetchRevision(options: FetchRevisionOptions): Promise<FetchedRevision> {
  const { branch, timeoutMs } = options;
  await assertBranchName(branch);
  const location = locateRepository(options.repo);
  const gitDirectory = await ensureMirror(location.remote, options.cacheDirectory, timeoutMs);
  const commit = await fetchBranch(gitDirectory, options.repo, branch, timeoutMs, options.transport);
  if (commit === undefined) {
    const branches = await remoteBranches(gitDirectory, 10, timeoutMs, options.transport);
    const known = branches.length === 0 ? 'it has no branches' : `branches: ${branches.join(', ')}`;
    throw new Error(`branch "${branch}" does not exist in ${options.repo} (${known}); pass an existing branch or push "${branch}" first`);
  }
  return { commit, gitDirectory, branch };
}

/**
 * Every file of `<environment>/` at `commit`, as repo-relative path → bytes. Refuses symbolic links,
 * submodules, unsafe paths and files over the caps, judged from the tree listing before any content is read.
 *
 * @param source where the files come from in messages, e.g. `commit 1a2b3c4d5e6f of git@example.com:acme/env`
 * (default: the full commit and the mirror's folder)
 */
export async function readEnvironmentFiles(
  gitDirectory: string,
  commit: string,
  environment: string,
  limits: ReadLimits = {},
  source: string = `commit ${commit} of ${gitDirectory}`,
): Promise<Map<string, Uint8Array>> {
  const { files } = await readEnvironmentBlobs(gitDirectory, commit, environment, limits, source, () => new Map());
  // With no blob known, every file was read.
  return files as Map<string, Uint8Array>;
}

/** What readEnvironmentBlobs read: the files, and the object name of each (what git names its content by). */
export interface EnvironmentBlobs {
  readonly files: Map<string, EnvironmentFile>;
  readonly objectNames: Map<string, string>;
}

/**
 * readEnvironmentFiles, except that an object file whose blob is in `knownBlobs` (object name → sha256 digest
 * of its content, from a tree verified before; asked for once the tree is listed) is not read: it is given as a
 * KnownFile of that digest and the size the tree lists. The lock, environment.json and kustomization.yaml are
 * always read.
 */
export async function readEnvironmentBlobs(
  gitDirectory: string,
  commit: string,
  environment: string,
  limits: ReadLimits,
  source: string,
  knownBlobsOf: () => ReadonlyMap<string, string>,
): Promise<EnvironmentBlobs> {
  assertCommitName(commit);
  const environmentProblem = dnsLabelProblem(environment);
  if (environmentProblem !== undefined) {
    throw new Error(`environment name "${environment}" ${environmentProblem}; pass the name of a folder stagecraft synth wrote`);
  }
  const entries = await listTree(gitDirectory, ['-r', commit, '--', `${environment}/`]);
  if (entries.length === 0) {
    const folders = (await listTree(gitDirectory, [commit])).filter((entry) => entry.type === 'tree').map((entry) => entry.path);
    throw new Error(`${source} has no folder ${environment}/ (folders: ${folders.length === 0 ? 'none' : folders.join(', ')}); check the environment name and the branch`);
  }

  const problems: string[] = [];
  let totalBytes = 0;
  for (const entry of entries) {
    const problem = entryProblem(entry, environment) ?? fileSizeProblem(environment, entry.path, entry.size!, limits);
    if (problem !== undefined) {
      problems.push(`${displayPath(entry.path)}: ${problem}`);
    }
    totalBytes += entry.size ?? 0;
  }
  for (const problem of [fileCountProblem(environment, entries.length, limits), totalSizeProblem(environment, totalBytes, entries.length, limits)]) {
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  if (problems.length > 0) {
    throw new TreeVerificationError(environment, source, problems);
  }

  const knownBlobs = knownBlobsOf();
  const unknown = entries.filter((entry) => isMetadataFile(environment, entry.path) || !knownBlobs.has(entry.objectName));
  const contents = await readBlobs(gitDirectory, unknown.map((entry) => entry.objectName), totalBytes);
  const read = new Map(unknown.map((entry, index) => [entry.path, contents[index]]));
  const files = new Map<string, EnvironmentFile>();
  const objectNames = new Map<string, string>();
  for (const entry of entries) {
    const known: KnownFile | undefined = read.has(entry.path) ? undefined : { byteLength: entry.size!, digest: knownBlobs.get(entry.objectName)! };
    files.set(entry.path, known ?? read.get(entry.path)!);
    objectNames.set(entry.path, entry.objectName);
  }
  return { files, objectNames };
}

/**
 * The content of one file at `commit` (e.g. `releases/prod.yaml`), or undefined when the commit has no such
 * file. Refuses folders, symbolic links and files over `maxBytes`.
 */
export async function readFileAtCommit(
  gitDirectory: string,
  commit: string,
  filePath: string,
  maxBytes: number = DEFAULT_MAX_FILE_BYTES,
): Promise<Uint8Array | undefined> {
  assertCommitName(commit);
  const pathProblem = repoPathProblem(filePath);
  if (pathProblem !== undefined) {
    throw new Error(`path "${filePath}" ${pathProblem}; pass a path relative to the repository root`);
  }
  const entry = (await listTree(gitDirectory, [commit, '--', filePath])).find((candidate) => candidate.path === filePath);
  if (entry === undefined) {
    return undefined;
  }
  const problem = entryProblem(entry, undefined)
    ?? (entry.size! > maxBytes ? `${entry.size} bytes, over the limit of ${maxBytes} bytes per file; shrink the file or raise the limit` : undefined);
  if (problem !== undefined) {
    throw new Error(`${filePath} at commit ${commit}: ${problem}`);
  }
  return (await readBlobs(gitDirectory, [entry.objectName], entry.size ?? 0))[0];
}

/** Whether `ancestor` is `descendant` or one of its ancestors: a branch that moved forward, not sideways. */
export async function isAncestor(gitDirectory: string, ancestor: string, descendant: string): Promise<boolean> {
  assertCommitName(ancestor);
  assertCommitName(descendant);
  try {
    await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { gitDirectory });
    return true;
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) {
      return false;
    }
    throw new Error(`cannot tell whether ${ancestor} is an ancestor of ${descendant} in ${gitDirectory}: ${(error as GitCommandError).gitLine ?? (error as Error).message}; fetch both commits first`);
  }
}

function assertCommitName(commit: string): void {
  if (!COMMIT_PATTERN.test(commit)) {
    throw new Error(`"${commit}" is not a full hex commit name; pass the commit fetchRevision returned`);
  }
}

/** Why an entry cannot be read as a plain file, or undefined when it can. */
function entryProblem(entry: TreeEntry, environment: string | undefined): string | undefined {
  const fix = 'the env repo holds plain files only: replace it with a file or re-run stagecraft synth';
  if (entry.mode === SYMLINK_MODE) {
    return `is a symbolic link; ${fix}`;
  }
  if (entry.mode === SUBMODULE_MODE) {
    return `is a submodule; ${fix}`;
  }
  if (entry.type !== 'blob' || entry.size === undefined) {
    return `is a ${entry.type}, not a file; ${fix}`;
  }
  const pathProblem = repoPathProblem(entry.path);
  if (pathProblem !== undefined) {
    return `path ${pathProblem}; remove the file from the env repo`;
  }
  if (environment !== undefined && !entry.path.startsWith(`${environment}/`)) {
    return `outside ${environment}/; remove the file from the env repo`;
  }
  return undefined;
}
