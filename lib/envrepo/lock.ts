import { toCanonicalJson } from './canonical-json';
import { sha256Digest } from './digest';
import { ENV_REPO_FORMAT_VERSION, formatVersionProblem } from './paths';
import { repoPathProblem } from './repo-path';

/**
 * `<env>/.stagecraft/lock.json`: what synth wrote for one environment. The reconciler refuses a tree
 * whose files do not match it, so a hand edit cannot reach a cluster unnoticed.
 */
export interface EnvironmentLock {
  readonly schemaVersion: number;
  readonly environment: string;
  /** Commit of the fleet program the tree came from, when the caller knows it. */
  readonly sourceCommit?: string;
  /** Digest over everything synth read for this environment: the fleet model and the releases file. */
  readonly inputsDigest: string;
  /** Digest of `releases/<env>.yaml` as read, when the environment has one. */
  readonly releasesDigest?: string;
  /** sha256 of every file of the environment (paths relative to the repo root), except the lock itself. */
  readonly files: Readonly<Record<string, string>>;
  /** One digest over the sorted `path digest` lines of `files`. */
  readonly treeDigest: string;
}

/**
 * A file whose content was read and hashed before, given by its size and digest instead of its bytes: the git
 * source passes one for every blob whose object name it has seen verified (git names a blob by its content).
 */
export interface KnownFile {
  readonly byteLength: number;
  /** sha256 of the bytes, `sha256:<hex>`. */
  readonly digest: string;
}

/** Whether `file` is a KnownFile rather than content. */
export function isKnownFile(file: string | Uint8Array | KnownFile): file is KnownFile {
  return typeof file === 'object' && !(file instanceof Uint8Array);
}

/** The sha256 digest of a file, hashing its bytes unless it is known. */
export function fileDigest(file: string | Uint8Array | KnownFile): string {
  return isKnownFile(file) ? file.digest : sha256Digest(file);
}

/** Builds the lock of one environment from its files (repo-relative path → bytes). */
export function createLock(options: {
  readonly environment: string;
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  readonly inputsDigest: string;
  readonly releasesDigest?: string;
  readonly sourceCommit?: string;
  /** Digests already computed (by the thread that rendered the file); the rest are computed here. */
  readonly knownDigests?: ReadonlyMap<string, string>;
}): EnvironmentLock {
  const files: Record<string, string> = {};
  for (const path of [...options.files.keys()].sort()) {
    files[path] = options.knownDigests?.get(path) ?? sha256Digest(options.files.get(path)!);
  }
  return {
    schemaVersion: ENV_REPO_FORMAT_VERSION,
    environment: options.environment,
    sourceCommit: options.sourceCommit,
    inputsDigest: options.inputsDigest,
    releasesDigest: options.releasesDigest,
    files,
    treeDigest: treeDigestOf(files),
  };
}

/** The digest over the sorted `path digest` lines: one value that changes when any file does. */
export function treeDigestOf(files: Readonly<Record<string, string>>): string {
  const lines = Object.keys(files).sort().map((path) => `${path} ${files[path]}\n`);
  return sha256Digest(lines.join(''));
}

export function serializeLock(lock: EnvironmentLock): string {
  return toCanonicalJson(lock);
}

/** Parses a lock file; errors name the file and what is wrong with it. */
export function parseLock(fileName: string, text: string): EnvironmentLock {
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid json (${(error as Error).message}); re-run stagecraft synth to rewrite it`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${fileName}: expected a json object; re-run stagecraft synth to rewrite it`);
  }
  const versionProblem = formatVersionProblem(fileName, parsed.schemaVersion);
  if (versionProblem !== undefined) {
    throw new Error(versionProblem);
  }
  for (const field of ['environment', 'inputsDigest', 'treeDigest']) {
    if (typeof parsed[field] !== 'string') {
      throw new Error(`${fileName}: "${field}" is missing or not a string; re-run stagecraft synth to rewrite it`);
    }
  }
  if (parsed.files === null || typeof parsed.files !== 'object' || Array.isArray(parsed.files)) {
    throw new Error(`${fileName}: "files" must map paths to digests; re-run stagecraft synth to rewrite it`);
  }
  for (const [path, digest] of Object.entries(parsed.files)) {
    // Paths come from whoever pushed the lock: one that leaves the environment folder is never looked up.
    const pathProblem = repoPathProblem(path) ?? (path.startsWith(`${parsed.environment}/`) ? undefined : `is outside ${parsed.environment}/`);
    if (pathProblem !== undefined) {
      throw new Error(`${fileName}: files[${JSON.stringify(path)}]: path ${pathProblem}; a lock lists only plain relative paths inside its environment folder, re-run stagecraft synth to rewrite it`);
    }
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new Error(`${fileName}: files["${path}"] is not a sha256 digest; re-run stagecraft synth to rewrite it`);
    }
  }
  if (treeDigestOf(parsed.files) !== parsed.treeDigest) {
    throw new Error(`${fileName}: treeDigest does not match the listed files (the lock was edited by hand); re-run stagecraft synth to rewrite it`);
  }
  return parsed as EnvironmentLock;
}

/** One way a tree can differ from its lock. */
export interface LockMismatch {
  readonly path: string;
  readonly problem: 'changed' | 'missing' | 'not-in-lock';
}

/**
 * Compares an environment's files (repo-relative path → bytes, lock excluded) with its lock.
 * An empty result means the tree is exactly what synth wrote. `knownDigests`: the sha256 digests of
 * (some of) the same files computed already, by path; the rest are computed here.
 */
export function verifyAgainstLock(
  lock: EnvironmentLock,
  files: ReadonlyMap<string, string | Uint8Array | KnownFile>,
  knownDigests?: ReadonlyMap<string, string>,
): LockMismatch[] {
  const mismatches: LockMismatch[] = [];
  for (const path of Object.keys(lock.files).sort()) {
    const content = files.get(path);
    if (content === undefined) {
      mismatches.push({ path, problem: 'missing' });
    } else if ((knownDigests?.get(path) ?? fileDigest(content)) !== lock.files[path]) {
      mismatches.push({ path, problem: 'changed' });
    }
  }
  for (const path of [...files.keys()].sort()) {
    if (!(path in lock.files)) {
      mismatches.push({ path, problem: 'not-in-lock' });
    }
  }
  return mismatches;
}
