import { ApplyOutcome, applyStaged, StagedApplyOptions } from './apply';
import { ClusterClient } from './cluster-client';
import { Plan, PlannedChange } from './plan';

/** An object whose live state no longer matches the revision that was applied. */
export interface Drift {
  readonly change: PlannedChange;
  /** Declared fields whose live value differs; empty when the object is gone or only its digest annotation was edited. */
  readonly fields: readonly string[];
  /** Deleted from the cluster by someone else. */
  readonly missing: boolean;
}

/**
 * Drift on a tick whose revision was already applied: objects whose applied digest matches but whose declared
 * fields differ live (`kubectl scale`, `kubectl edit`), and objects deleted out of band. Pure. With a new
 * revision the same plan mixes drift with real changes; reconcile reports both through the plan's reasons.
 */
export function findDrift(plan: Plan): Drift[] {
  const drifts: Drift[] = [];
  for (const change of plan.changes) {
    if (change.action === 'create') {
      drifts.push({ change, fields: [], missing: true });
    } else if (change.action === 'configure') {
      // With the revision unchanged, a configure can only come from the cluster (a field, or the digest annotation, edited there).
      drifts.push({ change, fields: change.driftedFields, missing: false });
    }
  }
  return drifts;
}

/**
 * Heals drift by applying the drifted objects again with force: Stagecraft takes back every declared field
 * from whichever manager changed it (git wins).
 */
export async function healDrift(client: ClusterClient, drifts: readonly Drift[], options: StagedApplyOptions): Promise<ApplyOutcome[]> {
  return applyStaged(client, drifts.map((drift) => drift.change), options);
}
