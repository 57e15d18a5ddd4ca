import * as fs from 'fs';
import * as path from 'path';
import { sha256Digest } from '../../lib/envrepo/digest';
import { readEnvironment, TreeVerificationError } from '../../lib/envrepo/read-environment';
import { fetchRevision, isAncestor, readEnvironmentBlobs, readEnvironmentFiles, readFileAtCommit } from '../../lib/git/read-tree';
import { rejectionOf } from '../support/async';
import { GOLDEN_ENV_REPO, goldenEnvironmentFiles, text, GOLDEN_DEV_OBJECT_PATHS } from '../support/env-repo';
import { scratchFolder } from '../support/fleets';
import { commitFiles, git, initRepository } from '../support/git';

const DEV_FILES = ['dev/.stagecraft/environment.json', 'dev/.stagecraft/lock.json', 'dev/kustomization.yaml', ...GOLDEN_DEV_OBJECT_PATHS].sort();

let scratch: string;
let repository: string;
let cacheDirectory: string;
let firstCommit: string;

beforeEach(() => {
  // GIVEN (for every test) an env repo holding the golden tree on branch main
  scratch = scratchFolder('stagecraft-git-source-');
  repository = initRepository(path.join(scratch, 'env-repo'));
  cacheDirectory = path.join(scratch, 'cache');
  fs.cpSync(GOLDEN_ENV_REPO, repository, { recursive: true });
  firstCommit = commitFiles(repository, {}, 'synth');
});

afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('fetching a branch of the env repo', () => {
  it('returns the tip of the branch from a local repository path', async () => {
    // WHEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // THEN
    expect(revision.commit).toBe(firstCommit);
    expect(revision.branch).toBe('main');
    expect(path.dirname(revision.gitDirectory)).toBe(cacheDirectory);
    expect(git(revision.gitDirectory, 'rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('returns the new tip after the branch moved, from the same mirror', async () => {
    // GIVEN
    const before = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    const secondCommit = commitFiles(repository, { 'notes.txt': 'second\n' }, 'second');
    // WHEN
    const after = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // THEN
    expect(after.commit).toBe(secondCommit);
    expect(after.gitDirectory).toBe(before.gitDirectory);
  });

  it('fetches from a file:// URL into its own mirror', async () => {
    // WHEN
    const byPath = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    const byUrl = await fetchRevision({ repo: `file://${repository}`, branch: 'main', cacheDirectory });
    // THEN
    expect(byUrl.commit).toBe(firstCommit);
    expect(byUrl.gitDirectory).not.toBe(byPath.gitDirectory);
  });

  it('fails on a branch the repository does not have, listing the branches it has', async () => {
    // WHEN
    const error = await rejectionOf(fetchRevision({ repo: repository, branch: 'release', cacheDirectory }));
    // THEN
    expect(error.message).toBe(`branch "release" does not exist in ${repository} (branches: main); pass an existing branch or push "release" first`);
  });

  it('fails on a repository that does not exist, with git\'s reason', async () => {
    // GIVEN
    const missing = path.join(scratch, 'missing');
    // WHEN
    const error = await rejectionOf(fetchRevision({ repo: missing, branch: 'main', cacheDirectory }));
    // THEN
    expect(error.message).toBe(`cannot fetch branch "main" from ${missing}: fatal: '${missing}' does not appear to be a git repository; check that the repository exists and is reachable, and the credentials for ssh or https`);
  });

  it('fails on a branch name git does not accept', async () => {
    // WHEN
    const error = await rejectionOf(fetchRevision({ repo: repository, branch: 'main..other', cacheDirectory }));
    // THEN
    expect(error.message).toBe('branch "main..other" is not a valid git branch name; pass a name such as main or stagecraft/status');
  });

  it('fails on a repository that would be read as a git option', async () => {
    // WHEN
    const error = await rejectionOf(fetchRevision({ repo: '--upload-pack=touch /tmp/owned', branch: 'main', cacheDirectory }));
    // THEN
    expect(error.message).toBe('repository "--upload-pack=touch /tmp/owned" starts with "-"; pass a local path (./--upload-pack=touch /tmp/owned) or a git URL');
  });
});

describe('reading the files of an environment at a commit', () => {
  it('returns every file of the environment with its bytes, ready for readEnvironment', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const files = await readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev');
    // THEN
    expect([...files.keys()]).toEqual(DEV_FILES);
    const golden = goldenEnvironmentFiles('dev');
    for (const [file, content] of files) {
      expect(text(content)).toBe(text(golden.get(file)!));
    }
    expect(readEnvironment('dev', files).objects.length).toBe(10);
  });

  it('reads the files as they were at an older commit', async () => {
    // GIVEN
    const configPath = 'dev/web/configmap.web.yaml';
    const original = fs.readFileSync(path.join(repository, configPath), 'utf8');
    commitFiles(repository, { [configPath]: original.replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace') }, 'hand edit');
    git(repository, 'rm', '--quiet', 'dev/web/service.web.yaml');
    git(repository, 'commit', '--quiet', '--message', 'remove service');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const older = await readEnvironmentFiles(revision.gitDirectory, firstCommit, 'dev');
    const newer = await readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev');
    // THEN
    expect(text(older.get(configPath)!)).toBe(original);
    expect(older.has('dev/web/service.web.yaml')).toBe(true);
    expect(text(newer.get(configPath)!)).toContain('LOG_LEVEL: trace');
    expect(newer.has('dev/web/service.web.yaml')).toBe(false);
  });

  it('does not read an object file whose blob is known: gives its size and digest, and always reads the metadata files', async () => {
    // GIVEN a tree read once, whose web ConfigMap changes in the next commit
    const configPath = 'dev/web/configmap.web.yaml';
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    const first = await readEnvironmentBlobs(revision.gitDirectory, revision.commit, 'dev', {}, 'the first commit', () => new Map());
    const edited = fs.readFileSync(path.join(repository, configPath), 'utf8').replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace');
    commitFiles(repository, { [configPath]: edited }, 'hand edit');
    const next = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // AND every blob of the first commit is known, the metadata files' too
    const known = new Map([...first.objectNames].map(([file, objectName]) => [objectName, sha256Digest(first.files.get(file) as Uint8Array)]));
    // WHEN
    const { files, objectNames } = await readEnvironmentBlobs(next.gitDirectory, next.commit, 'dev', {}, 'the next commit', () => known);
    // THEN the unchanged object files are given by size and digest, the changed one and the metadata files as bytes
    const unchanged = GOLDEN_DEV_OBJECT_PATHS.filter((file) => file !== configPath);
    for (const file of unchanged) {
      const bytes = first.files.get(file) as Uint8Array;
      expect(files.get(file)).toEqual({ byteLength: bytes.byteLength, digest: sha256Digest(bytes) });
    }
    expect(text(files.get(configPath) as Uint8Array)).toBe(edited);
    for (const file of ['dev/.stagecraft/environment.json', 'dev/.stagecraft/lock.json', 'dev/kustomization.yaml']) {
      expect(files.get(file)).toBeInstanceOf(Uint8Array);
    }
    expect([...objectNames.keys()].sort()).toEqual(DEV_FILES);
    expect(objectNames.get(configPath)).toBe(git(repository, 'rev-parse', `HEAD:${configPath}`));
  });

  it('fails on a symbolic link inside the environment', async () => {
    // GIVEN
    fs.symlinkSync('../../../../etc/passwd', path.join(repository, 'dev/web/configmap.passwd.yaml'));
    const linkCommit = commitFiles(repository, {}, 'link');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, linkCommit, 'dev'));
    // THEN
    expect(error).toBeInstanceOf(TreeVerificationError);
    expect(error.message).toBe([
      `refusing dev at commit ${linkCommit} of ${revision.gitDirectory}: 1 problem:`,
      '  - dev/web/configmap.passwd.yaml: is a symbolic link; the env repo holds plain files only: replace it with a file or re-run stagecraft synth',
    ].join('\n'));
  });

  it('fails on a submodule inside the environment', async () => {
    // GIVEN
    git(repository, 'update-index', '--add', '--cacheinfo', `160000,${firstCommit},dev/web/vendored`);
    git(repository, 'commit', '--quiet', '--message', 'submodule');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev'));
    // THEN
    expect((error as TreeVerificationError).problems).toEqual([
      'dev/web/vendored: is a submodule; the env repo holds plain files only: replace it with a file or re-run stagecraft synth',
    ]);
  });

  it('fails on a file over the per-file limit without reading it', async () => {
    // GIVEN
    commitFiles(repository, { 'dev/web/configmap.big.yaml': 'x'.repeat(1024 * 1024 + 1) }, 'big');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev'));
    // THEN
    expect((error as TreeVerificationError).problems).toEqual([
      'dev/web/configmap.big.yaml: 1048577 bytes, over the limit of 1048576 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit',
    ]);
  });

  it('fails on more files than allowed', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev', { maxFiles: 5 }));
    // THEN
    expect((error as TreeVerificationError).problems).toEqual([
      'dev/: 13 files, over the limit of 5 files per environment; split the environment or raise the limit',
    ]);
  });

  it('fails on an environment over the total limit', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    const total = [...goldenEnvironmentFiles('dev').values()].reduce((sum, content) => sum + content.byteLength, 0);
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, revision.commit, 'dev', { maxTotalBytes: 10_000 }));
    // THEN
    expect((error as TreeVerificationError).problems).toEqual([
      `dev/: ${total} bytes in 13 files, over the limit of 10000 bytes per environment; split the environment or raise the per-environment limit`,
    ]);
  });

  it('fails on an environment the commit does not have, listing its folders', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, revision.commit, 'qa'));
    // THEN
    expect(error.message).toBe(`commit ${revision.commit} of ${revision.gitDirectory} has no folder qa/ (folders: dev, prod, releases, staging); check the environment name and the branch`);
  });

  it('fails on a commit that is not a full hex object name', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readEnvironmentFiles(revision.gitDirectory, 'main', 'dev'));
    // THEN
    expect(error.message).toBe('"main" is not a full hex commit name; pass the commit fetchRevision returned');
  });
});

