import * as fs from 'fs';
import * as path from 'path';
import { TreeVerificationError } from '../../lib/envrepo/read-environment';
import * as treeObjects from '../../lib/git/private/tree-objects';
import { folderSource, gitSource } from '../../lib/reconciler/revision-source';
import { relock, GOLDEN_ENV_REPO } from '../support/env-repo';
import { scratchFolder } from '../support/fleets';
import { commitAll } from '../support/git-commit';

/** A copy of the golden env repo's dev environment in a scratch folder. */
function goldenCopy(): string {
  const directory = scratchFolder('stagecraft-folder-source-');
  fs.cpSync(path.join(GOLDEN_ENV_REPO, 'dev'), path.join(directory, 'dev'), { recursive: true });
  return directory;
}

async function refusalOf(read: () => Promise<unknown>): Promise<TreeVerificationError> {
  try {
    await read();
  } catch (error) {
    if (error instanceof TreeVerificationError) {
      return error;
    }
    throw error;
  }
  throw new Error('the folder was accepted');
}

describe('a folder written by synth as the source (--dir)', () => {
  it('reads the golden dev environment', async () => {
    // GIVEN
    const source = folderSource({ directory: goldenCopy(), environment: 'dev' });
    // WHEN
    const tree = await source.read(await source.latest());
    // THEN
    expect(tree.objects).toHaveLength(10);
  });

  it('fails on a symbolic link, and on a file over the per-file limit, judged before any content is read', async () => {
    // GIVEN
    const directory = goldenCopy();
    fs.symlinkSync('/etc/passwd', path.join(directory, 'dev', 'web', 'configmap.passwd.yaml'));
    fs.writeFileSync(path.join(directory, 'dev', 'web', 'configmap.big.yaml'), 'x'.repeat(5000));
    const source = folderSource({ directory, environment: 'dev', limits: { maxFileBytes: 4096 } });
    // WHEN
    const error = await refusalOf(() => source.latest());
    // THEN
    expect(error.source).toBe(`folder ${directory}`);
    expect(error.problems).toEqual([
      'dev/web/configmap.passwd.yaml: is a symbolic link; the env repo holds plain files only: replace it with a file or re-run stagecraft synth',
      'dev/web/configmap.big.yaml: 5000 bytes, over the limit of 4096 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit',
    ]);
  });

  it('fails on an environment name that climbs out of the folder', async () => {
    // GIVEN
    const source = folderSource({ directory: goldenCopy(), environment: '../dev' });
    // WHEN / THEN
    await expect(source.latest()).rejects.toThrow('environment name "../dev" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the name of a folder stagecraft synth wrote');
  });
});

describe('one file of an earlier commit of a git env repo (readFileAt)', () => {
  it('reads an environment.json over the per-object-file limit, under the metadata limit, and refuses an object file of that size', async () => {
    // GIVEN a commit whose environment.json and one object file are 1.5 MiB each (a large environment's metadata)
    const repo = scratchFolder('stagecraft-read-file-at-');
    const big = 'x'.repeat(1536 * 1024);
    fs.mkdirSync(path.join(repo, 'dev', '.stagecraft'), { recursive: true });
    fs.mkdirSync(path.join(repo, 'dev', 'web'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'dev', '.stagecraft', 'environment.json'), big);
    fs.writeFileSync(path.join(repo, 'dev', 'web', 'configmap.big.yaml'), big);
    const commit = commitAll(repo, 'large', true);
    const source = gitSource({ repo, branch: 'main', cacheDirectory: scratchFolder('stagecraft-read-file-at-cache-'), environment: 'dev' });
    await source.latest();
    // WHEN
    const metadata = await source.readFileAt!(commit, 'dev/.stagecraft/environment.json');
    const object = source.readFileAt!(commit, 'dev/web/configmap.big.yaml');
    // THEN which policy applied before can be read back at any size synth writes
    expect(metadata?.byteLength).toBe(big.length);
    await expect(object).rejects.toThrow(`dev/web/configmap.big.yaml at commit ${commit}: ${big.length} bytes, over the limit of 1048576 bytes per file`);
  });
});

