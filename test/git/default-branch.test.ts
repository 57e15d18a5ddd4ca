import * as path from 'path';
import { defaultBranchOf } from '../../lib/git';
import { scratchFolder } from '../support/fleets';
import { commitFiles, git, initRepository } from '../support/git';

describe('defaultBranchOf: the branch a repository\'s HEAD names, as git clone checks it out', () => {
  it('names master for a working repository and its bare clone whose only branch is master, by path and by URL', async () => {
    // GIVEN a repository made with master as its branch, and a bare clone of it
    const scratch = scratchFolder('stagecraft-default-branch-');
    const work = path.join(scratch, 'work');
    git(scratch, 'init', '--quiet', '--initial-branch=master', work);
    commitFiles(work, { 'README.md': 'env repo\n' });
    const bare = path.join(scratch, 'env.git');
    git(scratch, 'clone', '--quiet', '--bare', work, bare);
    // WHEN / THEN
    expect(await defaultBranchOf(work)).toBe('master');
    expect(await defaultBranchOf(bare)).toBe('master');
    expect(await defaultBranchOf(`file://${bare}`)).toBe('master');
  });

  it('follows HEAD when a repository has several branches', async () => {
    // GIVEN a repository with main and trunk, HEAD on trunk
    const repository = initRepository(path.join(scratchFolder('stagecraft-default-branch-'), 'repo'));
    commitFiles(repository, { 'README.md': 'env repo\n' });
    git(repository, 'checkout', '--quiet', '-b', 'trunk');
    // WHEN / THEN
    expect(await defaultBranchOf(repository)).toBe('trunk');
  });

  it.each([
    ['an empty repository (HEAD names a branch with no commit yet)', (scratch: string) => initRepository(path.join(scratch, 'empty'), { bare: true })],
    ['a folder that is no repository', (scratch: string) => path.join(scratch, 'nothing-here')],
  ])('falls back to main for %s', async (_what, make) => {
    // GIVEN
    const location = make(scratchFolder('stagecraft-default-branch-'));
    // WHEN / THEN
    expect(await defaultBranchOf(location)).toBe('main');
  });
});
