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

describe('a work copy of some environments only', () => {
  // GIVEN (for every test) an env repo of two environments, a fleet program and a folder not named as synth names environments
  const TREE: Record<string, string> = {
    'main.js': 'fleet program\n',
    'releases/dev.yaml': 'applications: {}\n',
    'dev/.stagecraft/environment.json': '{}\n',
    'dev/.stagecraft/lock.json': '{}\n',
    'dev/kustomization.yaml': 'resources: []\n',
    'dev/web/deployment.web.yaml': 'dev web\n',
    'staging/.stagecraft/environment.json': '{}\n',
    'staging/.stagecraft/lock.json': '{}\n',
    'staging/kustomization.yaml': 'resources: []\n',
    'staging/web/deployment.web.yaml': 'staging web\n',
    'Odd_Name/.stagecraft/lock.json': '{}\n',
    'Odd_Name/web/deployment.web.yaml': 'odd web\n',
  };
  beforeEach(() => {
    const work = path.join(scratch, 'envs');
    initRepository(work);
    commitFiles(work, TREE, 'two environments');
    fs.rmSync(bare, { recursive: true, force: true });
    git(scratch, 'clone', '--quiet', '--bare', work, bare);
  });

  const filesIn = (folder: string): string[] => fs.readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !path.relative(folder, entry.parentPath).split(path.sep).includes('.git'))
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => file !== '.git')
    .sort();

  for (const [where, repo] of [['a local repository', () => bare], ['a URL', () => `file://${bare}`]] as const) {
    it(`checks out the named environments and only the metadata of the others, from ${where}`, async () => {
      // WHEN
      const files = await withWorkCopy({ repo: repo(), branch: 'main', environments: ['staging'] }, async (copy) => ({ commit: undefined, files: filesIn(copy.directory) }));
      // THEN
      expect(files.files).toEqual([
        'Odd_Name/.stagecraft/lock.json',
        'Odd_Name/web/deployment.web.yaml',
        'dev/.stagecraft/environment.json',
        'dev/.stagecraft/lock.json',
        'main.js',
        'releases/dev.yaml',
        'staging/.stagecraft/environment.json',
        'staging/.stagecraft/lock.json',
        'staging/kustomization.yaml',
        'staging/web/deployment.web.yaml',
      ]);
    });

    it(`commits what was written, also where nothing was checked out, and keeps every other file, from ${where}`, async () => {
      // WHEN staging is changed, and dev's Deployment and a new file of dev are written although dev was left out
      const result = await withWorkCopy({ repo: repo(), branch: 'main', environments: ['staging'] }, async (copy) => {
        fs.writeFileSync(path.join(copy.directory, 'staging/web/deployment.web.yaml'), 'staging web 2\n');
        fs.mkdirSync(path.join(copy.directory, 'dev/web'), { recursive: true });
        fs.writeFileSync(path.join(copy.directory, 'dev/web/deployment.web.yaml'), 'dev web 2\n');
        fs.mkdirSync(path.join(copy.directory, 'dev/api'), { recursive: true });
        fs.writeFileSync(path.join(copy.directory, 'dev/api/deployment.api.yaml'), 'dev api\n');
        return { commit: (await copy.commitAll('change\n', AUTHOR, undefined))?.commit };
      });
      // THEN
      expect(git(bare, 'rev-parse', 'main')).toBe(result.commit);
      expect(git(bare, 'diff', '--name-status', 'main~1', 'main')).toBe('A\tdev/api/deployment.api.yaml\nM\tdev/web/deployment.web.yaml\nM\tstaging/web/deployment.web.yaml');
      expect(git(bare, 'show', 'main:dev/kustomization.yaml')).toBe('resources: []');
      // AND the repository's own config is untouched: sparseness lives in the work copy only
      expect(git(bare, 'config', '--local', '--list')).not.toMatch(/sparse|worktreeconfig/i);
    });
  }
});
