import type { AttemptOutcome } from './cycle-attempt';
import type { RevisionToApply } from './cycle-decide';
import type { CycleOptions } from './cycle-types';
import { messageOf } from './describe';
import { ReconcileChange } from './reconcile';
import { commitVerificationRecord } from './record-git';
import { ChangeCounts, EnvironmentStatus, isRepeat, ReconcileSummary, recordResult, writeStatus } from './status-store';
import { applicationsInEffect, recordPath, serializeRecord, VerificationRecord, VerificationVerdict } from '../envrepo/verification-record';

/** What the cycle has spent so far, read when its summary is made. */
export interface CycleMeter {
  readonly startedAt: string;
  elapsedMs(): number;
  /** Write requests to the environment since the cycle started (the lock's own do not count). */
  writeRequests(): number;
}

/** The cycle's message with what could not be persisted added, and where the record went. */
export interface PersistedOutcome {
  readonly message?: string;
  /** Commit of the verification record on the status branch, with `record`. */
  readonly recordCommit?: string;
  /** The status ConfigMap was written: one more write request of the cycle, which the stored status counts too. */
  readonly statusWritten: boolean;
}

/**
 * Keeps the outcome in the status ConfigMap and, with `record`, as a verification record on the env repo's
 * status branch. What cannot be persisted is added to the message; it does not change the verdict.
 */
export async function persistOutcome(
  options: CycleOptions,
  applying: RevisionToApply,
  outcome: AttemptOutcome,
  meter: CycleMeter,
): Promise<PersistedOutcome> {
  const now = new Date(options.clock.now()).toISOString();
  const summary = summaryOf(applying, outcome, { startedAt: meter.startedAt, durationMs: meter.elapsedMs(), writeRequests: meter.writeRequests() });
  // A refusal writes nothing at all; a reconcile that only repeats the last one leaves the status (and the
  // status branch) alone, so an idle reconciler writes nothing anywhere.
  const repeat = isRepeat(applying.status, summary);
  const writesStatus = outcome.verdict !== 'refused' && !repeat;
  // Writing the status is one more request (one apply): the stored summary counts it, so that `stagecraft
  // status` and the reconcile line give the same number. A status that is never written never shows it.
  const stored = writesStatus ? { ...summary, writeRequests: summary.writeRequests + 1 } : summary;
  const nextStatus = statusAfter(applying.status, stored, outcome, now);
  let message = outcome.message;
  let statusWritten = false;
  if (writesStatus) {
    const namespace = applying.tree.metadata.controlNamespace;
    try {
      await writeStatus(options.client, namespace, nextStatus);
      statusWritten = true;
    } catch (error) {
      message = withProblem(message, `could not write the status ConfigMap in ${namespace}: ${messageOf(error)}`);
    }
  }
  const verdict = outcome.verdict;
  if (options.record === undefined || verdict === 'applied' || repeat) {
    return { message, statusWritten };
  }
  const record = verificationRecordOf(options.environment, applying, { verdict, nextStatus, now, message, changes: outcome.result.changes });
  try {
    const recordCommit = await commitVerificationRecord({
      repo: options.record.repo,
      cacheDirectory: options.record.cacheDirectory,
      path: recordPath(record),
      content: serializeRecord(record),
      message: `stagecraft: ${options.environment} ${verdict} at ${applying.revision.slice(0, 12)}`,
      author: options.record.author,
      clockIso: now,
      transport: options.record.transport,
    });
    return { message, recordCommit, statusWritten };
  } catch (error) {
    return { message: withProblem(message, `could not commit the verification record: ${messageOf(error)}`), statusWritten };
  }
}

/** The summary of this cycle the status keeps. */
export function summaryOf(
  applying: RevisionToApply,
  outcome: AttemptOutcome,
  spent: { readonly startedAt: string; readonly durationMs: number; readonly writeRequests: number },
): ReconcileSummary {
  return {
    commit: applying.revision,
    treeDigest: applying.tree.lock.treeDigest,
    verdict: outcome.verdict,
    startedAt: spent.startedAt,
    durationMs: spent.durationMs,
    writeRequests: spent.writeRequests,
    counts: countChanges(outcome.result.changes),
    driftedObjects: outcome.driftedObjects,
    ...(outcome.message === undefined ? {} : { reason: outcome.message }),
  };
}

/**
 * The status after this cycle. After a healthy rollback the cluster runs the last known good revision again,
 * so that is the current one, not the tip that failed.
 */
export function statusAfter(status: EnvironmentStatus, summary: ReconcileSummary, outcome: AttemptOutcome, now: string): EnvironmentStatus {
  const next = recordResult(status, summary, outcome.verdict === 'healthy' ? now : undefined, outcome.revisionFailed);
  if (outcome.verdict === 'rolled-back' && outcome.rollback?.healthy && status.lastKnownGood !== undefined) {
    return { ...next, current: { ...status.lastKnownGood } };
  }
  return next;
}

/** The verification record of this cycle for the status branch. */
export function verificationRecordOf(
  environment: string,
  applying: RevisionToApply,
  cycle: {
    readonly verdict: VerificationVerdict;
    readonly nextStatus: EnvironmentStatus;
    readonly now: string;
    readonly message?: string;
    readonly changes: readonly ReconcileChange[];
  },
): VerificationRecord {
  const { tree } = applying;
  const { verdict, nextStatus, message } = cycle;
  return {
    schemaVersion: 1,
    environment,
    commit: applying.revision,
    lockDigest: tree.lock.treeDigest,
    verdict,
    ...(verdict === 'healthy' && nextStatus.current?.firstHealthyAt ? { firstHealthyAt: nextStatus.current.firstHealthyAt } : {}),
    recordedAt: cycle.now,
    objects: { total: tree.objects.length, ...countChanges(cycle.changes) },
    applications: applicationsInEffect(tree.metadata),
    ...(message === undefined ? {} : { reason: message }),
  };
}

/**
 * How many of the environment's objects changed, by action: the numbers the status, the verification record,
 * the reconcile line and the log line all give. Namespaces the environment declares are not objects of its
 * tree; the CLI says apart how many it created.
 */
export function countChanges(changes: readonly ReconcileChange[]): ChangeCounts {
  const count = (action: ReconcileChange['action']) =>
    changes.filter((change) => change.action === action && change.kind !== 'Namespace').length;
  return { created: count('created'), configured: count('configured'), unchanged: count('unchanged'), pruned: count('pruned'), failed: count('failed') };
}

function withProblem(message: string | undefined, problem: string): string {
  return `${message ? `${message}; ` : ''}${problem}`;
}
