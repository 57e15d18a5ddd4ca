import { Environment } from '../../constructs/environment';
import { objectProblems, ObjectPolicy } from '../../envrepo/object-rules';
import { RECONCILER_FOLDER } from '../../envrepo/paths';

/** An object after rendering, with everything the rules need to name it. */
export interface RenderedObject {
  readonly manifest: any;
  /** Construct path of the ApiObject that produced it. */
  readonly constructPath: string;
  readonly application: string;
  readonly clusterScoped: boolean;
}

/**
 * The problems of one rendered object under its environment's policy: the rules of
 * `envrepo/object-rules.ts`, the same the reconciler applies to the files it reads.
 */
export function renderedObjectProblems(object: RenderedObject, environment: Environment): string[] {
  return objectProblems(
    { manifest: object.manifest, clusterScoped: object.clusterScoped, fromReconciler: object.application === RECONCILER_FOLDER },
    policyOf(environment),
  );
}

function policyOf(environment: Environment): ObjectPolicy {
  return {
    environment: environment.environmentName,
    namespaces: environment.namespaces,
    // As declared (not sorted), so messages list the kinds in the order the program gave them.
    allowedClusterScopedKinds: environment.allowedClusterScopedKinds,
    requireImageDigest: environment.requireImageDigest,
  };
}
