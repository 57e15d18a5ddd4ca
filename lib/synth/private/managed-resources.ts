import { PlacedObject } from './render-unit';
import { ManagedResource } from '../../constructs/managed-resource';
import { apiGroupOf } from '../../envrepo/object-identity';
import { builtInResourceOf, isBuiltInGroup } from '../../envrepo/resources';

/**
 * The resources an environment's objects are served as, for the reconciler's RBAC rules: built-in kinds
 * from the table, custom resources from the environment's own CustomResourceDefinitions, then from
 * `resourcePlurals` (`Kind.group` → plural). A kind none of them names is a problem (one per kind), not a
 * guess. Cluster-scoped resources carry the names of their objects.
 */
export function managedResources(
  environment: string,
  objects: readonly PlacedObject[],
  resourcePlurals: Readonly<Record<string, string>>,
): { resources: ManagedResource[]; problems: string[] } {
  const declared = new Map<string, string>();
  for (const object of objects) {
    if (object.declaresResource !== undefined) {
      declared.set(`${object.declaresResource.kind}.${object.declaresResource.group}`, object.declaresResource.plural);
    }
  }
  const resources: ManagedResource[] = [];
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const object of objects) {
    const { apiVersion, kind, namespace, name } = object.reference;
    const group = apiGroupOf(apiVersion);
    const kindAndGroup = `${kind}.${group}`;
    const builtIn = isBuiltInGroup(apiVersion) ? builtInResourceOf(kind) : undefined;
    const resource = builtIn ?? declared.get(kindAndGroup) ?? resourcePlurals[kindAndGroup];
    if (resource === undefined) {
      if (!reported.has(kindAndGroup)) {
        reported.add(kindAndGroup);
        problems.push(`${object.description}: the in-cluster reconciler's RBAC rules need the resource name of kind ${kind} (${apiVersion}), which no CustomResourceDefinition of environment "${environment}" declares; add reconciler.resourcePlurals: { '${kindAndGroup}': '<plural>' } to the environment, with the plural from that kind's CustomResourceDefinition (spec.names.plural)`);
      }
      continue;
    }
    resources.push(namespace === undefined
      ? { apiGroup: group, resource, namespaced: false, names: [name] }
      : { apiGroup: group, resource, namespaced: true });
  }
  return { resources, problems };
}
