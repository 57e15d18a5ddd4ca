/**
 * Label and annotation keys the reconciler writes and reads on cluster objects. The `applyset.kubernetes.io/*`
 * keys are fixed by KEP-3659 (ApplySet); changing any other key orphans every object applied before.
 */

/** Field manager of every server-side apply Stagecraft sends. */
export const FIELD_MANAGER = 'stagecraft';

/** On members: the id of the applyset they belong to. */
export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/** On the parent: the applyset's id. */
export const APPLYSET_ID_LABEL = 'applyset.kubernetes.io/id';

/** On the parent: which tool manages the set; other tools must leave the set alone. */
export const APPLYSET_TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';

/** Value of the tooling annotation on parents Stagecraft manages. */
export const APPLYSET_TOOLING = 'stagecraft/v1';

/** On the parent: sorted, comma-separated `Kind.group` of every kind the set may have members of. */
export const APPLYSET_GROUP_KINDS_ANNOTATION = 'applyset.kubernetes.io/contains-group-kinds';

/** On the parent: namespaces other than the parent's where members may live. */
export const APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION = 'applyset.kubernetes.io/additional-namespaces';

// Digest of the object as in the env repo, and the construct that produced it: part of the env-repo format.
export { APPLIED_DIGEST_ANNOTATION, CONSTRUCT_PATH_ANNOTATION } from '../envrepo/annotations';

/**
 * On a desired object: `"true"` lets the reconciler delete and re-create it when the server refuses a change
 * of an immutable field (a Service's clusterIP, a Deployment's selector). Without it such a change fails.
 */
export const RECREATE_ON_IMMUTABLE_CHANGE_ANNOTATION = 'stagecraft.dev/recreate-on-immutable-change';
