import * as fs from 'fs';
import * as path from 'path';
import { DesiredState } from './desired-state';
import { EnvironmentMetadata, parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_METADATA_FILE_BYTES, DEFAULT_MAX_TOTAL_BYTES, environmentLimitProblems, isMetadataFile } from '../envrepo/limits';
import { compareCodeUnits, dnsLabelProblem } from '../envrepo/names';
import { environmentMetadataPath } from '../envrepo/paths';
import { EnvironmentTree, readEnvironment, TreeVerificationError } from '../envrepo/read-environment';
import { displayPath } from '../envrepo/repo-path';
import { GitTransport, HistoryVerdict, locateRepository, mirrorDirectory, TrustPolicy, verifyHistory, fetchRevision, readEnvironmentBlobs, readFileAtCommit, ReadLimits } from '../git';
import { VerifiedTreeCache } from './private/verified-tree-cache';

/**
 * Where desired state comes from: a git env repo (the real thing: commits, history, rollback to an
 * earlier commit) or a folder written by synth (local tries; no history, so no rollback).
 */
export interface RevisionSource {
  /** Human description for messages: `commit 1a2b3c… of ../env-repo` or `folder ./out`. */
  readonly description: string;
  /** Whether earlier revisions can be read again (rollback needs it). */
  readonly hasHistory: boolean;
  /** Fetches and returns the revision to reconcile now (commit, or the lock's tree digest for a folder). */
  latest(): Promise<string>;
  /** Reads and verifies the environment at a revision; throws TreeVerificationError when it is not what synth wrote. */
  read(revision: string): Promise<EnvironmentTree>;
  /**
   * Checks the history from the last applied revision to the new one (fast-forward, signatures). Only git
   * sources have history; a folder has none to check.
   */
  verifyHistory?(from: string | undefined, to: string, trust: TrustPolicy, allowHistoryRewrite: boolean): Promise<HistoryVerdict>;
  /** One file at a revision (git sources), or undefined when it does not exist there. */
  readFileAt?(revision: string, file: string): Promise<Uint8Array | undefined>;
  /**
   * The environment's metadata at a revision (git sources): verified when that revision was read already (by
   * this process, or kept from an earlier one), else parsed from its environment.json unverified; undefined
   * when the revision has none. For reads sent ahead, and for the signing policy of the revision applied before.
   */
  peekEnvironment?(revision: string): Promise<EnvironmentMetadata | undefined>;
  /**
   * The metadata of the last revision this source verified (in this process, or kept from an earlier one),
   * known before anything is fetched: what the next revision most likely needs read. For reads sent ahead only.
   */
  lastVerifiedEnvironment?(): EnvironmentMetadata | undefined;
}

export interface SourceReadOptions {
  readonly environment: string;
  /** Read files that do not match the lock anyway (hand edits). */
  readonly allowLockMismatch?: boolean;
  readonly limits?: ReadLimits;
}

/** Where a git env repo is and how to read it. */
export interface GitSourceOptions extends SourceReadOptions {
  readonly repo: string;
  readonly branch: string;
  readonly cacheDirectory: string;
  /** How to reach a private repository (deploy key or token). @default - git's own configuration */
  readonly transport?: GitTransport;
}

