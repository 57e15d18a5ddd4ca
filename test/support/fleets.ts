import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fleet } from '../../lib';

/** A digest that looks real: sha256 of `seed`. */
export function fakeDigest(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

const scratchFolders: string[] = [];

// Every test file that uses scratch folders removes them when it ends (jest gives each file this module anew).
afterAll(() => {
  for (const folder of scratchFolders.splice(0)) {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

/** A fresh scratch folder, removed when the test file ends. */
export function scratchFolder(prefix = 'stagecraft-test-'): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchFolders.push(folder);
  return folder;
}

/**
 * A fleet whose releases folder and output folder live in a scratch folder.
 * `releases` maps environment → application → image reference.
 */
export function scratchFleet(releases: Record<string, Record<string, string>> = {}): { fleet: Fleet; root: string; outdir: string } {
  const root = scratchFolder();
  const releasesDirectory = path.join(root, 'releases');
  fs.mkdirSync(releasesDirectory);
  for (const [environment, applications] of Object.entries(releases)) {
    const lines = [`environment: ${environment}`, 'applications:'];
    for (const [application, image] of Object.entries(applications)) {
      lines.push(`  ${application}:`, `    image: ${image}`);
    }
    fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
  }
  const outdir = path.join(root, 'out');
  return { fleet: new Fleet({ outdir, releasesDirectory }), root, outdir };
}

const exampleCopies: string[] = [];

/** Removes the example copies this test file made (call from afterAll). */
export function removeExampleCopies(): void {
  for (const copy of exampleCopies.splice(0)) {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * A scratch copy of the acme-shop example inside the repository, so the copy resolves 'stagecraft', ts-node
 * and cdk8s from this checkout like the original does.
 */
export function copyOfExample(): { scratch: string; example: string } {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const parent = path.join(repoRoot, '.stagecraft-dev', 'tests');
  fs.mkdirSync(parent, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(parent, 'example-'));
  exampleCopies.push(scratch);
  const example = path.join(scratch, 'acme-shop');
  fs.cpSync(path.join(repoRoot, 'examples', 'acme-shop'), example, {
    recursive: true,
    filter: (source) => !/[\\/](dist|env-repo)$/.test(source),
  });
  return { scratch, example };
}

/** Every file below `root` as repo-relative path → content, sorted by path. */
export function readTree(root: string): Record<string, string> {
  const tree: Record<string, string> = {};
  if (!fs.existsSync(root)) {
    return tree;
  }
  const entries = fs.readdirSync(root, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
  for (const file of files) {
    tree[file] = fs.readFileSync(path.join(root, file), 'utf8');
  }
  return tree;
}
