import * as fs from 'fs';
import * as path from 'path';
import { listEnvironments } from './env-repo-files';
import { CommitSigner, EnvRepoWorkCopy, SignerTrust } from '../git';
import { parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { environmentMetadataPath } from '../envrepo/paths';

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
 * Refuses, before anything is written, a command that would commit unsigned (or unchecked) into a repository
 * whose environments require signed commits. Returns whether the commit must be signed.
 */
export async function assertCanSign(copy: EnvRepoWorkCopy, command: string, options: SigningOptions): Promise<boolean> {
  const environments = signingEnvironments(copy.directory);
  if (environments.length === 0) {
    return false;
  }
  const requiring = `environment${environments.length === 1 ? '' : 's'} ${environments.join(', ')} of ${copy.repo} require${environments.length === 1 ? 's' : ''} signed commits`;
  const configured = options.signKey ?? await copy.config('user.signingkey') ?? ((await copy.config('commit.gpgsign'))?.toLowerCase() === 'true' ? 'commit.gpgsign' : undefined);
  if (configured === undefined) {
    throw new Error(`${command} refused: ${requiring}, but no signing key is configured; pass --sign-key KEY (an SSH key file with git config gpg.format ssh, or an OpenPGP key id) or set git config user.signingkey; nothing was committed`);
  }
  if (!hasTrust(options.trust)) {
    throw new Error(`${command} refused: ${requiring}, and its commit must be checked against the keys the reconciler trusts; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH as given to stagecraft reconcile; nothing was committed`);
  }
  return true;
}

/**
 * Checks the signature of the command's own commit before it is published: it must be good for the trust and
 * made by a key that stands for `identity` (the `--as` or git user.email recorded in the commit).
 */
export async function assertSignedBy(copy: EnvRepoWorkCopy, command: string, commit: string, identity: string, trust: SignerTrust): Promise<CommitSigner> {
  const signer = (await copy.signers([commit], trust)).get(commit)!;
  if (signer.problem !== undefined) {
    throw new Error(`${command} refused: ${signer.problem}, so the reconciler would refuse it; sign with a key listed there (--sign-key) and run again; nothing was published`);
  }
  if (!signer.identities.includes(identity)) {
    throw new Error(`${command} refused: --as ${identity} does not match the signer: key ${signer.key} stands for ${describeIdentities(signer)}; act as ${signer.identities[0] ?? 'the key\'s owner'} (--as), or sign with ${identity}'s own key; nothing was published`);
  }
  return signer;
}

/** `alice@example.com` or `alice@example.com, alice@corp.example`, or a note that the key names nobody. */
export function describeIdentities(signer: CommitSigner): string {
  return signer.identities.length === 0 ? 'no identity (its key has no e-mail address)' : signer.identities.join(', ');
}
