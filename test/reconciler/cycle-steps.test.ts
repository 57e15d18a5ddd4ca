import { attemptVerdict, driftedObjectsOf } from '../../lib/reconciler/cycle-attempt';
import { ReconcileChange, ReconcileResult } from '../../lib/reconciler/reconcile';
import { WaitResult } from '../../lib/reconciler/wait';

const result = (verdict: ReconcileResult['verdict']) => ({ verdict } as ReconcileResult);
const health = (healthy: boolean) => ({ healthy } as WaitResult);

describe('the attempt step of a reconcile cycle', () => {
  it.each([
    ['refused by the plan', result('refused'), undefined, 'refused'],
    ['applied, no wait asked for', result('applied'), undefined, 'applied'],
    ['applied and healthy', result('applied'), health(true), 'healthy'],
    ['failed while applying, no wait', result('failed'), undefined, 'failed'],
    ['failed while applying, health read anyway', result('failed'), health(true), 'failed'],
    ['not healthy after the wait', result('failed'), health(false), 'unhealthy'],
  ])('GIVEN a tip %s THEN the attempt is %s', (_case, tip, wait, expected) => {
    expect(attemptVerdict({ result: tip, health: wait })).toBe(expected);
  });

  it('counts only configured objects whose declared fields had drifted', () => {
    // GIVEN three changes, one of them a drifted field set back
    const changes = [
      { action: 'configured', driftedFields: ['spec.replicas'] },
      { action: 'configured', driftedFields: [] },
      { action: 'created' },
    ] as unknown as ReconcileChange[];
    // THEN one object is counted as drift healed
    expect(driftedObjectsOf(changes)).toBe(1);
  });
});
