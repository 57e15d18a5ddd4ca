import * as fs from 'fs';
import * as path from 'path';
import { ParsedArguments, stringOption, UsageError } from './args';
import { defaultBranchOf, locateRepository } from '../git';
import { parseInstant } from '../promotion/time';
import { systemClock } from '../reconciler/clock';

/** Options every env-repo-writing command shares. */
export const REPO_VALUE_OPTIONS = ['repo', 'branch', 'as', 'sign-key', 'now', 'output'] as const;

export interface RepoOptions {
  readonly repo: string;
  readonly branch: string;
  readonly identity?: string;
  readonly signKey?: string;
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
    now,
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

/**
 * What happened to a local checkout whose branch moved under it: its files were brought along when they were
 * clean; otherwise the advice to do it (a two-tree merge updates its files and keeps local edits).
 */
export function checkedOutNote(
  result: { checkedOutIn?: string; checkoutUpdated?: boolean; previousTip?: string; commit?: string },
  branch: string,
): string[] {
  const { checkedOutIn, previousTip: before = '', commit: after } = result;
  if (checkedOutIn === undefined || after === undefined) {
    return [];
  }
  if (result.checkoutUpdated === true) {
    return [`updated the files of ${checkedOutIn} (${branch} is checked out there) from ${before.slice(0, 12)} to ${after.slice(0, 12)}`];
  }
  return [`note: ${branch} is checked out in ${checkedOutIn}, whose files still show ${before.slice(0, 12)} and have changes of their own; update them with git -C ${checkedOutIn} read-tree -m -u ${before.slice(0, 12)} ${after.slice(0, 12)}`];
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
