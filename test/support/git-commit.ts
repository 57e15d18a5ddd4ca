import * as fs from 'fs';
import * as path from 'path';
import { git, initRepository } from './git';

/** Commits everything in `folder` (initializing the repository on the first call); returns the commit. */
export function commitAll(folder: string, message: string, initialize = false): string {
  if (initialize || !fs.existsSync(path.join(folder, '.git'))) {
    initRepository(folder);
  }
  git(folder, 'add', '--all');
  git(folder, 'commit', '--quiet', '--allow-empty', '--message', message);
  return git(folder, 'rev-parse', 'HEAD');
}
