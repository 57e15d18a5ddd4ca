import * as fs from 'fs';
import * as path from 'path';
import { listFilesBelow } from '../envrepo/list-files';
import { METADATA_FOLDER } from '../envrepo/paths';

/** How a file of the target folder differs from a fresh synth. */
export interface TreeDifference {
  readonly path: string;
  readonly difference: 'changed' | 'missing' | 'extra';
}

/**
 * Compares a fresh synth output (`expectedRoot`) with `actualRoot`, within what synth owns: every environment
 * folder of the fresh output and its releases files. Files elsewhere in `actualRoot` are not looked at.
 */
export function compareTrees(expectedRoot: string, actualRoot: string): TreeDifference[] {
  const differences: TreeDifference[] = [];
  const expectedFiles = listOwnedFiles(expectedRoot, environmentsOf(expectedRoot));
  const actualFiles = listOwnedFiles(actualRoot, environmentsOf(expectedRoot));
  for (const file of [...expectedFiles].sort()) {
    const expected = fs.readFileSync(path.join(expectedRoot, file));
    let actual: Buffer | undefined;
    try {
      actual = fs.readFileSync(path.join(actualRoot, file));
    } catch {
      actual = undefined;
    }
    if (actual === undefined) {
      differences.push({ path: file, difference: 'missing' });
    } else if (!actual.equals(expected)) {
      differences.push({ path: file, difference: 'changed' });
    }
  }
  for (const file of [...actualFiles].sort()) {
    if (!expectedFiles.has(file)) {
      differences.push({ path: file, difference: 'extra' });
    }
  }
  return differences.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
}

function environmentsOf(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, entry.name, METADATA_FOLDER, 'lock.json')))
    .map((entry) => entry.name);
}

function listOwnedFiles(root: string, environments: string[]): Set<string> {
  const files = new Set<string>();
  for (const environment of environments) {
    for (const file of listFilesBelow(root, path.join(root, environment))) {
      files.add(file);
    }
    if (fs.existsSync(path.join(root, 'releases', `${environment}.yaml`))) {
      files.add(`releases/${environment}.yaml`);
    }
  }
  return files;
}
