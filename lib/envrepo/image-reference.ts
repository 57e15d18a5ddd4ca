import { IMAGE_DIGEST_PATTERN } from './digest';

/** The repository part of an image reference: `reg:5000/team/web:1.2@sha256:…` → `reg:5000/team/web`. */
export function imageRepository(reference: string): string {
  const withoutDigest = reference.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/** Whether the reference names a tag or digest, i.e. can be pulled as it is. */
export function isCompleteReference(reference: string): boolean {
  return reference.includes('@') || imageRepository(reference) !== reference;
}

export function isPinnedByDigest(reference: string): boolean {
  return IMAGE_DIGEST_PATTERN.test(reference);
}
