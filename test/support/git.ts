import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Identity and isolation for every git command a test runs; the user's global git config is never read or written. */
export const GIT_ENVIRONMENT: Record<string, string | undefined> = (() => {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const variable of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR']) {
    delete env[variable];
  }
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.test',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_DATE: '1700000000 +0000',
  };
})();

/** Runs git in `cwd` and returns its stdout without the final newline. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENVIRONMENT, encoding: 'utf8' }).replace(/\n$/, '');
}

/** A new repository with branch `main` in `folder` (created when missing). */
export function initRepository(folder: string, options: { bare?: boolean } = {}): string {
  fs.mkdirSync(folder, { recursive: true });
  git(folder, 'init', '--quiet', '--initial-branch=main', ...(options.bare ? ['--bare'] : []));
  return folder;
}

/** Writes `files` (repo-relative path → content) into the working tree, commits everything and returns the commit. */
export function commitFiles(repository: string, files: Readonly<Record<string, string | Uint8Array>>, message = 'change'): string {
  for (const [relativePath, content] of Object.entries(files)) {
    const absolute = path.join(repository, relativePath);
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    fs.writeFileSync(absolute, content);
  }
  git(repository, 'add', '--all');
  git(repository, 'commit', '--quiet', '--allow-empty', '--message', message);
  return git(repository, 'rev-parse', 'HEAD');
}

/** Runs git in `cwd` with `input` on stdin (plumbing such as mktree and hash-object) and returns its stdout without the final newline. */
export function gitWithInput(cwd: string, input: string | Uint8Array, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENVIRONMENT, encoding: 'utf8', input }).replace(/\n$/, '');
}
