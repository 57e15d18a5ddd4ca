import { createHash } from 'crypto';

/** A content digest as written in the env repo: `sha256:<64 hex>`. */
export function sha256Digest(content: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export const IMAGE_DIGEST_PATTERN = /@sha256:[0-9a-f]{64}$/;
