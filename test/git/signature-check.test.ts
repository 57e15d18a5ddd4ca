import { describeCommit, parseCommitObject } from '../../lib/git/private/commit-object';
import { commitProblem } from '../../lib/git/private/history-problems';
import { parseGpgStatus, parseKeyIdentities, parsePrimaryFingerprints, parseSshVerification, SignatureCheck } from '../../lib/git/private/signature-check';

const HASH = '0123456789abcdef0123456789abcdef01234567';
const BOB = '210232B51694EC3FB9E2595323F9E7502E3A75B7';
const BOB_SUBKEY = 'AAAA32B51694EC3FB9E2595323F9E7502E3ABBBB';
const EVE = 'E2928C90114E332AF36837C87D988E262E1F1DCB';

function commitText(headers: string[], message: string): string {
  return `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n${headers.join('\n')}${headers.length ? '\n' : ''}author A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\n${message}`;
}

const SSH_SIGNATURE = ['gpgsig -----BEGIN SSH SIGNATURE-----', ' U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgZ+n4HgSzmecxXDGkPLPb6P6CFo', ' -----END SSH SIGNATURE-----'];
const PGP_SIGNATURE = ['gpgsig -----BEGIN PGP SIGNATURE-----', ' ', ' iHUEABYKAB0WIQQhAjK1FpTsP7niWVMj+edQLjp1twUC', ' -----END PGP SIGNATURE-----'];

describe('reading a commit object', () => {
  it.each([
    ['an unsigned commit', [], undefined],
    ['an SSH signature', SSH_SIGNATURE, 'ssh'],
    ['an OpenPGP signature', PGP_SIGNATURE, 'openpgp'],
    ['an X.509 signature', ['gpgsig -----BEGIN SIGNED MESSAGE-----', ' MIAGCSqGSIb3DQEHAqCAMIACAQExDTAL', ' -----END SIGNED MESSAGE-----'], 'x509'],
    ['a signature of an unknown format', ['gpgsig -----BEGIN NEW SIGNATURE-----', ' AAAA', ' -----END NEW SIGNATURE-----'], 'unknown'],
    ['a SHA-256 repository signature', ['gpgsig-sha256 -----BEGIN SSH SIGNATURE-----', ' AAAA', ' -----END SSH SIGNATURE-----'], 'ssh'],
    ['a merged signed tag but no signature of its own', ['mergetag object 0123', ' type commit', ' -----BEGIN PGP SIGNATURE-----', ' -----END PGP SIGNATURE-----'], undefined],
  ])('tells the signature format of %s', (_case, headers, format) => {
    // WHEN
    const summary = parseCommitObject(HASH, commitText(headers, 'subject line\n\nbody\n'));
    // THEN
    expect(summary).toEqual({ commit: HASH, subject: 'subject line', signatureFormat: format });
  });

  it('takes the first non-empty message line as the subject', () => {
    // WHEN
    const summary = parseCommitObject(HASH, commitText([], '\n\n  indented subject\nsecond line\n'));
    // THEN
    expect(summary.subject).toBe('  indented subject');
  });

  it('names a commit by short hash and quoted subject, cut to 72 characters', () => {
    // GIVEN
    const long = 'x'.repeat(100);
    // WHEN / THEN
    expect(describeCommit({ commit: HASH, subject: 'fix "quotes"\ttab' })).toBe('0123456 "fix \\"quotes\\"\\ttab"');
    expect(describeCommit({ commit: HASH, subject: long })).toBe(`0123456 "${'x'.repeat(71)}…"`);
  });
});

describe('reading ssh-keygen verdicts', () => {
  it.each<[string, number | undefined, string, SignatureCheck]>([
    ['a good signature by an allowed principal', 0, 'Good "git" signature for alice@example.test with ED25519 key SHA256:y0gt/Fnp7WJdveUzIjgx\n',
      { outcome: 'good', signer: 'alice@example.test', key: 'SHA256:y0gt/Fnp7WJdveUzIjgx' }],
    ['a good signature by a key no principal matches', 1, 'Good "git" signature with ED25519 key SHA256:s9jg08vq9VY5NE0n\nNo principal matched.\n',
      { outcome: 'unknown-key', key: 'SHA256:s9jg08vq9VY5NE0n' }],
    ['a signature that does not match', 1, 'Could not verify signature.\nSignature verification failed: incorrect signature\n',
      { outcome: 'bad', detail: 'incorrect signature' }],
    ['a good line with a failing exit status', 1, 'Good "git" signature for alice@example.test with ED25519 key SHA256:abc\n',
      { outcome: 'unverifiable', detail: 'Good "git" signature for alice@example.test with ED25519 key SHA256:abc' }],
    ['git refusing to verify', 1, 'error: gpg.ssh.allowedSignersFile needs to be configured and exist for ssh signature verification\n',
      { outcome: 'unverifiable', detail: 'error: gpg.ssh.allowedSignersFile needs to be configured and exist for ssh signature verification' }],
    ['no output at all', undefined, '', { outcome: 'unverifiable', detail: 'ssh-keygen printed nothing (exit unknown)' }],
  ])('reads %s', (_case, exitCode, output, expected) => {
    expect(parseSshVerification(exitCode, output)).toEqual(expected);
  });
});

