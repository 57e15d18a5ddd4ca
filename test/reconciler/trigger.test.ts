import { ReconcileTrigger } from '../../lib/reconciler/trigger';

describe('ReconcileTrigger', () => {
  it('ends a wait when the interval passes, as not requested', async () => {
    expect(await new ReconcileTrigger().wait(10)).toBeUndefined();
  });

  it('ends a wait at once when a cycle is requested during it', async () => {
    // GIVEN a wait of an hour
    const trigger = new ReconcileTrigger();
    const started = Date.now();
    const waiting = trigger.wait(3_600_000);
    // WHEN
    trigger.request();
    // THEN
    expect(await waiting).toBe('hook');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('coalesces requests made during a cycle into one follow-up cycle', async () => {
    // GIVEN three hooks while a cycle runs (no wait in progress)
    const trigger = new ReconcileTrigger();
    trigger.request();
    trigger.request();
    trigger.request();
    // WHEN the loop waits after the cycle
    // THEN the first wait ends at once, the next one waits for the interval
    expect(await trigger.wait(3_600_000)).toBe('hook');
    expect(await trigger.wait(10)).toBeUndefined();
  });

  it('ends a wait on interrupt without counting it as a request', async () => {
    const trigger = new ReconcileTrigger();
    const waiting = trigger.wait(3_600_000);
    trigger.interrupt();
    expect(await waiting).toBeUndefined();
    expect(await trigger.wait(10)).toBeUndefined();
  });

  it('says a hook started the cycle when a hook and a watch both asked', async () => {
    // GIVEN a watch saw a change, then a push was announced, during a cycle
    const trigger = new ReconcileTrigger();
    trigger.request('watch: Deployment/shop/web changed');
    trigger.request('hook');
    trigger.request('watch: ConfigMap/shop/web deleted');
    // THEN one follow-up cycle, started by the hook
    expect(await trigger.wait(3_600_000)).toBe('hook');
    expect(await trigger.wait(10)).toBeUndefined();
  });
});
