import * as fs from 'fs';
import * as path from 'path';

/**
 * Paths (relative to `root`, with `/`) of every non-folder entry below `folder`. Links are listed, never
 * followed; a missing folder has no files.
 */
export function listFilesBelow(root: string, folder: string): string[] {
  return listEntriesBelow(root, folder).files;
}

/** What is below a folder: every non-folder entry, and which of them (or of the folders) are symbolic links. */
export interface FolderListing {
  /** Paths (relative to `root`, with `/`) of every non-folder entry, links included. */
  readonly files: string[];
  /** Paths of the symbolic links among the entries, whether they point at files or folders. */
  readonly links: ReadonlySet<string>;
}

/** Lists `folder` once, recursively, without following links; a missing folder is empty. */
export function listEntriesBelow(root: string, folder: string): FolderListing {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { files: [], links: new Set() };
    }
    throw error;
  }
  const files: string[] = [];
  const links = new Set<string>();
  for (const entry of entries) {
    if (entry.isDirectory()) {
      continue;
    }
    const relative = path.relative(root, path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).split(path.sep).join('/');
    files.push(relative);
    if (entry.isSymbolicLink()) {
      links.add(relative);
    }
  }
  return { files, links };
}
