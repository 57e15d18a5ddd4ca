import { ClusterClient, ClusterError } from './cluster-client';
import { DesiredObject } from './desired-state';
import { formatGroupKind, groupKindOf, ParentContents, parseGroupKinds } from './inventory';
import { APPLYSET_PART_OF_LABEL } from './metadata-keys';
import { KubeObject } from '../envrepo/kube-object';
import { mapWithConcurrency } from './private/stages';

/** A kind to list, with the apiVersion to list it in when the desired state names one. */
export interface KindToList {
  readonly group: string;
  readonly kind: string;
  readonly apiVersion?: string;
}

/**
 * Live members of the applyset: one LIST per group-kind and namespace with the label selector
 * `applyset.kubernetes.io/part-of=<id>` (cluster-wide for cluster-scoped kinds), never a GET per object.
 * A kind the server does not serve has no live objects (its CustomResourceDefinition may come with this
 * revision). Other errors propagate: without the full live state, neither apply nor prune is safe.
 */
export async function readMembers(client: ClusterClient, input: {
  readonly applysetId: string;
  readonly kinds: readonly KindToList[];
  readonly namespaces: readonly string[];
  readonly concurrency: number;
}): Promise<KubeObject[]> {
  return listEverywhere(client, input.kinds, input.namespaces, `${APPLYSET_PART_OF_LABEL}=${input.applysetId}`, input.concurrency);
}

/**
 * Live objects of other applysets among the given kinds and namespaces: a desired object found there must
 * not be taken over. Only asked for kinds the plan creates, so a reconcile with nothing to create lists nothing more.
 */
export async function readForeignMembers(client: ClusterClient, input: {
  readonly applysetId: string;
  readonly kinds: readonly KindToList[];
  readonly namespaces: readonly string[];
  readonly concurrency: number;
}): Promise<KubeObject[]> {
  const selector = `${APPLYSET_PART_OF_LABEL},${APPLYSET_PART_OF_LABEL}!=${input.applysetId}`;
  return listEverywhere(client, input.kinds, input.namespaces, selector, input.concurrency);
}

async function listEverywhere(
  client: ClusterClient,
  kinds: readonly KindToList[],
  namespaces: readonly string[],
  labelSelector: string,
  concurrency: number,
): Promise<KubeObject[]> {
  const requests = await listRequests(client, kinds, namespaces);
  const lists = await mapWithConcurrency(requests, concurrency, (request) =>
    client.list(request.apiVersion, request.kind, { namespace: request.namespace, labelSelector }));
  return lists.flat();
}

/** One LIST to send: a kind in the version to list it in, and the namespace (undefined: cluster-wide). */
export interface ListRequest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
}

/**
 * The LISTs that cover `kinds` in `namespaces`: namespaced kinds once per namespace, cluster-scoped kinds
 * once; kinds (or groups) the server does not serve need none.
 */
export async function listRequests(client: Pick<ClusterClient, 'resourceFor' | 'preferredVersion'>, kinds: readonly KindToList[], namespaces: readonly string[]): Promise<ListRequest[]> {
  // Discovery of different groups is independent: ask for all of it at once.
  const perKind = await Promise.all(kinds.map(async (kind) => {
    const apiVersion = kind.apiVersion ?? await versionOf(client, kind.group);
    if (apiVersion === undefined) {
      return [];
    }
    let namespaced: boolean;
    try {
      namespaced = (await client.resourceFor(apiVersion, kind.kind)).namespaced;
    } catch (error) {
      if (error instanceof ClusterError && error.status === 404) {
        return [];
      }
      throw error;
    }
    const everywhere: Array<string | undefined> = namespaced ? [...namespaces] : [undefined];
    return everywhere.map((namespace) => ({ apiVersion, kind: kind.kind, namespace }));
  }));
  return perKind.flat();
}

/** Desired kinds in their desired apiVersion, plus kinds the parent still names (listed in the server's preferred version). */
export function kindsToList(objects: readonly DesiredObject[], parentContents: ParentContents): KindToList[] {
  const kinds = new Map<string, KindToList>();
  for (const entry of objects) {
    const groupKind = groupKindOf(entry.object);
    const key = formatGroupKind(groupKind);
    if (!kinds.has(key)) {
      kinds.set(key, { ...groupKind, apiVersion: entry.object.apiVersion });
    }
  }
  for (const groupKind of parseGroupKinds(parentContents.groupKinds.join(','))) {
    const key = formatGroupKind(groupKind);
    if (!kinds.has(key)) {
      kinds.set(key, groupKind);
    }
  }
  return [...kinds.values()];
}

async function versionOf(client: Pick<ClusterClient, 'preferredVersion'>, group: string): Promise<string | undefined> {
  const version = await client.preferredVersion(group);
  return version === undefined ? undefined : group === '' ? version : `${group}/${version}`;
}
