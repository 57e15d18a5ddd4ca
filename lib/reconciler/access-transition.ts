import { CONSTRUCT_PATH_ANNOTATION } from '../envrepo/annotations';
import { toCanonicalJson } from '../envrepo/canonical-json';
import { KubeObject } from '../envrepo/kube-object';
import { apiGroupOf } from '../envrepo/object-identity';
import { RECONCILER_FOLDER } from '../envrepo/paths';

/**
 * The in-cluster reconciler applies its own Roles and ClusterRole, whose rules follow the kinds its
 * environment uses (ADR 0008). A revision that drops a kind would narrow them before the prune that
 * deletes the objects of that kind, and the prune would be forbidden. So these roles change in two steps:
 * before anything else is applied, the desired role widened with the rules it holds live (new kinds become
 * usable, old ones stay); after a prune without failures, the desired role as it is. After a failed prune
 * the widened role stays, so the next reconcile can still delete what is left.
 *
 * Widening never grants anything new: the API server only lets the reconciler write rules it already holds.
 */

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Whether `object` is one of the environment's reconciler's own Roles or ClusterRoles (written by synth for `_reconciler`). */
export function isOwnAccessRole(environment: string, object: KubeObject): boolean {
  const constructPath = object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  return (object.kind === 'Role' || object.kind === 'ClusterRole')
    && apiGroupOf(object.apiVersion) === RBAC_GROUP
    && typeof constructPath === 'string'
    && constructPath.startsWith(`${environment}/${RECONCILER_FOLDER}/`);
}

/** `desired` with every rule of `live` it lacks appended, in live order: what to apply first. */
export function widenedRole(desired: KubeObject, live: KubeObject | undefined): KubeObject {
  const desiredRules = rulesOf(desired);
  const known = new Set(desiredRules.map((rule) => toCanonicalJson(rule)));
  const missing = rulesOf(live).filter((rule) => !known.has(toCanonicalJson(rule)));
  return missing.length === 0 ? desired : { ...desired, rules: [...desiredRules, ...missing] };
}

function rulesOf(role: KubeObject | undefined): unknown[] {
  return Array.isArray(role?.rules) ? role.rules : [];
}
