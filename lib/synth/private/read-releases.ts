import * as fs from 'fs';
import * as path from 'path';
import { MAX_RELEASES_FILE_BYTES } from '../../envrepo/limits';
import { releasesPath } from '../../envrepo/paths';
import { parseReleasesFile, ReleasesFile } from '../../envrepo/releases';

/** One environment's releases file, as read. */
export interface ReleasesInput {
  /** Repo-relative path, `releases/<env>.yaml`. */
  readonly path: string;
  readonly bytes: Buffer;
  readonly releases: ReleasesFile;
}

/**
 * Reads every `releases/<env>.yaml` of `directory`. A file of an unknown environment, or one that does not
 * parse, is a problem; a missing folder means nothing was released yet.
 */
export function readReleases(directory: string, environmentNames: readonly string[]): { inputs: Map<string, ReleasesInput>; problems: string[] } {
  const inputs = new Map<string, ReleasesInput>();
  const problems: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { inputs, problems };
    }
    throw error;
  }
  const known = new Set(environmentNames);
  for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
    const display = `${path.basename(directory)}/${entry.name}`;
    if (entry.name.startsWith('.')) {
      continue;
    }
    if (entry.isSymbolicLink()) {
      problems.push(`${display}: is a symbolic link (to ${fs.readlinkSync(path.join(directory, entry.name))}); a link can point outside the repository, so releases are read from plain files only: replace it with the file itself`);
      continue;
    }
    if (!entry.isFile() || !entry.name.endsWith('.yaml')) {
      problems.push(`${display}: not a releases file; the releases folder holds only <environment>.yaml files, move it elsewhere`);
      continue;
    }
    const environment = entry.name.slice(0, -'.yaml'.length);
    if (!known.has(environment)) {
      problems.push(`${display}: release for unknown environment "${environment}" (known: ${environmentNames.join(', ')}); rename the file or add the environment to the fleet`);
      continue;
    }
    // Judged before reading: a releases file names one image per application, it is never this large.
    const size = fs.statSync(path.join(directory, entry.name)).size;
    if (size > MAX_RELEASES_FILE_BYTES) {
      problems.push(`${display}: ${size} bytes, over the limit of ${MAX_RELEASES_FILE_BYTES} bytes per releases file; it was not read: keep only the releases of environment "${environment}" in it`);
      continue;
    }
    const bytes = fs.readFileSync(path.join(directory, entry.name));
    try {
      const releases = parseReleasesFile(releasesPath(environment), bytes.toString('utf8'));
      inputs.set(environment, { path: releasesPath(environment), bytes, releases });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { inputs, problems };
}
