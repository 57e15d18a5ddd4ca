import { CycleResult } from './cycle-types';
import { compareCodeUnits } from '../envrepo/names';

/** Where an environment stands, as far as alerts go. `skipped` is no state of its own: it keeps the last one. */
export type AlertVerdict = 'healthy' | 'failed' | 'rolled-back' | 'refused';

/** An object the verdict blames: a failed apply or prune, or an object that did not become healthy. */
export interface ObjectAtFault {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly constructPath?: string;
  /** Why, e.g. `0/2 replicas available` or the API server's refusal. */
  readonly reason: string;
}

/** One change of an environment's verdict: what receivers get, once per change (never once per cycle). */
export interface VerdictChange {
  readonly environment: string;
  /** The commit the verdict is about (the tip that failed, for a rollback). */
  readonly revision: string;
  readonly verdict: AlertVerdict;
  readonly previousVerdict: AlertVerdict;
  /** ISO 8601, when the cycle that changed the verdict ended. */
  readonly time: string;
  readonly message?: string;
  readonly objects: readonly ObjectAtFault[];
}

/** The verdict a cycle stands for; undefined for `skipped` (the tip already failed and was not tried again). */
export function alertVerdictOf(result: CycleResult): AlertVerdict | undefined {
  switch (result.verdict) {
    case 'healthy':
    case 'applied':
      return 'healthy';
    case 'skipped':
      return undefined;
    default:
      return result.verdict;
  }
}

/**
 * Remembers the last verdict and says when a cycle changes it. A reconciler starts out assuming healthy, so a
 * first cycle that fails is reported and a first healthy one is not.
 */
export class VerdictTracker {
  private last: AlertVerdict;

  constructor(initial: AlertVerdict = 'healthy') {
    this.last = initial;
  }

  /** The change `result` makes, or undefined when it keeps the verdict. `time` is ISO 8601. */
  public next(result: CycleResult, time: string): VerdictChange | undefined {
    const verdict = alertVerdictOf(result);
    if (verdict === undefined || verdict === this.last) {
      return undefined;
    }
    const previousVerdict = this.last;
    this.last = verdict;
    return {
      environment: result.environment,
      revision: result.revision,
      verdict,
      previousVerdict,
      time,
      ...(result.message === undefined ? {} : { message: result.message }),
      objects: verdict === 'healthy' ? [] : objectsAtFault(result),
    };
  }
}

/** Objects a failed cycle blames, sorted by kind, namespace, name: failed writes first, then unhealthy objects. */
export function objectsAtFault(result: CycleResult): ObjectAtFault[] {
  const found = new Map<string, ObjectAtFault>();
  for (const change of result.result?.changes ?? []) {
    if (change.action === 'failed') {
      const object = { kind: change.kind, namespace: change.namespace, name: change.name, constructPath: change.constructPath, reason: change.message ?? 'failed' };
      found.set(keyOf(object), withoutUndefined(object));
    }
  }
  for (const target of result.health?.objects ?? []) {
    const status = target.assessment.status;
    if (status === 'Current') {
      continue;
    }
    const object = {
      kind: target.reference.kind,
      namespace: target.reference.namespace,
      name: target.reference.name,
      constructPath: target.constructPath,
      reason: `${status}: ${target.assessment.message}`,
    };
    if (!found.has(keyOf(object))) {
      found.set(keyOf(object), withoutUndefined(object));
    }
  }
  return [...found.values()].sort((left, right) => compareCodeUnits(keyOf(left), keyOf(right)));
}

function keyOf(object: { kind: string; namespace?: string; name: string }): string {
  return `${object.kind}/${object.namespace ?? ''}/${object.name}`;
}

function withoutUndefined(object: ObjectAtFault): ObjectAtFault {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as unknown as ObjectAtFault;
}
