import { environmentMetadataPath, kustomizationPath, lockPath } from './paths';
import { displayPath } from './repo-path';

/**
 * Size limits of the env repo: one set, shared by synth (which refuses, before writing anything, what a
 * reader would refuse) and every reader (reconcile, diff, status, promote, verify: they check them before
 * parsing anything). The messages come from here too, so synth and the readers say the same thing. Raising
 * one is a format decision (docs/adr/0018-limits-for-ten-times-the-work.md).
 */
export interface EnvRepoLimits {
  /**
   * Largest object file (`<env>/<folder>/<kind>.<name>.yaml`, `_delivery/` files included), in bytes.
   * @default DEFAULT_MAX_FILE_BYTES (1 MiB)
   */
  readonly maxFileBytes?: number;
  /**
   * Largest metadata file (`environment.json`, `lock.json`, `kustomization.yaml`): these grow with the
   * number of applications and objects, so they get a limit of their own.
   * @default DEFAULT_MAX_METADATA_FILE_BYTES (16 MiB)
   */
  readonly maxMetadataFileBytes?: number;
  /**
   * Largest environment (sum of all its files), in bytes.
   * @default DEFAULT_MAX_TOTAL_BYTES (64 MiB)
   */
  readonly maxTotalBytes?: number;
  /**
   * Most files in one environment.
   * @default DEFAULT_MAX_FILES (20000)
   */
  readonly maxFiles?: number;
}

/** 1 MiB: far above any sane Kubernetes object (etcd refuses objects over 1.5 MiB anyway). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * 16 MiB: a lock listing DEFAULT_MAX_FILES files of the longest paths synth can write (about 450 bytes each
 * with a 253-character name, 530 bytes per entry with its digest) still fits, so no environment within the
 * file limit can outgrow its own lock; environment.json takes about 400 bytes per application.
 */
export const DEFAULT_MAX_METADATA_FILE_BYTES = 16 * 1024 * 1024;

/** 64 MiB: an environment of thousands of objects, still small enough to hold in memory. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Files per environment: twice the largest environment benchmarked (3000 applications × 3 objects). */
export const DEFAULT_MAX_FILES = 20_000;

/** The per-file limit of format 1, for every file: a tree that says it is format 1 is held to it. */
export const FORMAT_1_MAX_FILE_BYTES = 1024 * 1024;

/**
 * 256 KiB: the API server refuses an object whose annotations (keys and values, in bytes) exceed this
 * (`TotalAnnotationSizeLimitB` in k8s.io/apimachinery). Checked with `stagecraft.dev/applied-digest`
 * included, which the reconciler adds at apply time.
 */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** A releases file names one image per application; 1 MiB is thousands of applications. */
export const MAX_RELEASES_FILE_BYTES = 1024 * 1024;

/** Whether a repo-relative path is one of the environment's metadata files, which grow with the environment. */
export function isMetadataFile(environment: string, path: string): boolean {
  return path === lockPath(environment) || path === environmentMetadataPath(environment) || path === kustomizationPath(environment);
}

/** Why a file of `size` bytes at `path` is over its limit, or undefined when it is not. The caller prefixes the path. */
export function fileSizeProblem(environment: string, path: string, size: number, limits: EnvRepoLimits = {}): string | undefined {
  if (isMetadataFile(environment, path)) {
    const max = limits.maxMetadataFileBytes ?? DEFAULT_MAX_METADATA_FILE_BYTES;
    return size <= max ? undefined
      : `${size} bytes, over the limit of ${max} bytes per metadata file; split the environment (fewer applications or objects) or raise the metadata-file limit`;
  }
  const max = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  return size <= max ? undefined
    : `${size} bytes, over the limit of ${max} bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit`;
}

/** Why an environment of `count` files is over the file-count limit, or undefined. Names `<env>/`. */
export function fileCountProblem(environment: string, count: number, limits: EnvRepoLimits = {}): string | undefined {
  const max = limits.maxFiles ?? DEFAULT_MAX_FILES;
  return count <= max ? undefined
    : `${environment}/: ${count} files, over the limit of ${max} files per environment; split the environment or raise the limit`;
}

/** Why an environment of `totalBytes` in `count` files is over the total limit, or undefined. Names `<env>/`. */
export function totalSizeProblem(environment: string, totalBytes: number, count: number, limits: EnvRepoLimits = {}): string | undefined {
  const max = limits.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  return totalBytes <= max ? undefined
    : `${environment}/: ${totalBytes} bytes in ${count} files, over the limit of ${max} bytes per environment; split the environment or raise the per-environment limit`;
}

/**
 * Every limit the files of one environment (repo-relative path → size in bytes) break, each message naming
 * its file or `<env>/`: what synth checks before writing and what the readers check before parsing.
 */
export function environmentLimitProblems(environment: string, sizes: ReadonlyMap<string, number>, limits: EnvRepoLimits = {}): string[] {
  const problems: string[] = [];
  let totalBytes = 0;
  for (const [path, size] of sizes) {
    totalBytes += size;
    const problem = fileSizeProblem(environment, path, size, limits);
    if (problem !== undefined) {
      problems.push(`${displayPath(path)}: ${problem}`);
    }
  }
  for (const problem of [fileCountProblem(environment, sizes.size, limits), totalSizeProblem(environment, totalBytes, sizes.size, limits)]) {
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  return problems;
}
