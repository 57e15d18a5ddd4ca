import * as path from 'path';
import { CommitSummary, shortCommit } from './private/commit-object';
import { prepareGpgHome } from './private/gpg-home';
import { SignatureCheck } from './private/signature-check';
import { assertUsableTrust, checkSignature, readCommits } from './verify-history';
import { mapConcurrently } from '../support/map-concurrently';

/** The keys whose signatures say who someone is: the same files `stagecraft reconcile` trusts. */
export interface SignerTrust {
  /** SSH allowed signers file: its principals are the identities of its keys. */
  readonly sshAllowedSignersFile?: string;
  /** OpenPGP public keys (file or folder): the e-mail addresses of a key's user IDs are its identities. */
  readonly gpgKeyring?: string;
}

/** Who signed one commit, as far as the trust lets us say. */
export interface CommitSigner {
  readonly commit: string;
  /**
   * The identities the signing key stands for in the trust: the SSH principal git matched in the allowed
   * signers file, or the e-mail addresses of the OpenPGP key's user IDs. Empty unless the signature is good.
   */
  readonly identities: readonly string[];
  /** `SHA256:…` for SSH keys, the primary-key fingerprint for OpenPGP ones, when the signature names one. */
  readonly key?: string;
  /** Why the signature vouches for nobody (unsigned, unknown key, tampered …); undefined when it is good. */
  readonly problem?: string;
}

export interface CommitSignersOptions {
  /** Repository holding the commits. */
  readonly gitDirectory: string;
  readonly commits: readonly string[];
  readonly trust: SignerTrust;
  /** @default 120000 per git command */
  readonly timeoutMs?: number;
}

const VERIFY_CONCURRENCY = 4;

/**
 * Verifies the signature of each commit against the trust and says whom it vouches for. Problems with a
 * commit are returned in its entry, never thrown; a trust that cannot be used (no keys given, unreadable
 * files) throws, naming the option to fix.
 */
export async function commitSigners(options: CommitSignersOptions): Promise<Map<string, CommitSigner>> {
  const sources = {
    sshAllowedSignersFile: options.trust.sshAllowedSignersFile === undefined ? undefined : path.resolve(options.trust.sshAllowedSignersFile),
    gpgKeyring: options.trust.gpgKeyring === undefined ? undefined : path.resolve(options.trust.gpgKeyring),
  };
  await assertUsableTrust(sources);
  const names = [...new Set(options.commits)];
  const summaries = await readCommits(options.gitDirectory, names, options.timeoutMs);
  const needsGpg = sources.gpgKeyring !== undefined && summaries.some((summary) => summary.signatureFormat === 'openpgp');
  const gpgHome = needsGpg ? await prepareGpgHome(sources.gpgKeyring!) : undefined;
  try {
    const signers = await mapConcurrently(summaries, VERIFY_CONCURRENCY, async (summary): Promise<CommitSigner> => {
      const check = await checkSignature(options.gitDirectory, summary, sources, gpgHome, options.timeoutMs);
      if (check?.outcome === 'good') {
        const identities = summary.signatureFormat === 'openpgp' ? gpgHome?.identities.get(check.key) ?? [] : [check.signer];
        return { commit: summary.commit, identities, key: check.key };
      }
      return { commit: summary.commit, identities: [], key: check !== undefined && 'key' in check ? check.key : undefined, problem: signerProblem(summary, check, sources) };
    });
    return new Map(signers.map((signer) => [signer.commit, signer]));
  } finally {
    await gpgHome?.dispose();
  }
}

/** Why a commit's signature names nobody, in a few words that follow "commit 1a2b3c4 ". */
function signerProblem(summary: CommitSummary, check: SignatureCheck | undefined, sources: SignerTrust): string {
  const commit = `commit ${shortCommit(summary.commit)}`;
  const format = summary.signatureFormat;
  if (format === undefined) {
    return `${commit} is not signed`;
  }
  if (format === 'x509' || format === 'unknown') {
    return `${commit} has ${format === 'x509' ? 'an X.509' : 'an unknown kind of'} signature, which stagecraft does not verify`;
  }
  if (format === 'ssh' && sources.sshAllowedSignersFile === undefined) {
    return `${commit} is signed with an SSH key, but no SSH allowed signers file was given (--ssh-allowed-signers)`;
  }
  if (format === 'openpgp' && sources.gpgKeyring === undefined) {
    return `${commit} is signed with an OpenPGP key, but no OpenPGP keyring was given (--gpg-keyring)`;
  }
  const [kind, allowed] = format === 'ssh' ? ['SSH', `allowed signers file ${sources.sshAllowedSignersFile}`] : ['OpenPGP', `keyring ${sources.gpgKeyring}`];
  const outcome = check ?? { outcome: 'unverifiable', detail: 'no verification ran' };
  switch (outcome.outcome) {
    case 'unknown-key':
      return `${commit} is signed by ${kind} key ${outcome.key}, which is not in the ${allowed}`;
    case 'bad':
      return `${commit} has an ${kind} signature that does not match its content (changed after signing)`;
    case 'revoked-key':
    case 'expired-key':
      return `${commit} is signed by ${kind} key ${outcome.key}, which is ${outcome.outcome === 'revoked-key' ? 'revoked' : 'expired'}`;
    case 'expired-signature':
      return `${commit} has an expired ${kind} signature by key ${outcome.key}`;
    default:
      return `${commit}: its ${kind} signature could not be verified against the ${allowed} (${'detail' in outcome ? outcome.detail : 'unknown'})`;
  }
}
