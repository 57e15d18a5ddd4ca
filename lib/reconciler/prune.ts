import { ClusterClient } from './cluster-client';
import { describeKubeObject, describeWithConstructPath, messageOf } from './describe';
import { APPLYSET_PART_OF_LABEL } from './metadata-keys';
import { KubeObject, referenceOf } from '../envrepo/kube-object';
import { mapWithConcurrency, Stage, stageOf } from './private/stages';

export interface PruneOptions {
  /** Largest share of the set's live members one reconcile may delete, between 0 and 1. */
  readonly maxPruneShare: number;
  /** Deletes even when the share is exceeded or every member would go. */
  readonly allowMassPrune: boolean;
}

export const DEFAULT_MAX_PRUNE_SHARE = 0.5;

export type PruneDecision =
  | { readonly verdict: 'prune'; readonly deletions: readonly KubeObject[] }
  | { readonly verdict: 'refused'; readonly message: string; readonly deletions: readonly [] };

/**
 * Which members to delete: only live objects carrying this set's part-of label that left the desired state
 * (never an object without the label or with another set's), in delete order (the rest, then
 * CustomResourceDefinitions, then Namespaces). A plan deleting every member, or more than `maxPruneShare`
 * of them, is refused unless `allowMassPrune`: an emptied folder or a wrong --env looks exactly like that.
 */
export function decidePrune(input: {
  readonly candidates: readonly KubeObject[];
  readonly members: readonly KubeObject[];
  readonly applysetId: string;
  readonly options: PruneOptions;
}): PruneDecision {
  const ours = (object: KubeObject): boolean => object.metadata.labels?.[APPLYSET_PART_OF_LABEL] === input.applysetId;
  const candidates = input.candidates.filter(ours);
  const memberCount = input.members.filter(ours).length;
  if (candidates.length > 0 && !input.options.allowMassPrune) {
    const share = candidates.length / Math.max(memberCount, candidates.length);
    const every = candidates.length >= memberCount;
    if (every || share > input.options.maxPruneShare) {
      const listed = candidates.slice(0, 10).map(describeKubeObject).join(', ');
      const more = candidates.length > 10 ? ` and ${candidates.length - 10} more` : '';
      const why = every
        ? 'that is every member of the set'
        : `that is ${percent(share)}, more than --max-prune-share ${input.options.maxPruneShare} (${percent(input.options.maxPruneShare)})`;
      return {
        verdict: 'refused',
        message: `refusing to prune ${candidates.length} of ${memberCount} live objects of applyset ${input.applysetId}: ${why} (${listed}${more}); an emptied environment folder or a wrong --env looks like this. Nothing was applied or deleted; if the deletions are intended, run again with --allow-mass-prune`,
        deletions: [],
      };
    }
  }
  return { verdict: 'prune', deletions: inDeleteOrder(candidates) };
}

export interface PruneOutcome {
  readonly object: KubeObject;
  /** `pruned` also when the object was already gone. */
  readonly result: 'pruned' | 'failed';
  readonly message?: string;
}

/**
 * Deletes in stage order (rest, CustomResourceDefinitions, Namespaces), each stage with bounded concurrency.
 * Every delete carries the uid seen in the plan, so an object re-created since is never deleted. A failed
 * delete is reported with the server's message and does not stop the others.
 */
export async function pruneObjects(client: ClusterClient, deletions: readonly KubeObject[], concurrency: number): Promise<PruneOutcome[]> {
  const outcomes: PruneOutcome[] = [];
  for (const stage of DELETE_ORDER) {
    const batch = deletions.filter((object) => stageOf(object) === stage);
    outcomes.push(...await mapWithConcurrency(batch, concurrency, async (object): Promise<PruneOutcome> => {
      try {
        const result = await client.delete(referenceOf(object), { uid: object.metadata.uid, propagationPolicy: 'Background' });
        return result === 'not-found' ? { object, result: 'pruned', message: 'was already gone' } : { object, result: 'pruned' };
      } catch (error) {
        return { object, result: 'failed', message: `could not delete ${describeWithConstructPath(object)}: ${messageOf(error)}; it keeps its applyset label and is retried by the next reconcile` };
      }
    }));
  }
  return outcomes;
}

const DELETE_ORDER: readonly Stage[] = ['rest', 'definitions', 'namespaces'];

function inDeleteOrder(objects: readonly KubeObject[]): KubeObject[] {
  return DELETE_ORDER.flatMap((stage) => objects.filter((object) => stageOf(object) === stage));
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}
