import * as os from 'os';
import * as path from 'path';
import { ParsedArguments, stringOption, UsageError } from './args';
import { TreeVerificationError } from '../envrepo/read-environment';
import { defaultBranchOf, locateRepository } from '../git';
import { DesiredState } from '../reconciler/desired-state';
import { desiredStateOf, folderSource, gitSource, RevisionSource } from '../reconciler/revision-source';

/** Options every command that reads an environment of the env repo takes. */
export const SOURCE_VALUE_OPTIONS = ['repo', 'dir', 'env', 'branch', 'cache-dir'] as const;
export const SOURCE_SWITCHES = ['allow-hand-edits'] as const;

export const SOURCE_USAGE = `  --repo PATH_OR_URL      env repo (git): a local path or any git URL; fetched into --cache-dir
  --branch NAME           branch of the env repo (default: the one its HEAD names, as git clone checks out)
  --dir PATH              instead of --repo: a folder written by stagecraft synth (no history, no rollback)
  --env NAME              environment to read (the folder <env>/ of the repo)
  --cache-dir PATH        where git mirrors are kept (default ~/.cache/stagecraft/repos)
  --allow-hand-edits      read files that do not match <env>/.stagecraft/lock.json (refused by default)`;

/** Where mirrors of env repos are kept unless --cache-dir says otherwise. */
export function defaultCacheDirectory(): string {
  return path.join(os.homedir(), '.cache', 'stagecraft', 'repos');
}

/** The revision source named by --repo or --dir, for --env. */
export interface SelectedSource {
  readonly source: RevisionSource;
  readonly environment: string;
  readonly repo?: string;
  readonly cacheDirectory: string;
}

export async function revisionSourceOf(parsed: ParsedArguments): Promise<SelectedSource> {
  const repo = stringOption(parsed, 'repo');
  const directory = stringOption(parsed, 'dir');
  const environment = stringOption(parsed, 'env');
  if (environment === undefined) {
    throw new UsageError('--env is required: the environment to read, e.g. --env prod');
  }
  if ((repo === undefined) === (directory === undefined)) {
    throw new UsageError('give exactly one of --repo (a git env repo) or --dir (a folder written by stagecraft synth)');
  }
  const cacheDirectory = path.resolve(stringOption(parsed, 'cache-dir') ?? defaultCacheDirectory());
  const common = { environment, allowLockMismatch: parsed.options.has('allow-hand-edits') };
  if (repo !== undefined) {
    const location = repositoryRemote(repo);
    const branch = stringOption(parsed, 'branch') ?? await defaultBranchOf(location);
    return { source: gitSource({ ...common, repo: location, branch, cacheDirectory }), environment, repo: location, cacheDirectory };
  }
  if (stringOption(parsed, 'branch') !== undefined) {
    throw new UsageError('--branch goes with --repo; a --dir folder has no branches');
  }
  return { source: folderSource({ ...common, directory: path.resolve(directory!) }), environment, cacheDirectory };
}

/** Reads the latest revision as desired state; an unreadable or tampered tree is bad input (exit 2). */
export async function readLatestDesired(parsed: ParsedArguments): Promise<DesiredState> {
  const { source } = await revisionSourceOf(parsed);
  const revision = await source.latest().catch((error: Error) => {
    throw new UsageError(error.message);
  });
  try {
    return desiredStateOf(revision, await source.read(revision));
  } catch (error) {
    if (error instanceof TreeVerificationError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** What `--repo` names, by the one rule every command shares (see lib/git/location.ts). */
function repositoryRemote(repo: string): string {
  try {
    return locateRepository(repo).remote;
  } catch (error) {
    throw new UsageError(`--repo: ${(error as Error).message}`);
  }
}
