import { ClusterClient } from './cluster-client';
import { FIELD_MANAGER } from './metadata-keys';
import { ENVIRONMENT_LABEL, MANAGED_BY_LABEL } from '../envrepo/annotations';
import { KubeObject } from '../envrepo/kube-object';

/** How many objects a reconcile created, configured, left alone, pruned or failed on. */
export interface ChangeCounts {
  readonly created: number;
  readonly configured: number;
  readonly unchanged: number;
  readonly pruned: number;
  readonly failed: number;
}

/** The summary of one reconcile kept in the cluster. */
export interface ReconcileSummary {
  readonly commit: string;
  readonly treeDigest: string;
  /** `applied`: applied without waiting for health (never counts as verified). */
  readonly verdict: 'healthy' | 'applied' | 'failed' | 'rolled-back' | 'refused' | 'skipped';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly writeRequests: number;
  readonly counts: ChangeCounts;
  readonly driftedObjects: number;
  readonly reason?: string;
}

/**
 * What the reconciler remembers about an environment between runs, kept in the cluster so every replica
 * and every CI run sees the same: the last revision verified healthy (rollback target), revisions that
 * failed (never applied again until the branch moves), when the current revision first became healthy
 * (soak gates), and recent results.
 */
export interface EnvironmentStatus {
  readonly schemaVersion: 1;
  readonly environment: string;
  readonly lastKnownGood?: { readonly commit: string; readonly treeDigest: string; readonly firstHealthyAt: string };
  readonly current?: { readonly commit: string; readonly treeDigest: string; readonly firstHealthyAt?: string };
  readonly failedCommits: ReadonlyArray<{ readonly commit: string; readonly at: string; readonly reason: string }>;
  readonly history: readonly ReconcileSummary[];
}

/** How many results and failed revisions the status keeps. */
export const STATUS_HISTORY_LIMIT = 20;

export function emptyStatus(environment: string): EnvironmentStatus {
  return { schemaVersion: 1, environment, failedCommits: [], history: [] };
}

/** Name of the ConfigMap holding an environment's status (in its control namespace). */
export function statusObjectName(environment: string): string {
  return `stagecraft-status-${environment}`;
}

const STATUS_KEY = 'status.json';

/** Reads the status; an environment never reconciled has an empty one. */
export async function readStatus(client: ClusterClient, namespace: string, environment: string): Promise<EnvironmentStatus> {
  const object = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: statusObjectName(environment) });
  return statusOf(object, namespace, environment);
}

/** The status a ConfigMap holds; an absent ConfigMap (or key) is an empty status, anything unreadable an error. */
export function statusOf(object: KubeObject | undefined, namespace: string, environment: string): EnvironmentStatus {
  const text = (object?.data as Record<string, string> | undefined)?.[STATUS_KEY];
  if (text === undefined) {
    return emptyStatus(environment);
  }
  try {
    const parsed = JSON.parse(text) as EnvironmentStatus;
    if (parsed.schemaVersion !== 1 || parsed.environment !== environment) {
      throw new Error(`schemaVersion ${parsed.schemaVersion} for environment ${parsed.environment}`);
    }
    return { ...emptyStatus(environment), ...parsed };
  } catch (error) {
    throw new Error(`ConfigMap/${namespace}/${statusObjectName(environment)}: status.json is not a stagecraft status (${(error as Error).message}); delete the ConfigMap to start afresh (the last known good revision is forgotten)`);
  }
}

/** Writes the status (server-side apply; not part of the environment's ApplySet, so never pruned). */
export async function writeStatus(client: ClusterClient, namespace: string, status: EnvironmentStatus): Promise<void> {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: statusObjectName(status.environment),
      namespace,
      labels: { [MANAGED_BY_LABEL]: 'stagecraft', [ENVIRONMENT_LABEL]: status.environment },
    },
    data: { [STATUS_KEY]: `${JSON.stringify(status, undefined, 2)}\n` },
  };
  await client.apply(object, { fieldManager: FIELD_MANAGER, force: true });
}

/**
 * Whether a reconcile only repeats the last one (same revision and verdict, nothing written, no drift):
 * then the status is left as it is, so an idle reconciler sends no write request at all.
 */
export function isRepeat(status: EnvironmentStatus, summary: ReconcileSummary): boolean {
  const last = status.history[0];
  return last !== undefined && summary.writeRequests === 0 && summary.driftedObjects === 0
    && last.commit === summary.commit && last.treeDigest === summary.treeDigest && last.verdict === summary.verdict;
}

/**
 * The status after one reconcile: pure, so the bookkeeping rules are tested without a cluster.
 * `revisionFailed` marks the revision as one not to apply again until the branch moves: only a revision that
 * did not become healthy earns that; a failed apply (API server away, a rejected object) is retried.
 */
export function recordResult(
  status: EnvironmentStatus,
  summary: ReconcileSummary,
  healthyAt: string | undefined,
  revisionFailed = false,
): EnvironmentStatus {
  const history = [summary, ...status.history].slice(0, STATUS_HISTORY_LIMIT);
  if (summary.verdict === 'healthy') {
    const sameRevision = status.current?.commit === summary.commit && status.current.treeDigest === summary.treeDigest;
    const firstHealthyAt = (sameRevision ? status.current?.firstHealthyAt : undefined) ?? healthyAt ?? summary.startedAt;
    return {
      ...status,
      current: { commit: summary.commit, treeDigest: summary.treeDigest, firstHealthyAt },
      lastKnownGood: { commit: summary.commit, treeDigest: summary.treeDigest, firstHealthyAt },
      history,
    };
  }
  if (summary.verdict === 'applied') {
    const sameRevision = status.current?.commit === summary.commit && status.current.treeDigest === summary.treeDigest;
    return { ...status, current: sameRevision ? status.current : { commit: summary.commit, treeDigest: summary.treeDigest }, history };
  }
  if (revisionFailed) {
    const failedCommits = [
      { commit: summary.commit, at: summary.startedAt, reason: summary.reason ?? summary.verdict },
      ...status.failedCommits.filter((entry) => entry.commit !== summary.commit),
    ].slice(0, STATUS_HISTORY_LIMIT);
    return { ...status, failedCommits, history };
  }
  return { ...status, history };
}
