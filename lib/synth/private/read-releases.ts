import * as fs from 'fs';
import * as path from 'path';
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
    if (!entry.isFile() || !entry.name.endsWith('.yaml')) {
      problems.push(`${display}: not a releases file; the releases folder holds only <environment>.yaml files, move it elsewhere`);
      continue;
    }
    const environment = entry.name.slice(0, -'.yaml'.length);
    if (!known.has(environment)) {
      problems.push(`${display}: release for unknown environment "${environment}" (known: ${environmentNames.join(', ')}); rename the file or add the environment to the fleet`);
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