describe('reading gpg status lines', () => {
  const allowed = new Set([BOB]);
  const validsig = (primary: string) => `[GNUPG:] VALIDSIG ${BOB_SUBKEY} 2026-11-26 1795678069 0 4 0 22 8 00 ${primary}`;
  it.each<[string, string[], SignatureCheck]>([
    ['a good signature by an allowed primary key (made with its subkey)',
      ['[GNUPG:] NEWSIG bob@example.test', '[GNUPG:] GOODSIG 23F9E7502E3A75B7 Bob <bob@example.test>', validsig(BOB), '[GNUPG:] TRUST_UNDEFINED 0 pgp'],
      { outcome: 'good', key: BOB, signer: 'Bob <bob@example.test>' }],
    ['a good signature by a key that is not allowed',
      ['[GNUPG:] NEWSIG', '[GNUPG:] GOODSIG 7D988E262E1F1DCB Eve <eve@example.test>', validsig(EVE)],
      { outcome: 'unknown-key', key: EVE }],
    ['a missing public key',
      ['[GNUPG:] NEWSIG eve@example.test', `[GNUPG:] ERRSIG 7D988E262E1F1DCB 22 8 00 1795678069 9 ${EVE}`, '[GNUPG:] NO_PUBKEY 7D988E262E1F1DCB'],
      { outcome: 'unknown-key', key: EVE }],
    ['a missing public key from an older gpg without fingerprint',
      ['[GNUPG:] ERRSIG 7D988E262E1F1DCB 22 8 00 1795678069 9'],
      { outcome: 'unknown-key', key: '7D988E262E1F1DCB' }],
    ['an unsupported algorithm',
      ['[GNUPG:] ERRSIG 7D988E262E1F1DCB 99 8 00 1795678069 4 -'],
      { outcome: 'unverifiable', detail: 'gpg could not check the signature of key 7D988E262E1F1DCB (ERRSIG code 4)' }],
    ['a bad signature', ['[GNUPG:] NEWSIG', '[GNUPG:] BADSIG 23F9E7502E3A75B7 Bob <bob@example.test>'], { outcome: 'bad', key: '23F9E7502E3A75B7', detail: 'BADSIG' }],
    ['a revoked key', ['[GNUPG:] REVKEYSIG 23F9E7502E3A75B7 Bob', validsig(BOB)], { outcome: 'revoked-key', key: BOB }],
    ['an expired key', ['[GNUPG:] EXPKEYSIG 23F9E7502E3A75B7 Bob', validsig(BOB)], { outcome: 'expired-key', key: BOB }],
    ['an expired signature', ['[GNUPG:] EXPSIG 23F9E7502E3A75B7 Bob'], { outcome: 'expired-signature', key: '23F9E7502E3A75B7' }],
    ['two signatures', ['[GNUPG:] NEWSIG', '[GNUPG:] GOODSIG 1 B', validsig(BOB), '[GNUPG:] NEWSIG', '[GNUPG:] GOODSIG 2 B', validsig(BOB)],
      { outcome: 'unverifiable', detail: 'the signature block holds 2 signatures' }],
    ['GOODSIG without VALIDSIG', ['[GNUPG:] NEWSIG', '[GNUPG:] GOODSIG 23F9E7502E3A75B7 Bob'], { outcome: 'unverifiable', detail: 'gpg gave no verdict (NEWSIG, GOODSIG)' }],
    ['prose without status lines', ['gpg: Signature made Thu Nov 26', 'gpg: Good signature from "Bob"'], { outcome: 'unverifiable', detail: 'gpg printed no status' }],
  ])('reads %s', (_case, lines, expected) => {
    expect(parseGpgStatus(`${lines.join('\n')}\n`, allowed)).toEqual(expected);
  });

  it('lists primary-key fingerprints, not those of subkeys', () => {
    // GIVEN
    const listing = [
      'tru::1:1795678066:0:3:1:5',
      'pub:-:255:22:23F9E7502E3A75B7:1795678066:::-:::scSC:::::ed25519:::0:',
      `fpr:::::::::${BOB}:`,
      'uid:-::::1795678066::5E4E::Bob <bob@example.test>::::::::::0:',
      'sub:-:255:18:AAAAAAAAAAAAAAAA:1795678066::::::e:::::cv25519::',
      `fpr:::::::::${BOB_SUBKEY}:`,
      'pub:-:255:22:7D988E262E1F1DCB:1795678066:::-:::scSC:::::ed25519:::0:',
      `fpr:::::::::${EVE}:`,
    ].join('\n');
    // WHEN / THEN
    expect(parsePrimaryFingerprints(listing)).toEqual([BOB, EVE]);
  });

  it('names each primary key\'s identities by the e-mail addresses of its valid user IDs', () => {
    // GIVEN bob with two user IDs (one revoked) and a subkey, eve with a bare address and a colon in her name
    const listing = [
      'pub:-:255:22:23F9E7502E3A75B7:1795678066:::-:::scSC:::::ed25519:::0:',
      `fpr:::::::::${BOB}:`,
      'uid:-::::1795678066::5E4E::Bob <bob@example.test>::::::::::0:',
      'uid:r::::1795678066::5E4F::Bob <bob@old.example>::::::::::0:',
      'uid:-::::1795678066::5E50::Bob (work) <bob@work.example>::::::::::0:',
      'sub:-:255:18:AAAAAAAAAAAAAAAA:1795678066::::::e:::::cv25519::',
      `fpr:::::::::${BOB_SUBKEY}:`,
      'pub:-:255:22:7D988E262E1F1DCB:1795678066:::-:::scSC:::::ed25519:::0:',
      `fpr:::::::::${EVE}:`,
      'uid:-::::1795678066::5E51::eve@example.test::::::::::0:',
      'uid:-::::1795678066::5E52::Eve\\x3a ops::::::::::0:',
    ].join('\n');
    // WHEN / THEN
    expect(parseKeyIdentities(listing)).toEqual(new Map([[BOB, ['bob@example.test', 'bob@work.example']], [EVE, ['eve@example.test']]]));
  });
});

