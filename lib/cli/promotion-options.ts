import * as fs from 'fs';
import * as path from 'path';
import { ParsedArguments, stringOption, UsageError } from './args';
import { CheckoutOutcome, defaultBranchOf, locateRepository, SignerTrust } from '../git';
import { parseInstant } from '../promotion/time';
import { systemClock } from '../reconciler/clock';

/** Options every env-repo-writing command shares. */
export const REPO_VALUE_OPTIONS = ['repo', 'branch', 'as', 'sign-key', 'ssh-allowed-signers', 'gpg-keyring', 'now', 'output'] as const;

/** The lines of every writing command's usage that describe signing. */
export const SIGNING_USAGE = `  --sign-key KEY  sign the commit with this key: an SSH private key file, or an OpenPGP key id (git
                  user.signingkey); without it git config decides. Required (or git config
                  user.signingkey) when any environment of the env repo requires signed commits
  --ssh-allowed-signers FILE, --gpg-keyring PATH
                  the keys the reconciler trusts (as given to stagecraft reconcile): they check this
                  command's signature, and say who signed each approval; required when any environment
                  requires signed commits`;

export interface RepoOptions {
  readonly repo: string;
  readonly branch: string;
  readonly identity?: string;
  readonly signKey?: string;
  /** `--ssh-allowed-signers` and `--gpg-keyring`, resolved against the working folder. */
  readonly trust: SignerTrust;
  /** Milliseconds since the epoch: `--now` (for tests and audits) or the system clock. */
  readonly now: number;
}

export async function repoOptions(parsed: ParsedArguments): Promise<RepoOptions> {
  const repo = stringOption(parsed, 'repo');
  if (repo === undefined) {
    throw new UsageError('--repo is required: the env repo, as a local path or a git URL');
  }
  const nowOption = stringOption(parsed, 'now');
  let now: number;
  try {
    now = nowOption === undefined ? systemClock.now() : parseInstant(nowOption, '--now');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    repo,
    branch: await branchOption(parsed, repo),
    identity: stringOption(parsed, 'as'),
    signKey: stringOption(parsed, 'sign-key'),
    trust: trustOptions(parsed),
    now,
  };
}

/** `--ssh-allowed-signers FILE` and `--gpg-keyring PATH`, the options `stagecraft reconcile` takes. */
export function trustOptions(parsed: ParsedArguments): SignerTrust {
  const ssh = stringOption(parsed, 'ssh-allowed-signers');
  const gpg = stringOption(parsed, 'gpg-keyring');
  return {
    ...(ssh === undefined ? {} : { sshAllowedSignersFile: path.resolve(ssh) }),
    ...(gpg === undefined ? {} : { gpgKeyring: path.resolve(gpg) }),
  };
}

/** `--branch`, else the branch the repository's HEAD names (what git clone checks out), else main. */
export async function branchOption(parsed: ParsedArguments, repo: string): Promise<string> {
  const given = stringOption(parsed, 'branch');
  if (given !== undefined) {
    return given;
  }
  let remote: string;
  try {
    remote = locateRepository(repo).remote;
  } catch (error) {
    throw new UsageError(`--repo: ${(error as Error).message}`);
  }
  return defaultBranchOf(remote);
}

/** The value of an option that must be there. */
export function requiredOption(parsed: ParsedArguments, name: string, what: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined) {
    throw new UsageError(`--${name} is required: ${what}`);
  }
  return value;
}

/** What became of the user's own checkout of the branch, if the env repo is one. */
export interface CheckoutResult {
  readonly checkedOutIn?: string;
  readonly previousTip?: string;
  readonly commit?: string;
  readonly checkout?: CheckoutOutcome;
}

/**
 * A line about the user's checkout of the branch: fast-forwarded, or left alone because it has local changes,
 * with the two-tree merge that updates its files and keeps those changes.
 */
export function checkedOutNote(result: CheckoutResult, branch: string): string[] {
  const { checkedOutIn, commit } = result;
  if (checkedOutIn === undefined || commit === undefined) {
    return [];
  }
  const before = (result.previousTip ?? '').slice(0, 12);
  if (result.checkout === 'fast-forwarded') {
    return [`updated your checkout ${checkedOutIn} (${branch}) to ${commit.slice(0, 12)}`];
  }
  return [`note: ${branch} is checked out in ${checkedOutIn}, which has local changes, so its files were left at ${before}; update them (keeping your changes) with git -C ${checkedOutIn} read-tree -m -u ${before} ${commit.slice(0, 12)}`];
}

/** Options of commands that run the fleet program. */
export const FLEET_VALUE_OPTIONS = ['fleet', 'deps'] as const;

/**
 * `--fleet` and `--deps`. Without `--deps`, a local checkout's own `<fleet>/node_modules` serves when it
 * has one (the usual case on a laptop and in CI after `npm ci`).
 */
export function fleetOptions(parsed: ParsedArguments, repo: string): { fleet: string; dependencies?: string } {
  const fleet = stringOption(parsed, 'fleet') ?? '.';
  const deps = stringOption(parsed, 'deps');
  if (deps !== undefined) {
    return { fleet, dependencies: path.resolve(deps) };
  }
  const location = locateRepository(repo);
  const local = location.isUrl ? undefined : path.join(location.remote, fleet, 'node_modules');
  return { fleet, dependencies: local !== undefined && fs.existsSync(local) ? local : undefined };
}
