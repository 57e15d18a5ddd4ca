import { EnvironmentMetadata } from './environment-metadata';
import type { KubeObject } from './kube-object';
import { dnsLabelProblem } from './names';
import { describeObject, identityKey } from './object-identity';
import { objectProblems, ObjectPolicy } from './object-rules';
import { isClusterScopedKind } from './scope';

/** An object of the env repo and the file it came from. */
export interface ObjectInFile {
  /** Repo-relative path, e.g. `dev/web/deployment.web.yaml`. */
  readonly path: string;
  readonly object: KubeObject;
}

/**
 * What the reconciler checks of an environment's objects once each file parsed and sits where synth puts
 * it: the object rules synth applies (names, namespaces, cluster-scoped kinds, plaintext Secrets, image
 * digests, annotation size, `envrepo/object-rules.ts`) under the policy of `environment.json`, and that no
 * object is declared twice. Pure; every problem names the file and the object.
 *
 * @param clusterScopedKinds custom kinds a CustomResourceDefinition of the environment declares cluster-scoped
 */
export function environmentObjectProblems(
  metadata: EnvironmentMetadata,
  objects: readonly ObjectInFile[],
  clusterScopedKinds: ReadonlySet<string>,
): string[] {
  const policy: ObjectPolicy = {
    environment: metadata.name,
    namespaces: metadata.namespaces,
    allowedClusterScopedKinds: metadata.policy.allowedClusterScopedKinds,
    requireImageDigest: metadata.policy.requireImageDigest,
  };
  const fromReconciler = metadata.reconciler !== undefined;
  const problems: string[] = [];
  const firstPath = new Map<string, string>();
  for (const { path, object } of objects) {
    const clusterScoped = isClusterScopedKind(object.kind, clusterScopedKinds);
    // The reconciler puts a namespaced object without a namespace into the first namespace: so does its identity.
    const namespace = clusterScoped ? undefined : object.metadata.namespace ?? metadata.namespaces[0];
    const identity = { apiVersion: object.apiVersion, kind: object.kind, namespace, name: object.metadata.name };
    const description = describeObject(identity);
    for (const problem of objectProblems({ manifest: object, clusterScoped, fromReconciler }, policy)) {
      problems.push(`${path} (${description}): ${problem}`);
    }
    const key = identityKey(identity);
    const earlier = firstPath.get(key);
    if (earlier === undefined) {
      firstPath.set(key, path);
    } else {
      problems.push(`${path}: holds ${description}, the same object as ${earlier}; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth`);
    }
  }
  return problems;
}

/**
 * What the reconciler checks of `environment.json` beyond its shape: the namespaces it creates and applies
 * into are valid namespace names, and there is at least one.
 */
export function environmentMetadataProblems(fileName: string, metadata: EnvironmentMetadata): string[] {
  const problems: string[] = [];
  const fix = 're-run stagecraft synth to rewrite it';
  if (metadata.namespaces.length === 0) {
    problems.push(`${fileName}: "namespaces" is empty, so objects have nowhere to go; ${fix}`);
  }
  metadata.namespaces.forEach((namespace, index) => {
    const problem = dnsLabelProblem(namespace);
    if (problem !== undefined) {
      problems.push(`${fileName}: namespaces[${index}] "${namespace}" ${problem} (DNS-1123 label); ${fix}`);
    }
  });
  const controlProblem = dnsLabelProblem(metadata.controlNamespace);
  if (controlProblem !== undefined) {
    problems.push(`${fileName}: controlNamespace "${metadata.controlNamespace}" ${controlProblem} (DNS-1123 label); ${fix}`);
  }
  return problems;
}
