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
import { isBuiltInKind, isClusterScopedKind } from '../envrepo/scope';
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
  const environmentNames = environments.map((environment) => environment.environmentName);
  const { inputs: releaseInputs, problems: releaseProblems } = readReleases(releasesDirectory, environmentNames);
  problems.push(...releaseProblems);
  const applicationNames = new Set(applications.map((application) => application.applicationName));
  for (const [environment, input] of releaseInputs) {
    for (const application of Object.keys(input.releases.applications).sort()) {
      if (!applicationNames.has(application)) {
        problems.push(`${input.path}: release for unknown application "${application}" in environment "${environment}" (known: ${[...applicationNames].join(', ') || 'none'}); remove the entry or add the application`);
      }
    }
  }

  // Constructs the user created (environments, applications, policies and anything added to them).
  for (const construct of fleet.node.findAll()) {
    for (const message of construct.node.validate()) {
      problems.push(`${construct.node.path}: ${message}`);
    }
  }
  const synthesized = environments.map((environment) =>
    synthesizeEnvironment(fleet, environment, applications, releaseInputs.get(environment.environmentName), problems));
  if (problems.length > 0) {
    throw new SynthError(problems);
  }
  const releases = new Map<string, Buffer>();
  for (const input of releaseInputs.values()) {
    releases.set(input.path, input.bytes);
  }
  return { environments: synthesized as SynthesizedEnvironment[], releases, releasesDirectory };
}

/**
 * Renders one environment application by application, turning each chart into files and dropping it before
 * the next: memory stays flat however large the fleet.
 */
function synthesizeEnvironment(
  fleet: Fleet,
  environment: Environment,
  applications: Application[],
  releases: ReleasesInput | undefined,
  problems: string[],
): SynthesizedEnvironment | undefined {
  const name = environment.environmentName;
  const serializer = new EnvironmentSerializer(environment, problems);
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
    const context = {
      environment: name,
      application: application.applicationName,
      namespace: environment.namespace,
      image,
      replicas: settings.replicas,
      config: settings.config,
      labels: chartLabels(environment, application),
    };
    let objects = 0;
    try {
      renderApplication(chart, application, context, settings);
      for (const construct of chart.node.findAll()) {
        for (const message of construct.node.validate()) {
          problems.push(`${construct.node.path}: ${message}`);
        }
        if (ApiObject.isApiObject(construct) && Chart.of(construct) === chart) {
          objects++;
          serializer.add(construct, application.applicationName);
        }
      }
    } catch (error) {
      problems.push(`${chart.node.path}: rendering failed: ${(error as Error).message}`);
    } finally {
      environment.node.tryRemoveChild(application.applicationName);
    }
    records.push({ name: application.applicationName, image, settings: settings.described, overrides: settings.overridden, objects });
  }
  return serializer.finish(fleet, records, releases, notReleased);
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
 * Turns the objects of one environment into files, checking each against the object rules and against the
 * others (identity, path). Objects of kinds this code does not know wait until the whole environment is
 * rendered: a CustomResourceDefinition of the same environment may declare them cluster-scoped.
 */
class EnvironmentSerializer {
  private readonly files = new Map<string, string>();
  private readonly pathOwners = new Map<string, string>();
  private readonly identityOwners = new Map<string, string>();
  private readonly customClusterScopedKinds = new Set<string>();
  private readonly deferred: RenderedObject[] = [];
  private readonly problemsBefore: number;

  constructor(private readonly environment: Environment, private readonly problems: string[]) {
    this.problemsBefore = problems.length;
  }

  public add(apiObject: ApiObject, application: string): void {
    let manifest: any;
    try {
      manifest = apiObject.toJson();
    } catch (error) {
      this.problems.push(`${apiObject.node.path}: ${(error as Error).message}`);
      return;
    }
    const object: RenderedObject = { manifest, constructPath: apiObject.node.path, application, clusterScoped: false };
    if (manifest.kind === 'CustomResourceDefinition' && manifest.spec?.scope === 'Cluster' && typeof manifest.spec?.names?.kind === 'string') {
      this.customClusterScopedKinds.add(manifest.spec.names.kind);
    }
    if (isBuiltInKind(manifest.kind)) {
      this.place(object);
    } else {
      this.deferred.push(object);
    }
  }

  public finish(
    fleet: Fleet,
    records: ApplicationRecord[],
    releases: ReleasesInput | undefined,
    notReleased: string[],
  ): SynthesizedEnvironment | undefined {
    for (const object of this.deferred) {
      this.place(object);
    }
    if (this.problems.length > this.problemsBefore) {
      return undefined;
    }
    const name = this.environment.environmentName;
    const metadata = environmentMetadata(fleet, this.environment, records);
    this.files.set(environmentMetadataPath(name), toCanonicalJson(metadata));
    const releasesDigest = releases ? sha256Digest(releases.bytes) : undefined;
    const lock = createLock({
      environment: name,
      files: this.files,
      inputsDigest: sha256Digest(toCanonicalJson({ environment: metadata, releases: releasesDigest ?? null })),
      releasesDigest,
      sourceCommit: fleet.sourceCommit,
    });
    return { name, files: this.files, lock, lockContent: serializeLock(lock), objectCount: this.files.size - 1, notReleased };
  }

  private place(object: RenderedObject): void {
    const environment = this.environment;
    const clusterScoped = isClusterScopedKind(object.manifest.kind, this.customClusterScopedKinds);
    const manifest = normalize(object, clusterScoped);
    const located: RenderedObject = { ...object, manifest, clusterScoped };
    const description = `${object.constructPath} (${describeObject({ apiVersion: manifest.apiVersion, kind: manifest.kind, namespace: manifest.metadata?.namespace, name: manifest.metadata?.name ?? '<unnamed>' })})`;
    let valid = true;
    for (const rule of OBJECT_RULES) {
      const problem = rule.check(located, environment);
      if (problem !== undefined) {
        this.problems.push(`${description}: ${problem}`);
        valid = false;
      }
    }
    if (!valid) {
      return;
    }
    const { apiVersion, kind, metadata } = manifest;
    const identity = identityKey({ apiVersion, kind, namespace: metadata.namespace, name: metadata.name });
    const earlier = this.identityOwners.get(identity);
    if (earlier !== undefined) {
      this.problems.push(`${description}: same object as ${earlier} in environment "${environment.environmentName}"; give one of them another metadata.name`);
      return;
    }
    this.identityOwners.set(identity, object.constructPath);
    const filePath = objectPath(environment.environmentName, clusterScoped ? undefined : object.application, manifest.kind, manifest.metadata.name);
    const pathOwner = this.pathOwners.get(filePath);
    if (pathOwner !== undefined) {
      this.problems.push(`${description}: would be written to ${filePath} like ${pathOwner}; give one of them another metadata.name`);
      return;
    }
    this.pathOwners.set(filePath, object.constructPath);
    try {
      this.files.set(filePath, toCanonicalYaml(manifest));
    } catch (error) {
      this.problems.push(`${description}: ${(error as Error).message}`);
    }
  }
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

