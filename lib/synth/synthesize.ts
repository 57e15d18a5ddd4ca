import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { SynthError } from './synth-error';
import { Application } from '../constructs/application';
import { Environment } from '../constructs/environment';
import { Fleet } from '../constructs/fleet';
import { imageRepository, isCompleteReference, isPinnedByDigest } from '../constructs/private/image-reference';
import { APPLICATION_LABEL, ENVIRONMENT_LABEL, MANAGED_BY_LABEL, effectiveSettings, renderApplication } from '../constructs/private/render-application';
import { sha256Digest } from '../envrepo/digest';
import { ApplicationRecord, EnvironmentMetadata, PromotionStageRecord } from '../envrepo/environment-metadata';
import { createLock, EnvironmentLock, serializeLock } from '../envrepo/lock';
import { describeObject, identityKey } from '../envrepo/object-identity';
import { ENV_REPO_FORMAT_VERSION, environmentMetadataPath, objectPath } from '../envrepo/paths';
import { toCanonicalJson } from '../envrepo/private/canonical-json';
import { toCanonicalYaml } from '../envrepo/private/canonical-yaml';
import { isClusterScopedKind } from '../envrepo/scope';
import { fleetProblems } from './private/fleet-rules';
import { OBJECT_RULES, RenderedObject, containersOf, podSpecOf } from './private/kubernetes-rules';
import { readReleases, ReleasesInput } from './private/read-releases';
import { writeTree, WriteReport } from './write-tree';

/** Annotation naming the construct that produced an object, so every message can point at the code. */
export const CONSTRUCT_PATH_ANNOTATION = 'stagecraft.dev/construct-path';

/** The env-repo tree of one environment, ready to write. */
export interface SynthesizedEnvironment {
  readonly name: string;
  /** Repo-relative path → content, for every file except the lock. */
  readonly files: ReadonlyMap<string, string>;
  readonly lock: EnvironmentLock;
  readonly lockContent: string;
  readonly objectCount: number;
  /** Applications without a release in this environment (not rendered here yet). */
  readonly notReleased: readonly string[];
}

/** Everything synth writes for a fleet. */
export interface SynthesizedTree {
  readonly environments: readonly SynthesizedEnvironment[];
  /** `releases/<env>.yaml` copies (repo-relative path → bytes as read). */
  readonly releases: ReadonlyMap<string, Buffer>;
  /** Absolute folder the releases were read from. */
  readonly releasesDirectory: string;
}

/**
 * Renders and validates the whole fleet in memory. Reads only the releases folder; throws a SynthError
 * listing every problem when anything is wrong.
 */
export function synthesizeFleet(fleet: Fleet): SynthesizedTree {
  return withoutCdk8sEnvironment(() => synthesizeShielded(fleet));
}

/** Synthesizes and writes; the write happens only when synthesis found no problem. */
export function synthesizeFleetToDirectory(fleet: Fleet, outdir: string): WriteReport {
  const tree = synthesizeFleet(fleet);
  return writeTree(outdir, tree);
}

function synthesizeShielded(fleet: Fleet): SynthesizedTree {
  const environments = fleet.environments;
  const applications = fleet.applications;
  const problems = fleetProblems(fleet);
  const releasesDirectory = path.resolve(fleet.releasesDirectory);
  const { inputs: releaseInputs, problems: releaseProblems } = readReleases(releasesDirectory, environments.map((environment) => environment.environmentName));
  problems.push(...releaseProblems);
  const applicationNames = new Set(applications.map((application) => application.applicationName));
  for (const [environment, input] of releaseInputs) {
    for (const application of Object.keys(input.releases.applications).sort()) {
      if (!applicationNames.has(application)) {
        problems.push(`${input.path}: release for unknown application "${application}" in environment "${environment}" (known: ${[...applicationNames].join(', ') || 'none'}); remove the entry or add the application`);
      }
    }
  }

  const rendered = environments.map((environment) => renderEnvironment(environment, applications, releaseInputs.get(environment.environmentName), problems));
  for (const construct of fleet.node.findAll()) {
    for (const message of construct.node.validate()) {
      problems.push(`${construct.node.path}: ${message}`);
    }
  }
  const synthesized = rendered.map((environment) => serializeEnvironment(fleet, environment, releaseInputs.get(environment.environment.environmentName), problems));
  if (problems.length > 0) {
    throw new SynthError(problems);
  }
  const releases = new Map<string, Buffer>();
  for (const input of releaseInputs.values()) {
    releases.set(input.path, input.bytes);
  }
  return { environments: synthesized as SynthesizedEnvironment[], releases, releasesDirectory };
}

