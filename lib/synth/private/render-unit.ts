import { ApiObject, Chart } from 'cdk8s';
import { RenderedObject, renderedObjectProblems } from './kubernetes-rules';
import { ReleasesInput } from './read-releases';
import { APPLICATION_LABEL, ENVIRONMENT_LABEL, MANAGED_BY_LABEL, effectiveSettings, renderApplication } from './render-application';
import { Application } from '../../constructs/application';
import { Environment } from '../../constructs/environment';
import { CONSTRUCT_PATH_ANNOTATION } from '../../envrepo/annotations';
import { toCanonicalYaml } from '../../envrepo/canonical-yaml';
import { sha256Digest } from '../../envrepo/digest';
import { ApplicationRecord } from '../../envrepo/environment-metadata';
import { imageRepository, isCompleteReference, isPinnedByDigest } from '../../envrepo/image-reference';
import { fileSizeProblem } from '../../envrepo/limits';
import { describeObject, identityKey, ObjectIdentity } from '../../envrepo/object-identity';
import { containersOf, podSpecOf } from '../../envrepo/object-rules';
import { objectPath } from '../../envrepo/paths';
import { isBuiltInKind, isClusterScopedKind } from '../../envrepo/scope';


/** An object that passed its own rules and knows its file; only checks against other objects remain. */
export interface PlacedObject {
  readonly type: 'placed';
  readonly constructPath: string;
  readonly description: string;
  readonly identity: string;
  readonly filePath: string;
  readonly content: string;
  /** sha256 of `content`, computed on the rendering thread so the lock costs the main thread nothing. */
  readonly digest: string;
  /** Kind a CustomResourceDefinition declares cluster-scoped, if this object is one. */
  readonly declaresClusterScopedKind?: string;
  /** apiVersion, kind, namespace (none when cluster-scoped) and name, for rules about the whole environment. */
  readonly reference: ObjectIdentity;
  /** The resource a CustomResourceDefinition declares, if this object is one: RBAC rules need its plural. */
  readonly declaresResource?: DeclaredResource;
}

/** What a CustomResourceDefinition declares: objects of `kind` in `group` are served as `plural`. */
export interface DeclaredResource {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
}

/** An object of a kind whose scope is known only once the whole environment is rendered (custom resources). */
export interface DeferredObject {
  readonly type: 'deferred';
  readonly object: RenderedObject;
}

/**
 * Everything one (environment, application) rendering produced. Plain data, so it can cross from a worker
 * thread to the main thread.
 */
export interface UnitResult {
  readonly environment: string;
  readonly application: string;
  readonly record: ApplicationRecord;
  readonly notReleased: boolean;
  /** Problems in the order they were found: release, rendering, construct validation, object rules. */
  readonly problems: string[];
  readonly objects: Array<PlacedObject | DeferredObject>;
}

/**
 * Renders one application for one environment into a fresh chart, turns its objects into files and removes
 * the chart again, so memory stays flat however large the fleet.
 */
export function renderUnit(environment: Environment, application: Application, releases: ReleasesInput | undefined): UnitResult {
  const problems: string[] = [];
  const base = { environment: environment.environmentName, application: application.applicationName, problems };
  const image = imageFor(application, environment, releases, problems);
  if (image === undefined) {
    return { ...base, notReleased: true, objects: [], record: { name: application.applicationName, settings: {}, overrides: {}, objects: 0 } };
  }
  const settings = effectiveSettings(application, environment);
  const chart = chartFor(environment, application);
  const objects: Array<PlacedObject | DeferredObject> = [];
  let count = 0;
  let rendered: Record<string, unknown> = {};
  try {
    renderApplication(chart, application, {
      environment: environment.environmentName,
      application: application.applicationName,
      namespace: environment.namespace,
      image,
      replicas: settings.replicas,
      config: settings.config,
      labels: chartLabels(environment, application),
    }, settings);
    for (const construct of chart.node.findAll()) {
      for (const message of construct.node.validate()) {
        problems.push(`${construct.node.path}: ${message}`);
      }
      if (ApiObject.isApiObject(construct) && Chart.of(construct) === chart) {
        count++;
        const isWorkload = application.image !== undefined && construct.node.scope?.node.id === 'deployment' && construct.node.scope.node.scope === chart;
        const prepared = prepareApiObject(construct, application.applicationName, environment, problems, (manifest) => {
          rendered = isWorkload ? renderedWorkloadSettings(manifest, application.applicationName) : rendered;
        });
        if (prepared) {
          objects.push(prepared);
        }
      }
    }
  } catch (error) {
    problems.push(`${chart.node.path}: rendering failed: ${(error as Error).message}`);
  } finally {
    environment.node.tryRemoveChild(application.applicationName);
  }
  const described = { ...settings.described, ...rendered };
  const record = { name: application.applicationName, image, settings: described, overrides: settings.overridden, objects: count };
  return { ...base, notReleased: false, objects, record };
}

