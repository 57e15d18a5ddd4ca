import { promises as fs } from 'fs';
import * as path from 'path';
import { CommitSummary, parseCommitObject } from './private/commit-object';
import { GpgHome, prepareGpgHome } from './private/gpg-home';
import { commitProblem, missingBaseProblem, rewrittenHistoryProblem, tooManyCommitsProblem, TrustSources } from './private/history-problems';
import { parseGpgStatus, parseSshVerification, SignatureCheck } from './private/signature-check';
import { isAncestor } from './read-tree';
import { GitCommandError, runGit } from './run-git';
import { mapConcurrently } from '../support/map-concurrently';

/** Which keys may sign the commits an environment deploys. */
export interface TrustPolicy {
  /**
   * An SSH allowed signers file (ssh-keygen(1) ALLOWED SIGNERS format, as for git's
   * `gpg.ssh.allowedSignersFile`): SSH-signed commits must be signed by a key listed there.
   * @default - SSH-signed commits are refused
   */
  readonly sshAllowedSignersFile?: string;
  /**
   * OpenPGP public keys: a file (armored, or binary as `gpg --export` writes it) or a folder of such files.
   * Imported into a temporary GnuPG home, never the user's keyring.
   * @default - OpenPGP-signed commits are refused
   */
  readonly gpgKeyring?: string;
  /** Whether every new commit must carry a good signature by an allowed key (`policy.requireSignedCommits`). */
  readonly requireSigned: boolean;
}

export interface VerifyHistoryOptions {
  /** Repository holding both commits (the mirror fetchRevision returned). */
  readonly gitDirectory: string;
  /** The last applied revision; undefined for the first apply of an environment. */
  readonly from?: string;
  /** The new tip to apply. */
  readonly to: string;
  readonly trust: TrustPolicy;
  /**
   * Accept a `to` that does not descend from `from` (a force push). Its new commits are still verified.
   * @default false
   */
  readonly allowHistoryRewrite?: boolean;
  /**
   * Most commits one check verifies; beyond it the history is refused without verifying any.
   * @default DEFAULT_MAX_COMMITS (10000)
   */
  readonly maxCommits?: number;
  /** @default 120000 per git command */
  readonly timeoutMs?: number;
}

/** Whether the history between the last applied revision and the new tip may be applied. */
export interface HistoryVerdict {
  readonly ok: boolean;
  /** Commits whose signatures were looked at (0 when signatures are not required). */
  readonly checkedCommits: number;
  /** Why not, one entry per commit or ancestry problem, each naming the commit and the fix. */
  readonly problems: string[];
  /** Whether the new tip does not descend from the last applied revision (refused unless allowHistoryRewrite). */
  readonly historyRewritten: boolean;
}

export const DEFAULT_MAX_COMMITS = 10_000;

/** Verifications in flight at once: each runs git and gpg or ssh-keygen. */
const VERIFY_CONCURRENCY = 4;
/** Total size of the commit objects one check reads. */
const MAX_COMMIT_OBJECT_BYTES = 64 * 1024 * 1024;
const COMMIT_PATTERN = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Decides whether the env repo may move from `from` (last applied) to `to` (new tip):
 * - `to` must descend from `from`, unless `allowHistoryRewrite`: a force push could otherwise bring back
 *   an old, vulnerable revision or drop reviewed commits without anybody noticing;
 * - with `trust.requireSigned`, every commit reachable from `to` and not from `from` (`git rev-list
 *   from..to`: merged side branches included, not only first parents) must carry a good signature by a key
 *   of the trust policy.
 *
 * On the first apply (`from` undefined), and when `from` is no longer in the repository, only the tip is
 * checked: there is no trusted base to start from, and the history before it may well predate signing.
 * A good signature on the tip still vouches for exactly what is deployed, since the commit hash the
 * signature covers fixes the whole tree.
 *
 * Problems with the commits are returned, never thrown; a trust policy that cannot be used (no keys at all,
 * unreadable files) and commits missing from the repository throw.
 */
