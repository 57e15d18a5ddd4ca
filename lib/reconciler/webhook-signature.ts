import { createHmac, timingSafeEqual } from 'crypto';

/** Request headers as Node gives them: lowercase names; a header sent twice arrives as an array. */
export type HookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Why a git hook was let in, or why not. */
export interface HookAuthentication {
  readonly authenticated: boolean;
  /** Which scheme the request used: GitHub's HMAC signature or GitLab's shared token. */
  readonly scheme?: 'github' | 'gitlab';
  /** The sender's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID), when it sent one. */
  readonly deliveryId?: string;
  /** Lowercase, names the header and what was wrong with it; never contains the secret or the value sent. */
  readonly reason?: string;
}

const SIGNATURE_HEADER = 'x-hub-signature-256';
const TOKEN_HEADER = 'x-gitlab-token';
const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/;

/**
 * Checks a git hosting service's proof that it sent `body`: GitHub's `X-Hub-Signature-256: sha256=<hex
 * HMAC-SHA256 of the raw body under the secret>`, or GitLab's `X-Gitlab-Token: <the secret>`. Both comparisons
 * take the same time whatever the value sent, so the secret cannot be guessed byte by byte. A request that
 * carries both headers must pass both. Pure: reads only its arguments.
 */
export function authenticateHook(headers: HookHeaders, body: Buffer, secret: Buffer): HookAuthentication {
  if (secret.length === 0) {
    return { authenticated: false, reason: 'the webhook secret is empty' };
  }
  const signature = single(headers, SIGNATURE_HEADER);
  const token = single(headers, TOKEN_HEADER);
  if (signature === undefined && token === undefined) {
    return { authenticated: false, reason: 'no X-Hub-Signature-256 or X-Gitlab-Token header' };
  }
  if (signature === null || token === null) {
    return { authenticated: false, reason: `${signature === null ? 'X-Hub-Signature-256' : 'X-Gitlab-Token'} was sent more than once` };
  }
  if (signature !== undefined) {
    const match = SIGNATURE_PATTERN.exec(signature);
    if (match === null) {
      return { authenticated: false, reason: 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits' };
    }
    const expected = createHmac('sha256', secret).update(body).digest();
    if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) {
      return { authenticated: false, reason: 'X-Hub-Signature-256 does not match the body signed with the webhook secret' };
    }
  }
  if (token !== undefined && !sameSecret(Buffer.from(token, 'utf8'), secret)) {
    return { authenticated: false, reason: 'X-Gitlab-Token is not the webhook secret' };
  }
  const deliveryId = single(headers, 'x-github-delivery') ?? single(headers, 'x-gitlab-event-uuid') ?? undefined;
  return { authenticated: true, scheme: signature !== undefined ? 'github' : 'gitlab', deliveryId };
}

/** The HMAC-SHA256 signature GitHub sends for `body` under `secret`, e.g. for a test or a hand-made delivery. */
export function signHookBody(body: Buffer | string, secret: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Compares two secrets in time that depends on neither content nor where they differ: both are hashed first,
 * so lengths need not match (timingSafeEqual alone throws on a length mismatch, which tells the length).
 */
function sameSecret(given: Buffer, secret: Buffer): boolean {
  const key = Buffer.from('stagecraft webhook token comparison');
  const digest = (value: Buffer) => createHmac('sha256', key).update(value).digest();
  return timingSafeEqual(digest(given), digest(secret)) && given.length === secret.length;
}

/** The header's one value; `undefined` when absent, `null` when sent more than once. */
function single(headers: HookHeaders, name: string): string | undefined | null {
  const value = headers[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  return value.length === 1 ? value[0] : null;
}