describe('reading one file at a commit', () => {
  it('returns the releases file of an environment', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const content = await readFileAtCommit(revision.gitDirectory, revision.commit, 'releases/dev.yaml');
    // THEN
    expect(text(content!)).toBe(fs.readFileSync(path.join(GOLDEN_ENV_REPO, 'releases/dev.yaml'), 'utf8'));
  });

  it('returns undefined for a file the commit does not have', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const content = await readFileAtCommit(revision.gitDirectory, revision.commit, 'releases/qa.yaml');
    // THEN
    expect(content).toBeUndefined();
  });

  it('fails on a folder', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readFileAtCommit(revision.gitDirectory, revision.commit, 'releases'));
    // THEN
    expect(error.message).toBe(`releases at commit ${revision.commit}: is a tree, not a file; the env repo holds plain files only: replace it with a file or re-run stagecraft synth`);
  });

  it('fails on a path leaving the repository', async () => {
    // GIVEN
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const error = await rejectionOf(readFileAtCommit(revision.gitDirectory, revision.commit, '../releases/dev.yaml'));
    // THEN
    expect(error.message).toBe('path "../releases/dev.yaml" has a ".." segment; pass a path relative to the repository root');
  });
});

describe('telling whether one commit descends from another', () => {
  it('is true for an older commit of the same branch and false the other way round', async () => {
    // GIVEN
    commitFiles(repository, { 'notes.txt': 'second\n' }, 'second');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const forward = await isAncestor(revision.gitDirectory, firstCommit, revision.commit);
    const backward = await isAncestor(revision.gitDirectory, revision.commit, firstCommit);
    // THEN
    expect(forward).toBe(true);
    expect(backward).toBe(false);
  });

  it('is false for a commit on a history that was rewritten', async () => {
    // GIVEN
    const abandoned = commitFiles(repository, { 'notes.txt': 'abandoned\n' }, 'abandoned');
    await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    git(repository, 'reset', '--quiet', '--hard', firstCommit);
    commitFiles(repository, { 'notes.txt': 'rewritten\n' }, 'rewritten');
    const revision = await fetchRevision({ repo: repository, branch: 'main', cacheDirectory });
    // WHEN
    const result = await isAncestor(revision.gitDirectory, abandoned, revision.commit);
    // THEN
    expect(result).toBe(false);
  });
});
