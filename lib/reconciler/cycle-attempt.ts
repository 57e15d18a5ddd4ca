import type { RevisionToApply } from './cycle-decide';
import type { CycleOptions } from './cycle-types';
import { messageOf } from './describe';
import { CONSTRUCT_PATH_ANNOTATION } from './metadata-keys';
import { reconcile, ReconcileChange, ReconcileResult } from './reconcile';
import { desiredStateOf } from './revision-source';
import { rollbackTarget } from './rollback';
import { describeAssessment, waitForHealth, WaitResult, WaitTarget } from './wait';
import { ObjectReference, referenceOf } from '../envrepo/kube-object';
import { EnvironmentTree } from '../envrepo/read-environment';

/** How the cycle's writes are guarded (the environment's lock) and counted (without the lock's own). */
export interface WriteHooks {
  readonly beforeWrite?: () => Promise<string | undefined>;
  readonly countWrites: () => number;
}

/** What applying the tip came to, including the rollback when it did not become healthy. */
export interface AttemptOutcome {
  readonly verdict: 'healthy' | 'applied' | 'rolled-back' | 'failed' | 'refused';
  readonly message?: string;
  /** The reconcile of the tip. */
  readonly result: ReconcileResult;
  readonly health?: WaitResult;
  /** The reconcile of the rollback target, when there was one. */
  readonly rollback?: ReconcileResult & { readonly healthy: boolean };
  readonly driftedObjects: number;
  /** The tip did not become healthy, so it is not applied again until the branch moves. */
  readonly revisionFailed: boolean;
}

/** One revision applied, with the health wait when one was asked for. */
interface Attempt {
  readonly result: ReconcileResult;
  readonly health?: WaitResult;
  readonly targets: readonly WaitTarget[];
}

/**
 * Applies the revision and waits for its health; when it does not become healthy, applies the last known good
 * revision again.
 */
export async function attemptWithRollback(options: CycleOptions, applying: RevisionToApply, hooks: WriteHooks): Promise<AttemptOutcome> {
  const { revision, tree, status } = applying;
  options.onProgress?.(`applying ${tree.objects.length} objects of ${options.environment} at ${revision.slice(0, 12)}`);
  const attempt = await applyAndWait(options, revision, tree, hooks);
  const tip = {
    result: attempt.result,
    health: attempt.health,
    // Only the revision already running can drift; a new revision changes its objects on purpose.
    driftedObjects: status.current?.commit === revision ? driftedObjectsOf(attempt.result.changes) : 0,
  };
  const verdict = attemptVerdict(attempt);
  if (verdict !== 'unhealthy') {
    return { ...tip, verdict, message: attempt.result.message, revisionFailed: false };
  }
  const rolledBack = await rollBack(options, applying, describeUnhealthy(attempt.health!), hooks);
  return { ...tip, ...rolledBack, revisionFailed: true };
}

/**
 * The verdict of one attempt, or `unhealthy` when the revision needs a rollback. A failed apply (server
 * unreachable, an object rejected) says nothing about the revision's health: no rollback and no mark against
 * the revision; the next reconcile tries again.
 */
export function attemptVerdict(attempt: Pick<Attempt, 'result' | 'health'>): 'healthy' | 'applied' | 'failed' | 'refused' | 'unhealthy' {
  const { result, health } = attempt;
  if (result.verdict === 'refused') {
    return 'refused';
  }
  if (result.verdict === 'applied') {
    return health === undefined ? 'applied' : 'healthy';
  }
  return health !== undefined && !health.healthy ? 'unhealthy' : 'failed';
}

/** Objects configured because a declared field's live value differed from the revision (drift set back). */
export function driftedObjectsOf(changes: readonly ReconcileChange[]): number {
  return changes.filter((change) => change.action === 'configured' && (change.driftedFields?.length ?? 0) > 0).length;
}

/**
 * Applies the last known good revision again after the tip did not become healthy (`reason`). Only a source
 * with history can read an earlier revision: a folder has nothing to go back to.
 */
async function rollBack(
  options: CycleOptions,
  applying: RevisionToApply,
  reason: string,
  hooks: WriteHooks,
): Promise<Pick<AttemptOutcome, 'verdict' | 'message' | 'rollback'>> {
  const { revision, status } = applying;
  const target = options.source.hasHistory ? rollbackTarget(status, revision) : undefined;
  if (target === undefined) {
    return { verdict: 'failed', message: `${reason}; no earlier revision was verified healthy, so there is nothing to roll back to` };
  }
  options.onProgress?.(`revision ${revision.slice(0, 12)} failed (${reason}); rolling back to ${target.slice(0, 12)}`);
  let rollback: AttemptOutcome['rollback'];
  try {
    const targetTree = await options.source.read(target);
    const back = await applyAndWait(options, target, targetTree, hooks);
    const healthy = back.result.verdict === 'applied' && (back.health === undefined || back.health.healthy);
    rollback = { ...back.result, healthy };
    const how = healthy ? 'healthy' : `not healthy either: ${back.result.message ?? describeUnhealthy(back.health!)}`;
    return { verdict: 'rolled-back', rollback, message: `${reason}; rolled back to ${target.slice(0, 12)} (${how})` };
  } catch (error) {
    // What was applied is still reported when only describing it failed.
    return { verdict: 'failed', rollback, message: `${reason}; rolling back to ${target.slice(0, 12)} failed too: ${messageOf(error)}` };
  }
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

function keyOf(reference: ObjectReference): string {
  return `${reference.apiVersion}|${reference.kind}|${reference.namespace ?? ''}|${reference.name}`;
}