describe('the problem named for each commit', () => {
  const trust = { sshAllowedSignersFile: '/etc/stagecraft/allowed_signers', gpgKeyring: '/etc/stagecraft/keyring' };
  const RE_SIGN = 'sign it again with an allowed key (git commit --amend -S, or git rebase --exec \'git commit --amend --no-edit -S\' for several), push, and reconcile once with --allow-history-rewrite';
  const pgp = { commit: HASH, subject: 'bump web', signatureFormat: 'openpgp' as const };
  const ssh = { commit: HASH, subject: 'bump web', signatureFormat: 'ssh' as const };
  it.each<[string, Parameters<typeof commitProblem>[0], SignatureCheck | undefined, string | undefined]>([
    ['a good signature', ssh, { outcome: 'good', key: 'SHA256:a', signer: 'alice' }, undefined],
    ['an X.509 signature', { ...pgp, signatureFormat: 'x509' }, undefined,
      `commit 0123456 "bump web" has an X.509 (gpgsm) signature, which stagecraft does not verify; ${RE_SIGN} (SSH or OpenPGP)`],
    ['an unknown format', { ...pgp, signatureFormat: 'unknown' }, undefined,
      `commit 0123456 "bump web" has a signature in an unknown format, not an SSH or OpenPGP signature, which stagecraft does not verify; ${RE_SIGN} (SSH or OpenPGP)`],
    ['an OpenPGP signature nobody verified', pgp, undefined,
      `commit 0123456 "bump web": its OpenPGP signature could not be verified against the keyring /etc/stagecraft/keyring (no verification ran); check that the file is readable and well formed, otherwise ${RE_SIGN}`],
    ['a revoked key', pgp, { outcome: 'revoked-key', key: BOB },
      `commit 0123456 "bump web" is signed by OpenPGP key ${BOB}, which is revoked; remove the key from the keyring /etc/stagecraft/keyring and ${RE_SIGN}`],
    ['an expired key', pgp, { outcome: 'expired-key', key: BOB },
      `commit 0123456 "bump web" is signed by OpenPGP key ${BOB}, which has expired; extend the key's expiry and update the keyring /etc/stagecraft/keyring, or ${RE_SIGN}`],
    ['an expired signature', pgp, { outcome: 'expired-signature', key: BOB },
      `commit 0123456 "bump web" has an expired OpenPGP signature by key ${BOB}; ${RE_SIGN}`],
    ['a bad OpenPGP signature', pgp, { outcome: 'bad', key: '23F9E7502E3A75B7', detail: 'BADSIG' },
      'commit 0123456 "bump web" has an OpenPGP signature by key 23F9E7502E3A75B7 that does not match its content (BADSIG): the commit was changed after it was signed; do not deploy it, find out who pushed it and push a correctly signed commit'],
    ['an unverifiable SSH signature', ssh, { outcome: 'unverifiable', detail: 'ssh-keygen printed nothing (exit 255)' },
      `commit 0123456 "bump web": its SSH signature could not be verified against the allowed signers file /etc/stagecraft/allowed_signers (ssh-keygen printed nothing (exit 255)); check that the file is readable and well formed, otherwise ${RE_SIGN}`],
  ])('names %s', (_case, summary, check, expected) => {
    expect(commitProblem(summary, check, trust)).toBe(expected);
  });

  it('names an OpenPGP signature when no keyring was given', () => {
    expect(commitProblem(pgp, undefined, { sshAllowedSignersFile: '/etc/stagecraft/allowed_signers' })).toBe(
      'commit 0123456 "bump web" is signed with an OpenPGP key, but no OpenPGP keyring was given; pass --gpg-keyring PATH holding the public keys that may deploy',
    );
  });
});
