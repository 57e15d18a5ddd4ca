// The git room's public surface: the one way the reconciler, promotion and the CLI talk to git.
export { locateRepository } from './location';
export type { RepositoryLocation } from './location';
export { assertBranchName, mirrorDirectory } from './mirror';
export { defaultBranchOf } from './default-branch';
export { fetchRevision, isAncestor, readEnvironmentBlobs, readEnvironmentFiles, readFileAtCommit } from './read-tree';
export type { EnvironmentBlobs } from './read-tree';
export type { FetchRevisionOptions, FetchedRevision, ReadLimits } from './read-tree';
export { commitFile } from './commit-file';
export type { CommitFileOptions } from './commit-file';
export { EnvRepoWorkCopy, withWorkCopy } from './work-copy';
export type { CheckoutOutcome, CommitIdentity, MadeCommit, OpenWorkCopyOptions, PublishOutcome } from './work-copy';
export { commitSigners } from './signed-by';
export type { CommitSigner, CommitSignersOptions, SignerTrust } from './signed-by';
export { DEFAULT_MAX_COMMITS, verifyHistory } from './verify-history';
export type { HistoryVerdict, TrustPolicy, VerifyHistoryOptions } from './verify-history';
export { GitCommandError } from './run-git';
export { DEFAULT_TOKEN_USER, GitCredentialsError, gitTransport, knownHostsProblem } from './transport';
export type { GitCredentials, GitTransport } from './transport';