interface RenderedEnvironment {
  readonly environment: Environment;
  readonly objects: RenderedObject[];
  readonly applications: ApplicationRecord[];
  readonly notReleased: string[];
}

function renderEnvironment(environment: Environment, applications: Application[], releases: ReleasesInput | undefined, problems: string[]): RenderedEnvironment {
  const name = environment.environmentName;
  const objects: RenderedObject[] = [];
  const records: ApplicationRecord[] = [];
  const notReleased: string[] = [];
  for (const application of applications) {
    const image = imageFor(application, environment, releases, problems);
    if (image === undefined) {
      notReleased.push(application.applicationName);
      records.push({ name: application.applicationName, settings: {}, overrides: {}, objects: 0 });
      continue;
    }
    const settings = effectiveSettings(application, environment);
    const chart = chartFor(environment, application);
    const labels = chartLabels(environment, application);
    const context = {
      environment: name,
      application: application.applicationName,
      namespace: environment.namespace,
      image,
      replicas: settings.replicas,
      config: settings.config,
      labels,
    };
    const before = objects.length;
    try {
      renderApplication(chart, application, context, settings);
    } catch (error) {
      problems.push(`${chart.node.path}: rendering failed: ${(error as Error).message}`);
      continue;
    }
    collectObjects(chart, application.applicationName, objects, problems);
    records.push({ name: application.applicationName, image, settings: settings.described, overrides: settings.overridden, objects: objects.length - before });
  }
  return { environment, objects, applications: records, notReleased };
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

function collectObjects(chart: Chart, application: string, objects: RenderedObject[], problems: string[]): void {
  for (const construct of chart.node.findAll()) {
    if (!ApiObject.isApiObject(construct) || Chart.of(construct) !== chart) {
      continue;
    }
    try {
      objects.push({ manifest: construct.toJson(), constructPath: construct.node.path, application, clusterScoped: false });
    } catch (error) {
      problems.push(`${construct.node.path}: ${(error as Error).message}`);
    }
  }
}

function serializeEnvironment(fleet: Fleet, rendered: RenderedEnvironment, releases: ReleasesInput | undefined, problems: string[]): SynthesizedEnvironment | undefined {
  const { environment } = rendered;
  const name = environment.environmentName;
  const customClusterScopedKinds = new Set<string>();
  for (const { manifest } of rendered.objects) {
    if (manifest.kind === 'CustomResourceDefinition' && manifest.spec?.scope === 'Cluster' && typeof manifest.spec?.names?.kind === 'string') {
      customClusterScopedKinds.add(manifest.spec.names.kind);
    }
  }
  const files = new Map<string, string>();
  const pathOwners = new Map<string, string>();
  const identityOwners = new Map<string, string>();
  const problemCountBefore = problems.length;
  for (const object of rendered.objects) {
    const clusterScoped = isClusterScopedKind(object.manifest.kind, customClusterScopedKinds);
    const normalized = normalize(object, clusterScoped);
    const located: RenderedObject = { ...object, manifest: normalized, clusterScoped };
    const description = `${object.constructPath} (${describeObject({ apiVersion: normalized.apiVersion, kind: normalized.kind, namespace: normalized.metadata?.namespace, name: normalized.metadata?.name ?? '<unnamed>' })})`;
    let objectValid = true;
    for (const rule of OBJECT_RULES) {
      const problem = rule.check(located, environment);
      if (problem !== undefined) {
        problems.push(`${description}: ${problem}`);
        objectValid = false;
      }
    }
    if (!objectValid) {
      continue;
    }
    const identity = identityKey({ apiVersion: normalized.apiVersion, kind: normalized.kind, namespace: normalized.metadata.namespace, name: normalized.metadata.name });
    const earlier = identityOwners.get(identity);
    if (earlier !== undefined) {
      problems.push(`${description}: same object as ${earlier} in environment "${name}"; give one of them another metadata.name`);
      continue;
    }
    identityOwners.set(identity, object.constructPath);
    const filePath = objectPath(name, clusterScoped ? undefined : object.application, normalized.kind, normalized.metadata.name);
    const pathOwner = pathOwners.get(filePath);
    if (pathOwner !== undefined) {
      problems.push(`${description}: would be written to ${filePath} like ${pathOwner}; give one of them another metadata.name`);
      continue;
    }
    pathOwners.set(filePath, object.constructPath);
    try {
      files.set(filePath, toCanonicalYaml(normalized));
    } catch (error) {
      problems.push(`${description}: ${(error as Error).message}`);
    }
  }
  if (problems.length > problemCountBefore) {
    return undefined;
  }
  const metadata = environmentMetadata(fleet, environment, rendered.applications);
  const metadataContent = toCanonicalJson(metadata);
  files.set(environmentMetadataPath(name), metadataContent);
  const releasesDigest = releases ? sha256Digest(releases.bytes) : undefined;
  const lock = createLock({
    environment: name,
    files,
    inputsDigest: sha256Digest(toCanonicalJson({ environment: metadata, releases: releasesDigest ?? null })),
    releasesDigest,
    sourceCommit: fleet.sourceCommit,
  });
  return { name, files, lock, lockContent: serializeLock(lock), objectCount: files.size - 1, notReleased: rendered.notReleased };
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

function environmentMetadata(fleet: Fleet, environment: Environment, applications: ApplicationRecord[]): EnvironmentMetadata {
  const promotion: PromotionStageRecord[] = [];
  const allApplications = fleet.applications.map((application) => application.applicationName);
  for (const policy of fleet.promotionPolicies) {
    const stages = policy.stages;
    const position = stages.findIndex((stage) => stage.environment.environmentName === environment.environmentName);
    if (position < 0) {
      continue;
    }
    promotion.push({
      policy: policy.policyName,
      from: position > 0 ? stages[position - 1].environment.environmentName : undefined,
      position,
      applications: policy.applications ? policy.applications.map((application) => application.applicationName).sort() : allApplications,
      maxApplicationsPerPromotion: policy.maxApplicationsPerPromotion,
      gates: (stages[position].gates ?? []).map((gate) => gate._toRecord()),
    });
  }
  return {
    schemaVersion: ENV_REPO_FORMAT_VERSION,
    name: environment.environmentName,
    cluster: environment.cluster,
    namespaces: environment.namespaces,
    controlNamespace: environment.controlNamespace,
    labels: environment.labels,
    policy: {
      requireImageDigest: environment.requireImageDigest,
      requireSignedCommits: environment.requireSignedCommits,
      allowedClusterScopedKinds: [...environment.allowedClusterScopedKinds].sort(),
    },
    applications,
    promotion,
  };
}

/**
 * cdk8s reads CDK8S_* variables while rendering (sorting, hashing); synth output must not depend on the
 * environment, so they are hidden for the duration and restored afterwards.
 */
function withoutCdk8sEnvironment<T>(work: () => T): T {
  const saved: Record<string, string> = {};
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('CDK8S_')) {
      saved[key] = process.env[key]!;
      delete process.env[key];
    }
  }
  try {
    return work();
  } finally {
    Object.assign(process.env, saved);
  }
}

