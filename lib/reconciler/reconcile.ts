import { ApplyOutcome, applyStaged, WaitClock } from './apply';
import { ClusterClient } from './cluster-client';
import { describeWithConstructPath, messageOf, namedObject } from './describe';
import { DesiredState } from './desired-state';
import { diffEnvironment, EnvironmentDiff } from './diff';
import { applySetParentOf, contentsOf, parentAfterPrune, parentBeforeApply, parentContentsOf, ParentContents, unionOf } from './inventory';
import { CONSTRUCT_PATH_ANNOTATION, FIELD_MANAGER } from './metadata-keys';
import { ensureNamespaces, NamespaceOutcome } from './namespaces';
import { Plan, PlannedChange } from './plan';
import { decidePrune, PruneOptions, PruneOutcome, pruneObjects } from './prune';
import { ObjectReference, referenceOf } from '../envrepo/kube-object';
import { sortedUnique } from '../envrepo/names';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed';

export interface ReconcileChange {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly action: ChangeAction;
  readonly message?: string;
  readonly constructPath?: string;
  /** Env-repo file of a desired object. */
  readonly path?: string;
  /** For `configured` (and a planned configure that failed): declared fields whose live value differed. */
  readonly driftedFields?: readonly string[];
  /** For `configured`: declared fields other field managers had set, by manager, taken back (git wins). */
  readonly takenBack?: ReadonlyArray<{ readonly manager: string; readonly fields: readonly string[] }>;
  /** For `configured`: deleted and created again, because an immutable field changed and the object opts in. */
  readonly recreated?: boolean;
}

export interface ReconcileResult {
  readonly revision: string;
  readonly environment: string;
  /** The applyset id the environment's objects are labelled with. */
  readonly applyset: string;
  /** Namespaces first (only those created), then desired objects in path order, then pruned objects. */
  readonly changes: readonly ReconcileChange[];
  /** Apply and delete requests sent by this reconcile. */
  readonly writeRequests: number;
  readonly timings: { readonly planMs: number; readonly applyMs: number; readonly pruneMs: number; readonly totalMs: number };
  /**
   * `refused`: nothing was written, because the desired state is wrong (`badInput`: kinds the server does not
   * serve, objects declared twice) or applying it looked unsafe (mass prune, someone else's applyset).
   */
  readonly verdict: 'applied' | 'failed' | 'refused';
  /** With verdict `refused`: the desired state itself is wrong, so no retry helps (the CLI exits 2, not 1). */
  readonly badInput?: boolean;
  /** Why the verdict is not `applied`, and what was and was not done. */
  readonly message?: string;
}

/** What the health wait (wired in by the integrator) answers about the applied objects. */
export interface HealthVerdict {
  readonly healthy: boolean;
  readonly message: string;
}

export interface ReconcileOptions {
  readonly client: ClusterClient;
  readonly clock: WaitClock;
  /** Requests in flight at once while listing, applying and deleting. */
  readonly concurrency: number;
  readonly prune: PruneOptions;
  /**
   * Hook for the health wait: called after a successful apply and prune with every desired object; an unhealthy
   * verdict turns the result into `failed`. Without it, reconcile stops after prune.
   */
  readonly waitForHealth?: (targets: readonly ObjectReference[]) => Promise<HealthVerdict>;
  /**
   * Called once before the first write to the environment's objects, only when there is something to write:
   * answers why this reconcile must not write (another one holds the environment's lock), or undefined.
   */
  readonly beforeWrite?: () => Promise<string | undefined>;
  /** Write requests sent so far that count as this reconcile's. @default the client's writeRequests */
  readonly countWrites?: () => number;
}

/**
 * One reconcile of one environment: read the applyset parent and the live members (one LIST per group-kind),
 * plan, refuse what looks unsafe before writing anything, make sure the environment's namespaces exist, widen
 * the parent, apply staged, prune, narrow the parent. Cluster errors never escape: the result says what was
 * done and what was not.
 */
