/**
 * Status objects written the way Flux's kustomize-controller (v1.9, api v1) and Argo CD's application
 * controller (v3.5, api v1alpha1) write them, for the parts `stagecraft verify --from` reads and the parts
 * around them a real status carries. Times are fixed so tests compare exact records.
 */

const AT = '2026-05-04T10:00:00Z';

/** `main@sha1:<commit>`: how Flux (source-controller v1) names a git revision. */
export function fluxRevision(commit: string, branch = 'main'): string {
  return `${branch}@sha1:${commit}`;
}

/**
 * A Kustomization's status after a reconcile of `attempted`: when ready, `lastAppliedRevision` becomes the
 * attempted one; when the health check failed it stays at `applied` (the last one that succeeded).
 */
export function fluxKustomizationStatus(options: {
  attempted: string;
  applied?: string;
  ready: boolean;
  generation?: number;
  namespace?: string;
}): Record<string, unknown> {
  const generation = options.generation ?? 1;
  const attempted = fluxRevision(options.attempted);
  const applied = options.ready ? attempted : (options.applied === undefined ? undefined : fluxRevision(options.applied));
  const ready = options.ready
    ? { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${attempted}`, lastTransitionTime: AT, observedGeneration: generation }
    : {
      type: 'Ready',
      status: 'False',
      reason: 'HealthCheckFailed',
      message: `health check failed after 5m0s: timeout waiting for: [Deployment/${options.namespace ?? 'dev'}/web status: 'InProgress']`,
      lastTransitionTime: AT,
      observedGeneration: generation,
    };
  const healthy = { ...ready, type: 'Healthy', message: options.ready ? 'Health check passed in 2.1s' : ready.message };
  return {
    observedGeneration: generation,
    lastAttemptedRevision: attempted,
    ...(applied === undefined ? {} : { lastAppliedRevision: applied }),
    lastHandledReconcileAt: AT,
    conditions: [ready, healthy],
    inventory: { entries: [{ id: `${options.namespace ?? 'dev'}_web_apps_Deployment`, v: 'v1' }] },
  };
}

/** An Application's status after Argo CD compared it with `revision` (and, when `synced`, synced it). */
export function argoCdApplicationStatus(options: {
  revision: string;
  sync: string;
  health: string;
  operationPhase?: string;
  operationRevision?: string;
}): Record<string, unknown> {
  const operationRevision = options.operationRevision ?? options.revision;
  const phase = options.operationPhase ?? 'Succeeded';
  return {
    sync: { status: options.sync, revision: options.revision, comparedTo: { source: { repoURL: 'https://git.example/acme/env-repo.git', path: 'prod', targetRevision: 'main' }, destination: { name: 'in-cluster', namespace: 'prod' } } },
    health: { status: options.health, ...(options.health === 'Degraded' ? { message: 'Deployment "web" exceeded its progress deadline' } : {}) },
    reconciledAt: AT,
    sourceType: 'Kustomize',
    operationState: {
      operation: { sync: { revision: operationRevision, prune: true }, initiatedBy: { automated: true } },
      phase,
      message: phase === 'Succeeded' ? 'successfully synced (all tasks run)' : 'one or more objects failed to apply, reason: Deployment.apps "web" is invalid',
      startedAt: AT,
      finishedAt: AT,
      syncResult: { revision: operationRevision, source: { repoURL: 'https://git.example/acme/env-repo.git', path: 'prod', targetRevision: 'main' } },
    },
    summary: { images: ['registry.example/web@sha256:0'] },
  };
}
