import * as fs from 'fs';
import * as path from 'path';
import { listEnvironments } from './env-repo-files';
import { parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { environmentMetadataPath } from '../envrepo/paths';
import { CommitIdentity, CommitSigner, EnvRepoWorkCopy, SignerTrust } from '../git';

/**
 * Signing for release, promote and approve. The env repo is one branch, and the reconciler of an environment
 * that requires signed commits verifies every commit between what it applied last and the new tip, whatever
 * environment a commit touches. So once any environment of the repository requires signed commits, every
 * commit stagecraft writes must be signed by a key the reconciler trusts: otherwise it would be refused
 * later, far from the person who made it.
 */

/** How a command signs and checks its commit. */
export interface SigningOptions {
  /** `--sign-key`: the key to sign with; without it git config `user.signingkey` (or `commit.gpgsign`) decides. */
  readonly signKey?: string;
  /** `--ssh-allowed-signers` and `--gpg-keyring`: the same files the reconciler trusts. */
  readonly trust: SignerTrust;
}

/** Environments of the checkout whose policy requires signed commits, sorted. */
export function signingEnvironments(root: string): string[] {
  return listEnvironments(root).filter((environment) => {
    const file = environmentMetadataPath(environment);
    return parseEnvironmentMetadata(file, fs.readFileSync(path.join(root, file), 'utf8')).policy.requireSignedCommits;
  });
}

/** Whether the trust names any keys. */
export function hasTrust(trust: SignerTrust): boolean {
  return trust.sshAllowedSignersFile !== undefined || trust.gpgKeyring !== undefined;
}

/**
 * Refuses, before anything is written, a command that would commit unsigned, unchecked or signed by another
 * identity's key into a repository whose environments require signed commits: a probe commit that is never
 * published shows which key signs and whom the trust says it stands for. Returns whether the commit must be signed.
 */
export async function assertCanSign(copy: EnvRepoWorkCopy, command: string, options: SigningOptions, actor: CommitIdentity): Promise<boolean> {
  const environments = signingEnvironments(copy.directory);
  if (environments.length === 0) {
    return false;
  }
  const requiring = `environment${environments.length === 1 ? '' : 's'} ${environments.join(', ')} of ${copy.repo} require${environments.length === 1 ? 's' : ''} signed commits`;
  const configured = options.signKey ?? await copy.config('user.signingkey') ?? ((await copy.config('commit.gpgsign'))?.toLowerCase() === 'true' ? 'commit.gpgsign' : undefined);
  if (configured === undefined) {
    throw new Error(`${requiring}, but no signing key is configured, and the reconciler refuses unsigned commits; pass --sign-key KEY (an SSH private key file, or an OpenPGP key id) or set git config user.signingkey; nothing was committed`);
  }
  if (!hasTrust(options.trust)) {
    throw new Error(`${requiring}, so the ${command} commit is checked against the keys the reconciler trusts before it is published; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH as given to stagecraft reconcile; nothing was committed`);
  }
  const probe = await copy.probeSignature(actor, options.signKey);
  await assertSignedBy(copy, command, probe, actor.email, options.trust, 'committed');
  return true;
}

/**
 * Checks the signature of the command's own commit before it is published: it must be good for the trust and
 * made by a key that stands for `identity` (the `--as` or git user.email recorded in the commit).
 */
export async function assertSignedBy(
  copy: EnvRepoWorkCopy,
  command: string,
  commit: string,
  identity: string,
  trust: SignerTrust,
  written: 'committed' | 'published' = 'published',
): Promise<CommitSigner> {
  const signer = (await copy.signers([commit], trust)).get(commit)!;
  if (signer.problem !== undefined) {
    const what = signer.problem.replace(/^commit [0-9a-f]+ /, '');
    throw new Error(`the ${command} commit ${written === 'committed' ? 'would be signed' : 'is signed'} by a key the reconciler refuses: it ${what}; sign with a key listed there (--sign-key) and run again; nothing was ${written}`);
  }
  if (!signer.identities.includes(identity)) {
    throw new Error(`--as ${identity} does not match the signer of the ${command} commit: key ${signer.key} stands for ${describeIdentities(signer)}; act as ${signer.identities[0] ?? 'the key\'s owner'} (--as), or sign with ${identity}'s own key; nothing was ${written}`);
  }
  return signer;
}

/** `alice@example.com` or `alice@example.com, alice@corp.example`, or a note that the key names nobody. */
export function describeIdentities(signer: CommitSigner): string {
  return signer.identities.length === 0 ? 'no identity (its key has no e-mail address)' : signer.identities.join(', ');
}