export async function reconcile(desired: DesiredState, options: ReconcileOptions): Promise<ReconcileResult> {
  const { client, clock } = options;
  const started = clock.now();
  const countWrites = options.countWrites ?? (() => client.writeRequests);
  const writesBefore = countWrites();
  const environment = desired.environment;
  const parent = applySetParentOf(environment);
  const timings = { planMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 };
  const finish = (verdict: ReconcileResult['verdict'], changes: readonly ReconcileChange[], message?: string, badInput?: boolean): ReconcileResult => {
    timings.totalMs = clock.now() - started;
    const writeRequests = countWrites() - writesBefore;
    const result: ReconcileResult = {
      revision: desired.revision, environment: environment.name, applyset: parent.id, changes, writeRequests, timings, verdict, message,
    };
    return badInput ? { ...result, badInput } : result;
  };

  // 1. Plan from the live state, without writing.
  let diff: EnvironmentDiff;
  try {
    const read = await diffEnvironment(client, desired, options.concurrency);
    if ('refused' in read) {
      timings.planMs = clock.now() - started;
      return finish('refused', [], `${read.refused}. Nothing was applied or deleted`, read.badInput);
    }
    diff = read;
  } catch (error) {
    timings.planMs = clock.now() - started;
    return finish('failed', [], `could not read the live state of environment ${environment.name}: ${messageOf(error)}. Nothing was applied or deleted`);
  }
  const { plan, objects, liveParent, members } = diff;
  const pruneDecision = decidePrune({ candidates: plan.pruneCandidates, members, applysetId: parent.id, options: options.prune });
  timings.planMs = clock.now() - started;
  if (pruneDecision.verdict === 'refused') {
    return finish('refused', [], pruneDecision.message);
  }

  // 2. Namespaces, parent, apply.
  const applyStarted = clock.now();
  const declaredNamespaces = new Set(objects.filter((entry) => entry.object.kind === 'Namespace').map((entry) => entry.object.metadata.name));
  // The control namespace must exist before the applyset parent is written into it, even when the environment
  // declares it (its declaration is applied in the namespaces stage, after the parent).
  const environmentNamespaces = sortedUnique([...environment.namespaces, environment.controlNamespace])
    .filter((name) => !declaredNamespaces.has(name) || name === environment.controlNamespace);
  const namespaceOutcomes = await ensureNamespaces(client, environmentNamespaces);
  const namespaceChanges = namespaceOutcomes
    .filter((outcome) => outcome.result !== 'present' && !(outcome.result === 'created' && declaredNamespaces.has(outcome.name)))
    .map(namespaceChange);
  const namespaceFailures = namespaceOutcomes.filter((outcome) => outcome.result === 'failed');
  if (namespaceFailures.length > 0) {
    timings.applyMs = clock.now() - applyStarted;
    return finish('failed', namespaceChanges, `${namespaceFailures.map((outcome) => outcome.message).join('; ')}. No object of the environment was applied or deleted`);
  }
  const desiredContents = contentsOf(parent, objects.map((entry) => entry.object));
  let parentContents = parentContentsOf(liveParent);
  const widened = parentBeforeApply(parent, liveParent, desiredContents);
  const writes = widened !== undefined || pruneDecision.deletions.length > 0 || plan.changes.some((change) => change.action === 'create' || change.action === 'configure');
  if (writes && options.beforeWrite !== undefined) {
    const refusal = await options.beforeWrite();
    if (refusal !== undefined) {
      timings.applyMs = clock.now() - applyStarted;
      return finish('refused', namespaceChanges, refusal);
    }
  }
  if (widened !== undefined) {
    try {
      await client.apply(widened, { fieldManager: FIELD_MANAGER, force: true });
      parentContents = unionOf(parentContents, desiredContents);
    } catch (error) {
      timings.applyMs = clock.now() - applyStarted;
      return finish('failed', namespaceChanges, `could not write the applyset parent Secret/${parent.reference.namespace}/${parent.reference.name}: ${messageOf(error)}. No object of the environment was applied or deleted`);
    }
  }
  const applyOutcomes = await applyStaged(client, plan.changes, { concurrency: options.concurrency, clock });
  timings.applyMs = clock.now() - applyStarted;

  const changes: ReconcileChange[] = [...namespaceChanges, ...desiredChanges(plan, applyOutcomes)];
  const failedObjects = changes.filter((change) => change.action === 'failed').length;
  if (failedObjects > 0) {
    const skipped = pruneDecision.deletions.length > 0 ? `; prune skipped, ${pruneDecision.deletions.length} object${plural(pruneDecision.deletions.length)} that left the desired state ${pruneDecision.deletions.length === 1 ? 'stays' : 'stay'} until a reconcile applies cleanly` : '';
    return finish('failed', changes, `${failedObjects} object${plural(failedObjects)} could not be applied; the others were${skipped}`);
  }

  // 3. Prune, then narrow the parent to what is left.
  const pruneStarted = clock.now();
  const pruneOutcomes = await pruneObjects(client, pruneDecision.deletions, options.concurrency);
  changes.push(...pruneOutcomes.map(prunedChange));
  const failedDeletes = pruneOutcomes.filter((outcome) => outcome.result === 'failed').map((outcome) => outcome.object);
  const remaining: ParentContents = contentsOf(parent, [...objects.map((entry) => entry.object), ...failedDeletes]);
  const narrowed = parentAfterPrune(parent, parentContents, remaining);
  let parentMessage: string | undefined;
  if (narrowed !== undefined) {
    try {
      await client.apply(narrowed, { fieldManager: FIELD_MANAGER, force: true });
    } catch (error) {
      parentMessage = `applied and pruned, but could not narrow the applyset parent Secret/${parent.reference.namespace}/${parent.reference.name} to ${remaining.groupKinds.join(',')}: ${messageOf(error)}; the next reconcile retries (it only lists more kinds meanwhile)`;
    }
  }
  timings.pruneMs = clock.now() - pruneStarted;
  if (failedDeletes.length > 0) {
    return finish('failed', changes, `${failedDeletes.length} object${plural(failedDeletes.length)} could not be pruned; everything else was applied and pruned${parentMessage === undefined ? '' : `; ${parentMessage}`}`);
  }
  if (parentMessage !== undefined) {
    return finish('failed', changes, parentMessage);
  }

  if (options.waitForHealth !== undefined) {
    const health = await options.waitForHealth(objects.map((entry) => referenceOf(entry.object)));
    if (!health.healthy) {
      return finish('failed', changes, `applied and pruned, but not healthy: ${health.message}`);
    }
  }
  return finish('applied', changes);
}

