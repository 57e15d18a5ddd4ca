import type { EnvironmentTree } from '../envrepo/read-environment';
import { applicationsInEffect, VerificationRecord } from '../envrepo/verification-record';

/**
 * Judging an environment that Flux or Argo CD applies, from the status those controllers write on their
 * Kustomization / Application, so that promotion gates (verifiedUpstream, soak) mean the same thing whatever
 * applied the environment. Pure: the caller reads the object and the env repo.
 */

/** What the status says about the commit the env repo holds. */
export interface DeliveryJudgement {
  /** Whether the controller's status speaks of the commit the env repo holds at all. */
  readonly atRevision: boolean;
  /** `healthy` or `failed` when at the revision. */
  readonly verdict?: 'healthy' | 'failed';
  /** Why: the revision the controller is at, or why it is not healthy, in one line. */
  readonly reason: string;
}

/** The object whose status is read, as `stagecraft verify --from` names it. */
export const VERIFY_SOURCES: Readonly<Record<string, { readonly name: string }>> = {
  flux: { name: 'Flux' },
  argocd: { name: 'Argo CD' },
};

/**
 * The commit of a revision as Flux writes it (`main@sha1:<hex>`, `sha1:<hex>`, or the v1beta2 `main/<hex>`),
 * or as Argo CD writes it (the bare hex), or undefined.
 */
export function commitOfRevision(revision: unknown): string | undefined {
  if (typeof revision !== 'string') {
    return undefined;
  }
  const match = /(?:^|[@:/])([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision);
  return match?.[1];
}

/**
 * Flux kustomize-controller: `status.lastAppliedRevision` is the last revision applied successfully,
 * `status.lastAttemptedRevision` the last one tried, the `Ready` condition (with `wait: true`) says whether
 * the applied objects are ready. A status the controller has not caught up on (observedGeneration behind
 * metadata.generation) is not believed.
 */
export function judgeFluxKustomization(kustomization: any, commit: string): DeliveryJudgement {
  const status = kustomization?.status ?? {};
  const applied = commitOfRevision(status.lastAppliedRevision);
  const attempted = commitOfRevision(status.lastAttemptedRevision);
  const seen = status.lastAttemptedRevision ?? status.lastAppliedRevision ?? 'no revision';
  if (applied !== commit && attempted !== commit) {
    return { atRevision: false, reason: `Flux is at ${seen}, not at ${commit}` };
  }
  const ready = (Array.isArray(status.conditions) ? status.conditions : []).find((condition: any) => condition?.type === 'Ready');
  const current = typeof kustomization?.metadata?.generation !== 'number' || status.observedGeneration === kustomization.metadata.generation;
  if (applied === commit && attempted === commit && ready?.status === 'True' && current) {
    return { atRevision: true, verdict: 'healthy', reason: `Ready at ${status.lastAppliedRevision}` };
  }
  const why = !current ? `status of generation ${status.observedGeneration ?? 'none'}, not ${kustomization.metadata.generation}`
    : ready === undefined ? 'no Ready condition'
      : `Ready ${ready.status}${ready.reason ? ` (${ready.reason})` : ''}${ready.message ? `: ${oneLine(ready.message)}` : ''}`;
  return { atRevision: true, verdict: 'failed', reason: `Flux Kustomization not ready at ${commit}: ${why}` };
}

/**
 * Argo CD: `status.sync.revision` is the commit the Application was compared with, `status.sync.status`
 * whether the cluster matches it, `status.health.status` whether the objects are healthy. A sync operation
 * that failed on the commit counts as a failure even while the comparison still shows the old one.
 */
export function judgeArgoCdApplication(application: any, commit: string): DeliveryJudgement {
  const status = application?.status ?? {};
  const compared = commitOfRevision(status.sync?.revision);
  const operation = status.operationState;
  const operationCommit = commitOfRevision(operation?.syncResult?.revision ?? operation?.operation?.sync?.revision);
  if (compared !== commit) {
    if (operationCommit === commit && (operation?.phase === 'Failed' || operation?.phase === 'Error')) {
      return { atRevision: true, verdict: 'failed', reason: `Argo CD sync of ${commit} ${operation.phase}${operation.message ? `: ${oneLine(operation.message)}` : ''}` };
    }
    return { atRevision: false, reason: `Argo CD is at ${status.sync?.revision ?? 'no revision'}, not at ${commit}` };
  }
  const sync = status.sync?.status ?? 'Unknown';
  const health = status.health?.status ?? 'Unknown';
  if (sync === 'Synced' && health === 'Healthy') {
    return { atRevision: true, verdict: 'healthy', reason: `Synced and Healthy at ${commit}` };
  }
  const message = status.health?.message ?? (operation?.phase !== 'Succeeded' ? operation?.message : undefined);
  return { atRevision: true, verdict: 'failed', reason: `Argo CD Application at ${commit} is ${sync} and ${health}${message ? `: ${oneLine(message)}` : ''}` };
}

/** The status object of `reconciler` (flux, argocd) judged against the commit. */
export function judgeDelivery(reconciler: string, statusObject: any, commit: string): DeliveryJudgement {
  return reconciler === 'flux' ? judgeFluxKustomization(statusObject, commit) : judgeArgoCdApplication(statusObject, commit);
}

/**
 * The verification record of a judgement at the revision, in the format `stagecraft reconcile --record` writes.
 * `firstHealthyAt` is kept from an earlier healthy record of the same commit, else it is now: the soak clock
 * starts when stagecraft first saw the commit healthy, never earlier than it could tell.
 */
export function deliveryVerificationRecord(options: {
  readonly tree: EnvironmentTree;
  readonly commit: string;
  readonly judgement: DeliveryJudgement;
  readonly now: string;
  readonly earlier?: VerificationRecord;
}): VerificationRecord {
  const { tree, commit, judgement, now, earlier } = options;
  const verdict = judgement.verdict!;
  const firstHealthyAt = verdict === 'healthy' ? (earlier?.verdict === 'healthy' && earlier.firstHealthyAt !== undefined ? earlier.firstHealthyAt : now) : undefined;
  return {
    schemaVersion: 1,
    environment: tree.environment,
    commit,
    lockDigest: tree.lock.treeDigest,
    verdict,
    ...(firstHealthyAt === undefined ? {} : { firstHealthyAt }),
    recordedAt: now,
    // Flux and Argo CD do not say what they created or changed; the record counts the objects only.
    objects: { total: tree.objects.length, created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    applications: applicationsInEffect(tree.metadata),
    ...(verdict === 'healthy' ? {} : { reason: judgement.reason }),
  };
}

function oneLine(text: unknown): string {
  return String(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 300);
}
