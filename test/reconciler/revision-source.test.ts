import * as fs from 'fs';
import * as path from 'path';
import { TreeVerificationError } from '../../lib/envrepo/read-environment';
import { folderSource, gitSource } from '../../lib/reconciler/revision-source';
import { GOLDEN_ENV_REPO } from '../support/env-repo';
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
