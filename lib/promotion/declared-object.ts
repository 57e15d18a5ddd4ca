import { describeObject, identityKey } from '../envrepo/object-identity';

/** A Kubernetes object as the env repo declares it: plain JSON read from `<env>/<app>/<kind>.<name>.yaml`. */
export interface DeclaredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** `Deployment/prod/web`. */
export function describeDeclared(object: DeclaredObject): string {
  return describeObject({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
}

/** Same key for the same object whatever its apiVersion's version. */
export function keyOfDeclared(object: DeclaredObject): string {
  return identityKey({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
}

/** Pairs objects of two sets by identity: [before, after] with one side undefined for added or removed objects, sorted by description. */
export type ObjectPair = [DeclaredObject | undefined, DeclaredObject | undefined];

export function pairObjects(before: readonly DeclaredObject[], after: readonly DeclaredObject[]): ObjectPair[] {
  const pairs = new Map<string, ObjectPair>();
  for (const object of before) {
    pairs.set(keyOfDeclared(object), [object, undefined]);
  }
  for (const object of after) {
    const key = keyOfDeclared(object);
    pairs.set(key, [pairs.get(key)?.[0], object]);
  }
  const name = (pair: ObjectPair) => describeDeclared((pair[1] ?? pair[0])!);
  return [...pairs.values()].sort((left, right) => (name(left) < name(right) ? -1 : name(left) > name(right) ? 1 : 0));
}
