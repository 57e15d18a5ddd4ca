import { compareCodeUnits } from '../../envrepo/names';
import { ManagedResource } from '../managed-resource';

/** An RBAC PolicyRule as it is written into a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly resourceNames?: string[];
  readonly verbs: string[];
}

/**
 * What the reconciler does with objects of the environment: read the live members (one LIST per kind and
 * namespace, see ADR 0005), apply (server-side apply is a PATCH; it creates missing objects, which RBAC
 * checks as `create`), and delete on prune.
 */
export const MANAGE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** Cluster-scoped objects are managed by name: RBAC cannot limit list or watch by name, so those get their own rule. */
const NAMED_VERBS = ['get', 'create', 'update', 'patch', 'delete'];
const LIST_VERBS = ['list', 'watch'];
/** Namespaces are made sure of, never deleted: deleting one deletes everything in it, ours or not. */
const NAMESPACE_VERBS = ['get', 'create', 'patch'];
/** The applyset parent and the status ConfigMap are written by server-side apply and read back; never deleted. */
const STATE_VERBS = ['get', 'create', 'update', 'patch'];

/** Rules for namespaced resources: one per API group, all verbs the reconciler uses. */
export function namespacedRules(resources: readonly ManagedResource[]): PolicyRule[] {
  return [...groupResources(resources.filter((resource) => resource.namespaced))].map(([group, plurals]) => ({
    apiGroups: [group],
    resources: [...plurals.keys()],
    verbs: [...MANAGE_VERBS],
  }));
}

/**
 * Rules for the reconciler's own bookkeeping in the control namespace, limited to its objects by name: the
 * status ConfigMap, the applyset parent and, when given, the Lease one reconcile at a time holds while writing.
 */
export function stateRules(applysetParent: string, statusConfigMap: string, lockLease?: string): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [statusConfigMap], verbs: [...STATE_VERBS] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: [applysetParent], verbs: [...STATE_VERBS] },
    ...(lockLease === undefined ? [] : [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [lockLease], verbs: [...STATE_VERBS] }]),
  ];
}

/**
 * Rules for cluster-scoped resources, each limited to the names the environment declares, plus a
 * list/watch rule per API group for reading the live members. `ensuredNamespaces` are the namespaces the
 * reconciler creates when missing without making them members; they need no list.
 */
export function clusterRules(resources: readonly ManagedResource[], ensuredNamespaces: readonly string[]): PolicyRule[] {
  const members = resources.filter((resource) => !resource.namespaced);
  const groups = groupResources([
    ...members,
    ...(ensuredNamespaces.length > 0 ? [{ apiGroup: '', resource: 'namespaces', namespaced: false, names: [...ensuredNamespaces] }] : []),
  ]);
  const memberResources = new Set(members.map((resource) => `${resource.apiGroup}/${resource.resource}`));
  const rules: PolicyRule[] = [];
  for (const [group, plurals] of groups) {
    for (const [plural, names] of plurals) {
      rules.push({
        apiGroups: [group],
        resources: [plural],
        resourceNames: [...names].sort(compareCodeUnits),
        verbs: group === '' && plural === 'namespaces' ? [...NAMESPACE_VERBS] : [...NAMED_VERBS],
      });
    }
    const listed = [...plurals.keys()].filter((plural) => memberResources.has(`${group}/${plural}`));
    if (listed.length > 0) {
      rules.push({ apiGroups: [group], resources: listed, verbs: [...LIST_VERBS] });
    }
  }
  return rules;
}

/** group → plural → names, every level sorted by code unit. */
function groupResources(resources: readonly ManagedResource[]): Map<string, Map<string, Set<string>>> {
  const groups = new Map<string, Map<string, Set<string>>>();
  for (const resource of resources) {
    const plurals = groups.get(resource.apiGroup) ?? new Map<string, Set<string>>();
    groups.set(resource.apiGroup, plurals);
    const names = plurals.get(resource.resource) ?? new Set<string>();
    plurals.set(resource.resource, names);
    for (const name of resource.names ?? []) {
      names.add(name);
    }
  }
  const sorted = new Map<string, Map<string, Set<string>>>();
  for (const group of [...groups.keys()].sort(compareCodeUnits)) {
    const plurals = groups.get(group)!;
    sorted.set(group, new Map([...plurals.keys()].sort(compareCodeUnits).map((plural) => [plural, plurals.get(plural)!])));
  }
  return sorted;
}