describe('a tree verified by an earlier process (the git source keeps it beside its mirror)', () => {
  /** The golden dev environment committed to a repository of its own; returns the repository. */
  function goldenRepo(): string {
    const repo = goldenCopy();
    commitAll(repo, 'synth', true);
    return repo;
  }

  /** Rewrites dev's web ConfigMap (and the lock, as synth would) and commits. */
  function changeWebConfig(repo: string): string {
    const files = new Map<string, Uint8Array>();
    for (const entry of fs.readdirSync(path.join(repo, 'dev'), { recursive: true, withFileTypes: true }).filter((candidate) => candidate.isFile())) {
      const relative = path.relative(repo, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      files.set(relative, new Uint8Array(fs.readFileSync(path.join(repo, relative))));
    }
    const web = 'dev/web/configmap.web.yaml';
    files.set(web, new Uint8Array(Buffer.from(Buffer.from(files.get(web)!).toString('utf8').replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace'))));
    relock('dev', files);
    for (const [file, content] of files) {
      fs.writeFileSync(path.join(repo, file), content);
    }
    return commitAll(repo, 'trace logging');
  }

  afterEach(() => jest.restoreAllMocks());

  it('reads no blob for the commit it kept, and only the changed file and the metadata files for the next', async () => {
    // GIVEN a commit verified by one source (one process), and a cache folder it left behind
    const repo = goldenRepo();
    const cacheDirectory = scratchFolder('stagecraft-verified-cache-');
    const earlier = gitSource({ repo, branch: 'main', cacheDirectory, environment: 'dev' });
    const verified = await earlier.read(await earlier.latest());
    const readBlobs = jest.spyOn(treeObjects, 'readBlobs');
    // WHEN the next process reads the same commit
    const next = gitSource({ repo, branch: 'main', cacheDirectory, environment: 'dev' });
    const again = await next.read(await next.latest());
    // THEN it is the verified tree, and no blob was read
    expect(again).toEqual(verified);
    expect(readBlobs).not.toHaveBeenCalled();
    // WHEN one file changes in a new commit, read by a third process
    const changed = changeWebConfig(repo);
    const third = gitSource({ repo, branch: 'main', cacheDirectory, environment: 'dev' });
    const revision = await third.latest();
    const tree = await third.read(revision);
    // THEN the change is read, and only it and the three metadata files were read from git
    expect(revision).toBe(changed);
    expect((tree.objects.find((entry) => entry.path === 'dev/web/configmap.web.yaml')!.object.data as Record<string, string>).LOG_LEVEL).toBe('trace');
    expect(tree.objects.filter((entry) => entry.path !== 'dev/web/configmap.web.yaml')).toEqual(verified.objects.filter((entry) => entry.path !== 'dev/web/configmap.web.yaml'));
    expect(readBlobs).toHaveBeenCalledTimes(1);
    expect(readBlobs.mock.calls[0][1]).toHaveLength(4);
  });

  it('keeps nothing of a tree it refused: the commit verified before stays the one kept', async () => {
    // GIVEN a verified commit, then a hand edit committed on top
    const repo = goldenRepo();
    const cacheDirectory = scratchFolder('stagecraft-verified-cache-');
    const earlier = gitSource({ repo, branch: 'main', cacheDirectory, environment: 'dev' });
    const good = await earlier.latest();
    await earlier.read(good);
    const web = path.join(repo, 'dev', 'web', 'configmap.web.yaml');
    fs.writeFileSync(web, fs.readFileSync(web, 'utf8').replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace'));
    const tampered = commitAll(repo, 'hand edit');
    // WHEN the next process reads it, and a third reads it again
    const reads: TreeVerificationError[] = [];
    for (const _process of [1, 2]) {
      const source = gitSource({ repo, branch: 'main', cacheDirectory, environment: 'dev' });
      reads.push(await refusalOf(async () => source.read(await source.latest())));
    }
    // THEN both refuse it, and the kept tree is still the good commit's
    for (const error of reads) {
      expect(error.problems).toEqual(['dev/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or re-run stagecraft synth and commit its output']);
    }
    const kept = fs.readdirSync(cacheDirectory).map((mirror) => path.join(cacheDirectory, mirror, 'stagecraft', 'verified-dev.json'));
    expect(JSON.parse(fs.readFileSync(kept[0], 'utf8').split('\n')[0]).commit).toBe(good);
    expect(good).not.toBe(tampered);
  });
});
