import { identityProblem } from '../envrepo/approval';
import { EnvRepoWorkCopy } from '../git';

/** Who acts: `--as`, else git config user.email; the commit name comes from user.name when set. */
export interface Actor {
  readonly identity: string;
  readonly name: string;
}

export async function resolveActor(copy: EnvRepoWorkCopy, as: string | undefined): Promise<Actor> {
  const identity = as ?? await copy.config('user.email');
  if (identity === undefined) {
    throw new Error('no identity to record: pass --as IDENTITY (e.g. ci@example.com) or set git config user.email');
  }
  const problem = identityProblem(identity);
  if (problem !== undefined) {
    throw new Error(`identity "${identity}" ${problem}; pass an e-mail address with --as`);
  }
  return { identity, name: as === undefined ? (await copy.config('user.name')) ?? identity : identity };
}
