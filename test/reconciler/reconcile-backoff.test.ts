import { nextReconcileDelay } from '../../lib/reconciler/reconcile-loop';

describe('nextReconcileDelay', () => {
  it.each([
    [30_000, 0, 30_000],
    [30_000, 1, 60_000],
    [30_000, 3, 240_000],
    [30_000, 4, 300_000],
    [30_000, 50, 300_000],
    [200, 4, 3_200],
    [600_000, 2, 600_000],
  ])('waits, with an interval of %i ms and %i fetches failed in a row, %i ms', (interval, failures, expected) => {
    expect(nextReconcileDelay(interval, failures)).toBe(expected);
  });
});
