import { attemptWithRollback } from './cycle-attempt';
import { decideCycle } from './cycle-decide';
import { CycleLock, lockOnFirstWrite } from './cycle-lock';
import { CycleMeter, persistOutcome } from './cycle-persist';
import { CycleOptions, CycleResult } from './cycle-types';
import { ReadAheadClient, readAheadLastVerified, readAheadRevision } from './read-ahead';

export { countChanges } from './cycle-persist';
export type { CycleOptions, CycleResult } from './cycle-types';

/** The fields of a result that depend on what the cycle did; the rest is measured when it finishes. */
type CycleFields = Omit<CycleResult, 'environment' | 'writeRequests' | 'durationMs' | 'startedAt' | 'driftedObjects'> & { driftedObjects?: number };

/**
 * One reconcile cycle: fetch, verify, decide (cycle-decide.ts); apply, prune, wait, roll back on failure
 * (cycle-attempt.ts); and record the outcome in the cluster and, with `record`, on the env repo's status
 * branch (cycle-persist.ts).
 */
export async function reconcileCycle(options: CycleOptions): Promise<CycleResult> {
  // The live state travels while git is read and verified; reconcile's own reads pick it up.
  const readAhead = new ReadAheadClient(options.client);
  try {
    return await cycleWith({ ...options, client: readAhead }, readAhead);
  } finally {
    readAhead.stop();
  }
}

async function cycleWith(options: CycleOptions, readAhead: ReadAheadClient): Promise<CycleResult> {
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

  // What the revision verified last read goes out while git fetches (started once the fetch is on its way).
  // Only without one are the tip's reads sent once it is fetched: reading its metadata from git for that costs
  // more than the rare read it would add (a namespace the tip adds is then listed by reconcile itself).
  let guessed = false;
  const deciding = decideCycle(options, (revision) => void (guessed ? undefined : readAheadRevision(readAhead, options.source, revision)));
  guessed = readAheadLastVerified(readAhead, options.source);
  const decision = await deciding;
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
    statusWritten: persisted.statusWritten,
    driftedObjects: outcome.driftedObjects,
    result: outcome.result,
    health: outcome.health,
  });
}
