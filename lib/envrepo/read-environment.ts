import { EnvironmentMetadata, parseEnvironmentMetadata } from './environment-metadata';
import { environmentMetadataProblems, environmentObjectProblems } from './environment-rules';
import type { KubeObject } from './kube-object';
import { environmentObjectFolder, kustomizationProblem } from './kustomization';
import { EnvRepoLimits, fileCountProblem, fileSizeProblem, FORMAT_1_MAX_FILE_BYTES, totalSizeProblem } from './limits';
import { EnvironmentLock, fileDigest, isKnownFile, KnownFile, LockMismatch, parseLock, verifyAgainstLock } from './lock';
import { asciiLowercase, compareCodeUnits, dnsLabelProblem } from './names';
import { describeObject } from './object-identity';
import { CLUSTER_FOLDER, DELIVERY_FOLDER, environmentMetadataPath, kustomizationPath, lockPath, objectPath } from './paths';
import { parseStrictYaml } from './private/strict-yaml';
import { displayPath, repoPathProblem } from './repo-path';
import { isClusterScopedKind } from './scope';

export { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TOTAL_BYTES } from './limits';

export interface ReadEnvironmentOptions extends EnvRepoLimits {
  /**
   * Accept files that differ from the lock (changed, missing or not listed). Everything else is still
   * checked. Meant for emergencies, when someone must apply a hand edit before synth can be re-run.
   * @default false
   */
  readonly allowLockMismatch?: boolean;
  /**
   * Where the files came from, shown in the error, e.g. `commit 1a2b3c4 of git@example.com:acme/env`.
   * @default 'the given files'
   */
  readonly source?: string;
  /**
   * The files given are some of the environment's, not all of them (promote reads the metadata and only the
   * applications it moves). Each given file must still match the lock, parse and sit where synth puts it,
   * but a file the lock lists that was not given is not missing, and the checks that need the whole tree
   * (its kustomization) are left out. Objects and rules cover the given files only.
   * @default false
   */
  readonly partial?: boolean;
  /**
   * Documents parsed before, by their file's digest: a file whose bytes were parsed before is not parsed
   * again (the reconciler reuses the objects of the tree it verified last, so a new commit parses only the
   * files it changed). Every check past the parse (shape, placement, rules) still runs on the document.
   * @default - every file is parsed
   */
  readonly parsed?: ParsedDocuments;
}

/**
 * One file given to readEnvironment: its bytes, or (for an object file read and verified before) a KnownFile
 * whose document `parsed` holds. The lock, environment.json and kustomization.yaml are always given as bytes.
 */
export type EnvironmentFile = Uint8Array | KnownFile;

/** Documents parsed before, by the sha256 digest of their file's bytes (`sha256:<hex>`). */
export interface ParsedDocuments {
  /**
   * What a file with this digest parsed to (strict YAML: it passed every syntax check), or undefined. A value
   * no one else holds: the tree keeps it.
   */
  get(digest: string): unknown;
}

/** One desired object of an environment. */
export interface EnvironmentObject {
  /** Repo-relative path of its file, e.g. `dev/web/deployment.web.yaml`. */
  readonly path: string;
  readonly object: KubeObject;
  /** sha256 of the file's bytes, `sha256:<hex>`: what the reconciler writes to `stagecraft.dev/applied-digest`. */
  readonly digest: string;
}

/** An environment as synth wrote it, verified against its lock. */
export interface EnvironmentTree {
  readonly environment: string;
  readonly lock: EnvironmentLock;
  readonly metadata: EnvironmentMetadata;
  /** Sorted by path (code units). */
  readonly objects: readonly EnvironmentObject[];
  /**
   * The objects of `<env>/_delivery/` (Flux or Argo CD objects the cluster's administrator applies once),
   * sorted by path. Not part of the environment: no reconciler applies them and no environment rule covers them.
   */
  readonly delivery: readonly EnvironmentObject[];
}

