import { DesiredObject } from './desired-state';
import { APPLIED_DIGEST_ANNOTATION, APPLYSET_PART_OF_LABEL } from './metadata-keys';
import { toCanonicalJson } from '../envrepo/canonical-json';
import { KubeObject } from '../envrepo/kube-object';
import { describeObject, identityKey } from '../envrepo/object-identity';
import { driftedFields } from './private/declared-fields';
import { sha256Digest } from '../envrepo/digest';

/**
 * - `create`: not in the cluster;
 * - `configure`: in the cluster, but changed in this revision or drifted there;
 * - `unchanged`: live as desired, no request needed;
 * - `blocked`: cannot be applied safely (owned by another applyset, or being deleted).
 */
export type PlannedAction = 'create' | 'configure' | 'unchanged' | 'blocked';

export interface PlannedChange {
  readonly action: PlannedAction;
  /** Why, in words: `changed in this revision`, `drifted in the cluster`, … */
  readonly reason: string;
  /** Repo-relative path of the file the object came from. */
  readonly path: string;
  /** The object as in the env repo. */
  readonly desired: KubeObject;
  /** What server-side apply sends: the desired object plus the applyset label and the applied digest. */
  readonly applied: KubeObject;
  readonly digest: string;
  /** Declared fields whose live value differs (empty for `create`). */
  readonly driftedFields: readonly string[];
  readonly live?: KubeObject;
}

export interface Plan {
  /** One per desired object, in the order given. */
  readonly changes: readonly PlannedChange[];
  /** Live members of this applyset that are no longer desired, sorted by `Kind/namespace/name`. */
  readonly pruneCandidates: readonly KubeObject[];
}

export interface PlanInput {
  readonly desired: readonly DesiredObject[];
  /** Live objects labelled as members of this applyset (from one LIST per group-kind). */
  readonly live: readonly KubeObject[];
  readonly applysetId: string;
  /** Live objects labelled as members of other applysets, where known; a desired object among them is blocked. */
  readonly foreign?: readonly KubeObject[];
}

/**
 * Applied digests computed (or read back with the tree they were computed for), by object: desired objects are
 * never changed once read, so the `--interval` loop computes each once, and a tree kept by the git source
 * brings them along (private/verified-tree-cache.ts).
 */
const appliedDigests = new WeakMap<KubeObject, string>();

/** The digest written to `stagecraft.dev/applied-digest`: sha256 of the canonical JSON of the object as in the env repo. */
export function appliedDigestOf(object: KubeObject): string {
  let digest = appliedDigests.get(object);
  if (digest === undefined) {
    digest = sha256Digest(toCanonicalJson(object));
    appliedDigests.set(object, digest);
  }
  return digest;
}

/**
 * Records `digest` as the applied digest of `object`, read back with it from a file that kept both, written
 * by appliedDigestOf of an object with exactly this content.
 */
export function rememberAppliedDigest(object: KubeObject, digest: string): void {
  appliedDigests.set(object, digest);
}

/** The object server-side apply sends: labelled as a member of the applyset, annotated with its digest. */
export function objectToApply(object: KubeObject, applysetId: string, digest: string): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...(object.metadata.labels ?? {}), [APPLYSET_PART_OF_LABEL]: applysetId },
      annotations: { ...(object.metadata.annotations ?? {}), [APPLIED_DIGEST_ANNOTATION]: digest },
    },
  };
}

/**
 * Desired vs live. An object is unchanged when its live `stagecraft.dev/applied-digest` equals the digest of
 * the desired object and every field the desired object declares has the same value live; anything else
 * is configured (created when absent). Members that left the desired state become prune candidates.
 */
