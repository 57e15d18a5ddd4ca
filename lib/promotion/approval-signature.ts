import type { ApprovalEvidence } from './gates';
import type { ApprovalRecord } from '../envrepo/approval';

/** What the signature of the commit that wrote an approval file says, as far as the approval needs to know. */
export interface ApprovalSigner {
  /** Short name of the commit, for messages. */
  readonly commit: string;
  /** Identities the signing key stands for (empty when the signature is not good). */
  readonly identities: readonly string[];
  readonly key?: string;
  /** Why the signature names nobody; undefined when it is good. */
  readonly problem?: string;
}

/**
 * An approval counts in a signing repository only when the commit that last wrote its file is signed by a key
 * that stands for the approver: the file says who approved, the signature says who wrote it, and the two must
 * agree. Pure, so `stagecraft promote`, `history` and `PromotionTesting` say the same.
 */
export function judgeApprovalSignature(approval: ApprovalRecord, signer: ApprovalSigner): ApprovalEvidence {
  if (signer.problem !== undefined) {
    return { ...approval, notCounted: `${signer.problem}; approvals count only when signed by the approver's own key, run stagecraft approve with it` };
  }
  if (!signer.identities.includes(approval.approvedBy)) {
    const who = signer.identities.length === 0 ? 'a key that names no identity' : signer.identities.join(', ');
    return { ...approval, notCounted: `commit ${signer.commit} that wrote the approval is signed by ${who} (key ${signer.key}), not by ${approval.approvedBy}; ${approval.approvedBy} must approve with their own key` };
  }
  return { ...approval, signedBy: approval.approvedBy };
}

/** The evidence for an approval whose signature was not checked because no trusted keys were given. */
export function uncheckedApproval(approval: ApprovalRecord): ApprovalEvidence {
  return { ...approval, notCounted: 'its signature was not checked; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH (as given to stagecraft reconcile)' };
}