export async function verifyHistory(options: VerifyHistoryOptions): Promise<HistoryVerdict> {
  const { gitDirectory, from, to, trust, timeoutMs } = options;
  assertCommitName(to, 'to');
  if (from !== undefined) {
    assertCommitName(from, 'from');
  }
  const sources: TrustSources = {
    sshAllowedSignersFile: trust.sshAllowedSignersFile === undefined ? undefined : path.resolve(trust.sshAllowedSignersFile),
    gpgKeyring: trust.gpgKeyring === undefined ? undefined : path.resolve(trust.gpgKeyring),
  };
  if (trust.requireSigned) {
    await assertUsableTrust(sources);
  }
  const [tip] = await readCommits(gitDirectory, [to], timeoutMs);
  const problems: string[] = [];
  let historyRewritten = false;
  let baseKnown = from !== undefined;
  if (from !== undefined && from !== to) {
    const [base] = await readCommits(gitDirectory, [from], timeoutMs, { allowMissing: true });
    let rewriteProblem: string | undefined;
    if (base === undefined) {
      baseKnown = false;
      rewriteProblem = missingBaseProblem(from);
    } else if (!await isAncestor(gitDirectory, from, to)) {
      rewriteProblem = rewrittenHistoryProblem(tip, base);
    }
    historyRewritten = rewriteProblem !== undefined;
    if (rewriteProblem !== undefined && !options.allowHistoryRewrite) {
      problems.push(rewriteProblem);
    }
  }
  if (!trust.requireSigned) {
    return { ok: problems.length === 0, checkedCommits: 0, problems, historyRewritten };
  }

  let commits: CommitSummary[];
  if (from === to) {
    commits = [];
  } else if (!baseKnown) {
    commits = [tip];
  } else {
    const maxCommits = options.maxCommits ?? DEFAULT_MAX_COMMITS;
    const names = await newCommits(gitDirectory, from!, to, maxCommits + 1, timeoutMs);
    if (names.length > maxCommits) {
      const [base] = await readCommits(gitDirectory, [from!], timeoutMs);
      problems.push(tooManyCommitsProblem(tip, base, maxCommits));
      return { ok: false, checkedCommits: 0, problems, historyRewritten };
    }
    commits = await readCommits(gitDirectory, names, timeoutMs);
  }

  const needsGpg = sources.gpgKeyring !== undefined && commits.some((commit) => commit.signatureFormat === 'openpgp');
  const gpgHome = needsGpg ? await prepareGpgHome(sources.gpgKeyring!) : undefined;
  try {
    const commitProblems = await mapConcurrently(commits, VERIFY_CONCURRENCY, async (commit) => {
      const check = await checkSignature(gitDirectory, commit, sources, gpgHome, timeoutMs);
      return commitProblem(commit, check, sources);
    });
    problems.push(...commitProblems.filter((problem): problem is string => problem !== undefined));
  } finally {
    await gpgHome?.dispose();
  }
  return { ok: problems.length === 0, checkedCommits: commits.length, problems, historyRewritten };
}

export async function assertUsableTrust(sources: TrustSources): Promise<void> {
  if (sources.sshAllowedSignersFile === undefined && sources.gpgKeyring === undefined) {
    throw new Error('signed commits are required but no allowed keys were given; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH');
  }
  if (sources.sshAllowedSignersFile !== undefined) {
    try {
      const stat = await fs.stat(sources.sshAllowedSignersFile);
      if (!stat.isFile()) {
        throw new Error('not a file');
      }
      await fs.access(sources.sshAllowedSignersFile, fs.constants.R_OK);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new Error(`the SSH allowed signers file ${sources.sshAllowedSignersFile} cannot be read (${reason}); pass a readable file with --ssh-allowed-signers`);
    }
  }
}

/**
 * The verdict on one commit's signature, or undefined when there is nothing git could verify with the
 * policy's keys (unsigned, unsupported format, no keys for its format): commitProblem explains those.
 */
export async function checkSignature(
  gitDirectory: string,
  commit: CommitSummary,
  sources: TrustSources,
  gpgHome: GpgHome | undefined,
  timeoutMs: number | undefined,
): Promise<SignatureCheck | undefined> {
  const format = commit.signatureFormat;
  if (format === 'ssh' && sources.sshAllowedSignersFile !== undefined) {
    const { exitCode, output } = await verifyCommit(gitDirectory, commit.commit, sources.sshAllowedSignersFile, undefined, timeoutMs);
    return parseSshVerification(exitCode, output);
  }
  if (format === 'openpgp' && gpgHome !== undefined) {
    const { output } = await verifyCommit(gitDirectory, commit.commit, undefined, gpgHome.directory, timeoutMs);
    return parseGpgStatus(output, gpgHome.allowedPrimaryFingerprints);
  }
  return undefined;
}

/**
 * `git verify-commit --raw`, isolated from the user's and the system's git configuration (a configured
 * `gpg.program` or minimum trust level must not change the verdict), with the verifying programs named
 * explicitly. Its verdict is read from what it prints: the exit status alone does not say why.
 */
