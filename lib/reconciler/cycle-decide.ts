import type { CycleOptions } from './cycle-types';
import { messageOf } from './describe';
import { decideRevision } from './rollback';
import { EnvironmentStatus, readStatus } from './status-store';
import { EnvironmentTree, TreeVerificationError } from '../envrepo/read-environment';

/** The revision a cycle applies, read and verified, with what the cluster remembers of the environment. */
export interface RevisionToApply {
  readonly revision: string;
  readonly tree: EnvironmentTree;
  readonly status: EnvironmentStatus;
}

/** A cycle that ends before anything is applied: the fields of its result. */
export interface CycleStop {
  readonly revision: string;
  readonly treeDigest?: string;
  readonly verdict: 'failed' | 'refused' | 'skipped';
  readonly message: string;
  readonly badInput?: boolean;
  readonly fetchFailed?: boolean;
}

export type CycleDecision =
  | ({ readonly action: 'apply' } & RevisionToApply)
  | { readonly action: 'stop'; readonly stop: CycleStop };

/**
 * Fetches the tip, reads and verifies its tree and history, reads the environment's status and decides
 * whether the tip is applied. Nothing is written to the cluster here. `fetched` hears the tip as soon as it
 * is known, before its tree is read.
 */
export async function decideCycle(options: CycleOptions, fetched?: (revision: string) => void): Promise<CycleDecision> {
  const { client, source, environment } = options;
  const stop = (fields: CycleStop): CycleDecision => ({ action: 'stop', stop: fields });
  let revision: string;
  try {
    revision = await source.latest();
  } catch (error) {
    return stop({ revision: '', verdict: 'failed', fetchFailed: true, message: `could not fetch ${source.description}: ${messageOf(error)}; the cluster keeps running what it runs` });
  }
  fetched?.(revision);
  let tree: EnvironmentTree;
  try {
    tree = await source.read(revision);
  } catch (error) {
    const message = error instanceof TreeVerificationError ? error.message : `could not read ${environment} at ${revision}: ${messageOf(error)}`;
    // Whatever keeps the tree from being read at this revision is in the input (names, paths, sizes, content).
    return stop({ revision, verdict: 'refused', message: `${message}. Nothing was applied`, badInput: true });
  }
  let status: EnvironmentStatus;
  try {
    status = await readStatus(client, tree.metadata.controlNamespace, environment);
  } catch (error) {
    return stop({ revision, treeDigest: tree.lock.treeDigest, verdict: 'failed', message: `${messageOf(error)}. Nothing was applied` });
  }

  const historyProblem = await checkHistory(options, status, revision, tree);
  if (historyProblem !== undefined) {
    return stop({ revision, treeDigest: tree.lock.treeDigest, verdict: 'refused', message: historyProblem });
  }
  const decision = decideRevision(revision, status);
  if (decision.action === 'skip-failed') {
    return stop({
      revision,
      treeDigest: tree.lock.treeDigest,
      verdict: 'skipped',
      message: `revision ${revision.slice(0, 12)} failed at ${decision.failedAt} (${decision.reason}) and is not applied again until the branch moves; the cluster keeps ${status.lastKnownGood?.commit.slice(0, 12) ?? 'what it runs'}`,
    });
  }
  return { action: 'apply', revision, tree, status };
}

/**
 * The commits since the last applied revision must be a fast-forward of it and, where the environment
 * requires it, signed by an allowed key. The stricter of the old and the new policy applies, so a commit
 * cannot switch the signature requirement off for itself.
 */
async function checkHistory(options: CycleOptions, status: EnvironmentStatus, revision: string, tree: EnvironmentTree): Promise<string | undefined> {
  const source = options.source;
  if (source.verifyHistory === undefined) {
    return undefined;
  }
  const from = status.current?.commit ?? status.lastKnownGood?.commit;
  if (from === revision) {
    // Nothing new since the revision that was checked when it was applied (every idle --interval tick).
    return undefined;
  }
  let requiredBefore = false;
  if (from !== undefined && source.peekEnvironment !== undefined) {
    try {
      requiredBefore = (await source.peekEnvironment(from))?.policy.requireSignedCommits ?? false;
    } catch {
      // Unreadable (over a limit, a broken mirror) or no longer parseable: it cannot be shown to have been lax.
      requiredBefore = true;
    }
  }
  const requireSigned = requiredBefore || tree.metadata.policy.requireSignedCommits;
  try {
    const verdict = await source.verifyHistory(from, revision, {
      requireSigned,
      sshAllowedSignersFile: options.trust?.sshAllowedSignersFile,
      gpgKeyring: options.trust?.gpgKeyring,
    }, options.trust?.allowHistoryRewrite ?? false);
    if (verdict.ok) {
      return undefined;
    }
    const keep = from === undefined ? 'nothing was applied' : `the cluster keeps ${from.slice(0, 12)}`;
    return `refusing ${revision.slice(0, 12)}: ${verdict.problems.join('; ')}. Nothing was applied; ${keep}`;
  } catch (error) {
    return `cannot verify the history up to ${revision.slice(0, 12)}: ${messageOf(error)}. Nothing was applied`;
  }
}
