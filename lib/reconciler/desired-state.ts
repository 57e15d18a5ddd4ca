import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { KubeObject } from '../envrepo/kube-object';

/** One object of the env repo, with the repo-relative path of the file it came from. */
export interface DesiredObject {
  readonly path: string;
  readonly object: KubeObject;
}

/**
 * What one environment should look like in its cluster: what a source (a folder today, git later) read
 * from `<env>/` of the env repo.
 */
export interface DesiredState {
  /** What was read, e.g. the lock's treeDigest or a commit; reported with every result. */
  readonly revision: string;
  readonly environment: EnvironmentMetadata;
  /** Sorted by path. */
  readonly objects: readonly DesiredObject[];
}
