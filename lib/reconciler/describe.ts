import { CONSTRUCT_PATH_ANNOTATION } from './metadata-keys';
import { KubeObject, referenceOf } from '../envrepo/kube-object';
import { describeObject } from '../envrepo/object-identity';

/** `Deployment/shop/web`. */
export function describeKubeObject(object: KubeObject): string {
  return describeObject(referenceOf(object));
}

/** `Deployment/shop/web (construct prod/web/deployment/Resource)`, or without the construct when it has none. */
export function describeWithConstructPath(object: KubeObject): string {
  const constructPath = object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  return constructPath === undefined ? describeKubeObject(object) : `${describeKubeObject(object)} (construct ${constructPath})`;
}

/** The message of anything thrown, without losing non-Error throws. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What names an object in results: apiVersion, kind, namespace and name, and its construct path when it has one. */
export interface NamedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly constructPath?: string;
}

export function namedObject(object: KubeObject): NamedObject {
  const constructPath = object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    name: object.metadata.name,
    ...(constructPath === undefined ? {} : { constructPath }),
  };
}
