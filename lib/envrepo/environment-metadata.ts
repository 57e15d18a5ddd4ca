import { formatVersionProblem } from './paths';
import type { GateRecord } from './promotion-gates';

/**
 * `<env>/.stagecraft/environment.json`: the environment's settings and promotion rules as declared in
 * the fleet. The reconciler reads its policy knobs; promotion reads its gates. Covered by the lock.
 */
export interface EnvironmentMetadata {
  /** Format version of the env repo (paths.ts): 2 when written by this library, 1 for older trees. */
  readonly schemaVersion: number;
  readonly name: string;
  /** kubeconfig context the environment deploys to. */
  readonly cluster: string;
  /** Namespaces objects of this environment may live in; the first is the default. */
  readonly namespaces: readonly string[];
  /** Namespace holding the reconciler's inventory and records. */
  readonly controlNamespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly policy: {
    readonly requireImageDigest: boolean;
    readonly requireSignedCommits: boolean;
    readonly allowedClusterScopedKinds: readonly string[];
  };
  readonly applications: readonly ApplicationRecord[];
  readonly promotion: readonly PromotionStageRecord[];
  /** The in-cluster reconciler, when the environment runs one (its objects are in `<env>/_reconciler/`). */
  readonly reconciler?: ReconcilerRecord;
  /** The Flux or Argo CD object that applies the environment, when not stagecraft's reconciler (written to `<env>/_delivery/`). */
  readonly delivery?: DeliveryRecord;
}

/** Which object of another reconciler applies the environment: where `stagecraft verify --from` reads its status. */
export interface DeliveryRecord {
  /** `flux` or `argocd`. */
  readonly reconciler: string;
  /** `Kustomization` (kustomize.toolkit.fluxcd.io) or `Application` (argoproj.io). */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The object of each other reconciler whose status tells whether it applied the environment. */
export const DELIVERY_STATUS_KINDS: Readonly<Record<string, { readonly apiVersion: string; readonly kind: string }>> = {
  flux: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' },
  argocd: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' },
};

/** Settings of an environment's in-cluster reconciler; key material appears as digests only. */
export interface ReconcilerRecord {
  readonly image: string;
  readonly repository: string;
  readonly branch: string;
  readonly intervalSeconds: number;
  /** The user name RBAC knows the reconciler by: `system:serviceaccount:<namespace>:<name>`. */
  readonly serviceAccount: string;
  readonly sshAllowedSignersDigest?: string;
  readonly gpgPublicKeysDigest?: string;
  readonly resourcePlurals?: Readonly<Record<string, string>>;
}

/** What the environment runs of one application. */
export interface ApplicationRecord {
  readonly name: string;
  /** The image in effect, or undefined when the application is not released here yet. */
  readonly image?: string;
  /** Values in effect here (replicas, port, config, ingress host, resources), whoever declared them. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Values that differ from the application's base definition because of environment overrides. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly objects: number;
}

/** How an application gets into this environment under one promotion policy. */
export interface PromotionStageRecord {
  readonly policy: string;
  /** Upstream environment, or undefined for the first stage (releases land here). */
  readonly from?: string;
  readonly position: number;
  readonly applications: readonly string[];
  readonly maxApplicationsPerPromotion?: number;
  readonly gates: readonly GateRecord[];
}

/**
 * Parses `environment.json`, checking the fields the reconciler and promotion act on. Errors name the
 * file, the field and the fix. Free-form parts (settings, overrides) are checked for shape only; each gate
 * is checked by `parseGateRecord` when it is judged, so one malformed gate fails alone and is never skipped.
 *
 * @param fileName shown in messages, e.g. `prod/.stagecraft/environment.json`
 */
export function parseEnvironmentMetadata(fileName: string, text: string): EnvironmentMetadata {
  const rewrite = 're-run stagecraft synth to rewrite it';
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid json (${(error as Error).message}); ${rewrite}`);
  }
  if (!isPlainObject(parsed)) {
    throw new Error(`${fileName}: expected a json object; ${rewrite}`);
  }
  const versionProblem = formatVersionProblem(fileName, parsed.schemaVersion);
  if (versionProblem !== undefined) {
    throw new Error(versionProblem);
  }
  const fieldProblem = (field: string, expected: string) => new Error(`${fileName}: "${field}" must be ${expected}; ${rewrite}`);
  for (const field of ['name', 'cluster', 'controlNamespace']) {
    if (typeof parsed[field] !== 'string') {
      throw fieldProblem(field, 'a string');
    }
  }
  if (!isStringArray(parsed.namespaces)) {
    throw fieldProblem('namespaces', 'a list of strings');
  }
  if (!isPlainObject(parsed.labels) || !Object.values(parsed.labels).every((value) => typeof value === 'string')) {
    throw fieldProblem('labels', 'a map of strings');
  }
  const policy = parsed.policy;
  if (!isPlainObject(policy)) {
    throw fieldProblem('policy', 'an object');
  }
  for (const field of ['requireImageDigest', 'requireSignedCommits']) {
    if (typeof policy[field] !== 'boolean') {
      throw fieldProblem(`policy.${field}`, 'true or false');
    }
  }
  if (!isStringArray(policy.allowedClusterScopedKinds)) {
    throw fieldProblem('policy.allowedClusterScopedKinds', 'a list of strings');
  }
  if (!Array.isArray(parsed.applications)) {
    throw fieldProblem('applications', 'a list');
  }
  parsed.applications.forEach((application: unknown, index: number) => {
    if (!isPlainObject(application) || typeof application.name !== 'string') {
      throw fieldProblem(`applications[${index}].name`, 'a string');
    }
  });
  if (parsed.reconciler !== undefined && (!isPlainObject(parsed.reconciler) || typeof parsed.reconciler.serviceAccount !== 'string')) {
    throw fieldProblem('reconciler', 'an object with "serviceAccount"');
  }
  const delivery = parsed.delivery;
  if (delivery !== undefined && (!isPlainObject(delivery) || DELIVERY_STATUS_KINDS[delivery.reconciler] === undefined
    || delivery.kind !== DELIVERY_STATUS_KINDS[delivery.reconciler].kind || typeof delivery.namespace !== 'string' || typeof delivery.name !== 'string')) {
    throw fieldProblem('delivery', 'an object with "reconciler" (flux or argocd), its "kind", "namespace" and "name"');
  }
  if (!Array.isArray(parsed.promotion)) {
    throw fieldProblem('promotion', 'a list');
  }
  parsed.promotion.forEach((stage: unknown, index: number) => {
    if (!isPlainObject(stage) || typeof stage.policy !== 'string' || !isStringArray(stage.applications) || !Array.isArray(stage.gates)) {
      throw fieldProblem(`promotion[${index}]`, 'an object with "policy", "applications" and "gates"');
    }
  });
  return parsed as EnvironmentMetadata;
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
