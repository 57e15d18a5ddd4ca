import { ClusterClient, ClusterError } from './cluster-client';
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
  const requests = perKind.flat();
  const lists = await mapWithConcurrency(requests, concurrency, (request) =>
    client.list(request.apiVersion, request.kind, { namespace: request.namespace, labelSelector }));
  return lists.flat();
}

async function versionOf(client: ClusterClient, group: string): Promise<string | undefined> {
  const version = await client.preferredVersion(group);
  return version === undefined ? undefined : group === '' ? version : `${group}/${version}`;
}
