import * as path from 'path';

/**
 * Where a repository given as `--repo` lives. The one rule every command uses, and git's own:
 * - `scheme://…` (`https://`, `ssh://`, `file://`, `git://`) is a URL;
 * - a colon before the first slash (`host:path`, `git@host:org/repo`) is an scp-like ssh address;
 * - anything else (`/abs`, `rel`, `./a:b`) is a local folder, made absolute so that the same folder always
 *   means the same mirror.
 */
export interface RepositoryLocation {
  /** What git fetches from and pushes to. */
  readonly remote: string;
  readonly isUrl: boolean;
}

export function locateRepository(repo: string): RepositoryLocation {
  if (repo.length === 0) {
    throw new Error('repository is empty; pass a local path or a git URL');
  }
  // git would read a leading dash as an option (`--upload-pack=…` runs a command).
  if (repo.startsWith('-')) {
    throw new Error(`repository "${repo}" starts with "-"; pass a local path (./${repo}) or a git URL`);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(repo)) {
    return { remote: repo, isUrl: true };
  }
  // git's own rule for scp-like addresses: a colon before the first slash.
  const colon = repo.indexOf(':');
  const slash = repo.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) {
    return { remote: repo, isUrl: true };
  }
  return { remote: path.resolve(repo), isUrl: false };
}
