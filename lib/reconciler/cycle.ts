import { Clock } from './clock';
import { ClusterClient } from './cluster-client';
import { messageOf } from './describe';
import { acquireEnvironmentLock, EnvironmentLock } from './lock';
import { CONSTRUCT_PATH_ANNOTATION } from './metadata-keys';
import { PruneOptions } from './prune';
import { reconcile, ReconcileChange, ReconcileResult } from './reconcile';
import { commitVerificationRecord } from './record-git';
import { desiredStateOf, RevisionSource } from './revision-source';
import { decideRevision, rollbackTarget } from './rollback';
import { ChangeCounts, EnvironmentStatus, isRepeat, readStatus, ReconcileSummary, recordResult, writeStatus } from './status-store';
import { describeAssessment, waitForHealth, WaitResult, WaitTarget } from './wait';
import { parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { ObjectReference, referenceOf } from '../envrepo/kube-object';
import { environmentMetadataPath } from '../envrepo/paths';
import { EnvironmentTree, TreeVerificationError } from '../envrepo/read-environment';
import { applicationsInEffect, recordPath, serializeRecord, VerificationRecord } from '../envrepo/verification-record';

/** How one cycle runs. */
export interface CycleOptions {
  readonly client: ClusterClient;
  readonly clock: Clock;
  readonly source: RevisionSource;
  readonly environment: string;
  readonly concurrency: number;
  readonly prune: PruneOptions;
  /** Health wait after apply; `undefined` skips it (the revision is then never recorded as verified). */
  readonly health?: { readonly timeoutMs: number; readonly pollIntervalMs: number };
  /** Commit a verification record to the env repo's status branch (git sources only). */
  readonly record?: { readonly repo: string; readonly cacheDirectory: string; readonly author: { readonly name: string; readonly email: string } };
  readonly onProgress?: (line: string) => void;
  /** Keys allowed to sign the environment's commits, and whether a force push may be applied. */
  readonly trust?: { readonly sshAllowedSignersFile?: string; readonly gpgKeyring?: string; readonly allowHistoryRewrite?: boolean };
  /**
   * Take the environment's lock (a Lease in the control namespace, see lock.ts) before writing, as `holder`;
   * a reconcile that finds it held by another is refused. Without it, no lock is taken.
   */
  readonly lock?: { readonly holder: string; readonly leaseSeconds?: number };
}

/**
 * What one cycle did. `verdict`:
 * - `healthy`: the revision is applied and every object is Current (recorded as last known good);
 * - `applied`: applied, health not checked (no wait requested);
 * - `rolled-back`: the revision failed and the last known good revision was applied again;
 * - `failed`: the revision failed and nothing better could be applied;
 * - `refused`: nothing was applied (tree not what synth wrote, unsafe prune, someone else's applyset);
 * - `skipped`: the tip is a revision that already failed; it is not applied again until the branch moves.
 */
export interface CycleResult {
  readonly environment: string;
  readonly revision: string;
  readonly treeDigest?: string;
  readonly verdict: 'healthy' | 'applied' | 'rolled-back' | 'failed' | 'refused' | 'skipped';
  readonly message?: string;
  /** The reconcile of the tip (absent when refused before planning or skipped). */
  readonly result?: ReconcileResult;
  /** The reconcile of the rollback target, when there was one. */
  readonly rollback?: ReconcileResult & { readonly healthy: boolean };
  readonly health?: WaitResult;
  /** Commit of the verification record on the status branch, with --record. */
  readonly recordCommit?: string;
  /** Every write request of the cycle, the status ConfigMap's own included (see `statusWritten`). */
  readonly writeRequests: number;
  /** The status ConfigMap was written: one of `writeRequests`, which the stored status counts too. */
  readonly statusWritten?: boolean;
  readonly driftedObjects: number;
  readonly durationMs: number;
  readonly startedAt: string;
  /** The env repo's content was refused as bad input (does not match its lock): the CLI exits 2. */
  readonly badInput?: boolean;
  /** The revision could not be fetched (git remote unreachable): nothing was read or written. */
  readonly fetchFailed?: boolean;
}

/**
 * One reconcile cycle: fetch, verify, decide, apply, prune, wait, roll back on failure, and record the
 * outcome in the cluster (and, with `record`, on the env repo's status branch).
 */
export async function reconcileCycle(options: CycleOptions): Promise<CycleResult> {
  const { client, clock, source } = options;
  const started = clock.now();
  const startedAt = new Date(started).toISOString();
  const writesBefore = client.writeRequests;
  // The lock's own requests (acquire, renew, release) are not writes to the environment.
  const lockState: { lock?: EnvironmentLock; refusedWrites: number } = { refusedWrites: 0 };
  const countWrites = (): number => client.writeRequests - (lockState.lock?.writeRequests ?? 0) - lockState.refusedWrites;
  const finish = (fields: Omit<CycleResult, 'environment' | 'writeRequests' | 'durationMs' | 'startedAt' | 'driftedObjects'> & { driftedObjects?: number }): CycleResult => ({
    environment: options.environment,
    writeRequests: countWrites() - writesBefore,
    durationMs: clock.now() - started,
    startedAt,
    driftedObjects: fields.driftedObjects ?? 0,
    ...fields,
  });

  let revision: string;
  try {
    revision = await source.latest();
  } catch (error) {
    return finish({ revision: '', verdict: 'failed', fetchFailed: true, message: `could not fetch ${source.description}: ${messageOf(error)}; the cluster keeps running what it runs` });
  }
  let tree: EnvironmentTree;
  try {
    tree = await source.read(revision);
  } catch (error) {
    const message = error instanceof TreeVerificationError ? error.message : `could not read ${options.environment} at ${revision}: ${messageOf(error)}`;
    // Whatever keeps the tree from being read at this revision is in the input (names, paths, sizes, content).
    return finish({ revision, verdict: 'refused', message: `${message}. Nothing was applied`, badInput: true });
  }
  const namespace = tree.metadata.controlNamespace;
  let status: EnvironmentStatus;
  try {
    status = await readStatus(client, namespace, options.environment);
  } catch (error) {
    return finish({ revision, treeDigest: tree.lock.treeDigest, verdict: 'failed', message: `${messageOf(error)}. Nothing was applied` });
  }

  const historyProblem = await checkHistory(options, status, revision, tree);
  if (historyProblem !== undefined) {
    return finish({ revision, treeDigest: tree.lock.treeDigest, verdict: 'refused', message: historyProblem });
  }

  const decision = decideRevision(revision, status);
  if (decision.action === 'skip-failed') {
    return finish({
      revision,
      treeDigest: tree.lock.treeDigest,
      verdict: 'skipped',
      message: `revision ${revision.slice(0, 12)} failed at ${decision.failedAt} (${decision.reason}) and is not applied again until the branch moves; the cluster keeps ${status.lastKnownGood?.commit.slice(0, 12) ?? 'what it runs'}`,
    });
  }

  const lockOptions = options.lock;
  const beforeWrite = lockOptions === undefined ? undefined : async (): Promise<string | undefined> => {
    if (lockState.lock !== undefined) {
      return undefined;
    }
    try {
      const taken = await acquireEnvironmentLock(client, {
        controlNamespace: namespace,
        environment: options.environment,
        holder: lockOptions.holder,
        now: () => clock.now(),
        leaseSeconds: lockOptions.leaseSeconds,
      });
      if (!taken.held) {
        lockState.refusedWrites += taken.writeRequests;
        return taken.message;
      }
      lockState.lock = taken.lock;
      return undefined;
    } catch (error) {
      return `could not read the lock of environment ${options.environment} in namespace ${namespace}: ${messageOf(error)}. Nothing was applied or deleted`;
    }
  };
  const writeHooks: WriteHooks = { beforeWrite, countWrites };

  options.onProgress?.(`applying ${tree.objects.length} objects of ${options.environment} at ${revision.slice(0, 12)}`);
  const attempt = await applyAndWait(options, revision, tree, writeHooks);
  const driftedObjects = status.current?.commit === revision
    ? attempt.result.changes.filter((change) => change.action === 'configured' && (change.driftedFields?.length ?? 0) > 0).length
    : 0;
  let verdict: CycleResult['verdict'];
  let message = attempt.result.message;
  let rollback: CycleResult['rollback'];
  const unhealthy = attempt.result.verdict === 'failed' && attempt.health !== undefined && !attempt.health.healthy;
  if (attempt.result.verdict === 'refused') {
    verdict = 'refused';
  } else if (attempt.result.verdict === 'applied') {
    verdict = attempt.health === undefined ? 'applied' : 'healthy';
  } else if (!unhealthy) {
    // The apply itself failed (server unreachable, an object rejected): not the revision's health, so no
    // rollback and no mark against the revision; the next reconcile tries again.
    verdict = 'failed';
  } else {
    const reason = describeUnhealthy(attempt.health!);
    message = reason;
    const target = source.hasHistory ? rollbackTarget(status, revision) : undefined;
    if (target === undefined) {
      verdict = 'failed';
      message = `${reason}; no earlier revision was verified healthy, so there is nothing to roll back to`;
    } else {
      options.onProgress?.(`revision ${revision.slice(0, 12)} failed (${reason}); rolling back to ${target.slice(0, 12)}`);
      try {
        const targetTree = await source.read(target);
        const back = await applyAndWait(options, target, targetTree, writeHooks);
        const healthy = back.result.verdict === 'applied' && (back.health === undefined || back.health.healthy);
        rollback = { ...back.result, healthy };
        verdict = 'rolled-back';
        message = `${reason}; rolled back to ${target.slice(0, 12)} (${healthy ? 'healthy' : `not healthy either: ${back.result.message ?? describeUnhealthy(back.health!)}`})`;
      } catch (error) {
        verdict = 'failed';
        message = `${reason}; rolling back to ${target.slice(0, 12)} failed too: ${messageOf(error)}`;
      }
    }
  }

  const now = new Date(clock.now()).toISOString();
  const summary: ReconcileSummary = {
    commit: revision,
    treeDigest: tree.lock.treeDigest,
    verdict,
    startedAt,
    durationMs: clock.now() - started,
    writeRequests: countWrites() - writesBefore,
    counts: countChanges(attempt.result.changes),
    driftedObjects,
    ...(message === undefined ? {} : { reason: message }),
  };
  // A refusal writes nothing at all; a reconcile that only repeats the last one leaves the status (and the
  // status branch) alone, so an idle reconciler writes nothing anywhere.
  const repeat = isRepeat(status, summary);
  const writesStatus = verdict !== 'refused' && !repeat;
  // Writing the status is one more request (one apply): the stored summary counts it, so that `stagecraft
  // status` and the reconcile line give the same number. A status that is never written never shows it.
  const stored = writesStatus ? { ...summary, writeRequests: summary.writeRequests + 1 } : summary;
  let nextStatus = recordResult(status, stored, verdict === 'healthy' ? now : undefined, unhealthy);
  if (verdict === 'rolled-back' && rollback?.healthy && status.lastKnownGood !== undefined) {
    nextStatus = { ...nextStatus, current: { ...status.lastKnownGood } };
  }
  let statusWritten = false;
  if (writesStatus) {
    try {
      await writeStatus(client, namespace, nextStatus);
      statusWritten = true;
    } catch (error) {
      message = `${message ? `${message}; ` : ''}could not write the status ConfigMap in ${namespace}: ${messageOf(error)}`;
    }
  }

  let recordCommit: string | undefined;
  if (options.record !== undefined && verdict !== 'applied' && !repeat) {
    const record: VerificationRecord = {
      schemaVersion: 1,
      environment: options.environment,
      commit: revision,
      lockDigest: tree.lock.treeDigest,
      verdict,
      ...(verdict === 'healthy' && nextStatus.current?.firstHealthyAt ? { firstHealthyAt: nextStatus.current.firstHealthyAt } : {}),
      recordedAt: now,
      objects: { total: tree.objects.length, ...countChanges(attempt.result.changes) },
      applications: applicationsInEffect(tree.metadata),
      ...(message === undefined ? {} : { reason: message }),
    };
    try {
      recordCommit = await commitVerificationRecord({
        repo: options.record.repo,
        cacheDirectory: options.record.cacheDirectory,
        path: recordPath(record),
        content: serializeRecord(record),
        message: `stagecraft: ${options.environment} ${verdict} at ${revision.slice(0, 12)}`,
        author: options.record.author,
        clockIso: now,
      });
    } catch (error) {
      message = `${message ? `${message}; ` : ''}could not commit the verification record: ${messageOf(error)}`;
    }
  }
  await lockState.lock?.release();
  return finish({
    revision,
    treeDigest: tree.lock.treeDigest,
    verdict,
    message,
    rollback,
    recordCommit,
    driftedObjects,
    statusWritten,
    result: attempt.result,
    health: attempt.health,
  });
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
  if (from !== undefined && source.readFileAt !== undefined) {
    const before = await source.readFileAt(from, environmentMetadataPath(options.environment)).catch(() => undefined);
    if (before !== undefined) {
      try {
        requiredBefore = parseEnvironmentMetadata(environmentMetadataPath(options.environment), Buffer.from(before).toString('utf8')).policy.requireSignedCommits;
      } catch {
        requiredBefore = true;
      }
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

interface Attempt {
  readonly result: ReconcileResult;
  readonly health?: WaitResult;
  readonly targets: readonly WaitTarget[];
}

interface WriteHooks {
  readonly beforeWrite?: () => Promise<string | undefined>;
  readonly countWrites: () => number;
}

async function applyAndWait(options: CycleOptions, revision: string, tree: EnvironmentTree, hooks: WriteHooks): Promise<Attempt> {
  const desired = desiredStateOf(revision, tree);
  const targets: WaitTarget[] = tree.objects.map(({ object }) => ({
    reference: referenceOf(object),
    ...(object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION] ? { constructPath: object.metadata.annotations[CONSTRUCT_PATH_ANNOTATION] } : {}),
  }));
  let health: WaitResult | undefined;
  const result = await reconcile(desired, {
    client: options.client,
    clock: options.clock,
    concurrency: options.concurrency,
    prune: options.prune,
    beforeWrite: hooks.beforeWrite,
    countWrites: hooks.countWrites,
    waitForHealth: options.health === undefined ? undefined : async (references: readonly ObjectReference[]) => {
      const wanted = new Set(references.map(keyOf));
      options.onProgress?.(`waiting up to ${Math.round(options.health!.timeoutMs / 1000)} s for ${wanted.size} objects to become healthy`);
      health = await waitForHealth(targets.filter((target) => wanted.has(keyOf(target.reference))), (reference) => options.client.get(reference), {
        timeoutMs: options.health!.timeoutMs,
        pollIntervalMs: options.health!.pollIntervalMs,
        clock: options.clock,
      });
      return { healthy: health.healthy, message: health.healthy ? 'healthy' : describeUnhealthy(health) };
    },
  });
  return { result, health, targets };
}

/** The objects that kept the revision from being healthy, each with its construct path. */
function describeUnhealthy(health: WaitResult): string {
  const problems = health.objects.filter((object) => object.assessment.status !== 'Current');
  const shown = problems.slice(0, 5).map((object) => describeAssessment(object, object.assessment));
  const more = problems.length > shown.length ? ` and ${problems.length - shown.length} more` : '';
  const why = health.timedOut ? `not healthy after ${Math.round(health.elapsedMs / 1000)} s` : 'failed';
  return `${why}: ${shown.join('; ')}${more}`;
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

function keyOf(reference: ObjectReference): string {
  return `${reference.apiVersion}|${reference.kind}|${reference.namespace ?? ''}|${reference.name}`;
}
