import { ClusterClient, ClusterError, ResourceType } from './cluster-client';
import { describeKubeObject } from './describe';
import { DesiredObject } from './desired-state';
import { CONSTRUCT_PATH_ANNOTATION } from './metadata-keys';
import { KubeObject } from '../envrepo/kube-object';
import { apiGroupOf } from '../envrepo/object-identity';

/** How a CustomResourceDefinition of the desired state serves its kind. */
interface DeclaredKind {
  /** Versions with `served` not false. */
  readonly versions: readonly string[];
  readonly definition: string;
}

/**
 * Checks, before anything is written, that the API server can take every desired object: its kind is
 * served in its apiVersion (by the server, or by a CustomResourceDefinition of the same desired state, which
 * is applied first), and it has a namespace exactly when the server keeps the kind in namespaces. One
 * problem per kind, naming the first file and object and how many more there are. Without this check an
 * unknown kind failed only at apply time, after the namespaces and every other object had been written.
 * Discovery errors other than "not served" propagate: the live state must then not be planned against.
 */
export async function unservedKindProblems(client: ClusterClient, objects: readonly DesiredObject[]): Promise<string[]> {
  const declared = declaredKinds(objects.map((entry) => entry.object));
  const byKind = new Map<string, DesiredObject[]>();
  for (const entry of objects) {
    const key = `${entry.object.apiVersion}|${entry.object.kind}`;
    const entries = byKind.get(key);
    if (entries === undefined) {
      byKind.set(key, [entry]);
    } else {
      entries.push(entry);
    }
  }
  const problems = await Promise.all([...byKind.values()].map(async (entries) => {
    const { apiVersion, kind } = entries[0].object;
    const definition = declared.get(`${apiGroupOf(apiVersion)}|${kind}`);
    if (definition !== undefined) {
      const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
      return definition.versions.includes(version) ? undefined
        : located(entries, `${definition.definition} of this revision serves ${kind} in version ${definition.versions.join(', ') || 'none'}, not ${version}; fix apiVersion or the definition's spec.versions`);
    }
    let resource: ResourceType;
    try {
      resource = await client.resourceFor(apiVersion, kind);
    } catch (error) {
      if (error instanceof ClusterError && error.status === 404) {
        return located(entries, error.message);
      }
      throw error;
    }
    const misplaced = entries.filter((entry) => (entry.object.metadata.namespace !== undefined) !== resource.namespaced);
    if (misplaced.length === 0) {
      return undefined;
    }
    return located(misplaced, resource.namespaced
      ? `the server keeps kind ${kind} (${apiVersion}) in namespaces, but the env repo treats it as cluster-scoped (it sits in _cluster/ without metadata.namespace); fix the kind or apiVersion`
      : `the server serves kind ${kind} (${apiVersion}) cluster-scoped, but the object names a namespace (kinds neither built in nor declared by a CustomResourceDefinition of the environment count as namespaced); declare the kind's CustomResourceDefinition in the environment, or remove metadata.namespace`);
  }));
  return problems.filter((problem): problem is string => problem !== undefined);
}

/** `dev/x/widget.a.yaml (Widget/dev/a, construct dev/x/widget) and 2 more objects of this kind: <problem>`. */
function located(affected: readonly DesiredObject[], problem: string): string {
  const first = affected[0];
  const more = affected.length > 1 ? ` and ${affected.length - 1} more object${affected.length === 2 ? '' : 's'} of this kind` : '';
  const constructPath = first.object.metadata.annotations?.[CONSTRUCT_PATH_ANNOTATION];
  const construct = constructPath === undefined ? '' : `, construct ${constructPath}`;
  return `${first.path} (${describeKubeObject(first.object)}${construct})${more}: ${problem}`;
}

/** Kinds the desired state's CustomResourceDefinitions declare, by `group|kind`. */
function declaredKinds(objects: readonly KubeObject[]): Map<string, DeclaredKind> {
  const declared = new Map<string, DeclaredKind>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition' || apiGroupOf(object.apiVersion) !== 'apiextensions.k8s.io') {
      continue;
    }
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown }; versions?: unknown; version?: unknown } | undefined;
    if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string') {
      continue;
    }
    const versions = Array.isArray(spec.versions)
      ? spec.versions.filter((version) => version?.served !== false && typeof version?.name === 'string').map((version) => version.name as string)
      : [];
    // apiextensions.k8s.io/v1beta1 may name one version in spec.version instead.
    if (typeof spec.version === 'string' && !versions.includes(spec.version)) {
      versions.push(spec.version);
    }
    declared.set(`${spec.group}|${spec.names.kind}`, { versions, definition: `CustomResourceDefinition/${object.metadata.name}` });
  }
  return declared;
}
