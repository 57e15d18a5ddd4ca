import * as fs from 'fs';
import * as path from 'path';
import type { SynthesizedTree } from './synthesized-tree';
import { FolderListing, listEntriesBelow } from '../envrepo/list-files';
import { lockPath, METADATA_FOLDER } from '../envrepo/paths';
import { repoPathProblem } from '../envrepo/repo-path';
import { SYNTH_ENVIRONMENTS_VARIABLE } from '../envrepo/synth-environments';

/** What a write changed on disk. */
export interface WriteReport {
  /** Repo-relative paths whose bytes changed or that are new. */
  readonly written: readonly string[];
  /** Repo-relative paths deleted because they left the desired tree. */
  readonly deleted: readonly string[];
  readonly unchanged: number;
  readonly environments: number;
  readonly objects: number;
  /** Folders that look like environments this fleet no longer has (left in place). */
  readonly orphanedEnvironments: readonly string[];
  /** One line for people. */
  readonly summary: string;
}

/**
 * Writes the tree to `outdir`. Rewrites only files whose bytes change, deletes stale files only inside the
 * environment folders synth owns, and writes each environment's lock last, so an interrupted write leaves
 * a tree the reconciler refuses rather than one it trusts.
 */
export function writeTree(outdir: string, tree: SynthesizedTree): WriteReport {
  const root = path.resolve(outdir);
  const listings = new Map<string, FolderListing>();
  for (const environment of tree.environments) {
    // The folder itself is checked before it is listed: listing a link would list wherever it points.
    assertNotALink(root, environment.name);
    listings.set(environment.name, listEntriesBelow(root, path.join(root, environment.name)));
  }
  assertPlainPaths(root, tree, listings);
  for (const environment of tree.environments) {
    assertOwnedOrAbsent(root, environment.name);
  }
  const written: string[] = [];
  const deleted: string[] = [];
  let unchanged = 0;
  const createdFolders = new Set<string>();
  // `mayExist` false skips reading: on a first synth, thousands of failed reads would cost more than the writes.
  const put = (relativePath: string, content: string | Buffer, atomic = false, mayExist = true) => {
    const absolute = path.join(root, relativePath);
    if (mayExist && sameContent(absolute, content)) {
      unchanged++;
      return;
    }
    const folder = path.dirname(absolute);
    if (!createdFolders.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      createdFolders.add(folder);
    }
    if (atomic) {
      const temporary = `${absolute}.tmp`;
      fs.writeFileSync(temporary, content);
      fs.renameSync(temporary, absolute);
    } else {
      fs.writeFileSync(absolute, content);
    }
    written.push(relativePath);
  };

  for (const environment of tree.environments) {
    const existing = listings.get(environment.name)!.files;
    const existingSet = new Set(existing);
    for (const [relativePath, content] of environment.files) {
      put(relativePath, content, false, existingSet.has(relativePath));
    }
    const lock = lockPath(environment.name);
    const deletedBefore = deleted.length;
    for (const relativePath of existing) {
      if (!environment.files.has(relativePath) && relativePath !== lock) {
        fs.unlinkSync(path.join(root, relativePath));
        deleted.push(relativePath);
      }
    }
    // Only a deletion can leave a folder empty; with none, walking thousands of folders would find nothing.
    if (deleted.length > deletedBefore) {
      removeEmptyFolders(path.join(root, environment.name));
    }
    put(lock, environment.lockContent, true);
  }

  if (path.resolve(tree.releasesDirectory) !== path.join(root, 'releases')) {
    for (const [relativePath, bytes] of tree.releases) {
      put(relativePath, bytes);
    }
    for (const environment of tree.environments) {
      const releasesCopy = `releases/${environment.name}.yaml`;
      if (!tree.releases.has(releasesCopy) && fs.existsSync(path.join(root, releasesCopy))) {
        fs.unlinkSync(path.join(root, releasesCopy));
        deleted.push(releasesCopy);
      }
    }
  }

  const known = new Set([...tree.environments.map((environment) => environment.name), ...tree.leftAlone ?? []]);
  const orphanedEnvironments = listEnvironmentFolders(root).filter((name) => !known.has(name));
  const objects = tree.environments.reduce((sum, environment) => sum + environment.objectCount, 0);
  const summaryParts = [
    `stagecraft: synthesized ${tree.environments.length} environment${tree.environments.length === 1 ? '' : 's'} (${objects} objects) into ${outdir}`
      + `${(tree.leftAlone ?? []).length > 0 ? ` (only ${tree.environments.map((environment) => environment.name).join(', ')}: ${SYNTH_ENVIRONMENTS_VARIABLE} is set)` : ''}:`,
    `${written.length} written, ${unchanged} unchanged, ${deleted.length} deleted${tree.threads > 1 ? ` (${tree.threads} threads)` : ''}`,
  ];
  const notes = tree.environments
    .filter((environment) => environment.notReleased.length > 0)
    .map((environment) => `${environment.name}: not released yet: ${environment.notReleased.join(', ')}`);
  for (const orphan of orphanedEnvironments) {
    notes.push(`${orphan}/ belongs to no environment of this fleet and was left alone; delete it with git rm -r ${orphan} if it is retired`);
  }
  return {
    written,
    deleted,
    unchanged,
    environments: tree.environments.length,
    objects,
    orphanedEnvironments,
    summary: [summaryParts.join(' '), ...notes.map((note) => `  note: ${note}`)].join('\n'),
  };
}