/**
 * What the Deployment of the high-level form really runs with, cdk8s-plus defaults included (it sets CPU and
 * memory requests and limits and a hardened security context when the application does not): recorded in
 * environment.json's settings, so a reviewer sees there what every pod gets.
 */
function renderedWorkloadSettings(manifest: any, container: string): Record<string, unknown> {
  const pod = manifest?.spec?.template?.spec ?? {};
  const main = (pod.containers ?? []).find((candidate: any) => candidate?.name === container) ?? {};
  return { resources: main.resources ?? {}, securityContext: main.securityContext ?? {}, podSecurityContext: pod.securityContext ?? {} };
}

function prepareApiObject(
  apiObject: ApiObject,
  application: string,
  environment: Environment,
  problems: string[],
  seen: (manifest: any) => void,
): PlacedObject | DeferredObject | undefined {
  let manifest: any;
  try {
    manifest = apiObject.toJson();
  } catch (error) {
    problems.push(`${apiObject.node.path}: ${(error as Error).message}`);
    return undefined;
  }
  seen(manifest);
  const object: RenderedObject = { manifest, constructPath: apiObject.node.path, application, clusterScoped: false };
  if (!isBuiltInKind(manifest.kind)) {
    return { type: 'deferred', object };
  }
  return placeObject(object, environment, new Set(), problems);
}

/**
 * Normalizes an object, checks it against the object rules and computes its identity, file and content.
 * Problems go to `problems`; the result is undefined when the object has any.
 */
export function placeObject(
  object: RenderedObject,
  environment: Environment,
  customClusterScopedKinds: ReadonlySet<string>,
  problems: string[],
): PlacedObject | undefined {
  const clusterScoped = isClusterScopedKind(object.manifest.kind, customClusterScopedKinds);
  const manifest = normalize(object, clusterScoped);
  const located: RenderedObject = { ...object, manifest, clusterScoped };
  const { apiVersion, kind, metadata } = manifest;
  const description = `${object.constructPath} (${describeObject({ apiVersion, kind, namespace: metadata?.namespace, name: metadata?.name ?? '<unnamed>' })})`;
  const ruleProblems = renderedObjectProblems(located, environment);
  if (ruleProblems.length > 0) {
    problems.push(...ruleProblems.map((problem) => `${description}: ${problem}`));
    return undefined;
  }
  let content: string;
  try {
    content = toCanonicalYaml(manifest);
  } catch (error) {
    problems.push(`${description}: ${(error as Error).message}`);
    return undefined;
  }
  const filePath = objectPath(environment.environmentName, clusterScoped ? undefined : object.application, kind, metadata.name);
  // The readers refuse files over the limit unread; writing one would only move the failure to deploy time.
  const sizeProblem = fileSizeProblem(environment.environmentName, filePath, Buffer.byteLength(content, 'utf8'));
  if (sizeProblem !== undefined) {
    problems.push(`${description}: ${filePath}: ${sizeProblem}`);
    return undefined;
  }
  const declaresClusterScopedKind = kind === 'CustomResourceDefinition' && manifest.spec?.scope === 'Cluster' && typeof manifest.spec?.names?.kind === 'string'
    ? manifest.spec.names.kind as string
    : undefined;
  const names = manifest.spec?.names;
  const declaresResource = kind === 'CustomResourceDefinition' && typeof manifest.spec?.group === 'string'
    && typeof names?.kind === 'string' && typeof names?.plural === 'string'
    ? { group: manifest.spec.group as string, kind: names.kind as string, plural: names.plural as string }
    : undefined;
  const reference: ObjectIdentity = { apiVersion, kind, namespace: clusterScoped ? undefined : metadata.namespace, name: metadata.name };
  return {
    type: 'placed',
    constructPath: object.constructPath,
    description,
    identity: identityKey(reference),
    reference,
    declaresResource,
    filePath,
    content,
    digest: sha256Digest(content),
    declaresClusterScopedKind,
  };
}

