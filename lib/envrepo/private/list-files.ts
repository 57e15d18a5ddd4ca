import * as fs from 'fs';
import * as path from 'path';

/**
 * Paths (relative to `root`, with `/`) of every non-folder entry below `folder`. Links are listed, never
 * followed; a missing folder has no files.
 */
export function listFilesBelow(root: string, folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).split(path.sep).join('/'));
}
