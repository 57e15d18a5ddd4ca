import { EnvironmentStatus } from './status-store';

/** What to do with the tip of the branch. */
export type RevisionDecision =
  | { readonly action: 'apply'; readonly commit: string }
  | { readonly action: 'skip-failed'; readonly commit: string; readonly failedAt: string; readonly reason: string };

/**
 * A revision that failed is not applied again until the branch moves: re-applying it would only fail
 * again and undo the rollback (no loops).
 */
export function decideRevision(head: string, status: EnvironmentStatus): RevisionDecision {
  const failed = status.failedCommits.find((entry) => entry.commit === head);
  if (failed !== undefined && status.lastKnownGood?.commit !== head) {
    return { action: 'skip-failed', commit: head, failedAt: failed.at, reason: failed.reason };
  }
  return { action: 'apply', commit: head };
}

/**
 * The revision to return to after `failedCommit` failed its health check: the last one verified healthy,
 * unless that is the failed one itself (then there is nothing better to go back to).
 */
export function rollbackTarget(status: EnvironmentStatus, failedCommit: string): string | undefined {
  const target = status.lastKnownGood?.commit;
  return target !== undefined && target !== failedCommit ? target : undefined;
}
