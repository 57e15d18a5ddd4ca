import { ClusterClient, ClusterError } from './cluster-client';
import { messageOf } from './describe';
import { KubeObject, ObjectReference } from '../envrepo/kube-object';
import { describeObject } from '../envrepo/object-identity';

/**
 * One reconcile at a time writes an environment: a coordination.k8s.io/v1 Lease `stagecraft-lock-<env>` in the
 * control namespace names the reconciler that writes it now (CI's `--once` and the in-cluster `--interval`
 * may meet). Taken only when a reconcile has something to write, so an idle reconciler still writes nothing;
 * renewed while held; expires by itself when its holder dies.
 */

/** How long a lease holds without renewal. */
export const LOCK_LEASE_SECONDS = 60;

export function lockReferenceOf(controlNamespace: string, environment: string): ObjectReference {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: controlNamespace, name: `stagecraft-lock-${environment}` };
}

export type LeaseVerdict =
  | { readonly free: true }
  | { readonly free: false; readonly holder: string; readonly renewedAt: string; readonly expiresAt: string };

/** Whether `holder` may take the lease `live` at `nowMs`: absent, released, its own, or expired. */
export function leaseVerdict(live: KubeObject | undefined, holder: string, nowMs: number): LeaseVerdict {
  const spec = (live?.spec ?? {}) as { holderIdentity?: string; renewTime?: string; acquireTime?: string; leaseDurationSeconds?: number };
  if (live === undefined || spec.holderIdentity === undefined || spec.holderIdentity === '' || spec.holderIdentity === holder) {
    return { free: true };
  }
  const renewedAt = spec.renewTime ?? spec.acquireTime;
  const renewed = renewedAt === undefined ? NaN : Date.parse(renewedAt);
  const duration = spec.leaseDurationSeconds ?? LOCK_LEASE_SECONDS;
  if (!Number.isFinite(renewed) || renewed + duration * 1000 <= nowMs) {
    return { free: true };
  }
  return { free: false, holder: spec.holderIdentity, renewedAt: renewedAt!, expiresAt: new Date(renewed + duration * 1000).toISOString() };
}

export interface EnvironmentLock {
  /** Write requests the lock sent (acquire, renewals, release): not writes to the environment. */
  readonly writeRequests: number;
  release(): Promise<void>;
}

export type LockAttempt =
  | { readonly held: true; readonly lock: EnvironmentLock }
  | { readonly held: false; readonly message: string; readonly writeRequests: number };

export interface LockOptions {
  readonly controlNamespace: string;
  readonly environment: string;
  /** Who takes the lock, e.g. `<host>-<pid>`: shown to the reconcile it keeps out. */
  readonly holder: string;
  readonly now: () => number;
  /** @default LOCK_LEASE_SECONDS */
  readonly leaseSeconds?: number;
}

/**
 * Takes the environment's lease, or says who holds it. A free lease is taken with the resourceVersion seen, so
 * of two reconcilers taking it at once exactly one succeeds (the other gets 409 and is kept out).
 */
export async function acquireEnvironmentLock(client: ClusterClient, options: LockOptions): Promise<LockAttempt> {
  const reference = lockReferenceOf(options.controlNamespace, options.environment);
  const where = describeObject(reference);
  const leaseSeconds = options.leaseSeconds ?? LOCK_LEASE_SECONDS;
  const fieldManager = `stagecraft-lock:${options.holder}`.slice(0, 128);
  let writes = 0;
  const keptOut = (why: string): LockAttempt => ({
    held: false,
    writeRequests: writes,
    message: `another reconcile is writing environment ${options.environment}: ${why}. Nothing was applied or deleted; the next reconcile tries again (a lease whose holder died expires by itself)`,
  });
  const live = await client.get(reference);
  const verdict = leaseVerdict(live, options.holder, options.now());
  if (!verdict.free) {
    return keptOut(`${where} is held by ${verdict.holder} (renewed ${verdict.renewedAt}, expires ${verdict.expiresAt})`);
  }
  const lease = (holderIdentity: string, resourceVersion?: string): KubeObject => ({
    apiVersion: reference.apiVersion,
    kind: reference.kind,
    metadata: { name: reference.name, namespace: reference.namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: { holderIdentity, leaseDurationSeconds: leaseSeconds, renewTime: microTime(options.now()) },
  });
  try {
    writes++;
    // Taking over a released or expired lease overrides its last holder's fields: force, guarded by the
    // resourceVersion read above. Creating one needs no force: a concurrent create conflicts.
    await client.apply(lease(options.holder, live?.metadata.resourceVersion), { fieldManager, force: live !== undefined });
  } catch (error) {
    if (error instanceof ClusterError && error.status === 409) {
      return keptOut(`${where} was taken by another reconciler at the same moment`);
    }
    return keptOut(`could not take ${where}: ${messageOf(error)}`);
  }
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    writes++;
    renewing = client.apply(lease(options.holder), { fieldManager, force: false }).catch(() => undefined);
  }, (leaseSeconds * 1000) / 3);
  timer.unref?.();
  return {
    held: true,
    lock: {
      get writeRequests() {
        return writes;
      },
      async release() {
        clearInterval(timer);
        await renewing;
        writes++;
        // Not forced: when the lease expired and someone else took it, it is theirs now (409, ignored).
        await client.apply(lease(''), { fieldManager, force: false }).catch(() => undefined);
      },
    },
  };
}

/** A Lease's MicroTime: RFC 3339 with six fractional digits. */
function microTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
