/**
 * How objects are named in messages, plans and inventories: `Kind/namespace/name`, or `Kind/name`
 * for cluster-scoped objects.
 */
export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** `Deployment/prod/web` or `Namespace/prod`. */
export function describeObject(identity: ObjectIdentity): string {
  return identity.namespace ? `${identity.kind}/${identity.namespace}/${identity.name}` : `${identity.kind}/${identity.name}`;
}

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → `` for core). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Identity key ignoring the version: two versions of one kind address the same object. */
export function identityKey(identity: ObjectIdentity): string {
  return `${apiGroupOf(identity.apiVersion)}|${identity.kind}|${identity.namespace ?? ''}|${identity.name}`;
}
