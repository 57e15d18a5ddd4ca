import { CONSTRUCT_PATH_ANNOTATION } from './annotations';
import { ENV_REPO_FORMAT_VERSION, environmentMetadataPath, kustomizationPath, lockPath, objectPath, releasesPath } from './paths';

/**
 * Where things live in an env repo (format v2; reads v1 too), for tools that read or write one.
 */
export class EnvRepoLayout {
  /** Version of the env-repo format this library writes and reads. */
  public static readonly FORMAT_VERSION: number = ENV_REPO_FORMAT_VERSION;

  /** Annotation every synthesized object carries: the construct path that produced it. */
  public static readonly CONSTRUCT_PATH_ANNOTATION: string = CONSTRUCT_PATH_ANNOTATION;

  /**
   * File of one object: `<env>/<app>/<kind>.<name>.yaml`, or `<env>/_cluster/<kind>.<name>.yaml` for a
   * cluster-scoped object (no application given).
   */
  public static objectPath(environment: string, kind: string, name: string, application?: string): string {
    return objectPath(environment, application, kind, name);
  }

  /** `<env>/.stagecraft/lock.json`: digests of every file of the environment. */
  public static lockPath(environment: string): string {
    return lockPath(environment);
  }

  /** `<env>/kustomization.yaml`: every object file of the environment, for kubectl -k, Flux and Argo CD. */
  public static kustomizationPath(environment: string): string {
    return kustomizationPath(environment);
  }

  /** `<env>/.stagecraft/environment.json`: the environment's settings and promotion gates. */
  public static environmentMetadataPath(environment: string): string {
    return environmentMetadataPath(environment);
  }

  /** `releases/<env>.yaml`: which image each application runs in the environment. */
  public static releasesPath(environment: string): string {
    return releasesPath(environment);
  }

  private constructor() {}
}
