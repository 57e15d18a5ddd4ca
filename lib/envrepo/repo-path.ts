/**
 * Segments of letters, digits, `_`, `-` and `.`, none starting with a dot, joined by single slashes: a path that
 * passes every check below, recognized in one test (the paths synth writes, except its dot folders).
 */
const PLAIN_PATH = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

/**
 * Why a repo-relative path could point outside the repository or at something other than what it says,
 * or undefined when it is a plain relative path. Paths in the env repo come from git trees and lock files
 * written by anyone with push access, so they are checked before they are used for anything.
 */
export function repoPathProblem(path: string): string | undefined {
  if (PLAIN_PATH.test(path)) {
    return undefined;
  }
  if (path.length === 0) {
    return 'is empty';
  }
  if (path.startsWith('/')) {
    return 'is absolute';
  }
  if (path.includes('\\')) {
    return 'contains a backslash';
  }
  // Control characters (NUL, newline, escape sequences) would corrupt messages and git's line protocols.
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    return 'contains a control character';
  }
  const segments = path.split('/');
  if (segments.some((segment) => segment === '..')) {
    return 'has a ".." segment';
  }
  if (segments.some((segment) => segment === '.')) {
    return 'has a "." segment';
  }
  if (segments.some((segment) => segment.length === 0)) {
    return 'has an empty segment';
  }
  return undefined;
}

/**
 * A path as messages show it: as it is, or JSON-quoted when it holds control characters, so that a pushed
 * file name (`dev/x\nrefusing nothing`) cannot forge lines in logs and terminals.
 */
export function displayPath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}
