import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentMetadata } from '../../envrepo/environment-metadata';
import type { KubeObject } from '../../envrepo/kube-object';
import type { EnvironmentObject, EnvironmentTree, ParsedDocuments } from '../../envrepo/read-environment';
import { appliedDigestOf, rememberAppliedDigest } from '../plan';

/**
 * The last tree the git source verified, kept beside the git mirror so that the next process does not verify
 * the same commit again: `reconcile --once` with nothing new reads one JSON file instead of 9,000 blobs, their
 * YAML and every rule, as the `--interval` loop already does in memory. For a new commit, its objects are the
 * documents parsed before: a file whose bytes have the same digest is not parsed again.
 *
 * The file names the commit it was verified at and a fingerprint of everything the verdict depends on: the
 * options it was read with (limits, hand edits allowed) and the code of the rules (every source file of the env
 * repo's room and of the git tree reader). A file with another commit, another fingerprint, or that is torn,
 * foreign or too large is not used for that commit; nothing in it is trusted by name, only by commit and digest.
 * Whoever can write it can write the mirror beside it, whose objects and refs every verdict rests on, so it
 * needs no protection the mirror does not have (docs/adr/0024-verified-trees-beside-the-mirror.md).
 */
export class VerifiedTreeCache {
  /** Reads the file's first line; one that is missing, unreadable, foreign or too large is an empty cache. */
  static open(file: string, options: { readonly maxBytes: number; readonly readOptions: unknown }): VerifiedTreeCache {
    const fingerprint = fingerprintOf(options.readOptions);
    return new VerifiedTreeCache(file, fingerprint, readKept(file, options.maxBytes, fingerprint));
  }

  /** Whether the kept tree was handed out (its documents are then someone else's: copied before reuse). */
  private handedOut = false;

  /** The tree kept before `remember` replaced it. */
  private previous: Kept | undefined;

  private constructor(
    private readonly file: string,
    private readonly fingerprint: string,
    private kept: Kept | undefined,
  ) {}

  /**
   * The metadata verified at `commit` before, when that is the commit kept: parsed without the objects, so
   * that reads sent ahead can leave while the rest of the file is parsed.
   */
  metadataAt(commit: string): EnvironmentMetadata | undefined {
    // The tree kept before the last one too, when it was read: the history check asks for the policy of the
    // commit applied before, which is that one after a new commit.
    const kept = [this.kept, this.previous].find((candidate) => candidate?.commit === commit);
    return kept?.metadata();
  }

  /** The metadata of the tree kept last, whatever its commit (a guess at what the next commit needs). */
  lastMetadata(): EnvironmentMetadata | undefined {
    return this.kept?.metadata();
  }

  /** The tree verified at `commit` before, when that is the commit kept. */
  treeAt(commit: string): EnvironmentTree | undefined {
    const tree = this.kept?.commit === commit ? this.kept.tree() : undefined;
    this.handedOut ||= tree !== undefined;
    return tree;
  }

  /** The object files' blobs of the kept tree: object name → sha256 digest of the content. */
  knownBlobs(): Map<string, string> {
    return new Map(this.kept?.blobs() ?? []);
  }

  /** The kept tree's documents by their file's digest, for reading another commit. */
  parsedDocuments(): ParsedDocuments {
    const byDigest = new Map<string, unknown>();
    const tree = this.kept?.tree();
    for (const { digest, object } of [...(tree?.objects ?? []), ...(tree?.delivery ?? [])]) {
      byDigest.set(digest, object);
    }
    const copy = this.handedOut;
    return {
      get: (digest) => {
        const kept = byDigest.get(digest);
        return copy && kept !== undefined ? structuredClone(kept) : kept;
      },
    };
  }

