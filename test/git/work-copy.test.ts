import * as fs from 'fs';
import * as path from 'path';
import { EnvRepoWorkCopy, withWorkCopy } from '../../lib/git/work-copy';
import { scratchFolder } from '../support/fleets';
import { commitFiles, git, initRepository } from '../support/git';

const AUTHOR = { name: 'Alice', email: 'alice@example.com', at: '2026-11-23T08:00:00Z' };

let scratch: string;
let bare: string;
let savedGlobalConfig: string | undefined;

beforeAll(() => {
  // The commands under test run git in-process: keep the machine's git config (signing, hooks) out of them.
  savedGlobalConfig = process.env.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
});

afterAll(() => {
  if (savedGlobalConfig === undefined) {
    delete process.env.GIT_CONFIG_GLOBAL;
  } else {
    process.env.GIT_CONFIG_GLOBAL = savedGlobalConfig;
  }
});

beforeEach(() => {
  // GIVEN (for every test) a bare env repo with one commit on main
  scratch = scratchFolder('stagecraft-work-copy-');
  const work = initRepository(path.join(scratch, 'work'));
  commitFiles(work, { 'README.md': 'env repo\n' }, 'first');
  bare = path.join(scratch, 'env.git');
  git(scratch, 'clone', '--quiet', '--bare', work, bare);
});

/** Someone else pushes to main while stagecraft works. */
function pushFromElsewhere(file: string): string {
  const clone = path.join(scratch, `other-${file}`);
  git(scratch, 'clone', '--quiet', bare, clone);
  const commit = commitFiles(clone, { [file]: 'theirs\n' }, `their ${file}`);
  git(clone, 'push', '--quiet', 'origin', 'main');
  return commit;
}

async function writeAndCommit(copy: EnvRepoWorkCopy, file: string): Promise<{ commit?: string }> {
  fs.writeFileSync(path.join(copy.directory, file), 'ours\n');
  return { commit: (await copy.commitAll(`add ${file}\n`, AUTHOR, undefined))?.commit };
}

describe('the private work copy of the env repo', () => {
  it('publishes a commit over the branch tip it started from', async () => {
    // WHEN
    const result = await withWorkCopy({ repo: bare, branch: 'main' }, (copy) => writeAndCommit(copy, 'ours.txt'));
    // THEN
    expect(git(bare, 'rev-parse', 'main')).toBe(result.commit);
    expect(git(bare, 'log', '--format=%s|%an|%aI', '-1', 'main')).toBe('add ours.txt|Alice|2026-11-23T08:00:00+00:00');
  });

  it('runs the work again on the new tip when the branch moved meanwhile', async () => {
    // GIVEN a push by someone else during the first attempt
    let attempts = 0;
    let theirs = '';
    // WHEN
    const result = await withWorkCopy({ repo: bare, branch: 'main' }, async (copy) => {
      attempts++;
      if (attempts === 1) {
        theirs = pushFromElsewhere('theirs.txt');
      }
      return writeAndCommit(copy, 'ours.txt');
    });
    // THEN our commit sits on top of theirs, made by a second, fresh run
    expect(attempts).toBe(2);
    expect(git(bare, 'rev-parse', 'main')).toBe(result.commit);
    expect(git(bare, 'rev-parse', 'main^')).toBe(theirs);
  });

  it('fails when the branch moved during both attempts, publishing nothing', async () => {
    let attempts = 0;
    const work = withWorkCopy({ repo: bare, branch: 'main' }, async (copy) => {
      attempts++;
      pushFromElsewhere(`theirs-${attempts}.txt`);
      return writeAndCommit(copy, 'ours.txt');
    });
    await expect(work).rejects.toThrow(`branch "main" of ${bare} moved twice while stagecraft worked on it; nothing was published, run again`);
    expect(git(bare, 'log', '--format=%s', 'main')).toBe('their theirs-2.txt\ntheir theirs-1.txt\nfirst');
  });

  it('leaves no worktree behind, even when the work fails', async () => {
    const work = withWorkCopy({ repo: bare, branch: 'main' }, async () => {
      throw new Error('boom');
    });
    await expect(work).rejects.toThrow('boom');
    expect(git(bare, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it('fails on a branch that does not exist, naming the ones that do', async () => {
    await expect(EnvRepoWorkCopy.open({ repo: bare, branch: 'release' })).rejects.toThrow(`branch "release" does not exist in ${bare} (branches: main); pass --branch`);
  });
});
