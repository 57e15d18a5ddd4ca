import { Clock } from './clock';
import { ClusterClient } from './cluster-client';
import { attemptWithRollback } from './cycle-attempt';
import { decideCycle } from './cycle-decide';
import { CycleLock, lockOnFirstWrite } from './cycle-lock';
import { CycleMeter, persistOutcome } from './cycle-persist';
import { PruneOptions } from './prune';
import { ReconcileResult } from './reconcile';
import { RevisionSource } from './revision-source';
import { WaitResult } from './wait';

export { countChanges } from './cycle-persist';

/** How one cycle runs. */
export interface CycleOptions {
  readonly client: ClusterClient;
  readonly clock: Clock;
  readonly source: RevisionSource;
  readonly environment: string;
  readonly concurrency: number;
  readonly prune: PruneOptions;
  /** Health wait after apply; `undefined` skips it (the revision is then never recorded as verified). */
  readonly health?: { readonly timeoutMs: number; readonly pollIntervalMs: number };
  /** Commit a verification record to the env repo's status branch (git sources only). */
  readonly record?: { readonly repo: string; readonly cacheDirectory: string; readonly author: { readonly name: string; readonly email: string } };
  readonly onProgress?: (line: string) => void;
  /** Keys allowed to sign the environment's commits, and whether a force push may be applied. */
  readonly trust?: { readonly sshAllowedSignersFile?: string; readonly gpgKeyring?: string; readonly allowHistoryRewrite?: boolean };
  /**
   * Take the environment's lock (a Lease in the control namespace, see lock.ts) before writing, as `holder`;
   * a reconcile that finds it held by another is refused. Without it, no lock is taken.
   */
  readonly lock?: { readonly holder: string; readonly leaseSeconds?: number };
}

/**
 * What one cycle did. `verdict`:
 * - `healthy`: the revision is applied and every object is Current (recorded as last known good);
 * - `applied`: applied, health not checked (no wait requested);
 * - `rolled-back`: the revision failed and the last known good revision was applied again;
 * - `failed`: the revision failed and nothing better could be applied;
 * - `refused`: nothing was applied (tree not what synth wrote, unsafe prune, someone else's applyset);
 * - `skipped`: the tip is a revision that already failed; it is not applied again until the branch moves.
 */
export interface CycleResult {
  readonly environment: string;
  readonly revision: string;
  readonly treeDigest?: string;
  readonly verdict: 'healthy' | 'applied' | 'rolled-back' | 'failed' | 'refused' | 'skipped';
  readonly message?: string;
  /** The reconcile of the tip (absent when refused before planning or skipped). */
  readonly result?: ReconcileResult;
  /** The reconcile of the rollback target, when there was one. */
  readonly rollback?: ReconcileResult & { readonly healthy: boolean };
  readonly health?: WaitResult;
  /** Commit of the verification record on the status branch, with --record. */
  readonly recordCommit?: string;
  readonly writeRequests: number;
  readonly driftedObjects: number;
  readonly durationMs: number;
  readonly startedAt: string;
  /** The env repo's content was refused as bad input (does not match its lock): the CLI exits 2. */
  readonly badInput?: boolean;
  /** The revision could not be fetched (git remote unreachable): nothing was read or written. */
  readonly fetchFailed?: boolean;
}

/** The fields of a result that depend on what the cycle did; the rest is measured when it finishes. */
type CycleFields = Omit<CycleResult, 'environment' | 'writeRequests' | 'durationMs' | 'startedAt' | 'driftedObjects'> & { driftedObjects?: number };

/**
 * One reconcile cycle: fetch, verify, decide (cycle-decide.ts); apply, prune, wait, roll back on failure
 * (cycle-attempt.ts); and record the outcome in the cluster and, with `record`, on the env repo's status
 * branch (cycle-persist.ts).
 */
export async function reconcileCycle(options: CycleOptions): Promise<CycleResult> {
  const { client, clock } = options;
  const started = clock.now();
  const writesBefore = client.writeRequests;
  let lock: CycleLock | undefined;
  // The lock's own requests (acquire, renew, release) are not writes to the environment.
  const countWrites = (): number => client.writeRequests - (lock?.writeRequests() ?? 0);
  const meter: CycleMeter = {
    startedAt: new Date(started).toISOString(),
    elapsedMs: () => clock.now() - started,
    writeRequests: () => countWrites() - writesBefore,
  };
  const finish = (fields: CycleFields): CycleResult => ({
    environment: options.environment,
    writeRequests: meter.writeRequests(),
    durationMs: meter.elapsedMs(),
    startedAt: meter.startedAt,
    driftedObjects: fields.driftedObjects ?? 0,
    ...fields,
  });

  const decision = await decideCycle(options);
  if (decision.action === 'stop') {
    return finish(decision.stop);
  }
  lock = lockOnFirstWrite(options, decision.tree.metadata.controlNamespace);
  const outcome = await attemptWithRollback(options, decision, { beforeWrite: lock.beforeWrite, countWrites });
  const persisted = await persistOutcome(options, decision, outcome, meter);
  await lock.release();
  return finish({
    revision: decision.revision,
    treeDigest: decision.tree.lock.treeDigest,
    verdict: outcome.verdict,
    message: persisted.message,
    rollback: outcome.rollback,
    recordCommit: persisted.recordCommit,
    driftedObjects: outcome.driftedObjects,
    result: outcome.result,
    health: outcome.health,
  });
}
