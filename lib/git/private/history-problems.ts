import { CommitSummary, describeCommit } from './commit-object';
import { SignatureCheck } from './signature-check';

/** Where the allowed keys came from, named in messages so the operator knows which file to change. */
export interface TrustSources {
  readonly sshAllowedSignersFile?: string;
  readonly gpgKeyring?: string;
}

/** Replacing commits is itself a rewrite of the branch, so every "re-sign" fix ends the same way. */
const RE_SIGN = 'sign it again with an allowed key (git commit --amend -S, or git rebase --exec \'git commit --amend --no-edit -S\' for several), push, and reconcile once with --allow-history-rewrite';

/**
 * Why `summary` may not be applied, or undefined when its signature is good. `check` is the verification
 * result for signatures that could be checked, undefined otherwise (unsigned, a format without allowed
 * keys). Each message names the commit and says what to do.
 */
export function commitProblem(summary: CommitSummary, check: SignatureCheck | undefined, trust: TrustSources): string | undefined {
  const commit = `commit ${describeCommit(summary)}`;
  const format = summary.signatureFormat;
  if (format === undefined) {
    return `${commit} is not signed, but the environment requires signed commits; ${RE_SIGN}`;
  }
  if (format === 'x509' || format === 'unknown') {
    return `${commit} has ${format === 'x509' ? 'an X.509 (gpgsm)' : 'a signature in an unknown format, not an SSH or OpenPGP'} signature, which stagecraft does not verify; ${RE_SIGN} (SSH or OpenPGP)`;
  }
  if (format === 'ssh' && trust.sshAllowedSignersFile === undefined) {
    return `${commit} is signed with an SSH key, but no SSH allowed signers file was given; pass --ssh-allowed-signers FILE listing the keys that may deploy`;
  }
  if (format === 'openpgp' && trust.gpgKeyring === undefined) {
    return `${commit} is signed with an OpenPGP key, but no OpenPGP keyring was given; pass --gpg-keyring PATH holding the public keys that may deploy`;
  }
  const [kind, allowed] = format === 'ssh'
    ? ['SSH', `the allowed signers file ${trust.sshAllowedSignersFile}`]
    : ['OpenPGP', `the keyring ${trust.gpgKeyring}`];
  // Fails closed: a signature nobody looked at is not a good one.
  const outcome = check ?? { outcome: 'unverifiable', detail: 'no verification ran' };
  switch (outcome.outcome) {
    case 'good':
      return undefined;
    case 'unknown-key':
      return `${commit} is signed by ${kind} key ${outcome.key}, which is not in ${allowed}; if its owner may deploy, add their public key there, otherwise ${RE_SIGN}`;
    case 'bad':
      return `${commit} has an ${kind} signature${outcome.key === undefined ? '' : ` by key ${outcome.key}`} that does not match its content (${outcome.detail}): the commit was changed after it was signed; do not deploy it, find out who pushed it and push a correctly signed commit`;
    case 'revoked-key':
      return `${commit} is signed by ${kind} key ${outcome.key}, which is revoked; remove the key from ${allowed} and ${RE_SIGN}`;
    case 'expired-key':
      return `${commit} is signed by ${kind} key ${outcome.key}, which has expired; extend the key's expiry and update ${allowed}, or ${RE_SIGN}`;
    case 'expired-signature':
      return `${commit} has an expired ${kind} signature by key ${outcome.key}; ${RE_SIGN}`;
    case 'unverifiable':
      return `${commit}: its ${kind} signature could not be verified against ${allowed} (${outcome.detail}); check that the file is readable and well formed, otherwise ${RE_SIGN}`;
  }
}

/** The new tip does not contain the last applied revision: the branch moved sideways or backwards. */
export function rewrittenHistoryProblem(to: CommitSummary, from: CommitSummary): string {
  return `the new tip, commit ${describeCommit(to)}, does not descend from the last applied revision, commit ${describeCommit(from)}: the branch was force-pushed or its history rewritten; find out who rewrote it, and if the new history is intended, reconcile once with --allow-history-rewrite`;
}

/** The last applied revision is not in the repository at all, so nothing can be compared with it. */
export function missingBaseProblem(from: string): string {
  return `the last applied revision ${from} is not in the repository (the branch was force-pushed and the old commits are gone, or --repo names another repository); if the new history is intended, reconcile once with --allow-history-rewrite`;
}

/** More commits than one check verifies: refused rather than spending minutes on a pushed flood. */
export function tooManyCommitsProblem(to: CommitSummary, from: CommitSummary, limit: number): string {
  return `more than ${limit} commits lie between the last applied revision, commit ${describeCommit(from)}, and the new tip, commit ${describeCommit(to)}; none was verified: reconcile intermediate revisions first, or raise the limit`;
}
