import { STATUS_BRANCH } from '../envrepo/verification-record';
import { commitFile, CommitFileOptions } from '../git';

export type { VerificationRecord, VerificationVerdict, VerificationObjectCounts } from '../envrepo/verification-record';
export { recordPath, serializeRecord, STATUS_BRANCH } from '../envrepo/verification-record';

export interface CommitVerificationRecordOptions extends Omit<CommitFileOptions, 'branch' | 'description'> {
  /** @default 'stagecraft/status' */
  readonly branch?: string;
}

/**
 * Adds or replaces one verification record on the status branch of the env repo and returns the new commit
 * (or the current tip, when the record already has this content). Records never go to the main branch.
 */
export async function commitVerificationRecord(options: CommitVerificationRecordOptions): Promise<string> {
  return commitFile({ ...options, branch: options.branch ?? STATUS_BRANCH, description: 'record' });
}
