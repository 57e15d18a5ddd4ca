import { fetchRevision, readEnvironmentFiles, ReadLimits } from './git-source';
import { readEnvironment, ReadEnvironmentOptions, EnvironmentTree } from '../envrepo/read-environment';

/** Where the env repo is and which environment to read. */
export interface GitSourceOptions {
  /** Local path or git URL of the env repo. */
  readonly repo: string;
  readonly branch: string;
  readonly environment: string;
  /** Folder for the bare mirror of the repo. */
  readonly cacheDirectory: string;
  /** Read files that do not match the lock anyway (hand edits). Off unless the operator says so. */
  readonly allowLockMismatch?: boolean;
  readonly limits?: ReadLimits & Pick<ReadEnvironmentOptions, 'maxFileBytes' | 'maxTotalBytes'>;
}

/** An environment read and verified at one commit. */
export interface VerifiedRevision {
  readonly commit: string;
  readonly gitDirectory: string;
  readonly tree: EnvironmentTree;
}

/** Fetches the branch and reads the environment at its tip. */
export async function fetchAndRead(options: GitSourceOptions): Promise<VerifiedRevision> {
  const fetched = await fetchRevision({ repo: options.repo, branch: options.branch, cacheDirectory: options.cacheDirectory });
  return readAtCommit(fetched.gitDirectory, fetched.commit, options);
}

/**
 * Reads and verifies the environment at `commit` (the tip, or the last revision verified healthy when
 * rolling back). Throws TreeVerificationError listing every problem when the tree is not what synth wrote.
 */
export async function readAtCommit(gitDirectory: string, commit: string, options: GitSourceOptions): Promise<VerifiedRevision> {
  const files = await readEnvironmentFiles(gitDirectory, commit, options.environment, options.limits);
  const tree = readEnvironment(options.environment, files, {
    allowLockMismatch: options.allowLockMismatch,
    maxFileBytes: options.limits?.maxFileBytes,
    maxTotalBytes: options.limits?.maxTotalBytes,
    source: `commit ${commit.slice(0, 12)} of ${options.repo}`,
  });
  return { commit, gitDirectory, tree };
}
