/**
 * What a signature check found, read from the output of `git verify-commit --raw`: ssh-keygen's lines for
 * SSH signatures, gpg's `[GNUPG:]` status lines for OpenPGP ones. Only `good` lets a commit through.
 */
export type SignatureCheck =
  | { readonly outcome: 'good'; readonly key: string; readonly signer: string }
  | { readonly outcome: 'unknown-key'; readonly key: string }
  | { readonly outcome: 'bad'; readonly key?: string; readonly detail: string }
  | { readonly outcome: 'expired-key' | 'expired-signature' | 'revoked-key'; readonly key: string }
  | { readonly outcome: 'unverifiable'; readonly detail: string };

const SSH_GOOD = /^Good "git" signature for (.+) with \S+ key (\S+)$/;
const SSH_GOOD_WITHOUT_PRINCIPAL = /^Good "git" signature with \S+ key (\S+)$/;
const SSH_FAILED = /^Signature verification failed: (.+)$/;

/**
 * Reads ssh-keygen's verdict as git prints it. git checks the signature against the allowed signers file
 * (`find-principals`, then `verify`); when no principal matches it still checks the signature without
 * trusting it (`check-novalidate`), which is how we learn the fingerprint of the stranger's key.
 * Anything but a good signature for a principal with exit status 0 is refused.
 */
export function parseSshVerification(exitCode: number | undefined, output: string): SignatureCheck {
  const lines = meaningfulLines(output);
  const good = lines.map((line) => SSH_GOOD.exec(line)).find((match) => match !== null);
  if (good && exitCode === 0) {
    return { outcome: 'good', signer: good[1], key: good[2] };
  }
  const stranger = lines.map((line) => SSH_GOOD_WITHOUT_PRINCIPAL.exec(line)).find((match) => match !== null);
  if (stranger) {
    return { outcome: 'unknown-key', key: stranger[1] };
  }
  const failed = lines.map((line) => SSH_FAILED.exec(line)).find((match) => match !== null);
  if (failed) {
    return { outcome: 'bad', detail: failed[1] };
  }
  return { outcome: 'unverifiable', detail: lines[0] ?? `ssh-keygen printed nothing (exit ${exitCode ?? 'unknown'})` };
}

/** One `[GNUPG:] KEYWORD args…` line. */
interface StatusLine {
  readonly keyword: string;
  readonly args: readonly string[];
}

/** ERRSIG's return code for "no public key": the signer's key is not in the keyring we built. */
const ERRSIG_NO_PUBLIC_KEY = '9';

/**
 * Reads gpg's machine-readable status lines (doc/DETAILS in GnuPG) rather than its prose or git's exit
 * status. The keyring gpg checks against holds only the allowed keys, and on top of that the primary key
 * that made the signature (last field of VALIDSIG) must be one of `allowedPrimaryFingerprints`.
 * A revoked, expired or bad signature is refused even when VALIDSIG is present.
 */
export function parseGpgStatus(status: string, allowedPrimaryFingerprints: ReadonlySet<string>): SignatureCheck {
  const lines: StatusLine[] = [];
  for (const line of status.split('\n')) {
    const match = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trimEnd());
    if (match) {
      lines.push({ keyword: match[1], args: (match[2] ?? '').split(' ') });
    }
  }
  const find = (keyword: string) => lines.find((line) => line.keyword === keyword);
  const signatures = lines.filter((line) => line.keyword === 'NEWSIG').length;
  if (signatures > 1) {
    return { outcome: 'unverifiable', detail: `the signature block holds ${signatures} signatures` };
  }
  const bad = find('BADSIG');
  if (bad) {
    return { outcome: 'bad', key: bad.args[0], detail: 'BADSIG' };
  }
  const validity = find('VALIDSIG');
  const signingKey = (line: StatusLine) => validity?.args[9] ?? line.args[0];
  const revoked = find('REVKEYSIG');
  if (revoked) {
    return { outcome: 'revoked-key', key: signingKey(revoked) };
  }
  const expiredKey = find('EXPKEYSIG');
  if (expiredKey) {
    return { outcome: 'expired-key', key: signingKey(expiredKey) };
  }
  const expiredSignature = find('EXPSIG');
  if (expiredSignature) {
    return { outcome: 'expired-signature', key: signingKey(expiredSignature) };
  }
  const error = find('ERRSIG');
  if (error) {
    // ERRSIG <keyid> <pkalgo> <hashalgo> <sig_class> <time> <rc> [<fpr>]
    const key = error.args[6] !== undefined && error.args[6] !== '-' ? error.args[6] : error.args[0];
    return error.args[5] === ERRSIG_NO_PUBLIC_KEY
      ? { outcome: 'unknown-key', key }
      : { outcome: 'unverifiable', detail: `gpg could not check the signature of key ${key} (ERRSIG code ${error.args[5]})` };
  }
  const good = find('GOODSIG');
  if (good && validity) {
    const primary = validity.args[9];
    if (primary === undefined || !allowedPrimaryFingerprints.has(primary)) {
      return { outcome: 'unknown-key', key: primary ?? validity.args[0] };
    }
    return { outcome: 'good', key: primary, signer: good.args.slice(1).join(' ') };
  }
  return { outcome: 'unverifiable', detail: lines.length === 0 ? 'gpg printed no status' : `gpg gave no verdict (${lines.map((line) => line.keyword).join(', ')})` };
}

/**
 * Primary-key fingerprints from `gpg --with-colons --fingerprint --list-keys`: the `fpr` record that
 * follows each `pub` record (those after `sub` belong to subkeys).
 */
export function parsePrimaryFingerprints(colonListing: string): string[] {
  const fingerprints: string[] = [];
  let expectPrimary = false;
  for (const line of colonListing.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'pub') {
      expectPrimary = true;
    } else if (fields[0] === 'sub') {
      expectPrimary = false;
    } else if (fields[0] === 'fpr' && expectPrimary) {
      fingerprints.push(fields[9]);
      expectPrimary = false;
    }
  }
  return fingerprints;
}

/**
 * The e-mail addresses of each primary key's user IDs (`uid` records, field 10, after the key's `fpr`),
 * by primary-key fingerprint: who an OpenPGP key in the allowed keyring speaks for. A user ID without
 * `<…>` counts as a whole when it looks like an address. Revoked (`r`) and expired (`e`) user IDs do not count.
 */
export function parseKeyIdentities(colonListing: string): Map<string, string[]> {
  const identities = new Map<string, string[]>();
  let primary: string | undefined;
  let expectPrimary = false;
  for (const line of colonListing.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'pub') {
      expectPrimary = true;
      primary = undefined;
    } else if (fields[0] === 'sub') {
      expectPrimary = false;
    } else if (fields[0] === 'fpr' && expectPrimary) {
      primary = fields[9];
      identities.set(primary, []);
      expectPrimary = false;
    } else if (fields[0] === 'uid' && primary !== undefined && fields[1] !== 'r' && fields[1] !== 'e') {
      const userId = (fields[9] ?? '').replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      const address = /<([^<>\s]+)>/.exec(userId)?.[1] ?? (/^[^<>\s]+@[^<>\s]+$/.test(userId) ? userId : undefined);
      const known = identities.get(primary)!;
      if (address !== undefined && !known.includes(address)) {
        known.push(address);
      }
    }
  }
  return identities;
}

function meaningfulLines(output: string): string[] {
  return output.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}
