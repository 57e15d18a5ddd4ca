/**
 * Annotations and labels with a meaning in the env repo and on the cluster. Renaming any of them strands
 * objects written by earlier versions: treat them as part of the format.
 */

/** Names the construct that produced an object, so every message can point at the code. Written by synth. */
export const CONSTRUCT_PATH_ANNOTATION = 'stagecraft.dev/construct-path';

/** Digest of the object as the env repo declares it, set by the reconciler at apply time. */
export const APPLIED_DIGEST_ANNOTATION = 'stagecraft.dev/applied-digest';

/** Environment an object belongs to. */
export const ENVIRONMENT_LABEL = 'stagecraft.dev/environment';

/** The tool that manages an object (Kubernetes' recommended label). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
