import { ApiObject, Chart } from 'cdk8s';
import { managedResources } from './managed-resources';
import { MANAGED_BY_LABEL } from './render-application';
import { PlacedObject, placeObject } from './render-unit';
import { Environment } from '../../constructs/environment';
import { InClusterReconciler } from '../../constructs/in-cluster-reconciler';
import { ENVIRONMENT_LABEL } from '../../envrepo/annotations';
import { RECONCILER_FOLDER } from '../../envrepo/paths';

/**
 * The environment's in-cluster reconciler, rendered like one more application after all the others (its
 * RBAC rules depend on every object they produced) and checked by the same object rules. Its namespaced
 * objects go to `<env>/_reconciler/`, its cluster-scoped ones to `<env>/_cluster/`.
 */
export function renderReconciler(environment: Environment, objects: readonly PlacedObject[], problems: string[]): PlacedObject[] {
  const options = environment.reconciler!;
  const access = managedResources(environment.environmentName, objects, options.resourcePlurals ?? {});
  if (access.problems.length > 0) {
    problems.push(...access.problems);
    return [];
  }
  const chart = new Chart(environment, RECONCILER_FOLDER, {
    namespace: environment.controlNamespace,
    labels: { ...environment.labels, [ENVIRONMENT_LABEL]: environment.environmentName, [MANAGED_BY_LABEL]: 'stagecraft' },
    disableResourceNameHashes: true,
  });
  const placed: PlacedObject[] = [];
  try {
    new InClusterReconciler(chart, 'reconciler', { ...options, environment, managedResources: access.resources });
    for (const construct of chart.node.findAll()) {
      for (const message of construct.node.validate()) {
        problems.push(`${construct.node.path}: ${message}`);
      }
      if (ApiObject.isApiObject(construct)) {
        const rendered = { manifest: construct.toJson(), constructPath: construct.node.path, application: RECONCILER_FOLDER, clusterScoped: false };
        const object = placeObject(rendered, environment, new Set(), problems);
        if (object) {
          placed.push(object);
        }
      }
    }
  } catch (error) {
    problems.push(`${chart.node.path}: rendering the in-cluster reconciler failed: ${(error as Error).message}`);
  } finally {
    environment.node.tryRemoveChild(RECONCILER_FOLDER);
  }
  return placed;
}
