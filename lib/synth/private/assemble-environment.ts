import { ReleasesInput } from './read-releases';
import { renderDelivery } from './render-delivery';
import { renderReconciler } from './render-reconciler';
import { DeferredObject, PlacedObject, UnitResult, placeObject } from './render-unit';
import { Environment } from '../../constructs/environment';
import { InClusterReconciler } from '../../constructs/in-cluster-reconciler';
import { toCanonicalJson } from '../../envrepo/canonical-json';
import { sha256Digest } from '../../envrepo/digest';
import { ApplicationRecord, EnvironmentMetadata, PromotionStageRecord, ReconcilerRecord } from '../../envrepo/environment-metadata';
import { renderKustomization } from '../../envrepo/kustomization';
import { environmentLimitProblems } from '../../envrepo/limits';
import { createLock, EnvironmentLock, serializeLock } from '../../envrepo/lock';
import { ENV_REPO_FORMAT_VERSION, environmentMetadataPath, kustomizationPath, lockPath } from '../../envrepo/paths';
import { FleetDefinition } from '../fleet-definition';

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

/**
 * Joins the unit results of one environment, in application order, into its files: checks objects against
 * each other (identity, file path), places custom resources once every CustomResourceDefinition is known,
 * and writes environment.json and the lock. The order of units decides the order of messages, so results
 * rendered on other threads give the same output as results rendered here.
 */
export function assembleEnvironment(
  fleet: FleetDefinition,
  environment: Environment,
  units: readonly UnitResult[],
  releases: ReleasesInput | undefined,
  problems: string[],
): SynthesizedEnvironment | undefined {
  const problemsBefore = problems.length;
  const files = new Map<string, string>();
  const digests = new Map<string, string>();
  const identityOwners = new Map<string, string>();
  const pathOwners = new Map<string, string>();
  const customClusterScopedKinds = new Set<string>();
  const deferred: DeferredObject[] = [];
  const accepted: PlacedObject[] = [];
  const accept = (placed: PlacedObject) => {
    const earlier = identityOwners.get(placed.identity);
    if (earlier !== undefined) {
      problems.push(`${placed.description}: same object as ${earlier} in environment "${environment.environmentName}"; give one of them another metadata.name`);
      return;
    }
    identityOwners.set(placed.identity, placed.constructPath);
    const pathOwner = pathOwners.get(placed.filePath);
    if (pathOwner !== undefined) {
      problems.push(`${placed.description}: would be written to ${placed.filePath} like ${pathOwner}; give one of them another metadata.name`);
      return;
    }
    pathOwners.set(placed.filePath, placed.constructPath);
    accepted.push(placed);
    files.set(placed.filePath, placed.content);
    digests.set(placed.filePath, placed.digest);
  };
  for (const unit of units) {
    problems.push(...unit.problems);
    for (const object of unit.objects) {
      if (object.type === 'deferred') {
        deferred.push(object);
        continue;
      }
      if (object.declaresClusterScopedKind !== undefined) {
        customClusterScopedKinds.add(object.declaresClusterScopedKind);
      }
      accept(object);
    }
  }
  for (const { object } of deferred) {
    const placed = placeObject(object, environment, customClusterScopedKinds, problems);
    if (placed) {
      accept(placed);
    }
  }
  if (environment.reconciler !== undefined && problems.length === problemsBefore) {
    for (const placed of renderReconciler(environment, accepted, problems)) {
      accept(placed);
    }
  }
  if (problems.length > problemsBefore) {
    return undefined;
  }
  const name = environment.environmentName;
  const objectCount = files.size;
  files.set(kustomizationPath(name), renderKustomization(name, files.keys()));
  const delivery = renderDelivery(environment);
  for (const [file, content] of delivery?.files ?? []) {
    files.set(file, content);
  }
  const records: ApplicationRecord[] = units.map((unit) => unit.record);
  const metadata = { ...environmentMetadata(fleet, environment, records), delivery: delivery?.record };
  files.set(environmentMetadataPath(name), toCanonicalJson(metadata));
  const releasesDigest = releases ? sha256Digest(releases.bytes) : undefined;
  const lock = createLock({
    environment: name,
    files,
    inputsDigest: sha256Digest(toCanonicalJson({ environment: metadata, releases: releasesDigest ?? null })),
    releasesDigest,
    sourceCommit: fleet.sourceCommit,
    knownDigests: digests,
  });
  const lockContent = serializeLock(lock);
  // What a reader would refuse is refused here, with the reader's message, before anything is written.
  const sizes = new Map([...files].map(([file, content]) => [file, Buffer.byteLength(content, 'utf8')]));
  sizes.set(lockPath(name), Buffer.byteLength(lockContent, 'utf8'));
  const limitProblems = environmentLimitProblems(name, sizes);
  if (limitProblems.length > 0) {
    problems.push(...limitProblems);
    return undefined;
  }
  const notReleased = units.filter((unit) => unit.notReleased).map((unit) => unit.application);
  return { name, files, lock, lockContent, objectCount, notReleased };
}

function environmentMetadata(fleet: FleetDefinition, environment: Environment, applications: ApplicationRecord[]): EnvironmentMetadata {
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
    reconciler: reconcilerRecord(environment),
  };
}

/** The in-cluster reconciler's settings, so that the inputs digest changes with them; keys by digest only. */
function reconcilerRecord(environment: Environment): ReconcilerRecord | undefined {
  const options = environment.reconciler;
  if (options === undefined) {
    return undefined;
  }
  const name = InClusterReconciler.nameFor(environment.environmentName);
  return {
    image: options.image,
    repository: options.repository,
    branch: options.branch ?? 'main',
    intervalSeconds: options.interval === undefined ? 30 : options.interval.toSeconds(),
    serviceAccount: `system:serviceaccount:${environment.controlNamespace}:${name}`,
    sshAllowedSignersDigest: options.sshAllowedSigners === undefined ? undefined : sha256Digest(options.sshAllowedSigners),
    gpgPublicKeysDigest: options.gpgPublicKeys === undefined ? undefined : sha256Digest(options.gpgPublicKeys),
    resourcePlurals: options.resourcePlurals,
  };
}
