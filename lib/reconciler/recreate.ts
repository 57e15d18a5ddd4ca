import { ClusterClient, ClusterError } from './cluster-client';
import { describeKubeObject, messageOf } from './describe';
import { FIELD_MANAGER, RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION } from './metadata-keys';
import { KubeObject, referenceOf } from '../envrepo/kube-object';

/** The part of a clock re-creating needs. */
export interface RecreateClock {
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

/** What the API server answers when a change needs a new object: 1.20 words it both ways. */
const IMMUTABLE_MESSAGES = ['field is immutable', 'may not change once set'];

/** A field the server refused to change in place, with its words for why. */
export interface ImmutableField {
  readonly field: string;
  readonly why: string;
}

/**
 * The fields the server refused to change in place (422 `field is immutable`, `may not change once set`),
 * e.g. `spec.selector`, or undefined when `error` is anything else.
 */
export function immutableFieldsOf(error: unknown): ImmutableField[] | undefined {
  if (!(error instanceof ClusterError) || error.status !== 422 || !IMMUTABLE_MESSAGES.some((text) => error.message.includes(text))) {
    return undefined;
  }
  const causes = (error.details as { details?: { causes?: Array<{ field?: string; message?: string }> } } | undefined)?.details?.causes ?? [];
  const fields = causes
    .map((cause) => ({ field: cause.field, why: IMMUTABLE_MESSAGES.find((text) => (cause.message ?? '').includes(text)) }))
    .filter((cause): cause is ImmutableField => typeof cause.field === 'string' && cause.why !== undefined);
  if (fields.length > 0) {
    return fields.filter((cause, index) => fields.findIndex((other) => other.field === cause.field) === index);
  }
  return [{ field: '(a field the server did not name)', why: IMMUTABLE_MESSAGES.find((text) => error.message.includes(text))! }];
}

/** `spec.selector (field is immutable), spec.clusterIPs[0] (may not change once set)`. */
export function describeImmutableFields(fields: readonly ImmutableField[]): string {
  return fields.map((entry) => `${entry.field} (${entry.why})`).join(', ');
}

/** Whether the desired object allows a delete and re-create when an immutable field changes. */
export function optsInToRecreate(object: KubeObject): boolean {
  return object.metadata.annotations?.[RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION] === 'true';
}

/**
 * Deletes `live` (only that object: the delete carries its uid) and applies `applied` once it is gone. Throws
 * an error that says how far it got; a deleted object that could not be created again is created by the
 * next reconcile (it is then simply missing).
 */
export async function recreateObject(
  client: ClusterClient,
  live: KubeObject,
  applied: KubeObject,
  clock: RecreateClock,
  timeoutMs = 30_000,
  pollIntervalMs = 200,
): Promise<KubeObject> {
  const reference = referenceOf(live);
  const what = describeKubeObject(live);
  await client.delete(reference, { uid: live.metadata.uid, propagationPolicy: 'Background' });
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const current = await client.get(reference);
    if (current === undefined || current.metadata.uid !== live.metadata.uid) {
      break;
    }
    if (clock.now() >= deadline) {
      const finalizers = (current.metadata.finalizers as string[] | undefined) ?? [];
      throw new Error(`deleted ${what} to re-create it, but it was still there after ${timeoutMs / 1000} s (finalizers: ${finalizers.join(', ') || 'none'}); the next reconcile creates it once it is gone`);
    }
    await clock.sleep(pollIntervalMs);
  }
  try {
    return await client.apply(applied, { fieldManager: FIELD_MANAGER, force: true });
  } catch (error) {
    throw new Error(`deleted ${what} to re-create it, but could not create it again: ${messageOf(error)}; the next reconcile tries again`);
  }
}
