import { ClusterClient, ClusterError } from './cluster-client';
import { describeWithConstructPath, messageOf } from './describe';
import { FIELD_MANAGER, RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION } from './metadata-keys';
import { PlannedChange } from './plan';
import { KubeObject, referenceOf } from '../envrepo/kube-object';
import { describeTakenBack, otherOwnersOf, TakenBackFields } from './private/field-owners';
import { mapWithConcurrency, stageOf } from './private/stages';
import { describeImmutableFields, immutableFieldsOf, optsInToRecreate, recreateObject } from './recreate';

/** The part of a clock applying needs (`clock.ts`'s `Clock` fits). */
export interface WaitClock {
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export interface StagedApplyOptions {
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly clock: WaitClock;
  /** How long a CustomResourceDefinition may take to become Established. @default 60000 */
  readonly definitionTimeoutMs?: number;
  /** @default 200 */
  readonly pollIntervalMs?: number;
}

export interface ApplyOutcome {
  readonly change: PlannedChange;
  /** `configured` also for a `create` that found an existing object without applyset label and took it over. */
  readonly result: 'created' | 'configured' | 'failed';
  readonly message?: string;
  /** Declared fields another field manager had set, taken back by this apply (git wins). */
  readonly takenBack?: readonly TakenBackFields[];
  /** The object was deleted and created again because an immutable field changed (it opted in). */
  readonly recreated?: boolean;
}

/**
 * Server-side applies the `create` and `configure` changes (field manager `stagecraft`, force: git wins),
 * staged: Namespaces and CustomResourceDefinitions first, then a wait until every applied definition is
 * Established and a discovery refresh, then the rest with bounded concurrency. A failure is recorded for its
 * object with the server's message and the object's construct path; the other objects of its stage are still
 * applied, but when a Namespace or CustomResourceDefinition fails the stage stops there: the rest may live in
 * it or be of its kind, so none of it is applied (each is reported as not applied, naming what failed).
 */
export async function applyStaged(client: ClusterClient, changes: readonly PlannedChange[], options: StagedApplyOptions): Promise<ApplyOutcome[]> {
  const toApply = changes.filter((change) => change.action === 'create' || change.action === 'configure');
  const first = toApply.filter((change) => stageOf(change.applied) !== 'rest');
  const rest = toApply.filter((change) => stageOf(change.applied) === 'rest');

  const breaker: Breaker = {};
  const outcomes = await mapWithConcurrency(first, options.concurrency, (change) => applyOne(client, change, options, breaker));
  const definitions = outcomes.filter((outcome) => outcome.result !== 'failed' && stageOf(outcome.change.applied) === 'definitions');
  if (definitions.length > 0) {
    const waited = await Promise.all(definitions.map((outcome) => waitUntilEstablished(client, outcome, options)));
    for (const outcome of waited) {
      outcomes[outcomes.findIndex((candidate) => candidate.change === outcome.change)] = outcome;
    }
    await client.refreshDiscovery();
  }
  const failedFirst = outcomes.filter((outcome) => outcome.result === 'failed');
  if (failedFirst.length > 0) {
    const named = failedFirst.slice(0, 3).map((outcome) => describeWithConstructPath(outcome.change.applied)).join(', ');
    const more = failedFirst.length > 3 ? ` and ${failedFirst.length - 3} more` : '';
    outcomes.push(...rest.map((change): ApplyOutcome => ({
      change,
      result: 'failed',
      message: `not applied: ${describeWithConstructPath(change.applied)} from ${change.path} waits for the Namespaces and CustomResourceDefinitions applied before it, and ${named}${more} failed; fix that first`,
    })));
    return outcomes;
  }
  outcomes.push(...await mapWithConcurrency(rest, options.concurrency, (change) => applyOne(client, change, options, breaker)));
  return outcomes;
}

/** Set once the API server stopped answering: the objects not sent yet are not sent (each would wait in vain). */
interface Breaker {
  unavailable?: string;
}

/**
 * Whether an error says the API server cannot serve requests at all right now (unreachable, or its storage
 * not answering: 503, 504), rather than something about one object.
 */
function serverUnavailable(error: unknown): boolean {
  return error instanceof ClusterError && (error.status === 0 || error.status === 503 || error.status === 504);
}

async function applyOne(client: ClusterClient, change: PlannedChange, options: StagedApplyOptions, breaker: Breaker): Promise<ApplyOutcome> {
  if (breaker.unavailable !== undefined) {
    return {
      change,
      result: 'failed',
      message: `not applied: ${describeWithConstructPath(change.applied)} from ${change.path} was not sent, because the API server stopped answering during this reconcile (${breaker.unavailable}); the next reconcile applies it`,
    };
  }
  try {
    const taken = change.action === 'configure' && change.live !== undefined ? otherOwnersOf(change.live, change.driftedFields, FIELD_MANAGER) : [];
    let stored: KubeObject;
    try {
      stored = await client.apply(change.applied, { fieldManager: FIELD_MANAGER, force: true });
    } catch (error) {
      const immutable = immutableFieldsOf(error);
      if (immutable === undefined || change.live === undefined) {
        throw error;
      }
      if (!optsInToRecreate(change.desired)) {
        return {
          change,
          result: 'failed',
          message: `could not apply ${describeWithConstructPath(change.applied)} from ${change.path}: the server refuses to change ${describeImmutableFields(immutable)} in place; keep the live value, or annotate the object ${RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION}: "true" to let stagecraft delete and re-create it`,
        };
      }
      await recreateObject(client, change.live, change.applied, options.clock, 30_000, options.pollIntervalMs ?? 200);
      return { change, result: 'configured', recreated: true, message: `re-created (deleted and created again): the server refuses to change ${describeImmutableFields(immutable)} in place and the object opts in with ${RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION}` };
    }
    if (taken.length > 0) {
      return { change, result: 'configured', takenBack: taken, message: `${change.reason}; ${describeTakenBack(taken)}` };
    }
    if (change.action === 'create') {
      const managers = (stored.metadata.managedFields ?? []).map((entry) => entry.manager);
      const otherManagers = [...new Set(managers.filter((manager): manager is string => manager !== undefined && manager !== FIELD_MANAGER))];
      if (otherManagers.length > 0) {
        return { change, result: 'configured', message: `took over an existing object that had no applyset label (other field managers: ${otherManagers.sort().join(', ')})` };
      }
      return { change, result: 'created' };
    }
    return { change, result: 'configured' };
  } catch (error) {
    if (serverUnavailable(error)) {
      breaker.unavailable ??= messageOf(error);
    }
    return { change, result: 'failed', message: `could not apply ${describeWithConstructPath(change.applied)} from ${change.path}: ${messageOf(error)}` };
  }
}

async function waitUntilEstablished(client: ClusterClient, outcome: ApplyOutcome, options: StagedApplyOptions): Promise<ApplyOutcome> {
  const timeout = options.definitionTimeoutMs ?? 60_000;
  const interval = options.pollIntervalMs ?? 200;
  const deadline = options.clock.now() + timeout;
  let last: KubeObject | undefined;
  for (;;) {
    try {
      last = await client.get(referenceOf(outcome.change.applied));
    } catch (error) {
      return { ...outcome, result: 'failed', message: `applied ${describeWithConstructPath(outcome.change.applied)}, but could not read it back while waiting for it to become Established: ${messageOf(error)}` };
    }
    if (conditionStatus(last, 'Established') === 'True') {
      return outcome;
    }
    if (options.clock.now() >= deadline) {
      const names = conditionMessage(last, 'NamesAccepted');
      const detail = names === undefined ? '' : ` (NamesAccepted: ${names})`;
      return { ...outcome, result: 'failed', message: `applied ${describeWithConstructPath(outcome.change.applied)}, but it did not become Established within ${timeout / 1000} s${detail}; objects of its kind cannot be applied until it is` };
    }
    await options.clock.sleep(interval);
  }
}

function conditions(object: KubeObject | undefined): ReadonlyArray<Record<string, unknown>> {
  const status = object?.status as { conditions?: unknown } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

function conditionStatus(object: KubeObject | undefined, type: string): unknown {
  return conditions(object).find((condition) => condition.type === type)?.status;
}

function conditionMessage(object: KubeObject | undefined, type: string): string | undefined {
  const condition = conditions(object).find((candidate) => candidate.type === type);
  return typeof condition?.message === 'string' ? condition.message : undefined;
}
