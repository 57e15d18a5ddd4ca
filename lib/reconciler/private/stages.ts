import { apiGroupOf } from '../../envrepo/object-identity';

/**
 * Apply order: Namespaces and CustomResourceDefinitions first, because everything else may live in them or
 * be one of their kinds; then the rest. Deletes run the other way round.
 */
export type Stage = 'namespaces' | 'definitions' | 'rest';

export function stageOf(object: { readonly apiVersion: string; readonly kind: string }): Stage {
  const group = apiGroupOf(object.apiVersion);
  if (group === '' && object.kind === 'Namespace') {
    return 'namespaces';
  }
  if (group === 'apiextensions.k8s.io' && object.kind === 'CustomResourceDefinition') {
    return 'definitions';
  }
  return 'rest';
}

/** Runs `work` on every item with at most `concurrency` at once; resolves in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