export function planChanges(input: PlanInput): Plan {
  const liveByIdentity = new Map<string, KubeObject>();
  for (const object of input.live) {
    if (object.metadata.labels?.[APPLYSET_PART_OF_LABEL] === input.applysetId) {
      liveByIdentity.set(identityKey(identityOf(object)), object);
    }
  }
  const foreignByIdentity = new Map((input.foreign ?? []).map((object) => [identityKey(identityOf(object)), object]));
  const desiredIdentities = new Set<string>();
  const changes = input.desired.map((entry): PlannedChange => {
    const key = identityKey(identityOf(entry.object));
    desiredIdentities.add(key);
    const digest = appliedDigestOf(entry.object);
    const change = (action: PlannedAction, reason: string, drifted: readonly string[], live?: KubeObject): PlannedChange =>
      plannedChange(entry, digest, input.applysetId, { action, reason, driftedFields: drifted, ...(live === undefined ? {} : { live }) });
    const live = liveByIdentity.get(key);
    if (live === undefined) {
      const foreign = foreignByIdentity.get(key);
      if (foreign !== undefined) {
        const owner = foreign.metadata.labels?.[APPLYSET_PART_OF_LABEL];
        return change('blocked', `belongs to another applyset (${APPLYSET_PART_OF_LABEL}=${owner}); stagecraft does not take objects from other sets: remove it from that set or rename it here`, [], foreign);
      }
      return change('create', 'not in the cluster', []);
    }
    if (live.metadata.deletionTimestamp !== undefined) {
      return change('blocked', `is being deleted in the cluster (since ${live.metadata.deletionTimestamp}); the next reconcile re-creates it once it is gone`, [], live);
    }
    const drifted = driftedFields(entry.object, live);
    const liveDigest = live.metadata.annotations?.[APPLIED_DIGEST_ANNOTATION];
    if (liveDigest !== digest) {
      const why = liveDigest === undefined ? `the live object has no ${APPLIED_DIGEST_ANNOTATION} annotation` : 'changed in this revision';
      return change('configure', drifted.length > 0 ? `${why}: ${drifted.join(', ')}` : why, drifted, live);
    }
    if (drifted.length > 0) {
      return change('configure', `drifted in the cluster: ${drifted.join(', ')}`, drifted, live);
    }
    return change('unchanged', 'live as desired', [], live);
  });
  // Sorted as people read them (Kind/namespace/name), the group only breaking ties.
  const sortKey = (object: KubeObject): string => `${describeObject(identityOf(object))}|${object.apiVersion}`;
  const pruneCandidates = [...liveByIdentity.entries()]
    .filter(([key]) => !desiredIdentities.has(key))
    .map(([, object]) => object)
    .sort((left, right) => (sortKey(left) < sortKey(right) ? -1 : sortKey(left) > sortKey(right) ? 1 : 0));
  return { changes, pruneCandidates };
}

/**
 * One planned change. What server-side apply would send is built when first asked for: a no-op plan of 9,000
 * unchanged objects never needs it.
 */
function plannedChange(
  entry: DesiredObject,
  digest: string,
  applysetId: string,
  fields: Pick<PlannedChange, 'action' | 'reason' | 'driftedFields' | 'live'>,
): PlannedChange {
  let applied: KubeObject | undefined;
  return {
    path: entry.path,
    desired: entry.object,
    get applied(): KubeObject {
      applied = applied ?? objectToApply(entry.object, applysetId, digest);
      return applied;
    },
    digest,
    ...fields,
  };
}

/** Finds desired objects declared twice (same group, kind, namespace and name); each message names both files. */
export function duplicateDeclarations(desired: readonly DesiredObject[]): string[] {
  const firstPath = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of desired) {
    const key = identityKey(identityOf(entry.object));
    const earlier = firstPath.get(key);
    if (earlier === undefined) {
      firstPath.set(key, entry.path);
    } else {
      problems.push(`${describeObject(identityOf(entry.object))} is declared twice, in ${earlier} and ${entry.path}; keep one`);
    }
  }
  return problems;
}

function identityOf(object: KubeObject): { apiVersion: string; kind: string; namespace?: string; name: string } {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}
