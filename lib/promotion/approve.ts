import * as fs from 'fs';
import * as path from 'path';
import { readApprovalEvidence } from './approval-evidence';
import { applicationRecord, listEnvironments, readEnvironmentMetadata } from './env-repo-files';
import { CheckoutOutcome, EnvRepoWorkCopy, SignerTrust, withWorkCopy } from '../git';
import { resolveActor } from './identity';
import { assertCanSign, assertSignedBy } from './signing';
import { formatInstant } from './time';
import { commitMessage } from './trailers';
import { ApprovalRecord, approvalPath, serializeApproval } from '../envrepo/approval';
import { IMAGE_DIGEST_PATTERN } from '../envrepo/digest';

export interface ApproveRequest {
  readonly repo: string;
  readonly branch: string;
  readonly application: string;
  /** The target environment the approval is for. */
  readonly environment: string;
  /** @default - the image that would be promoted into the environment from its upstream */
  readonly image?: string;
  readonly identity?: string;
  readonly comment?: string;
  readonly signKey?: string;
  /**
   * The keys the reconciler trusts (`--ssh-allowed-signers`, `--gpg-keyring`): they say who signed the approval.
   * @default - none: refused when an environment of the repository requires signed commits
   */
  readonly trust?: SignerTrust;
  readonly now: number;
}

export interface ApproveResult {
  readonly approval: ApprovalRecord;
  /** Repo-relative path of the approval file. */
  readonly path: string;
  /** The commit published, or undefined when this identity had approved this image already. */
  readonly commit?: string;
  readonly signed: boolean;
  /** Set when the approval will not count (the identity is not among those the gates allow). */
  readonly note?: string;
  readonly checkedOutIn?: string;
  /** The branch tip the commit was published over. */
  readonly previousTip?: string;
  /** What became of the user's checkout of the branch, when it is one. */
  readonly checkout?: CheckoutOutcome;
  /** Who the signing key stands for, in repositories that require signed commits. */
  readonly signedBy?: string;
}

/** `stagecraft approve`: records one approval in git on the main branch. */
export async function approve(request: ApproveRequest): Promise<ApproveResult> {
  // An approval reads environments' metadata and writes under approvals/: no environment's objects are checked out.
  return withWorkCopy({ repo: request.repo, branch: request.branch, environments: [] }, (copy) => approveIn(copy, request));
}

async function approveIn(copy: EnvRepoWorkCopy, request: ApproveRequest): Promise<ApproveResult> {
  const root = copy.directory;
  const source = `branch ${request.branch} of ${request.repo}`;
  const environments = listEnvironments(root);
  if (!environments.includes(request.environment)) {
    throw new Error(`environment "${request.environment}" is not in the env repo (environments: ${environments.join(', ') || 'none'}); check --env`);
  }
  const target = readEnvironmentMetadata(root, request.environment, source);
  if (applicationRecord(target, request.application) === undefined) {
    throw new Error(`application "${request.application}" is not in the fleet (applications: ${target.applications.map((record) => record.name).join(', ')}); check the name`);
  }
  const stages = target.promotion.filter((stage) => stage.from !== undefined && stage.applications.includes(request.application));
  if (stages.length === 0) {
    throw new Error(`no policy promotes ${request.application} into ${request.environment} (it takes releases, or no policy governs the application there), so nothing there counts approvals`);
  }
  const image = request.image ?? defaultImage(root, source, request.application, request.environment, stages.map((stage) => stage.from!));
  if (target.policy.requireImageDigest && !IMAGE_DIGEST_PATTERN.test(image)) {
    throw new Error(`image "${image}" is not pinned by digest but environment "${request.environment}" requires it; approve the digest reference that will be promoted`);
  }
  const actor = await resolveActor(copy, request.identity);
  const trust = request.trust ?? {};
  const signingRequired = await assertCanSign(copy, 'approve', { signKey: request.signKey, trust }, { name: actor.name, email: actor.identity, at: formatInstant(request.now) });
  const at = formatInstant(request.now);
  const approval: ApprovalRecord = {
    schemaVersion: 1,
    environment: request.environment,
    application: request.application,
    image,
    approvedBy: actor.identity,
    approvedAt: at,
    comment: request.comment,
  };
  const file = approvalPath(approval);
  const allowed = stages.flatMap((stage) => stage.gates)
    .filter((gate) => gate.type === 'approvals' || gate.type === 'extraApprovals')
    .map((gate) => gate.from as string[] | undefined);
  const note = allowed.length > 0 && allowed.every((from) => from !== undefined && !from.includes(actor.identity))
    ? `${actor.identity} is not among the identities the approvals gates of ${request.environment} allow (${[...new Set(allowed.flat() as string[])].sort().join(', ')}); this approval will not count`
    : undefined;
  // An approval already there counts only when its own signature does: one that does not is replaced.
  const existing = (await readApprovalEvidence(copy, request.environment, request.application, image, { required: signingRequired, trust }))
    .find((entry) => entry.approvedBy === actor.identity);
  if (existing !== undefined && existing.notCounted === undefined) {
    const { signedBy, notCounted, ...record } = existing;
    return { approval: record, path: file, signed: signedBy !== undefined, signedBy, note };
  }
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), serializeApproval(approval));
  const message = commitMessage(`approve ${request.application} ${image} for ${request.environment}`, request.comment, {
    action: 'approve',
    environment: request.environment,
    by: actor.identity,
    applications: [{ name: request.application, image }],
    gates: [],
    risks: [],
  });
  const committed = await copy.commitAll(message, { name: actor.name, email: actor.identity, at }, request.signKey, signingRequired);
  if (committed === undefined) {
    throw new Error(`the approval of ${actor.identity} at ${file} does not count (${existing?.notCounted}), and approving again at the same time writes the same file; run again with a later --now`);
  }
  const signer = signingRequired ? await assertSignedBy(copy, 'approve', committed.commit, actor.identity, trust) : undefined;
  const signedBy = signer === undefined ? undefined : actor.identity;
  return { approval, path: file, commit: committed.commit, signed: committed.signed, note, signedBy };
}

/** What would be promoted into `environment`: the image its upstream runs at the branch tip. */
function defaultImage(root: string, source: string, application: string, environment: string, upstreams: readonly string[]): string {
  const images = [...new Set(upstreams)].map((upstream) => ({
    upstream,
    image: applicationRecord(readEnvironmentMetadata(root, upstream, source), application)?.image,
  }));
  const known = images.filter((entry) => entry.image !== undefined);
  if (known.length === 0) {
    throw new Error(`${application} is not released in ${upstreams.join(' or ')}, so nothing waits to be promoted into ${environment}; pass --image to approve a reference ahead of time`);
  }
  if (new Set(known.map((entry) => entry.image)).size > 1) {
    throw new Error(`${application} runs different images in ${known.map((entry) => `${entry.upstream} (${entry.image})`).join(' and ')}, both upstream of ${environment}; pass --image to say which one you approve`);
  }
  return known[0].image!;
}
