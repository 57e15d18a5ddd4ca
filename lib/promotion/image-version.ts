/**
 * An application version is its image. Two references name the same version when they carry the same
 * digest (`web:1.4@sha256:X` and `web@sha256:X` are one image); references without a digest (allowed
 * where an environment does not require digests) match only when they are equal.
 */

const DIGEST = /@(sha256:[0-9a-f]{64})$/;

/** `sha256:<hex>` of a reference pinned by digest, or undefined. */
export function imageDigest(image: string): string | undefined {
  return DIGEST.exec(image)?.[1];
}

export function sameVersion(left: string, right: string): boolean {
  const leftDigest = imageDigest(left);
  const rightDigest = imageDigest(right);
  if (leftDigest !== undefined || rightDigest !== undefined) {
    return leftDigest === rightDigest;
  }
  return left === right;
}

/** `registry.example/web@sha256:0e1b3f944dea…` → `web@sha256:0e1b3f944dea`: short enough for a table. */
export function shortImage(image: string): string {
  const name = image.slice(image.lastIndexOf('/', image.indexOf('@') < 0 ? image.length : image.indexOf('@')) + 1);
  const digest = imageDigest(name);
  return digest === undefined ? name : name.replace(digest, digest.slice(0, 'sha256:'.length + 12));
}
