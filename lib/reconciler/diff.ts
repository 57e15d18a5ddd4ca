import { ClusterClient } from './cluster-client';
import { DesiredObject, DesiredState } from './desired-state';
import { ApplySetParent, applySetParentOf, parentContentsOf, parentOwnershipProblem } from './inventory';
import { kindsToList, readForeignMembers, readMembers } from './live-state';
import { duplicateDeclarations, Plan, planChanges } from './plan';
import { unservedKindProblems } from './served-kinds';
import { KubeObject } from '../envrepo/kube-object';
import { sortedUnique } from '../envrepo/names';
import { isClusterScopedKind } from '../envrepo/scope';

/** Desired vs live for one environment, read without writing anything. */
export interface EnvironmentDiff {
  readonly parent: ApplySetParent;
  /** The parent as it is live, undefined before the first reconcile. */
  readonly liveParent: KubeObject | undefined;
  /** Desired objects, namespaced ones without a namespace placed in the environment's first namespace. */
  readonly objects: readonly DesiredObject[];
  /** Live members of the applyset. */
  readonly members: readonly KubeObject[];
  readonly plan: Plan;
}

/** Why the environment must not be reconciled at all; nothing was read beyond the parent. */
export interface DiffRefusal {
  readonly refused: string;
  /**
   * Whether the desired state itself is wrong (objects declared twice, kinds the server does not serve):
   * bad input, which no retry fixes. Otherwise applying it looks unsafe in this cluster (another tool's
   * applyset parent).
   */
  readonly badInput: boolean;
}

/**
 * Reads the applyset parent and the live members (one LIST per group-kind and namespace, plus one per kind
 * with creates to find objects of other applysets) and plans. Cluster errors propagate: a partial live state
 * must never be planned against.
 */
export async function diffEnvironment(client: ClusterClient, desired: DesiredState, concurrency: number): Promise<EnvironmentDiff | DiffRefusal> {
  const environment = desired.environment;
  const parent = applySetParentOf(environment);
  const objects = withDefaultNamespace(desired.objects, environment.namespaces[0]);
  const duplicates = duplicateDeclarations(objects);
  if (duplicates.length > 0) {
    return { refused: `the desired state declares objects more than once: ${duplicates.join('; ')}`, badInput: true };
  }
  // Every kind, before anything is written: one object the server cannot take refuses the whole revision.
  const unserved = await unservedKindProblems(client, objects);
  if (unserved.length > 0) {
    return { refused: `the API server cannot take ${unserved.length === 1 ? 'one kind' : `${unserved.length} kinds`} of this revision: ${unserved.join('; ')}`, badInput: true };
  }
  const liveParent = await client.get(parent.reference);
  const ownership = parentOwnershipProblem(parent, liveParent);
  if (ownership !== undefined) {
    return { refused: ownership, badInput: false };
  }
  const parentContents = parentContentsOf(liveParent);
  const namespaces = sortedUnique([
    ...environment.namespaces,
    environment.controlNamespace,
    ...objects.map((entry) => entry.object.metadata.namespace).filter(isString),
    ...parentContents.additionalNamespaces,
  ]);
  const members = await readMembers(client, { applysetId: parent.id, kinds: kindsToList(objects, parentContents), namespaces, concurrency });
  let plan = planChanges({ desired: objects, live: members, applysetId: parent.id });
  const creates = plan.changes.filter((change) => change.action === 'create');
  if (creates.length > 0) {
    const foreign = await readForeignMembers(client, {
      applysetId: parent.id,
      kinds: kindsToList(creates.map((change) => ({ path: change.path, object: change.desired })), { groupKinds: [], additionalNamespaces: [] }),
      namespaces: sortedUnique(creates.map((change) => change.desired.metadata.namespace).filter(isString)),
      concurrency,
    });
    if (foreign.length > 0) {
      plan = planChanges({ desired: objects, live: members, applysetId: parent.id, foreign });
    }
  }
  return { parent, liveParent, objects, members, plan };
}

/**
 * Objects of namespaced kinds without a namespace go to the environment's first namespace, as
 * environment.json defines; done before planning so that identities and digests are stable.
 */
function withDefaultNamespace(objects: readonly DesiredObject[], defaultNamespace: string | undefined): DesiredObject[] {
  const clusterScopedCustomKinds = new Set(objects
    .map((entry) => entry.object)
    .filter((object) => object.kind === 'CustomResourceDefinition' && (object.spec as { scope?: unknown } | undefined)?.scope === 'Cluster')
    .map((object) => (object.spec as { names?: { kind?: unknown } }).names?.kind)
    .filter(isString));
  return objects.map((entry) => {
    const keep = entry.object.metadata.namespace !== undefined || defaultNamespace === undefined;
    if (keep || isClusterScopedKind(entry.object.kind, clusterScopedCustomKinds)) {
      return entry;
    }
    return { path: entry.path, object: { ...entry.object, metadata: { ...entry.object.metadata, namespace: defaultNamespace } } };
  });
}


function isString(value: unknown): value is string {
  return typeof value === 'string';
}