  /**
   * Keeps `tree`, verified at `commit`, and writes it: to a temporary file renamed over the old one, so a reader
   * never sees half of it. A tree JSON cannot carry unchanged (`.inf`, `-0`) is not kept. A cache that cannot be
   * written (read-only folder, full disk) costs a verification next time, nothing else: the error is returned.
   */
  remember(commit: string, tree: EnvironmentTree, objectNames: ReadonlyMap<string, string>): Error | undefined {
    const blobs: Array<[string, string]> = [];
    for (const { path: file, digest } of [...tree.objects, ...tree.delivery]) {
      const objectName = objectNames.get(file);
      if (objectName !== undefined) {
        blobs.push([objectName, digest]);
      }
    }
    this.previous = this.kept;
    this.kept = { commit, metadata: () => tree.metadata, tree: () => tree, blobs: () => blobs };
    this.handedOut = true;
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      const { metadata, lock, environment, objects, delivery } = tree;
      const lines = [
        JSON.stringify({ ...HEADER, fingerprint: this.fingerprint, commit }),
        JSON.stringify(metadata),
        JSON.stringify({ environment, lock, objects: objects.length, delivery: delivery.length }),
      ];
      // The objects' applied digests go with them: planning a no-op then hashes nothing.
      for (const [index, entry] of [...objects, ...delivery].entries()) {
        const applied = index < objects.length ? appliedDigestOf(entry.object) : null;
        const line = fileLineOf(entry, applied, objectNames.get(entry.path) ?? null);
        if (line === undefined) {
          removeQuietly(this.file);
          return undefined;
        }
        lines.push(line);
      }
      if (!carriedByJson(metadata) || !carriedByJson(lock)) {
        removeQuietly(this.file);
        return undefined;
      }
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
      fs.renameSync(temporary, this.file);
      return undefined;
    } catch (error) {
      removeQuietly(temporary);
      return error as Error;
    }
  }
}

/** Removes a file if it is there; one that cannot be removed (its folder is gone or not one) is left alone. */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Nothing to remove where there is no folder.
  }
}

/**
 * The kept commit, and its metadata, tree and object files' blobs (object name, digest), each parsed when first
 * asked for (undefined: the file is torn).
 */
interface Kept {
  readonly commit: string;
  metadata(): EnvironmentMetadata | undefined;
  tree(): EnvironmentTree | undefined;
  blobs(): ReadonlyArray<readonly [string, string]> | undefined;
}

const HEADER = { kind: 'stagecraft.dev/verified-tree', version: 1 } as const;

/** One object or delivery file as kept: path, digest, applied digest (objects only), blob object name, document. */
type FileLine = [string, string, string | null, string | null, unknown];

/**
 * The line each document was read from or written as, with the path and blob it stood for: a file unchanged
 * since the tree kept before is written as the same line, not serialized again.
 */
const fileLines = new WeakMap<object, { readonly path: string; readonly objectName: string | null; readonly line: string }>();

/** One file's line, or undefined when JSON cannot carry its document unchanged. */
function fileLineOf(entry: EnvironmentObject, applied: string | null, objectName: string | null): string | undefined {
  const known = fileLines.get(entry.object);
  if (known !== undefined && known.path === entry.path && known.objectName === objectName) {
    return known.line;
  }
  if (!carriedByJson(entry.object)) {
    return undefined;
  }
  const fileLine: FileLine = [entry.path, entry.digest, applied, objectName, entry.object];
  const line = JSON.stringify(fileLine);
  fileLines.set(entry.object, { path: entry.path, objectName, line });
  return line;
}

/**
 * The kept commit, when the file is ours, whole and made by these rules with these options. Its lines: the header
 * (kind, version, fingerprint, commit), the metadata, the rest of the tree without its files (environment, lock,
 * the number of objects and delivery files), then one FileLine per object and per delivery file.
 */