function sameContent(absolute: string, content: string | Buffer): boolean {
  try {
    const existing = fs.readFileSync(absolute);
    return typeof content === 'string' ? existing.length === Buffer.byteLength(content) && existing.toString('utf8') === content : existing.equals(content);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw error;
  }
}

/**
 * Refuses, before anything is written, a path that would leave its folder and a symbolic link anywhere on
 * the way to a file synth writes: the output folder is often a checkout of the env repo, where anyone with
 * push access can commit `dev/web -> /home/user/.ssh`, and writing through it would land outside the folder.
 * Inside an environment folder the links are known from its listing; elsewhere (releases/) each folder on
 * the way is looked at once.
 */
function assertPlainPaths(root: string, tree: SynthesizedTree, listings: ReadonlyMap<string, FolderListing>): void {
  for (const environment of tree.environments) {
    const links = listings.get(environment.name)!.links;
    for (const relativePath of [...environment.files.keys(), lockPath(environment.name)]) {
      assertPlainPath(relativePath, `${environment.name}/`);
      if (links.size === 0) {
        continue;
      }
      const segments = relativePath.split('/');
      for (let length = 2; length <= segments.length; length++) {
        const prefix = segments.slice(0, length).join('/');
        if (links.has(prefix)) {
          throw linkError(root, prefix);
        }
      }
    }
  }
  if (path.resolve(tree.releasesDirectory) === path.join(root, 'releases')) {
    return;
  }
  const checked = new Set<string>();
  // Below a folder that does not exist there is nothing to look at.
  const missing = new Set<string>();
  for (const relativePath of tree.releases.keys()) {
    assertPlainPath(relativePath, 'releases/');
    const segments = relativePath.split('/');
    for (let length = 1; length <= segments.length; length++) {
      const prefix = segments.slice(0, length).join('/');
      if (missing.has(prefix)) {
        break;
      }
      if (checked.has(prefix)) {
        continue;
      }
      checked.add(prefix);
      if (!assertNotALink(root, prefix)) {
        missing.add(prefix);
        break;
      }
    }
  }
}

function assertPlainPath(relativePath: string, folder: string): void {
  const problem = repoPathProblem(relativePath);
  if (problem !== undefined || !relativePath.startsWith(folder)) {
    throw new Error(`${relativePath}: path ${problem ?? `is outside ${folder}`}; synth writes only plain paths inside the output folder, nothing was written`);
  }
}

/** Throws when `root/relativePath` is a symbolic link; says whether anything is there at all. */
function assertNotALink(root: string, relativePath: string): boolean {
  const stats = fs.lstatSync(path.join(root, relativePath), { throwIfNoEntry: false });
  if (stats?.isSymbolicLink()) {
    throw linkError(root, relativePath);
  }
  return stats !== undefined;
}

function linkError(root: string, relativePath: string): Error {
  const absolute = path.join(root, relativePath);
  return new Error(`${absolute} is a symbolic link (to ${fs.readlinkSync(absolute)}); synth writes only plain files and folders, so a link cannot send its output outside ${root}: replace the link with a folder or file, nothing was written`);
}

/**
 * Refuses to take over a folder synth did not create: deleting stale files there could destroy someone's work.
 */
function assertOwnedOrAbsent(root: string, environment: string): void {
  const folder = path.join(root, environment);
  let entries: string[];
  try {
    entries = fs.readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new Error(`${folder} is a file, not an environment folder; move it away so synth can write environment "${environment}"`);
    }
    throw error;
  }
  if (entries.length > 0 && !fs.existsSync(path.join(root, lockPath(environment)))) {
    throw new Error(`${folder} exists but was not written by stagecraft (no ${lockPath(environment)}); nothing was written — move the folder away or choose another output folder`);
  }
}

function removeEmptyFolders(folder: string): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && removeEmptyFolders(path.join(folder, entry.name))) {
      continue;
    }
    empty = false;
  }
  if (empty) {
    fs.rmdirSync(folder);
  }
  return empty;
}

/** Folders of `root` that hold a stagecraft lock: environments synthesized at some point. */
function listEnvironmentFolders(root: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, entry.name, METADATA_FOLDER, 'lock.json')))
    .map((entry) => entry.name)
    .sort();
}