/** A git env repo (local path or URL), mirrored under `cacheDirectory`. */
export function gitSource(options: GitSourceOptions): RevisionSource {
  let gitDirectory: string | undefined;
  let lastRead: { readonly commit: string; readonly tree: EnvironmentTree } | undefined;
  let verified: VerifiedTreeCache | undefined;
  const mirror = async (): Promise<string> => {
    const { repo, branch, cacheDirectory, transport } = options;
    gitDirectory = gitDirectory ?? (await fetchRevision({ repo, branch, cacheDirectory, transport })).gitDirectory;
    return gitDirectory;
  };
  /** The tree verified last, kept inside the mirror's git folder (git ignores files it does not know). */
  const verifiedTrees = (directory: string): VerifiedTreeCache => {
    verified = verified ?? VerifiedTreeCache.open(path.join(directory, 'stagecraft', `verified-${options.environment}.json`), {
      // The tree as JSON is no larger than its files: four times the environment's size limit is room enough.
      maxBytes: 4 * (options.limits?.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES),
      readOptions: { environment: options.environment, allowLockMismatch: options.allowLockMismatch ?? false, limits: options.limits ?? {} },
    });
    return verified;
  };
  return {
    description: `branch ${options.branch} of ${options.repo}`,
    hasHistory: true,
    async latest() {
      const { repo, branch, cacheDirectory, transport } = options;
      const fetched = await fetchRevision({ repo, branch, cacheDirectory, transport });
      gitDirectory = fetched.gitDirectory;
      return fetched.commit;
    },
    async read(commit) {
      // A commit never changes: the --interval loop reads the same one on every idle tick, verify it once.
      if (lastRead?.commit === commit) {
        return lastRead.tree;
      }
      const source = `commit ${commit.slice(0, 12)} of ${options.repo}`;
      const directory = await mirror();
      const trees = verifiedTrees(directory);
      // An earlier process verified this commit with the same rules and options: its verdict stands.
      const known = trees.treeAt(commit);
      if (known !== undefined) {
        lastRead = { commit, tree: known };
        return known;
      }
      // Object files whose blob the kept tree had are not read again: git names a blob by its content. The kept
      // tree is parsed once the commit's tree is listed: reads sent ahead leave before that.
      const { files, objectNames } = await readEnvironmentBlobs(
        directory, commit, options.environment, options.limits ?? {}, source, () => trees.knownBlobs(),
      );
      const tree = readEnvironment(options.environment, files, {
        allowLockMismatch: options.allowLockMismatch,
        ...options.limits,
        source,
        parsed: trees.parsedDocuments(),
      });
      // A cache that cannot be written costs a verification next time, nothing else.
      trees.remember(commit, tree, objectNames);
      lastRead = { commit, tree };
      return tree;
    },
    lastVerifiedEnvironment() {
      if (lastRead !== undefined) {
        return lastRead.tree.metadata;
      }
      // Before the first fetch: the mirror's folder follows from the repository, and may not exist yet.
      const directory = gitDirectory ?? mirrorDirectory(locateRepository(options.repo).remote, options.cacheDirectory);
      return fs.existsSync(directory) ? verifiedTrees(directory).lastMetadata() : undefined;
    },
    async verifyHistory(from, to, trust, allowHistoryRewrite) {
      return verifyHistory({ gitDirectory: await mirror(), from, to, trust, allowHistoryRewrite });
    },
    async peekEnvironment(commit) {
      const verifiedBefore = lastRead?.commit === commit ? lastRead.tree.metadata : verifiedTrees(await mirror()).metadataAt(commit);
      if (verifiedBefore !== undefined) {
        return verifiedBefore;
      }
      const file = environmentMetadataPath(options.environment);
      const bytes = await this.readFileAt!(commit, file);
      return bytes === undefined ? undefined : parseEnvironmentMetadata(file, Buffer.from(bytes).toString('utf8'));
    },
    async readFileAt(commit, file) {
      // The environment's own metadata files grow with it and have their limit (environment.json of an earlier
      // commit: which policy applied before).
      const maxBytes = isMetadataFile(options.environment, file)
        ? options.limits?.maxMetadataFileBytes ?? DEFAULT_MAX_METADATA_FILE_BYTES
        : options.limits?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
      return readFileAtCommit(await mirror(), commit, file, maxBytes);
    },
  };
}

/** A folder written by `stagecraft synth --out`; its revision is the lock's tree digest. */
export function folderSource(options: SourceReadOptions & { readonly directory: string }): RevisionSource {
  const read = (): EnvironmentTree => {
    const files = readFolderFiles(options.directory, options.environment, options.limits);
    return readEnvironment(options.environment, files, {
      allowLockMismatch: options.allowLockMismatch,
      ...options.limits,
      source: `folder ${options.directory}`,
    });
  };
  return {
    description: `folder ${options.directory}`,
    hasHistory: false,
    async latest() {
      return read().lock.treeDigest;
    },
    async read() {
      return read();
    },
  };
}

/** The desired state the reconciler applies, from a verified tree. */
export function desiredStateOf(revision: string, tree: EnvironmentTree): DesiredState {
  return { revision, environment: tree.metadata, objects: tree.objects.map(({ path: file, object }) => ({ path: file, object })) };
}

/**
 * Every file below `<directory>/<environment>/` as repo-relative path → bytes. Links and anything but plain
 * files and folders are refused, and sizes and the file count are judged from `lstat` before any content is
 * read (as the git source judges them from the tree listing); paths are checked again by readEnvironment.
 */
function readFolderFiles(directory: string, environment: string, limits: ReadLimits = {}): Map<string, Uint8Array> {
  const environmentProblem = dnsLabelProblem(environment);
  if (environmentProblem !== undefined) {
    throw new Error(`environment name "${environment}" ${environmentProblem}; pass the name of a folder stagecraft synth wrote`);
  }
  const root = path.join(directory, environment);
  if (!fs.existsSync(root)) {
    throw new Error(`${root} does not exist; pass the env-repo folder as --dir and an environment synthesized into it as --env`);
  }
  const fix = 'the env repo holds plain files only: replace it with a file or re-run stagecraft synth';
  const problems: string[] = [];
  const sizes = new Map<string, number>();
  const visit = (relativeFolder: string): void => {
    const entries = fs.readdirSync(path.join(directory, relativeFolder), { withFileTypes: true });
    for (const entry of entries.sort((left, right) => compareCodeUnits(left.name, right.name))) {
      const relative = `${relativeFolder}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        problems.push(`${displayPath(relative)}: is a symbolic link; ${fix}`);
      } else if (entry.isDirectory()) {
        visit(relative);
      } else if (!entry.isFile()) {
        problems.push(`${displayPath(relative)}: is not a plain file; ${fix}`);
      } else {
        sizes.set(relative, fs.lstatSync(path.join(directory, relative)).size);
      }
    }
  };
  visit(environment);
  problems.push(...environmentLimitProblems(environment, sizes, limits));
  if (problems.length > 0) {
    throw new TreeVerificationError(environment, `folder ${directory}`, problems);
  }
  const files = new Map<string, Uint8Array>();
  for (const relative of sizes.keys()) {
    files.set(relative, fs.readFileSync(path.join(directory, relative)));
  }
  return files;
}
