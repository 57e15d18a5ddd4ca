import { describeObject } from '../../envrepo/object-identity';
import { KubeObject, referenceOf } from '../kube-object';
import { CONSTRUCT_PATH_ANNOTATION } from '../metadata-keys';

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
