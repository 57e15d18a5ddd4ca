import { Clock } from './clock';
import { ClusterError } from './cluster-client';
import { assessHealth, HealthAssessment } from './health';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';
import { describeObject } from '../envrepo/object-identity';
import { mapConcurrently } from '../support/map-concurrently';

/** An object to wait for, with the construct that produced it so that messages can point at the code. */
export interface WaitTarget {
  readonly reference: ObjectReference;
  /** Value of the `stagecraft.dev/construct-path` annotation of the desired object. */
  readonly constructPath?: string;
}

export interface WaitOptions {
  /** How long to wait before giving up; 0 checks once. */
  readonly timeoutMs: number;
  /** Pause between two rounds of reads; more than 0. */
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  /** Called after every round of reads, the last one included. */
  readonly onProgress?: (summary: WaitProgress) => void;
}

/** The latest verdict on one target. */
export interface TargetHealth {
  readonly reference: ObjectReference;
  readonly constructPath?: string;
  readonly assessment: HealthAssessment;
}

/** Where a wait stands after a round of reads. */
export interface WaitProgress {
  /** 1 for the first round of reads. */
  readonly round: number;
  readonly elapsedMs: number;
  readonly total: number;
  /** How many targets are Current. */
  readonly current: number;
  /** Targets neither Current nor Failed, in input order. */
  readonly pending: readonly TargetHealth[];
  /** Failed targets, in input order. */
  readonly failed: readonly TargetHealth[];
}

export interface WaitResult {
  /** Every target Current. */
  readonly healthy: boolean;
  /** The time ran out before every target was Current and before any Failed. */
  readonly timedOut: boolean;
  readonly elapsedMs: number;
  /** The last verdict on every target, in input order. */
  readonly objects: readonly TargetHealth[];
}

/** Reads in flight at once: enough to check hundreds of objects in a few round trips, few enough not to flood the API server. */
const READ_CONCURRENCY = 16;

/**
 * Reads every target each round until all are Current, any is Failed (waiting longer would only delay the
 * rollback) or the time runs out. The last round happens at the deadline itself, so a target that turns
 * Current just in time still counts.
 */
export async function waitForHealth(
  references: readonly WaitTarget[],
  read: (reference: ObjectReference) => Promise<KubeObject | undefined>,
  options: WaitOptions,
): Promise<WaitResult> {
  checkOptions(options);
  const clock = options.clock;
  const startedAt = clock.now();
  const deadline = startedAt + options.timeoutMs;
  for (let round = 1; ; round++) {
    const objects = await mapConcurrently(references, READ_CONCURRENCY, async (target) =>
      targetHealth(target, await readAssessment(target.reference, read)));
    const now = clock.now();
    const elapsedMs = now - startedAt;
    const failed = objects.filter((object) => object.assessment.status === 'Failed');
    const pending = objects.filter((object) => object.assessment.status !== 'Current' && object.assessment.status !== 'Failed');
    options.onProgress?.({
      round,
      elapsedMs,
      total: objects.length,
      current: objects.length - failed.length - pending.length,
      pending,
      failed,
    });
    if (failed.length > 0) {
      return { healthy: false, timedOut: false, elapsedMs, objects };
    }
    if (pending.length === 0) {
      return { healthy: true, timedOut: false, elapsedMs, objects };
    }
    if (now >= deadline) {
      return { healthy: false, timedOut: true, elapsedMs, objects };
    }
    await clock.sleep(Math.min(options.pollIntervalMs, deadline - now));
  }
}

/** `Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated`. */
export function describeAssessment(target: WaitTarget, assessment: HealthAssessment): string {
  const where = target.constructPath === undefined ? '' : ` (${target.constructPath})`;
  return `${describeObject(target.reference)}${where}: ${assessment.message}`;
}

async function readAssessment(
  reference: ObjectReference,
  read: (reference: ObjectReference) => Promise<KubeObject | undefined>,
): Promise<HealthAssessment> {
  let object: KubeObject | undefined;
  try {
    object = await read(reference);
  } catch (error) {
    // An API error may pass (a restarting API server, a throttled request); the verdict keeps it visible
    // until the next round. Anything else is a bug and stops the wait.
    if (error instanceof ClusterError) {
      return { status: 'Unknown', message: `cannot read: ${error.message}` };
    }
    throw error;
  }
  const assessment = assessHealth(object);
  // The object is desired, so one on its way out has not reached the state asked for: keep waiting, do not fail.
  return assessment.status === 'Terminating' ? { status: 'InProgress', message: assessment.message } : assessment;
}

function targetHealth(target: WaitTarget, assessment: HealthAssessment): TargetHealth {
  return target.constructPath === undefined
    ? { reference: target.reference, assessment }
    : { reference: target.reference, constructPath: target.constructPath, assessment };
}

function checkOptions(options: WaitOptions): void {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0) {
    throw new Error(`wait timeout must be a finite number of milliseconds, 0 or more, got ${options.timeoutMs}`);
  }
  // A zero interval would spin against the API server (and forever on a clock that only moves when slept on).
  if (!Number.isFinite(options.pollIntervalMs) || options.pollIntervalMs <= 0) {
    throw new Error(`wait poll interval must be a finite number of milliseconds, more than 0, got ${options.pollIntervalMs}`);
  }
}
