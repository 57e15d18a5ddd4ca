import type { CycleOptions } from './cycle-types';
import { messageOf } from './describe';
import { acquireEnvironmentLock, EnvironmentLock } from './lock';

/** The environment's lock as one cycle holds it. */
export interface CycleLock {
  /** Takes the lock before the first write, or says why this cycle must not write; absent without `lock`. */
  readonly beforeWrite?: () => Promise<string | undefined>;
  /** Requests the lock itself sent (taking, renewing, releasing, a take that was kept out): not writes to the environment. */
  writeRequests(): number;
  release(): Promise<void>;
}

/**
 * The lock is taken at the first write, not when the cycle starts, so an idle reconciler (nothing to write)
 * still sends no write request; once taken it is kept until the cycle releases it, rollback included.
 */
export function lockOnFirstWrite(options: CycleOptions, namespace: string): CycleLock {
  const { client, clock, environment } = options;
  const lockOptions = options.lock;
  let held: EnvironmentLock | undefined;
  let refusedWrites = 0;
  const beforeWrite = lockOptions === undefined ? undefined : async (): Promise<string | undefined> => {
    if (held !== undefined) {
      return undefined;
    }
    try {
      const taken = await acquireEnvironmentLock(client, {
        controlNamespace: namespace,
        environment,
        holder: lockOptions.holder,
        now: () => clock.now(),
        leaseSeconds: lockOptions.leaseSeconds,
      });
      if (!taken.held) {
        refusedWrites += taken.writeRequests;
        return taken.message;
      }
      held = taken.lock;
      return undefined;
    } catch (error) {
      return `could not read the lock of environment ${environment} in namespace ${namespace}: ${messageOf(error)}. Nothing was applied or deleted`;
    }
  };
  return {
    beforeWrite,
    writeRequests: () => (held?.writeRequests ?? 0) + refusedWrites,
    release: async () => {
      await held?.release();
    },
  };
}