function desiredChanges(plan: Plan, outcomes: readonly ApplyOutcome[]): ReconcileChange[] {
  const outcomeOf = new Map(outcomes.map((outcome) => [outcome.change, outcome]));
  return plan.changes.map((change) => {
    const outcome = outcomeOf.get(change);
    const base = changeBase(change);
    if (change.action === 'unchanged') {
      return { ...base, action: 'unchanged' };
    }
    if (change.action === 'blocked') {
      return { ...base, action: 'failed', message: `${describeWithConstructPath(change.desired)} ${change.reason}` };
    }
    if (outcome === undefined) {
      return { ...base, action: 'failed', message: `not applied: ${change.reason}` };
    }
    const drifted = change.driftedFields.length > 0 ? { driftedFields: change.driftedFields } : {};
    if (outcome.result === 'failed') {
      return { ...base, action: 'failed', message: outcome.message, ...drifted };
    }
    const message = outcome.message ?? (change.action === 'configure' ? change.reason : undefined);
    const takenBack = outcome.takenBack === undefined ? {} : { takenBack: outcome.takenBack };
    const recreated = outcome.recreated ? { recreated: true } : {};
    return { ...base, action: outcome.result, ...(message === undefined ? {} : { message }), ...drifted, ...takenBack, ...recreated };
  });
}

function changeBase(change: PlannedChange): Omit<ReconcileChange, 'action'> {
  const constructPath = change.desired.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  return {
    apiVersion: change.desired.apiVersion,
    kind: change.desired.kind,
    ...(change.desired.metadata.namespace === undefined ? {} : { namespace: change.desired.metadata.namespace }),
    name: change.desired.metadata.name,
    ...(constructPath === undefined ? {} : { constructPath }),
    path: change.path,
  };
}

function namespaceChange(outcome: NamespaceOutcome): ReconcileChange {
  return { apiVersion: 'v1', kind: 'Namespace', name: outcome.name, action: outcome.result === 'created' ? 'created' : 'failed', message: outcome.message };
}

function prunedChange(outcome: PruneOutcome): ReconcileChange {
  return {
    ...namedObject(outcome.object),
    action: outcome.result,
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
  };
}


function plural(count: number): string {
  return count === 1 ? '' : 's';
}
