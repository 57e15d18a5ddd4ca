import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CliResult } from './cli';
import { git } from './git';
import { createEnvRepo, image, recordVerification, stagecraft } from './promotion-repo';
import { generateSshKey, SshKey, writeAllowedSigners } from './signing-keys';

/**
 * The test fleet with prod requiring signed commits and `approvals(2, { from: alice, bob, carol,
 * excludePromoter: true })`, on a real git repository, with real SSH keys for everyone and an allowed signers
 * file naming them (dave is a trusted signer but not an allowed approver; mallory's key is in no file).
 * web 1 is released to dev by ci, verified, promoted to staging by ci and verified there, so the next step
 * is prod. Monday 2026-11-23 08:00 UTC is 09:00 in Berlin.
 */
export const SIGNED_WEB = image('web', 'b');
export const SIGNED_WEB_2 = image('web', 'e');
/** Inside prod's window, with staging soaked for over two hours. */
export const PROD_TIME = '2026-11-23T11:30:00Z';

export const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'ci', 'mallory'] as const;
export type Person = typeof PEOPLE[number];

export interface SignedPromotionRepo {
  readonly scratch: string;
  readonly bare: string;
  readonly keys: Readonly<Record<Person, SshKey & { readonly file: string }>>;
  readonly allowedSigners: string;
  /** `stagecraft <command> … --repo bare --ssh-allowed-signers …`, signed with `person`'s key when given. */
  run(command: string, args: readonly string[], person?: Person): CliResult;
  /** `stagecraft approve web --env prod --as <as>@example.com`, signed with `signer`'s key. */
  approve(as: string, signer: Person | undefined, extra?: readonly string[]): CliResult;
  /** `stagecraft promote web --from staging --to prod --as alice@example.com`, signed with alice's key. */
  promoteProd(extra?: readonly string[]): CliResult;
  /** A clone of the env repo to change by hand; `push()` pushes its main. */
  clone(name: string): { readonly folder: string; push(): void };
}

export function email(person: string): string {
  return `${person}@example.com`;
}

/** Builds the repository described above in `scratch`. */
export async function signedPromotionRepo(scratch: string): Promise<SignedPromotionRepo> {
  const { bare } = createEnvRepo(scratch, { signedProd: true });
  const keyFolder = path.join(scratch, 'keys');
  fs.mkdirSync(keyFolder, { recursive: true });
  const keys = Object.fromEntries(PEOPLE.map((person) => [person, { ...generateSshKey(keyFolder, person), file: path.join(keyFolder, person) }])) as SignedPromotionRepo['keys'];
  const allowedSigners = writeAllowedSigners(path.join(scratch, 'allowed_signers'), Object.fromEntries(
    PEOPLE.filter((person) => person !== 'mallory').map((person) => [email(person), keys[person]])));
  const repo = bind(scratch, bare, keys, allowedSigners);
  const expectOk = (result: CliResult): void => {
    if (result.status !== 0) {
      throw new Error(`setup step failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
  };
  expectOk(repo.run('release', ['web', '--image', SIGNED_WEB, '--env', 'dev', '--as', email('ci'), '--now', '2026-11-23T08:00:00Z'], 'ci'));
  await recordVerification(bare, 'dev', '2026-11-23T08:10:00Z', { web: SIGNED_WEB });
  expectOk(repo.run('promote', ['web', '--from', 'dev', '--to', 'staging', '--as', email('ci'), '--now', '2026-11-23T09:20:00Z'], 'ci'));
  await recordVerification(bare, 'staging', '2026-11-23T09:25:00Z', { web: SIGNED_WEB });
  return repo;
}

/** Copies the repository (the bare repo; keys are shared) so a case can change it without touching the others. */
export function copyRepo(repo: SignedPromotionRepo, scratch: string): SignedPromotionRepo {
  const bare = path.join(scratch, 'env.git');
  execFileSync('cp', ['-a', repo.bare, bare]);
  return bind(scratch, bare, repo.keys, repo.allowedSigners);
}

function bind(scratch: string, bare: string, keys: SignedPromotionRepo['keys'], allowedSigners: string): SignedPromotionRepo {
  const run = (command: string, args: readonly string[], person?: Person): CliResult => stagecraft(scratch, command, ...args,
    '--repo', bare, '--ssh-allowed-signers', allowedSigners, ...(person === undefined ? [] : ['--sign-key', keys[person].file]));
  let clones = 0;
  return {
    scratch,
    bare,
    keys,
    allowedSigners,
    run,
    approve: (as, signer, extra = []) => run('approve', ['web', '--env', 'prod', '--as', as, '--now', PROD_TIME, ...extra], signer),
    promoteProd: (extra = []) => run('promote', ['web', '--from', 'staging', '--to', 'prod', '--as', email('alice'), '--now', PROD_TIME, ...extra], 'alice'),
    clone: (name) => {
      const folder = path.join(scratch, `clone-${name}-${++clones}`);
      git(scratch, 'clone', '--quiet', bare, folder);
      return { folder, push: () => git(folder, 'push', '--quiet', 'origin', 'main') };
    },
  };
}
