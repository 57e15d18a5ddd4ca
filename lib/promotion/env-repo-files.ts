import * as fs from 'fs';
import * as path from 'path';
import { DeclaredObject } from './declared-object';
import { CONSTRUCT_PATH_ANNOTATION } from '../envrepo/annotations';
import { approvalFolder, ApprovalRecord, parseApproval } from '../envrepo/approval';
import { ApplicationRecord, EnvironmentMetadata } from '../envrepo/environment-metadata';
import { listFilesBelow } from '../envrepo/list-files';
import { dnsLabelProblem, sortedUnique } from '../envrepo/names';
import { CLUSTER_FOLDER, lockPath, METADATA_FOLDER } from '../envrepo/paths';
import { EnvironmentTree, readEnvironment } from '../envrepo/read-environment';
import { parseReleasesFile, ReleasesFile } from '../envrepo/releases';
import { parseVerificationRecord, VerificationRecord } from '../envrepo/verification-record';

/**
 * Reading an env-repo checkout (a work copy) for promotion: environments as synth wrote them (verified
 * against their locks), an application's objects, approvals and verification records.
 */

/** Environments of the checkout: folders holding a lock written by synth, sorted. */
export function listEnvironments(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, lockPath(entry.name))))
    .map((entry) => entry.name)
    .sort();
}

/**
 * One environment of the checkout, verified against its lock. With `applications`, only its metadata and
 * the objects of those applications (their folders and `_cluster/`), each verified as in the whole tree:
 * a promotion of one application in an environment of thousands reads what it moves, not every file.
 */
export function readEnvironmentTree(root: string, environment: string, source: string, applications?: readonly string[]): EnvironmentTree {
  const folders = applications === undefined
    ? [environment]
    : [METADATA_FOLDER, CLUSTER_FOLDER, ...sortedUnique(applications).map((application) => {
      const problem = dnsLabelProblem(application);
      if (problem !== undefined) {
        throw new Error(`application "${application}" ${problem}; pass the name as the fleet declares it`);
      }
      return application;
    })].map((folder) => `${environment}/${folder}`);
  const files = new Map<string, Uint8Array>();
  for (const folder of folders) {
    for (const file of listFilesBelow(root, path.join(root, folder))) {
      const absolute = path.join(root, file);
      if (!fs.lstatSync(absolute).isFile()) {
        throw new Error(`${file} in ${source} is not a plain file; the env repo holds plain files only, replace it and re-run stagecraft synth`);
      }
      files.set(file, new Uint8Array(fs.readFileSync(absolute)));
    }
  }
  return readEnvironment(environment, files, { source, partial: applications !== undefined });
}

/** An environment's `environment.json`, verified against its lock, without reading its objects. */
export function readEnvironmentMetadata(root: string, environment: string, source: string): EnvironmentMetadata {
  return readEnvironmentTree(root, environment, source, []).metadata;
}

/**
 * The objects an application has in an environment: those in `<env>/<app>/`, and cluster-scoped ones in
 * `<env>/_cluster/` whose construct path (`<env>/<app>/…`) names the application.
 */
export function applicationObjects(tree: EnvironmentTree, application: string): DeclaredObject[] {
  return tree.objects.filter((entry) => belongsTo(entry, application)).map(({ object }) => object as unknown as DeclaredObject);
}

function belongsTo(entry: EnvironmentTree['objects'][number], application: string): boolean {
  return ownerOf(entry) === application;
}

/** The application an object belongs to: its folder, or for `_cluster/` the one its construct path names. */
function ownerOf({ path: file, object }: EnvironmentTree['objects'][number]): string | undefined {
  const folder = file.split('/')[1];
  if (folder !== CLUSTER_FOLDER) {
    return folder;
  }
  const constructPath = object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  return typeof constructPath === 'string' ? constructPath.split('/')[1] : undefined;
}

/**
 * `applicationObjects`, their files and `applicationRecord` of one tree, indexed once: a promotion of
 * thousands of applications looks each one up without scanning the tree each time.
 */
export interface ApplicationIndex {
  objects(application: string): DeclaredObject[];
  files(application: string): string[];
  record(application: string): ApplicationRecord | undefined;
}

export function indexApplications(tree: EnvironmentTree): ApplicationIndex {
  const entries = new Map<string, Array<EnvironmentTree['objects'][number]>>();
  for (const entry of tree.objects) {
    const owner = ownerOf(entry);
    if (owner !== undefined) {
      const known = entries.get(owner);
      if (known === undefined) {
        entries.set(owner, [entry]);
      } else {
        known.push(entry);
      }
    }
  }
  const records = new Map(tree.metadata.applications.map((record) => [record.name, record]));
  return {
    objects: (application) => (entries.get(application) ?? []).map(({ object }) => object as unknown as DeclaredObject),
    files: (application) => (entries.get(application) ?? []).map((entry) => entry.path),
    record: (application) => records.get(application),
  };
}

/** The application's record in `environment.json`, or undefined when the fleet has no such application. */
export function applicationRecord(metadata: EnvironmentMetadata, application: string): ApplicationRecord | undefined {
  return metadata.applications.find((record) => record.name === application);
}

/** Every approval of `image` for the application in the environment, checked against where it sits. */
export function readApprovals(root: string, environment: string, application: string, image: string): ApprovalRecord[] {
  const folder = approvalFolder(environment, application, image);
  const approvals: ApprovalRecord[] = [];
  for (const file of listFilesBelow(root, path.join(root, folder)).sort()) {
    const absolute = path.join(root, file);
    if (!fs.lstatSync(absolute).isFile() || !file.endsWith('.json')) {
      throw new Error(`${file}: not an approval file; the approvals folder holds only <identity>.json files written by stagecraft approve, remove it`);
    }
    approvals.push(parseApproval(file, fs.readFileSync(absolute, 'utf8')));
  }
  return approvals;
}

/** The releases file of the fleet program (`<fleet>/releases/<env>.yaml`), empty when there is none yet. */
export function readReleasesOf(fleetDirectory: string, environment: string, displayPath: string): ReleasesFile {
  const file = path.join(fleetDirectory, 'releases', `${environment}.yaml`);
  if (!fs.existsSync(file)) {
    return { environment, applications: {} };
  }
  return parseReleasesFile(displayPath, fs.readFileSync(file, 'utf8'));
}

/**
 * Parses the records of one environment read from the status branch. A record that does not parse counts
 * for nothing (gates then fail closed) and is reported in `ignored`.
 */
export function parseRecords(files: ReadonlyMap<string, string>): { records: VerificationRecord[]; ignored: string[] } {
  const records: VerificationRecord[] = [];
  const ignored: string[] = [];
  for (const [file, text] of [...files].sort(([left], [right]) => (left < right ? -1 : 1))) {
    try {
      records.push(parseVerificationRecord(file, text));
    } catch (error) {
      ignored.push((error as Error).message);
    }
  }
  return { records, ignored };
}

