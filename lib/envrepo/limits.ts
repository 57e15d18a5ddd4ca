/**
 * Size limits of the env repo, shared by synth (which refuses to write what the reconciler would refuse to
 * read) and the reconciler (which checks them before parsing anything). Raising one is a format decision.
 */

/** 1 MiB: far above any sane Kubernetes object (etcd refuses objects over 1.5 MiB anyway). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** 64 MiB: an environment of thousands of objects, still small enough to hold in memory. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Files per environment: ten times the largest fleet benchmarked (1000 applications × 3 objects). */
export const DEFAULT_MAX_FILES = 10_000;

/**
 * 256 KiB: the API server refuses an object whose annotations (keys and values, in bytes) exceed this
 * (`TotalAnnotationSizeLimitB` in k8s.io/apimachinery). Checked with `stagecraft.dev/applied-digest`
 * included, which the reconciler adds at apply time.
 */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** A releases file names one image per application; 1 MiB is thousands of applications. */
export const MAX_RELEASES_FILE_BYTES = 1024 * 1024;
