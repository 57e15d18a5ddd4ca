import { GitCommandError, runGit } from './run-git';

/** The branch when a repository does not say which one its HEAD names (an empty repository, an old server). */
export const FALLBACK_BRANCH = 'main';

export interface DefaultBranchOptions {
  readonly timeoutMs?: number;
  /** A private repository's transport (deploy key with pinned host key, token helper), as for the fetch. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The branch a repository's HEAD names, as `git clone` would check out: `git ls-remote --symref REPO HEAD`,
 * for local paths and URLs alike. `main` when the repository does not say or cannot be asked now (the
 * command that fetches next reports why it cannot reach it).
 */
export async function defaultBranchOf(remote: string, options: DefaultBranchOptions = {}): Promise<string> {
  try {
    const listing = (await runGit(['ls-remote', '--symref', remote, 'HEAD'], { timeoutMs: options.timeoutMs, env: options.env })).stdout.toString('utf8');
    return /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing)?.[1] ?? FALLBACK_BRANCH;
  } catch (error) {
    if (error instanceof GitCommandError) {
      return FALLBACK_BRANCH;
    }
    throw error;
  }
}
