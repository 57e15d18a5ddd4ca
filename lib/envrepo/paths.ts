import { asciiLowercase } from './names';

/**
 * The env-repo path scheme. Changing anything here moves files in every env repo: it is a breaking change.
 *
 * Format versions (`schemaVersion` of lock.json and environment.json):
 * - 1: every file at most 1 MiB.
 * - 2: the same files and paths; the metadata files (environment.json, lock.json, kustomization.yaml) have a
 *   limit of their own (16 MiB), so an environment of thousands of applications fits (docs/adr/0018).
 */
export const ENV_REPO_FORMAT_VERSION = 2;

/** Format versions this library reads: a format-1 tree is still read, under format 1's limits. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** Why a metadata file's `schemaVersion` cannot be read, naming the file and the fix, or undefined when it can. */
export function formatVersionProblem(fileName: string, version: unknown): string | undefined {
  if (typeof version === 'number' && READABLE_FORMAT_VERSIONS.includes(version)) {
    return undefined;
  }
  const readable = `this stagecraft reads ${READABLE_FORMAT_VERSIONS.join(' and ')}`;
  const fix = typeof version === 'number' && Number.isInteger(version) && version > ENV_REPO_FORMAT_VERSION
    ? 'upgrade stagecraft to read it' : 're-run stagecraft synth with this version';
  return `${fileName}: schemaVersion ${JSON.stringify(version)} is not supported (${readable}); ${fix}`;
}

/** Folder of an environment's own metadata, next to its application folders. */
export const METADATA_FOLDER = '.stagecraft';

/** Folder holding an environment's cluster-scoped objects. */
export const CLUSTER_FOLDER = '_cluster';

/**
 * Folder holding the namespaced objects of the environment's in-cluster reconciler (its cluster-scoped
 * ones go to `_cluster/` like any other). Not a DNS label, so no application can ever be called that.
 */
export const RECONCILER_FOLDER = '_reconciler';

/** `<env>/.stagecraft/lock.json` */
export function lockPath(environment: string): string {
  return `${environment}/${METADATA_FOLDER}/lock.json`;
}

/** `<env>/.stagecraft/environment.json` */
export function environmentMetadataPath(environment: string): string {
  return `${environment}/${METADATA_FOLDER}/environment.json`;
}

/** `releases/<env>.yaml` */
export function releasesPath(environment: string): string {
  return `releases/${environment}.yaml`;
}

/**
 * `<env>/<app>/<kind>.<name>.yaml`, or `<env>/_cluster/<kind>.<name>.yaml` for cluster-scoped objects.
 * Kind is lowercased ASCII; names are DNS-1123 so they are safe in a path.
 */
export function objectPath(environment: string, application: string | undefined, kind: string, name: string): string {
  const folder = application ?? CLUSTER_FOLDER;
  return `${environment}/${folder}/${asciiLowercase(kind)}.${name}.yaml`;
}

/**
 * Folder holding the objects that hand the environment to another reconciler (Flux, Argo CD): the cluster's
 * administrator applies them once. Not a DNS label, so no application can ever be called that; not listed in
 * the environment's kustomization.yaml, so whatever applies the environment never applies them.
 */
export const DELIVERY_FOLDER = '_delivery';

/** `<env>/kustomization.yaml`: every object file of the environment, so kubectl -k, Flux and Argo CD can read the folder as it is. */
export function kustomizationPath(environment: string): string {
  return `${environment}/kustomization.yaml`;
}
