import { Clock } from './clock';
import { ClusterClient } from './cluster-client';
import { PruneOptions } from './prune';
import { ReconcileResult } from './reconcile';
import { RevisionSource } from './revision-source';
import { WaitResult } from './wait';
import { GitTransport } from '../git';

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
  readonly record?: {
    readonly repo: string;
    readonly cacheDirectory: string;
    readonly author: { readonly name: string; readonly email: string };
    readonly transport?: GitTransport;
  };
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
  /** Every write request of the cycle, the status ConfigMap's own included (see `statusWritten`). */
  readonly writeRequests: number;
  /** The status ConfigMap was written: one of `writeRequests`, which the stored status counts too. */
  readonly statusWritten?: boolean;
  readonly driftedObjects: number;
  readonly durationMs: number;
  readonly startedAt: string;
  /** The env repo's content was refused as bad input (does not match its lock): the CLI exits 2. */
  readonly badInput?: boolean;
  /** The revision could not be fetched (git remote unreachable): nothing was read or written. */
  readonly fetchFailed?: boolean;
}