/** An environment's files were refused; `problems` lists every reason, each naming its file and the fix. */
export class TreeVerificationError extends Error {
  constructor(
    public readonly environment: string,
    /** Where the files came from (a commit, a folder). */
    public readonly source: string,
    public readonly problems: string[],
  ) {
    super(`refusing ${environment} at ${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'TreeVerificationError';
  }
}

/** The fix for everything synth would have written differently. */
const RESYNTH = 're-run stagecraft synth and commit its output';

const MISMATCH_MESSAGES: Readonly<Record<LockMismatch['problem'], string>> = {
  'changed': `changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`,
  'missing': `listed in the lock but missing; restore it or ${RESYNTH}`,
  'not-in-lock': `not listed in the lock (stagecraft synth did not write it); delete it or ${RESYNTH}`,
};

/**
 * Verifies the files of one environment and returns its desired objects. Pure: the caller reads the files
 * (from a git commit or a folder) and passes every file under `<env>/`, the lock included, by repo-relative
 * path. Throws a TreeVerificationError listing every problem found.
 */
export function readEnvironment(
  environment: string,
  files: ReadonlyMap<string, EnvironmentFile>,
  options: ReadEnvironmentOptions = {},
): EnvironmentTree {
  const source = options.source ?? 'the given files';
  const refuse = (problems: string[]) => new TreeVerificationError(environment, source, problems);
  const environmentProblem = dnsLabelProblem(environment);
  if (environmentProblem !== undefined) {
    throw refuse([`environment name "${environment}" ${environmentProblem}; pass the name of a folder stagecraft synth wrote`]);
  }

  const problems: string[] = [];
  const checked = checkPathsAndSizes(environment, files, options, problems);
  if (checked === undefined) {
    // Over the total cap: nothing is parsed, not even the lock.
    throw refuse(problems);
  }
  const { usable, inside } = checked;

  const lockFile = lockPath(environment);
  const lockBytes = contentOf(lockFile, usable.get(lockFile));
  usable.delete(lockFile);
  if (lockBytes === undefined) {
    if (files.has(lockFile)) {
      throw refuse(problems);
    }
    throw refuse([...problems, `${lockFile}: missing, so nothing in ${environment}/ can be verified; ${RESYNTH}`]);
  }
  let lock: EnvironmentLock;
  try {
    lock = parseLock(lockFile, decodeUtf8(lockFile, lockBytes));
  } catch (error) {
    throw refuse([...problems, (error as Error).message]);
  }
  if (lock.environment !== environment) {
    problems.push(`${lockFile}: "environment" is "${lock.environment}" but the lock sits in ${environment}/; ${RESYNTH}`);
  }
  if (lock.schemaVersion === 1) {
    problems.push(...formatOneSizeProblems(lockFile, lockBytes, usable));
  }
  let lockMismatches = 0;
  // Each file is hashed once: for the lock, then as its object's digest.
  const digests = new Map<string, string>();
  if (!options.allowLockMismatch) {
    inside.delete(lockFile);
    for (const [path, file] of inside) {
      digests.set(path, fileDigest(file));
    }
    for (const mismatch of verifyAgainstLock(lock, inside, digests)) {
      if (options.partial && mismatch.problem === 'missing') {
        continue;
      }
      problems.push(`${mismatch.path}: ${MISMATCH_MESSAGES[mismatch.problem]}`);
      lockMismatches++;
    }
  }
  // A tree that differs from its lock is refused for that already; past the lock (a relocked tree, or lock
  // mismatches allowed) kustomize must still see exactly the objects checked here, nothing more or less.
  const kustomizationFile = kustomizationPath(environment);
  const kustomizationMismatch = lockMismatches === 0 && !options.partial
    ? kustomizationProblem(environment, files.keys(), contentOf(kustomizationFile, files.get(kustomizationFile))) : undefined;
  if (kustomizationMismatch !== undefined && !problems.some((problem) => problem.startsWith(`${kustomizationPath(environment)}: `))) {
    problems.push(kustomizationMismatch);
  }
  const metadata = readMetadata(environment, usable, lock, problems);
  const { objects, delivery, clusterScopedKinds } = readObjects(environment, usable, digests, problems, options.parsed);
  if (metadata !== undefined && metadata.delivery === undefined && delivery.length > 0) {
    problems.push(`${delivery[0].path}: ${environment}/${DELIVERY_FOLDER}/ holds objects for Flux or Argo CD but environment.json names no such delivery; delete the folder or ${RESYNTH}`);
  }
  if (metadata !== undefined) {
    // The rules synth applies, under the policy environment.json records: a tree pushed by hand gets no pass.
    problems.push(...environmentObjectProblems(metadata, objects, clusterScopedKinds));
  }
  if (problems.length > 0) {
    throw refuse(problems);
  }
  return { environment, lock, metadata: metadata!, objects, delivery };
}

/**
 * Reports unsafe paths and files over the caps, and returns the files that may be parsed (`usable`) and every
 * file with a safe path inside the environment folder, over its cap or not (`inside`, what the lock is compared
 * with), or undefined when the environment as a whole is over its cap.
 */
function checkPathsAndSizes(
  environment: string,
  files: ReadonlyMap<string, EnvironmentFile>,
  options: ReadEnvironmentOptions,
  problems: string[],
): { usable: Map<string, EnvironmentFile>; inside: Map<string, EnvironmentFile> } | undefined {
  const usable = new Map<string, EnvironmentFile>();
  const inside = new Map<string, EnvironmentFile>();
  let totalBytes = 0;
  for (const path of [...files.keys()].sort(compareCodeUnits)) {
    const bytes = files.get(path)!;
    totalBytes += bytes.byteLength;
    const pathProblem = repoPathProblem(path);
    if (pathProblem !== undefined) {
      problems.push(`${displayPath(path)}: path ${pathProblem}; only plain relative paths inside ${environment}/ are read: remove the file from the env repo`);
    } else if (!path.startsWith(`${environment}/`)) {
      problems.push(`${path}: outside ${environment}/; pass only the files of environment ${environment}`);
    } else {
      inside.set(path, bytes);
      const sizeProblem = fileSizeProblem(environment, path, bytes.byteLength, options);
      if (sizeProblem === undefined) {
        usable.set(path, bytes);
      } else {
        problems.push(`${path}: ${sizeProblem}`);
      }
    }
  }
  const countProblem = fileCountProblem(environment, files.size, options);
  if (countProblem !== undefined) {
    problems.push(countProblem);
  }
  const totalProblem = totalSizeProblem(environment, totalBytes, files.size, options);
  if (totalProblem !== undefined) {
    problems.push(totalProblem);
    return undefined;
  }
  return { usable, inside };
}

/** `<env>/_delivery/<file>.yaml` */
function isDeliveryFile(environment: string, path: string): boolean {
  const prefix = `${environment}/${DELIVERY_FOLDER}/`;
  return path.startsWith(prefix) && path.endsWith('.yaml') && !path.includes('/', prefix.length);
}

/**
 * A tree that says it is format 1 is held to format 1's limit of 1 MiB for every file, so that it means the
 * same to this reader as to the readers it was written for.
 */
function formatOneSizeProblems(lockFile: string, lockBytes: Uint8Array, usable: Map<string, EnvironmentFile>): string[] {
  const problems: string[] = [];
  for (const [path, bytes] of [[lockFile, lockBytes] as const, ...usable]) {
    if (bytes.byteLength > FORMAT_1_MAX_FILE_BYTES) {
      usable.delete(path);
      problems.push(`${path}: ${bytes.byteLength} bytes, over format 1's limit of ${FORMAT_1_MAX_FILE_BYTES} bytes per file (the lock says schemaVersion 1); `
        + 're-run stagecraft synth with this version to write format 2');
    }
  }
  return problems;
}

