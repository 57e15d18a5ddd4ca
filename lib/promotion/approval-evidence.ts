import { judgeApprovalSignature, uncheckedApproval } from './approval-signature';
import { readApprovals } from './env-repo-files';
import { ApprovalEvidence } from './gates';
import { ApprovalRecord, approvalPath } from '../envrepo/approval';
import { SignerTrust, EnvRepoWorkCopy } from '../git';

/** Whether approvals must be signed, and against which keys. */
export interface ApprovalSigning {
  readonly required: boolean;
  readonly trust: SignerTrust;
}

/**
 * The approvals of `image` for the application in the environment, each with what the signature of the commit
 * that last wrote its file says about it (when signing is required).
 */
export async function readApprovalEvidence(
  copy: EnvRepoWorkCopy,
  environment: string,
  application: string,
  image: string,
  signing: ApprovalSigning,
): Promise<ApprovalEvidence[]> {
  return judgeApprovalRecords(copy, readApprovals(copy.directory, environment, application, image), signing);
}

/**
 * Approval records with what the signature of the commit that last wrote each file says about them (when
 * signing is required): the one rule `promote`, `history` and the board judge approvals by.
 */
export async function judgeApprovalRecords(
  copy: EnvRepoWorkCopy,
  records: readonly ApprovalRecord[],
  signing: ApprovalSigning,
): Promise<ApprovalEvidence[]> {
  if (!signing.required || records.length === 0) {
    return [...records];
  }
  if (signing.trust.sshAllowedSignersFile === undefined && signing.trust.gpgKeyring === undefined) {
    return records.map(uncheckedApproval);
  }
  const commits = await Promise.all(records.map((record) => lastCommitOf(copy, approvalPath(record))));
  const signers = await copy.signers(commits, signing.trust);
  return records.map((record, index) => {
    const signer = signers.get(commits[index])!;
    return judgeApprovalSignature(record, { ...signer, commit: signer.commit.slice(0, 7) });
  });
}

/** The newest commit (from the work copy's base) that changed `file`: the one whose signature vouches for its content. */
async function lastCommitOf(copy: EnvRepoWorkCopy, file: string): Promise<string> {
  return (await copy.git(['log', '-1', '--format=%H', copy.baseCommit, '--', file])).trim();
}
