import { alertBody, AlertTarget, describeTarget } from './alert-format';
import { VerdictChange } from './alerts';
import { AlertOutcome } from './metrics';

/** How alerts reach their receivers. Every bound keeps a dead or slow receiver from holding anything up. */
export interface AlertDeliveryOptions {
  readonly targets: readonly AlertTarget[];
  /** Alerts waiting per receiver; when full, the oldest is dropped (and counted). @default 100 */
  readonly maxQueued?: number;
  /** Time one POST may take, connect to last byte. @default 5000 */
  readonly timeoutMs?: number;
  /** Tries per alert, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubled per retry. @default 1000 */
  readonly firstBackoffMs?: number;
  /** Longest wait between two tries. @default 30000 */
  readonly maxBackoffMs?: number;
  /** @default setTimeout */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly onOutcome?: (outcome: AlertOutcome) => void;
  /** One structured entry per failed try or dropped alert; names the receiver by its origin only. */
  readonly log?: (entry: Record<string, unknown>) => void;
}

/** What one POST came to. */
interface Attempt {
  readonly ok: boolean;
  /** Worth trying again: a timeout, a refused connection, 408, 429 or a 5xx. */
  readonly retry: boolean;
  readonly reason: string;
}

/**
 * Sends verdict changes to every receiver, each from a queue of its own worked one alert at a time (so a
 * receiver sees changes in order), with retries on exponential backoff. `send` never waits for the network:
 * the reconcile loop goes on whatever the receivers do.
 */
export class AlertDelivery {
  private readonly queues: Array<{ target: AlertTarget; waiting: VerdictChange[]; running: Promise<void> | undefined }>;
  private closed = false;
  /** Aborted when the grace of close() ran out: ends tries in flight and backoff waits at once. */
  private readonly giveUp = new AbortController();

  constructor(private readonly options: AlertDeliveryOptions) {
    this.queues = options.targets.map((target) => ({ target, waiting: [], running: undefined }));
  }

  /** Queues `change` for every receiver and returns at once. */
  public send(change: VerdictChange): void {
    if (this.closed) {
      return;
    }
    const maxQueued = this.options.maxQueued ?? 100;
    for (const queue of this.queues) {
      queue.waiting.push(change);
      if (queue.waiting.length > maxQueued) {
        queue.waiting.shift();
        this.options.onOutcome?.('dropped');
        this.options.log?.({ level: 'warn', msg: 'alert', outcome: 'dropped', target: describeTarget(queue.target), reason: `more than ${maxQueued} alerts waiting; the oldest was dropped` });
      }
      if (queue.running === undefined) {
        queue.running = this.work(queue).finally(() => (queue.running = undefined));
      }
    }
  }

  /**
   * Stops taking alerts and waits up to `graceMs` for those queued to go out (the process is stopping); then
   * gives up what is still in flight or waiting, so a hanging receiver cannot keep the process alive.
   */
  public async close(graceMs: number): Promise<void> {
    this.closed = true;
    const running = () => Promise.all(this.queues.map((queue) => queue.running));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.giveUp.abort();
    for (const queue of this.queues) {
      queue.waiting.length = 0;
    }
    await running();
  }

  private async work(queue: { target: AlertTarget; waiting: VerdictChange[] }): Promise<void> {
    while (queue.waiting.length > 0 && !this.giveUp.signal.aborted) {
      const change = queue.waiting.shift()!;
      await this.deliver(queue.target, change);
    }
  }

  private async deliver(target: AlertTarget, change: VerdictChange): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const body = alertBody(change, target.format);
    for (let attempt = 1; ; attempt++) {
      const result = await post(target, body, this.options.timeoutMs ?? 5000, this.giveUp.signal);
      if (result.ok) {
        this.options.onOutcome?.('delivered');
        return;
      }
      const last = !result.retry || attempt >= maxAttempts || this.giveUp.signal.aborted;
      this.options.onOutcome?.(last ? 'failed' : 'retried');
      this.options.log?.({
        level: last ? 'error' : 'warn',
        msg: 'alert',
        outcome: last ? 'failed' : 'retried',
        target: describeTarget(target),
        environment: change.environment,
        verdict: change.verdict,
        attempt,
        reason: result.reason,
      });
      if (last) {
        return;
      }
      const backoff = Math.min((this.options.firstBackoffMs ?? 1000) * 2 ** (attempt - 1), this.options.maxBackoffMs ?? 30_000);
      await Promise.race([this.options.sleep?.(backoff) ?? sleepUnlessAborted(backoff, this.giveUp.signal), aborted(this.giveUp.signal)]);
    }
  }
}

/** One POST of `body`; redirects are not followed (the body goes where it was configured to go, or nowhere). */
async function post(target: AlertTarget, body: string, timeoutMs: number, giveUp: AbortSignal): Promise<Attempt> {
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'stagecraft-reconciler' },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), giveUp]),
    });
    // Read (and drop) the answer so the connection can be reused or closed, within the same timeout.
    await response.arrayBuffer();
    if (response.status >= 200 && response.status < 300) {
      return { ok: true, retry: false, reason: `${response.status}` };
    }
    const retry = response.status === 408 || response.status === 429 || response.status >= 500;
    return { ok: false, retry, reason: `the receiver answered ${response.status}${retry ? '' : '; not retried'}` };
  } catch (error) {
    const name = (error as Error).name;
    const cause = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms`
      : name === 'AbortError' ? 'given up: the reconciler is stopping'
        : `${(error as Error).message}${causeOf(error)}`;
    return { ok: false, retry: true, reason: cause };
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause === undefined ? '' : `: ${cause.code ?? cause.message}`;
}

/** Resolves when `signal` aborts (never, if it does not). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** Waits `milliseconds`, or less when `signal` aborts (the timer is cleared: it keeps no process alive). */
function sleepUnlessAborted(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
