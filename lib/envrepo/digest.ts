import * as crypto from 'crypto';

/** One-shot hashing (Node ≥ 20.12) skips the Hash object a digest per file would otherwise allocate. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

/** A content digest as written in the env repo: `sha256:<64 hex>`. */
export function sha256Digest(content: string | Uint8Array): string {
  const hex = oneShotHash !== undefined ? oneShotHash('sha256', content, 'hex') : crypto.createHash('sha256').update(content).digest('hex');
  return `sha256:${hex}`;
}

export const IMAGE_DIGEST_PATTERN = /@sha256:[0-9a-f]{64}$/;