async function verifyCommit(
  gitDirectory: string,
  commit: string,
  allowedSignersFile: string | undefined,
  gnupgHome: string | undefined,
  timeoutMs: number | undefined,
): Promise<{ exitCode: number | undefined; output: string }> {
  const settings = [
    'gpg.program=gpg',
    'gpg.ssh.program=ssh-keygen',
    'gpg.minTrustLevel=undefined',
    ...(allowedSignersFile === undefined ? [] : [`gpg.ssh.allowedSignersFile=${allowedSignersFile}`]),
  ];
  const env: Record<string, string> = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_PARAMETERS: '', GIT_CONFIG_COUNT: '0' };
  if (gnupgHome !== undefined) {
    env.GNUPGHOME = gnupgHome;
  }
  try {
    const result = await runGit([...settings.flatMap((setting) => ['-c', setting]), 'verify-commit', '--raw', commit], { gitDirectory, env, timeoutMs });
    return { exitCode: 0, output: result.stderr };
  } catch (error) {
    if (error instanceof GitCommandError) {
      return { exitCode: error.exitCode, output: error.exitCode === undefined ? error.message : error.stderr };
    }
    throw error;
  }
}

/** Commits reachable from `to` but not from `from`, oldest first, at most `limit` of them. */
async function newCommits(gitDirectory: string, from: string, to: string, limit: number, timeoutMs: number | undefined): Promise<string[]> {
  const output = await runGit(['rev-list', '--topo-order', `--max-count=${limit}`, to, `^${from}`, '--'], {
    gitDirectory,
    timeoutMs,
    maxOutputBytes: limit * 66 + 1024,
  });
  return output.stdout.toString('utf8').split('\n').filter((line) => line.length > 0).reverse();
}

/**
 * Commit objects through one `git cat-file --batch`. A name that is missing throws unless `allowMissing`
 * (then its place holds undefined); a name of another object type always throws.
 */
export async function readCommits(
  gitDirectory: string,
  names: readonly string[],
  timeoutMs: number | undefined,
  options: { allowMissing: true },
): Promise<Array<CommitSummary | undefined>>;
export async function readCommits(gitDirectory: string, names: readonly string[], timeoutMs: number | undefined): Promise<CommitSummary[]>;
export async function readCommits(
  gitDirectory: string,
  names: readonly string[],
  timeoutMs: number | undefined,
  options: { allowMissing?: boolean } = {},
): Promise<Array<CommitSummary | undefined>> {
  if (names.length === 0) {
    return [];
  }
  const output = await runGit(['cat-file', '--batch'], {
    gitDirectory,
    timeoutMs,
    input: names.map((name) => `${name}\n`).join(''),
    // Commit objects are small; a pushed commit with a message of hundreds of megabytes is refused, not read.
    maxOutputBytes: MAX_COMMIT_OBJECT_BYTES,
  });
  const stdout = output.stdout;
  const summaries: Array<CommitSummary | undefined> = [];
  let offset = 0;
  for (const name of names) {
    const headerEnd = stdout.indexOf(0x0a, offset);
    const header = stdout.subarray(offset, headerEnd < 0 ? stdout.length : headerEnd).toString('utf8');
    if (header === `${name} missing`) {
      if (!options.allowMissing) {
        throw new Error(`commit ${name} is not in ${gitDirectory}; fetch it before verifying its history`);
      }
      summaries.push(undefined);
      offset = headerEnd + 1;
      continue;
    }
    const match = /^([0-9a-f]+) ([a-z]+) (\d+)$/.exec(header);
    if (headerEnd < 0 || match === null || match[1] !== name) {
      throw new Error(`git cat-file could not read object ${name} in ${gitDirectory} ("${header}"); fetch again or delete the mirror`);
    }
    if (match[2] !== 'commit') {
      throw new Error(`${name} is a ${match[2]}, not a commit, in ${gitDirectory}; pass commit names`);
    }
    const start = headerEnd + 1;
    const end = start + Number(match[3]);
    summaries.push(parseCommitObject(name, stdout.subarray(start, end).toString('utf8')));
    offset = end + 1;
  }
  return summaries;
}

function assertCommitName(commit: string, option: string): void {
  if (!COMMIT_PATTERN.test(commit)) {
    throw new Error(`${option}: "${commit}" is not a full hex commit name; pass the commit fetchRevision returned or the last applied revision as recorded`);
  }
}