function readMetadata(
  environment: string,
  files: ReadonlyMap<string, EnvironmentFile>,
  lock: EnvironmentLock,
  problems: string[],
): EnvironmentMetadata | undefined {
  const metadataFile = environmentMetadataPath(environment);
  const bytes = contentOf(metadataFile, files.get(metadataFile));
  if (bytes === undefined) {
    // A file over the cap was reported already; a missing one is reported by the lock unless it is not listed.
    if (!problems.some((problem) => problem.startsWith(`${metadataFile}: `))) {
      problems.push(`${metadataFile}: missing; ${RESYNTH}`);
    }
    return undefined;
  }
  try {
    const metadata = parseEnvironmentMetadata(metadataFile, decodeUtf8(metadataFile, bytes));
    if (metadata.schemaVersion !== lock.schemaVersion) {
      problems.push(`${metadataFile}: schemaVersion ${metadata.schemaVersion} but ${lockPath(environment)} says ${lock.schemaVersion}; ${RESYNTH}`);
    }
    if (metadata.name !== environment) {
      problems.push(`${metadataFile}: "name" is "${metadata.name}" but the file sits in ${environment}/; ${RESYNTH}`);
    }
    const metadataProblems = environmentMetadataProblems(metadataFile, metadata);
    problems.push(...metadataProblems);
    return metadataProblems.length === 0 ? metadata : undefined;
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

/**
 * Parses every object file, then checks each sits where synth would have written it. Returns the objects
 * sorted by path and the custom kinds the environment's CustomResourceDefinitions declare cluster-scoped.
 */
function readObjects(
  environment: string,
  files: ReadonlyMap<string, EnvironmentFile>,
  digests: ReadonlyMap<string, string>,
  problems: string[],
  parsedBefore: ParsedDocuments | undefined,
): { objects: EnvironmentObject[]; delivery: EnvironmentObject[]; clusterScopedKinds: ReadonlySet<string> } {
  const parsed: EnvironmentObject[] = [];
  /** The folder of each parsed object's file, by path. */
  const folders = new Map<string, string>();
  const delivery: EnvironmentObject[] = [];
  for (const [path, bytes] of files) {
    const digest = digests.get(path) ?? fileDigest(bytes);
    if (isDeliveryFile(environment, path)) {
      const object = parseObject(path, bytes, digest, problems, parsedBefore);
      const expected = object === undefined ? path : `${environment}/${DELIVERY_FOLDER}/${asciiLowercase(object.kind)}.${object.metadata.name}.yaml`;
      if (expected !== path) {
        problems.push(`${path}: holds ${describeObject({ apiVersion: object!.apiVersion, kind: object!.kind, namespace: object!.metadata.namespace, name: object!.metadata.name })}, which belongs at ${expected}; move it or ${RESYNTH}`);
      } else if (object !== undefined) {
        delivery.push({ path, object, digest });
      }
      continue;
    }
    const folder = environmentObjectFolder(environment, path);
    if (folder === undefined) {
      if (path !== environmentMetadataPath(environment) && path !== kustomizationPath(environment)) {
        problems.push(`${path}: not a file stagecraft synth writes (expected ${environment}/<application>/<kind>.<name>.yaml); delete it or ${RESYNTH}`);
      }
      continue;
    }
    const object = parseObject(path, bytes, digest, problems, parsedBefore);
    if (object !== undefined) {
      parsed.push({ path, object, digest });
      folders.set(path, folder);
    }
  }

  // Same rule as synth: a kind is cluster-scoped when built in as such, or declared so by a CRD of this environment.
  const clusterScopedKinds = new Set<string>();
  for (const { object } of parsed) {
    const spec = object.spec as { scope?: unknown; names?: { kind?: unknown } } | undefined;
    if (object.kind === 'CustomResourceDefinition' && spec?.scope === 'Cluster' && typeof spec.names?.kind === 'string') {
      clusterScopedKinds.add(spec.names.kind);
    }
  }
  for (const { path, object } of parsed) {
    const placementProblem = placementProblemOf(environment, path, folders.get(path)!, object, clusterScopedKinds);
    if (placementProblem !== undefined) {
      problems.push(placementProblem);
    }
  }
  return {
    objects: parsed.sort((left, right) => compareCodeUnits(left.path, right.path)),
    delivery: delivery.sort((left, right) => compareCodeUnits(left.path, right.path)),
    clusterScopedKinds,
  };
}

function parseObject(
  path: string,
  file: EnvironmentFile,
  digest: string,
  problems: string[],
  parsedBefore: ParsedDocuments | undefined,
): KubeObject | undefined {
  const document = (parsedBefore?.get(digest) ?? parseDocument(path, contentOf(path, file)!, problems)) as any;
  if (document === undefined) {
    return undefined;
  }
  if (!isPlainMap(document)) {
    problems.push(`${path}: expected a kubernetes object (a map with apiVersion, kind and metadata.name), got ${describeType(document)}; ${RESYNTH}`);
    return undefined;
  }
  const shapeProblem = [
    typeof document.apiVersion !== 'string' ? '"apiVersion" is missing or not a string' : undefined,
    typeof document.kind !== 'string' ? '"kind" is missing or not a string' : undefined,
    !isPlainMap(document.metadata) ? '"metadata" is missing or not a map' : undefined,
    isPlainMap(document.metadata) && typeof document.metadata.name !== 'string' ? '"metadata.name" is missing or not a string' : undefined,
    isPlainMap(document.metadata) && document.metadata.namespace !== undefined && typeof document.metadata.namespace !== 'string'
      ? '"metadata.namespace" is not a string' : undefined,
  ].filter((problem) => problem !== undefined);
  if (shapeProblem.length > 0) {
    problems.push(`${path}: ${shapeProblem.join(', ')}; ${RESYNTH}`);
    return undefined;
  }
  return document as KubeObject;
}

/** The file's one YAML document, or undefined with its problem reported. */
function parseDocument(path: string, bytes: Uint8Array, problems: string[]): unknown {
  let text: string;
  try {
    text = decodeUtf8(path, bytes);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
  const result = parseStrictYaml(text);
  if ('problem' in result) {
    problems.push(`${path}: ${result.problem}; ${RESYNTH}`);
    return undefined;
  }
  return result.document;
}

function placementProblemOf(
  environment: string,
  path: string,
  folder: string,
  object: KubeObject,
  clusterScopedKinds: ReadonlySet<string>,
): string | undefined {
  const { apiVersion, kind, metadata } = object;
  const description = (): string => describeObject({ apiVersion, kind, namespace: metadata.namespace, name: metadata.name });
  const clusterScoped = isClusterScopedKind(object.kind, clusterScopedKinds);
  if (!clusterScoped && folder === CLUSTER_FOLDER) {
    return `${path}: holds ${description()}, a namespaced kind, which belongs in an application folder (${objectPath(environment, '<application>', object.kind, object.metadata.name)}); move it or ${RESYNTH}`;
  }
  const expected = objectPath(environment, clusterScoped ? undefined : folder, object.kind, object.metadata.name);
  if (expected !== path) {
    return `${path}: holds ${description()}, which belongs at ${expected}; move it or ${RESYNTH}`;
  }
  return undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of a file that must be read as bytes (the lock, the metadata, an object whose document is not in
 * `parsed`). A KnownFile there is the caller's mistake, not the repository's: it is thrown, not reported.
 */
function contentOf(path: string, file: EnvironmentFile | undefined): Uint8Array | undefined {
  if (file !== undefined && isKnownFile(file)) {
    throw new Error(`${path}: given as a known file (digest ${file.digest}) but its content is needed; pass its bytes`);
  }
  return file;
}

function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new Error(`${path}: not valid utf-8; ${RESYNTH}`);
  }
}

function isPlainMap(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) {
    return 'an empty document';
  }
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
