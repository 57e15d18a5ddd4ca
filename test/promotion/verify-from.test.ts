import { judgeArgoCdApplication, judgeFluxKustomization } from '../../lib/promotion/verify-from';
import { argoCdApplicationStatus, fluxKustomizationStatus } from '../support/controller-status';

const CURRENT = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

describe('judging an environment from the status Flux writes on its Kustomization', () => {
  it.each<[string, Record<string, unknown>, number | undefined, object]>([
    ['Ready at the env repo\'s commit', fluxKustomizationStatus({ attempted: CURRENT, ready: true }), 1,
      { atRevision: true, verdict: 'healthy', reason: `Ready at main@sha1:${CURRENT}` }],
    ['Ready at an older commit', fluxKustomizationStatus({ attempted: OLD, ready: true }), 1,
      { atRevision: false, reason: `Flux is at main@sha1:${OLD}, not at ${CURRENT}` }],
    ['not ready at the env repo\'s commit (health check failed)', fluxKustomizationStatus({ attempted: CURRENT, applied: OLD, ready: false }), 1,
      { atRevision: true, verdict: 'failed', reason: `Flux Kustomization not ready at ${CURRENT}: Ready False (HealthCheckFailed): health check failed after 5m0s: timeout waiting for: [Deployment/dev/web status: 'InProgress']` }],
    ['Ready, but for an older generation of the Kustomization', fluxKustomizationStatus({ attempted: CURRENT, ready: true }), 2,
      { atRevision: true, verdict: 'failed', reason: `Flux Kustomization not ready at ${CURRENT}: status of generation 1, not 2` }],
    ['no status yet', {}, 1,
      { atRevision: false, reason: `Flux is at no revision, not at ${CURRENT}` }],
  ])('%s', (_name, status, generation, expected) => {
    // GIVEN
    const kustomization = { metadata: { name: 'stagecraft-dev', namespace: 'flux-system', generation }, status };
    // WHEN
    const judgement = judgeFluxKustomization(kustomization, CURRENT);
    // THEN
    expect(judgement).toEqual(expected);
  });

  it('reads the revision forms of older Flux versions (main/<sha>) as the commit', () => {
    // GIVEN
    const kustomization = { metadata: { generation: 1 }, status: { ...fluxKustomizationStatus({ attempted: CURRENT, ready: true }), lastAppliedRevision: `main/${CURRENT}`, lastAttemptedRevision: `main/${CURRENT}` } };
    // WHEN
    const judgement = judgeFluxKustomization(kustomization, CURRENT);
    // THEN
    expect(judgement.verdict).toBe('healthy');
  });
});

describe('judging an environment from the status Argo CD writes on its Application', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['Synced and Healthy at the env repo\'s commit', argoCdApplicationStatus({ revision: CURRENT, sync: 'Synced', health: 'Healthy' }),
      { atRevision: true, verdict: 'healthy', reason: `Synced and Healthy at ${CURRENT}` }],
    ['Synced and Healthy at an older commit', argoCdApplicationStatus({ revision: OLD, sync: 'Synced', health: 'Healthy' }),
      { atRevision: false, reason: `Argo CD is at ${OLD}, not at ${CURRENT}` }],
    ['OutOfSync at the env repo\'s commit', argoCdApplicationStatus({ revision: CURRENT, sync: 'OutOfSync', health: 'Healthy', operationPhase: 'Running' }),
      { atRevision: true, verdict: 'failed', reason: `Argo CD Application at ${CURRENT} is OutOfSync and Healthy: one or more objects failed to apply, reason: Deployment.apps "web" is invalid` }],
    ['Synced but Degraded at the env repo\'s commit', argoCdApplicationStatus({ revision: CURRENT, sync: 'Synced', health: 'Degraded' }),
      { atRevision: true, verdict: 'failed', reason: `Argo CD Application at ${CURRENT} is Synced and Degraded: Deployment "web" exceeded its progress deadline` }],
    ['a failed sync of the env repo\'s commit while the comparison still shows the older one', argoCdApplicationStatus({ revision: OLD, sync: 'Synced', health: 'Healthy', operationPhase: 'Failed', operationRevision: CURRENT }),
      { atRevision: true, verdict: 'failed', reason: `Argo CD sync of ${CURRENT} Failed: one or more objects failed to apply, reason: Deployment.apps "web" is invalid` }],
  ])('%s', (_name, status, expected) => {
    // GIVEN
    const application = { metadata: { name: 'stagecraft-prod', namespace: 'argocd', generation: 3 }, status };
    // WHEN
    const judgement = judgeArgoCdApplication(application, CURRENT);
    // THEN
    expect(judgement).toEqual(expected);
  });
});
