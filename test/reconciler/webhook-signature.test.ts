import { authenticateHook, HookHeaders, signHookBody } from '../../lib/reconciler/webhook-signature';

const SECRET = Buffer.from('a-webhook-secret-of-32-bytes-len');
const BODY = Buffer.from('{"ref":"refs/heads/main","after":"0123456789abcdef"}');
const SIGNED = signHookBody(BODY, SECRET);

describe('authenticateHook', () => {
  it('accepts GitHub\'s X-Hub-Signature-256 over the raw body and returns the delivery id', () => {
    // GIVEN / WHEN
    const result = authenticateHook({ 'x-hub-signature-256': SIGNED, 'x-github-delivery': 'd-1' }, BODY, SECRET);
    // THEN
    expect(result).toEqual({ authenticated: true, scheme: 'github', deliveryId: 'd-1' });
  });

  it('accepts GitLab\'s X-Gitlab-Token and returns X-Gitlab-Event-UUID as the delivery id', () => {
    expect(authenticateHook({ 'x-gitlab-token': SECRET.toString(), 'x-gitlab-event-uuid': 'u-1' }, BODY, SECRET))
      .toEqual({ authenticated: true, scheme: 'gitlab', deliveryId: 'u-1' });
  });

  it('signs like GitHub: sha256= and the lowercase hex HMAC-SHA256', () => {
    // (the HMAC of "hello" under "key", from any HMAC-SHA256 implementation)
    expect(signHookBody('hello', 'key')).toBe('sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b');
  });

  const flipped = `${SIGNED.slice(0, -1)}${SIGNED.endsWith('0') ? '1' : '0'}`;
  it.each<[string, HookHeaders, Buffer, string]>([
    ['no signature header at all', {}, BODY, 'no X-Hub-Signature-256 or X-Gitlab-Token header'],
    ['a signature of another body', { 'x-hub-signature-256': signHookBody('{}', SECRET) }, BODY, 'X-Hub-Signature-256 does not match the body signed with the webhook secret'],
    ['a signature with one hex digit changed', { 'x-hub-signature-256': flipped }, BODY, 'X-Hub-Signature-256 does not match the body signed with the webhook secret'],
    ['a signature made with another secret', { 'x-hub-signature-256': signHookBody(BODY, 'another-secret-of-some-length') }, BODY, 'X-Hub-Signature-256 does not match the body signed with the webhook secret'],
    ['the old sha1= header format', { 'x-hub-signature-256': `sha1=${'a'.repeat(40)}` }, BODY, 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits'],
    ['the hex digest without sha256=', { 'x-hub-signature-256': SIGNED.slice('sha256='.length) }, BODY, 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits'],
    ['a base64 digest', { 'x-hub-signature-256': `sha256=${Buffer.from(SIGNED.slice(7), 'hex').toString('base64')}` }, BODY, 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits'],
    ['a truncated digest', { 'x-hub-signature-256': SIGNED.slice(0, -2) }, BODY, 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits'],
    ['a digest with trailing garbage', { 'x-hub-signature-256': `${SIGNED}00` }, BODY, 'X-Hub-Signature-256 is not sha256= followed by 64 lowercase hex digits'],
    ['two signature headers', { 'x-hub-signature-256': [SIGNED, SIGNED] }, BODY, 'X-Hub-Signature-256 was sent more than once'],
    ['a GitLab token that is a prefix of the secret', { 'x-gitlab-token': SECRET.subarray(0, 8).toString() }, BODY, 'X-Gitlab-Token is not the webhook secret'],
    ['a GitLab token with the secret and more', { 'x-gitlab-token': `${SECRET.toString()}x` }, BODY, 'X-Gitlab-Token is not the webhook secret'],
    ['a right signature but a wrong GitLab token beside it', { 'x-hub-signature-256': SIGNED, 'x-gitlab-token': 'wrong' }, BODY, 'X-Gitlab-Token is not the webhook secret'],
  ])('fails on %s', (_name, headers, body, reason) => {
    // GIVEN / WHEN
    const result = authenticateHook(headers, body, SECRET);
    // THEN the reason names the header and never holds the secret
    expect(result).toEqual({ authenticated: false, reason });
    expect(reason).not.toContain(SECRET.toString());
  });

  it('fails on an empty secret, whatever is sent', () => {
    expect(authenticateHook({ 'x-hub-signature-256': signHookBody(BODY, '') }, BODY, Buffer.alloc(0)))
      .toEqual({ authenticated: false, reason: 'the webhook secret is empty' });
  });
});
