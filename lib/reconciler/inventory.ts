import { createHash } from 'crypto';
import {
  APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION,
  APPLYSET_GROUP_KINDS_ANNOTATION,
  APPLYSET_ID_LABEL,
  APPLYSET_TOOLING,
  APPLYSET_TOOLING_ANNOTATION,
} from './metadata-keys';
import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';
import { sortedUnique } from '../envrepo/names';
import { apiGroupOf, describeObject } from '../envrepo/object-identity';

/**
 * The environment's inventory as a KEP-3659 ApplySet: a parent Secret `stagecraft-applyset-<env>` in the
 * control namespace names the kinds (and namespaces) its members may have; members carry the
 * `applyset.kubernetes.io/part-of` label. Pure: the reconciler reads and writes the parent.
 */

/** A kind with its API group but no version: two versions of one kind hold the same objects. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ApplySetParent {
  readonly reference: ObjectReference;
  /** `applyset-<base64url(sha256(name.namespace.Secret.))>-v1` */
  readonly id: string;
}

/** The parent of an environment's applyset. */
export function applySetParentOf(environment: Pick<EnvironmentMetadata, 'name' | 'controlNamespace'>): ApplySetParent {
  const reference = { apiVersion: 'v1', kind: 'Secret', namespace: environment.controlNamespace, name: `stagecraft-applyset-${environment.name}` };
  return { reference, id: applySetIdOf(reference) };
}

/**
 * The KEP-3659 id of the applyset whose parent is `reference`: `applyset-` + unpadded base64url of the sha256
 * of `<name>.<namespace>.<kind>.<group>` + `-v1`, as kubectl computes it, so kubectl and Stagecraft name
 * the same set the same way.
 */
export function applySetIdOf(reference: ObjectReference): string {
  const key = [reference.name, reference.namespace ?? '', reference.kind, apiGroupOf(reference.apiVersion)].join('.');
  return `applyset-${createHash('sha256').update(key).digest('base64url')}-v1`;
}

/** `Deployment.apps`, or `Service` for the core group: the form of the contains-group-kinds annotation. */
export function formatGroupKind(groupKind: GroupKind): string {
  return groupKind.group === '' ? groupKind.kind : `${groupKind.kind}.${groupKind.group}`;
}

/** The group-kind of an object. */
export function groupKindOf(object: { readonly apiVersion: string; readonly kind: string }): GroupKind {
  return { group: apiGroupOf(object.apiVersion), kind: object.kind };
}

/** Reads a contains-group-kinds annotation (`Deployment.apps,Service`); the kind is what precedes the first dot. */
export function parseGroupKinds(annotation: string | undefined): GroupKind[] {
  return splitList(annotation).map((entry) => {
    const dot = entry.indexOf('.');
    return dot < 0 ? { group: '', kind: entry } : { group: entry.slice(dot + 1), kind: entry.slice(0, dot) };
  });
}

/** What the parent says about its members, as read from the cluster. */
export interface ParentContents {
  readonly groupKinds: readonly string[];
  readonly additionalNamespaces: readonly string[];
}

export function parentContentsOf(parent: KubeObject | undefined): ParentContents {
  return {
    groupKinds: splitList(parent?.metadata.annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]),
    additionalNamespaces: splitList(parent?.metadata.annotations?.[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]),
  };
}

/**
 * Why Stagecraft must not touch this parent, or undefined when it may: another tool's applyset (KEP-3659
 * asks tools to leave those alone) or a parent labelled with a different id.
 */
export function parentOwnershipProblem(parent: ApplySetParent, live: KubeObject | undefined): string | undefined {
  if (live === undefined) {
    return undefined;
  }
  const where = describeObject(parent.reference);
  const tooling = live.metadata.annotations?.[APPLYSET_TOOLING_ANNOTATION];
  const id = live.metadata.labels?.[APPLYSET_ID_LABEL];
  if (tooling === undefined && id === undefined) {
    return `${where} exists but is not an applyset parent (no ${APPLYSET_ID_LABEL} label, no ${APPLYSET_TOOLING_ANNOTATION} annotation); rename or delete that Secret, stagecraft keeps its inventory there`;
  }
  if (tooling === undefined || !tooling.startsWith('stagecraft/')) {
    return `${where} is the parent of an applyset managed by ${tooling ?? 'an unnamed tool'} (${APPLYSET_TOOLING_ANNOTATION}), not stagecraft; stagecraft leaves other tools' sets alone: remove that set or use another control namespace`;
  }
  if (id !== parent.id) {
    return `${where} is labelled ${APPLYSET_ID_LABEL}=${id ?? '(none)'}, expected ${parent.id}; it was changed by hand: restore the label`;
  }
  return undefined;
}

/** The parent Secret as server-side apply sends it. */
export function parentManifest(parent: ApplySetParent, contents: ParentContents): KubeObject {
  const annotations: Record<string, string> = {
    [APPLYSET_TOOLING_ANNOTATION]: APPLYSET_TOOLING,
    [APPLYSET_GROUP_KINDS_ANNOTATION]: contents.groupKinds.join(','),
  };
  if (contents.additionalNamespaces.length > 0) {
    annotations[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION] = contents.additionalNamespaces.join(',');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: parent.reference.name,
      namespace: parent.reference.namespace,
      labels: { [APPLYSET_ID_LABEL]: parent.id },
      annotations,
    },
    type: 'Opaque',
  };
}

/** What the set holds: group-kinds and namespaces of some objects, sorted by code unit. */
export function contentsOf(parent: ApplySetParent, objects: readonly KubeObject[]): ParentContents {
  const otherNamespaces: string[] = [];
  for (const object of objects) {
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== parent.reference.namespace) {
      otherNamespaces.push(object.metadata.namespace);
    }
  }
  const groupKinds = objects.map((object) => formatGroupKind(groupKindOf(object)));
  return { groupKinds: sortedUnique(groupKinds), additionalNamespaces: sortedUnique(otherNamespaces) };
}

export function unionOf(left: ParentContents, right: ParentContents): ParentContents {
  return {
    groupKinds: sortedUnique([...left.groupKinds, ...right.groupKinds]),
    additionalNamespaces: sortedUnique([...left.additionalNamespaces, ...right.additionalNamespaces]),
  };
}

export function sameContents(left: ParentContents, right: ParentContents): boolean {
  return left.groupKinds.join(',') === right.groupKinds.join(',') && left.additionalNamespaces.join(',') === right.additionalNamespaces.join(',');
}

/**
 * The parent before applying: the union of what it listed and what is desired, so an interrupted reconcile
 * never leaves members of a kind the parent does not name (they could never be pruned). Undefined when
 * the live parent already says that and no write is needed.
 */
export function parentBeforeApply(parent: ApplySetParent, live: KubeObject | undefined, desired: ParentContents): KubeObject | undefined {
  const current = parentContentsOf(live);
  const wanted = unionOf(current, desired);
  return live !== undefined && sameContents(current, wanted) ? undefined : parentManifest(parent, wanted);
}

/**
 * The parent after pruning: what is desired plus what still has members because their delete failed (they
 * keep their label and are retried next time). Undefined when no write is needed.
 */
export function parentAfterPrune(parent: ApplySetParent, current: ParentContents, remaining: ParentContents): KubeObject | undefined {
  return sameContents(current, remaining) ? undefined : parentManifest(parent, remaining);
}

function splitList(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

