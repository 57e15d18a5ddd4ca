import { ENV_REPO_FORMAT_VERSION } from './paths';

/**
 * `<env>/.stagecraft/environment.json`: the environment's settings and promotion rules as declared in
 * the fleet. The reconciler reads its policy knobs; promotion reads its gates. Covered by the lock.
 */
export interface EnvironmentMetadata {
  readonly schemaVersion: typeof ENV_REPO_FORMAT_VERSION;
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
  readonly gates: ReadonlyArray<Readonly<Record<string, unknown>>>;
}
