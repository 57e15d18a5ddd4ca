import { toCanonicalYaml } from './canonical-yaml';
import { compareCodeUnits } from './names';
import { DELIVERY_FOLDER, kustomizationPath, METADATA_FOLDER } from './paths';

/** The kustomize file format synth writes (what `kubectl kustomize`, Flux and Argo CD read). */
export const KUSTOMIZATION_API_VERSION = 'kustomize.config.k8s.io/v1beta1';

/**
 * Whether a repo-relative file of an environment is one of its objects: `<env>/<folder>/<file>.yaml`, except
 * the metadata folder and the delivery folder (objects for the cluster's administrator, not for the environment).
 */
export function isEnvironmentObjectFile(environment: string, path: string): boolean {
  return environmentObjectFolder(environment, path) !== undefined;
}

/** The folder of an environment's object file (`web`, `_cluster`), or undefined when the file is not one (see isEnvironmentObjectFile). */
export function environmentObjectFolder(environment: string, path: string): string | undefined {
  const segments = path.split('/');
  return segments.length === 3
    && segments[0] === environment
    && segments[1] !== METADATA_FOLDER
    && segments[1] !== DELIVERY_FOLDER
    && segments[2].endsWith('.yaml') ? segments[1] : undefined;
}

/**
 * `<env>/kustomization.yaml` for the given files of the environment: every object file, relative to the
 * environment folder, sorted by code units. Nothing else (no name prefix, no labels, no patches): kustomize
 * prints the objects exactly as synth wrote them.
 */
export function renderKustomization(environment: string, files: Iterable<string>): string {
  const resources = [...files]
    .filter((path) => isEnvironmentObjectFile(environment, path))
    .map((path) => path.slice(environment.length + 1))
    .sort(compareCodeUnits);
  return toCanonicalYaml({ apiVersion: KUSTOMIZATION_API_VERSION, kind: 'Kustomization', resources });
}

/**
 * Why the environment's kustomization.yaml is not what synth writes for these files, or undefined. The lock
 * covers the file already; this catches a tree read with lock mismatches allowed, where a hand-edited list
 * would make kustomize apply something other than what the environment's reconciler checks. `paths` are every
 * file of the environment, `bytes` its kustomization.yaml as read (undefined: there is none).
 */
export function kustomizationProblem(environment: string, paths: Iterable<string>, bytes: Uint8Array | undefined): string | undefined {
  const file = kustomizationPath(environment);
  if (bytes === undefined) {
    return `${file}: missing, so kubectl -k, Flux and Argo CD cannot read ${environment}/; re-run stagecraft synth and commit its output`;
  }
  const expected = renderKustomization(environment, paths);
  return Buffer.from(bytes).toString('utf8') === expected ? undefined
    : `${file}: does not list exactly the object files of ${environment}/ (as stagecraft synth writes it); re-run stagecraft synth and commit its output`;
}