function readKept(file: string, maxBytes: number, fingerprint: string): Kept | undefined {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > maxBytes) {
      return undefined;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') {
    return undefined;
  }
  const header = parsed(lines[0]);
  if (header?.kind !== HEADER.kind || header.version !== HEADER.version || header.fingerprint !== fingerprint || typeof header.commit !== 'string') {
    return undefined;
  }
  let metadata: EnvironmentMetadata | undefined | null = null;
  let tree: EnvironmentTree | undefined | null = null;
  let blobs: Array<[string, string]> | undefined;
  const readMetadata = (): EnvironmentMetadata | undefined => {
    if (metadata === null) {
      const value = parsed(lines[1]);
      metadata = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
    }
    return metadata ?? undefined;
  };
  const readTree = (): EnvironmentTree | undefined => {
    if (tree === null) {
      const rest = parsed(lines[2]);
      const environmentMetadata = readMetadata();
      const files = lines.slice(3, -1).map(readFileLine);
      const whole = environmentMetadata !== undefined && typeof rest?.environment === 'string' && rest.lock !== null && typeof rest.lock === 'object'
        && Number.isInteger(rest.objects) && Number.isInteger(rest.delivery) && rest.objects + rest.delivery === files.length
        && files.every((entry, index) => entry !== undefined && (entry.applied !== null) === (index < rest.objects));
      tree = undefined;
      if (whole) {
        const entries = files as Array<NonNullable<ReturnType<typeof readFileLine>>>;
        blobs = entries.flatMap(({ objectName, entry }): Array<[string, string]> => (objectName === null ? [] : [[objectName, entry.digest]]));
        for (const { applied, entry } of entries.slice(0, rest.objects)) {
          rememberAppliedDigest(entry.object, applied!);
        }
        tree = {
          environment: rest.environment,
          lock: rest.lock,
          metadata: environmentMetadata,
          objects: entries.slice(0, rest.objects).map(({ entry }) => entry),
          delivery: entries.slice(rest.objects).map(({ entry }) => entry),
        };
      }
    }
    return tree;
  };
  return {
    commit: header.commit,
    metadata: readMetadata,
    tree: readTree,
    blobs: () => (readTree() === undefined ? undefined : blobs),
  };
}

/** One FileLine, checked, with its document's line remembered; undefined when it is not one. */
function readFileLine(line: string): { entry: EnvironmentObject; applied: string | null; objectName: string | null } | undefined {
  const value = parsed(line);
  if (!Array.isArray(value) || value.length !== 5) {
    return undefined;
  }
  const [file, digest, applied, objectName, object] = value as FileLine;
  const valid = typeof file === 'string' && isDigest(digest) && (applied === null || isDigest(applied))
    && (objectName === null || (typeof objectName === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(objectName)))
    && object !== null && typeof object === 'object' && !Array.isArray(object);
  if (!valid) {
    return undefined;
  }
  fileLines.set(object as object, { path: file, objectName, line });
  return { entry: { path: file, digest, object: object as KubeObject }, applied, objectName };
}

function isDigest(value: unknown): value is string {
  return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value);
}

/** One line's JSON, or undefined when it is not JSON. */
function parsed(line: string): any {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The rules' code, hashed once per process: a verdict holds only for the code that reached it. */
let rulesDigest: string | undefined;

/**
 * What a verdict depends on besides the commit: the options and the source of the rules (every file of
 * lib/envrepo, and the git tree reader, which judges sizes and paths before any content is read).
 */
function fingerprintOf(readOptions: unknown): string {
  if (rulesDigest === undefined) {
    const extension = path.extname(__filename);
    const library = path.resolve(__dirname, '..', '..');
    const files = [
      ...fs.readdirSync(path.join(library, 'envrepo'), { recursive: true, encoding: 'utf8' }).map((name) => path.join(library, 'envrepo', name)),
      path.join(library, 'git', `read-tree${extension}`),
      __filename,
    ].filter((file) => file.endsWith(extension) && !file.endsWith(`.d${extension}`)).sort();
    const hash = crypto.createHash('sha256');
    for (const file of files) {
      hash.update(`${path.relative(library, file)}\0`).update(fs.readFileSync(file)).update('\0');
    }
    rulesDigest = hash.digest('hex');
  }
  return `${rulesDigest} ${JSON.stringify(readOptions)}`;
}

/** Whether JSON gives this value back unchanged: only finite numbers other than -0 (the JSON schema's types). */
function carriedByJson(value: unknown): boolean {
  if (typeof value === 'number') {
    return Number.isFinite(value) && !Object.is(value, -0);
  }
  if (Array.isArray(value)) {
    return value.every(carriedByJson);
  }
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (!carriedByJson((value as Record<string, unknown>)[key])) {
        return false;
      }
    }
  }
  return true;
}
