import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BadInputError, ParsedArguments, stringOption, UsageError } from './args';
import { TreeVerificationError } from '../envrepo/read-environment';
import { defaultBranchOf, GitCredentialsError, gitTransport, GitTransport, locateRepository } from '../git';
import { DesiredState } from '../reconciler/desired-state';
import { desiredStateOf, folderSource, gitSource, RevisionSource } from '../reconciler/revision-source';

/** Options naming the credentials of a private env repo (files only: a secret never goes on the command line). */
export const GIT_CREDENTIAL_OPTIONS = ['ssh-key', 'known-hosts', 'token-file', 'git-ca-file', 'credentials-dir'] as const;

export const GIT_CREDENTIAL_USAGE = `  --ssh-key FILE          private env repo over ssh: the deploy key's private half (no passphrase); needs --known-hosts
  --known-hosts FILE      the git server's pinned host key(s) (known_hosts format); a changed key is refused, never learned
  --token-file FILE       private env repo over https: a file holding the access token (sent by a git credential
                          helper, never in a URL, argv or message; read again on every fetch, so it may rotate)
  --git-ca-file FILE      PEM CA bundle the https git server's certificate is checked against
  --credentials-dir DIR   instead of the four above: a folder (the Secret stagecraft bootstrap writes, mounted) whose
                          files ssh-key + known_hosts, or token, and ca.crt are used when present`;

/** Options every command that reads an environment of the env repo takes. */
export const SOURCE_VALUE_OPTIONS = ['repo', 'dir', 'env', 'branch', 'cache-dir', ...GIT_CREDENTIAL_OPTIONS] as const;
export const SOURCE_SWITCHES = ['allow-hand-edits'] as const;

export const SOURCE_USAGE = `  --repo PATH_OR_URL      env repo (git): a local path or any git URL; fetched into --cache-dir
  --branch NAME           branch of the env repo (default: the one its HEAD names, as git clone checks out)
  --dir PATH              instead of --repo: a folder written by stagecraft synth (no history, no rollback)
  --env NAME              environment to read (the folder <env>/ of the repo)
  --cache-dir PATH        where git mirrors are kept, each with the tree it verified last per environment
                          (default ~/.cache/stagecraft/repos; writable by this user alone)
${GIT_CREDENTIAL_USAGE}
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
  /** How git reaches a private repository (deploy key, token), when credentials were given. */
  readonly transport?: GitTransport;
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
    const transport = gitTransportOf(parsed, location);
    const branch = stringOption(parsed, 'branch') ?? await defaultBranchOf(location, { env: transport?.env });
    const source = gitSource({ ...common, repo: location, branch, cacheDirectory, transport });
    return { source, environment, repo: location, cacheDirectory, transport };
  }
  const credential = GIT_CREDENTIAL_OPTIONS.find((option) => parsed.options.has(option));
  if (credential !== undefined) {
    throw new UsageError(`--${credential} goes with --repo; a --dir folder is read without git`);
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

/** The transport named by --ssh-key / --known-hosts / --token-file / --git-ca-file for `remote`, if any. */
export function gitTransportOf(parsed: ParsedArguments, remote: string): GitTransport | undefined {
  const folder = stringOption(parsed, 'credentials-dir');
  const file = folder === undefined
    ? (option: string) => {
      const value = stringOption(parsed, option);
      return value === undefined ? undefined : path.resolve(value);
    }
    : credentialsFolderReader(parsed, path.resolve(folder));
  try {
    return gitTransport(remote, { sshKeyFile: file('ssh-key'), knownHostsFile: file('known-hosts'), tokenFile: file('token-file'), caFile: file('git-ca-file') });
  } catch (error) {
    if (error instanceof GitCredentialsError) {
      throw new BadInputError(error.message);
    }
    throw error;
  }
}

/** Files of a --credentials-dir folder by the option they stand for; absent files are undefined. */
function credentialsFolderReader(parsed: ParsedArguments, folder: string): (option: string) => string | undefined {
  const explicit = GIT_CREDENTIAL_OPTIONS.find((option) => option !== 'credentials-dir' && parsed.options.has(option));
  if (explicit !== undefined) {
    throw new UsageError(`give either --credentials-dir or --${explicit}, not both`);
  }
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new BadInputError(`--credentials-dir ${folder} is not a folder; pass the folder the credentials Secret is mounted at`);
  }
  const names: Record<string, string> = { 'ssh-key': 'ssh-key', 'known-hosts': 'known_hosts', 'token-file': 'token', 'git-ca-file': 'ca.crt' };
  return (option) => {
    const candidate = path.join(folder, names[option]);
    return fs.existsSync(candidate) ? candidate : undefined;
  };
}
