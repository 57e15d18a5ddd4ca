import { decideRevision, rollbackTarget } from '../../lib/reconciler/rollback';
import { EnvironmentStatus, ReconcileSummary, emptyStatus, recordResult } from '../../lib/reconciler/status-store';

function summary(commit: string, verdict: ReconcileSummary['verdict'], startedAt: string, reason?: string): ReconcileSummary {
  return {
    commit,
    treeDigest: `tree-${commit}`,
    verdict,
    startedAt,
    durationMs: 1000,
    writeRequests: 3,
    counts: { created: 1, configured: 1, unchanged: 1, pruned: 0, failed: 0 },
    driftedObjects: 0,
    reason,
  };
}

describe('the status kept between reconciles', () => {
  it('remembers a healthy revision as last known good, with the time it first became healthy', () => {
    // GIVEN
    let status = emptyStatus('prod');
    // WHEN
    status = recordResult(status, summary('a1', 'healthy', '2026-11-26T10:00:00.000Z'), '2026-11-26T10:00:30.000Z');
    status = recordResult(status, summary('a1', 'healthy', '2026-11-26T10:05:00.000Z'), '2026-11-26T10:05:01.000Z');
    // THEN
    expect(status.lastKnownGood).toEqual({ commit: 'a1', treeDigest: 'tree-a1', firstHealthyAt: '2026-11-26T10:00:30.000Z' });
    expect(status.current).toEqual({ commit: 'a1', treeDigest: 'tree-a1', firstHealthyAt: '2026-11-26T10:00:30.000Z' });
    expect(status.history.map((entry) => entry.startedAt)).toEqual(['2026-11-26T10:05:00.000Z', '2026-11-26T10:00:00.000Z']);
  });

  it('records a failed revision and keeps the last known good', () => {
    // GIVEN
    let status = recordResult(emptyStatus('prod'), summary('a1', 'healthy', '2026-11-26T10:00:00.000Z'), '2026-11-26T10:00:30.000Z');
    // WHEN
    status = recordResult(status, summary('b2', 'rolled-back', '2026-11-26T11:00:00.000Z', 'Deployment/prod/web: progress deadline exceeded'), undefined, true);
    // THEN
    expect(status.lastKnownGood?.commit).toBe('a1');
    expect(status.failedCommits).toEqual([{ commit: 'b2', at: '2026-11-26T11:00:00.000Z', reason: 'Deployment/prod/web: progress deadline exceeded' }]);
  });

  it('does not hold a failed apply against the revision: it is retried', () => {
    // GIVEN
    const status = recordResult(emptyStatus('prod'), summary('c3', 'failed', '2026-11-26T12:00:00.000Z', 'connection refused'), undefined, false);
    // THEN
    expect(status.failedCommits).toEqual([]);
    expect(decideRevision('c3', status)).toEqual({ action: 'apply', commit: 'c3' });
  });

  it('keeps at most 20 results', () => {
    let status: EnvironmentStatus = emptyStatus('prod');
    for (let index = 0; index < 25; index++) {
      status = recordResult(status, summary(`c${index}`, 'skipped', `2026-11-26T10:${String(index).padStart(2, '0')}:00.000Z`), undefined);
    }
    expect(status.history.length).toBe(20);
    expect(status.history[0].commit).toBe('c24');
  });
});

describe('rollback decisions', () => {
  const failedStatus = recordResult(
    recordResult(emptyStatus('prod'), summary('good', 'healthy', '2026-11-26T10:00:00.000Z'), '2026-11-26T10:00:10.000Z'),
    summary('bad', 'rolled-back', '2026-11-26T11:00:00.000Z', 'Deployment/prod/web: 0/3 replicas available'),
    undefined,
    true,
  );

  it.each<[string, string, EnvironmentStatus, ReturnType<typeof decideRevision>]>([
    ['applies a new tip', 'new', failedStatus, { action: 'apply', commit: 'new' }],
    ['applies the last known good tip again (drift healing)', 'good', failedStatus, { action: 'apply', commit: 'good' }],
    ['does not apply a tip that failed until the branch moves', 'bad', failedStatus,
      { action: 'skip-failed', commit: 'bad', failedAt: '2026-11-26T11:00:00.000Z', reason: 'Deployment/prod/web: 0/3 replicas available' }],
    ['applies the first tip of a new environment', 'first', emptyStatus('prod'), { action: 'apply', commit: 'first' }],
  ])('%s', (_name, head, status, expected) => {
    expect(decideRevision(head, status)).toEqual(expected);
  });

  it('returns to the last revision verified healthy', () => {
    expect(rollbackTarget(failedStatus, 'bad')).toBe('good');
  });

  it('has no rollback target when nothing was ever healthy, or the failed revision is the last good one', () => {
    expect(rollbackTarget(emptyStatus('prod'), 'bad')).toBeUndefined();
    expect(rollbackTarget(failedStatus, 'good')).toBeUndefined();
  });
});