function chartFor(environment: Environment, application: Application): Chart {
  const existing = environment.node.tryFindChild(application.applicationName);
  if (existing !== undefined) {
    throw new Error(`${environment.node.path}: already has a child "${application.applicationName}"; an environment's children are created by synth, add nothing to it`);
  }
  return new Chart(environment, application.applicationName, {
    namespace: environment.namespace,
    labels: chartLabels(environment, application),
    // Readable names: objects are named explicitly; without a name cdk8s would hash the construct path.
    disableResourceNameHashes: true,
  });
}

function chartLabels(environment: Environment, application: Application): Record<string, string> {
  return {
    ...environment.labels,
    ...application.labels,
    [APPLICATION_LABEL]: application.applicationName,
    [ENVIRONMENT_LABEL]: environment.environmentName,
    [MANAGED_BY_LABEL]: 'stagecraft',
  };
}

/** The image an application runs in an environment, or undefined when it is not released there. */
function imageFor(application: Application, environment: Environment, releases: ReleasesInput | undefined, problems: string[]): string | undefined {
  const entry = releases?.releases.applications[application.applicationName];
  if (entry === undefined) {
    if (application.image !== undefined && isCompleteReference(application.image)) {
      return application.image;
    }
    return application.image === undefined ? '' : undefined;
  }
  const where = `${releases!.path}: applications.${application.applicationName}.image`;
  if (application.image !== undefined && imageRepository(entry.image) !== imageRepository(application.image)) {
    problems.push(`${where}: "${entry.image}" is not from repository "${imageRepository(application.image)}" declared by ${application.node.path}; release an image of that repository or change the application's image`);
  }
  if (environment.requireImageDigest && !isPinnedByDigest(entry.image)) {
    problems.push(`${where}: "${entry.image}" is not pinned by digest but environment "${environment.environmentName}" requires it; release it as ${imageRepository(entry.image)}@sha256:<digest>`);
  }
  return entry.image;
}

/**
 * Fixes what the API server would otherwise fill in or reject: namespace of cluster-scoped objects,
 * Service and container ports without a protocol (server-side apply on 1.20 rejects those), and adds the
 * construct-path annotation.
 */
function normalize(object: RenderedObject, clusterScoped: boolean): any {
  // toJson() returns a fresh object on every call, so it is ours to change.
  const manifest = object.manifest;
  manifest.metadata = manifest.metadata ?? {};
  if (clusterScoped) {
    delete manifest.metadata.namespace;
  }
  manifest.metadata.annotations = { ...(manifest.metadata.annotations ?? {}), [CONSTRUCT_PATH_ANNOTATION]: object.constructPath };
  if (manifest.kind === 'Service' && Array.isArray(manifest.spec?.ports)) {
    for (const port of manifest.spec.ports) {
      port.protocol = port.protocol ?? 'TCP';
    }
  }
  for (const container of containersOf(podSpecOf(manifest))) {
    for (const port of container.ports ?? []) {
      port.protocol = port.protocol ?? 'TCP';
    }
  }
  return manifest;
}
