import * as http from 'http';
import { AlertDelivery, AlertDeliveryOptions } from './alert-delivery';
import { VerdictTracker } from './alerts';
import { CycleResult } from './cycle-types';
import { EndpointTimeouts, serveEndpoint } from './http-endpoint';
import { ReconcileMetrics } from './metrics';
import { ReconcileTrigger } from './trigger';

/** Longest wait between two attempts to fetch an unreachable env repo (unless the interval is longer). */
export const MAX_FETCH_BACKOFF_MS = 5 * 60_000;

/** How long a stopping reconciler waits for queued alerts to go out. */
const ALERT_GRACE_MS = 5000;

/**
 * How long the loop waits after `consecutiveFetchFailures` fetches in a row failed: the interval, doubled
 * per failure, capped at 5 minutes (or the interval, when that is longer), so an unreachable git server is
 * not hammered while it recovers. 0 failures: the interval.
 */
export function nextReconcileDelay(intervalMs: number, consecutiveFetchFailures: number): number {
  if (consecutiveFetchFailures <= 0) {
    return intervalMs;
  }
  const cap = Math.max(intervalMs, MAX_FETCH_BACKOFF_MS);
  return Math.min(intervalMs * 2 ** Math.min(consecutiveFetchFailures, 30), cap);
}

/** Least time from the start of one cycle to the start of a watch-triggered next one: a controller fighting git cannot make the loop spin. */
export const MIN_WATCH_CYCLE_GAP_MS = 1000;

/** Changes seen by a watch gather for this long before a cycle starts (kubectl apply of many objects is one burst). */
export const WATCH_DEBOUNCE_MS = 100;

/** What started a cycle: `start`, `interval`, `hook`, or `watch: <what changed>`. */
export type CycleTrigger = string;

/** Said after every cycle, for the caller's log line. */
export interface CycleReport {
  readonly trigger: CycleTrigger;
  readonly nextReconcileInMs: number;
  readonly consecutiveFetchFailures: number;
}

export interface ReconcileLoopOptions {
  readonly intervalMs: number;
  readonly cycle: () => Promise<CycleResult>;
  readonly listen: { readonly host: string; readonly port: number; readonly timeouts?: EndpointTimeouts };
  /** The webhook secret's reader; without it, hooks are off. */
  readonly hookSecret?: () => Buffer;
  readonly alerts: Omit<AlertDeliveryOptions, 'onOutcome' | 'log'>;
  readonly onCycle: (result: CycleResult, report: CycleReport) => void;
  /** Structured entries about hooks and alerts. */
  readonly log: (entry: Record<string, unknown>) => void;
  /** Seconds since the epoch, for the metrics. @default Date.now */
  readonly now?: () => number;
  /**
   * Where changes to managed objects seen by watches come from (the live state kept from watches in --interval
   * mode, watch-cache.ts): called once with the callback to call. A change starts a cycle after
   * WATCH_DEBOUNCE_MS, never sooner than MIN_WATCH_CYCLE_GAP_MS after the previous cycle started, and not while
   * the env repo cannot be fetched (its backoff holds; a hook still starts one).
   */
  readonly watchChanges?: (onChange: (reason: string) => void) => void;
}

/**
 * The pull-based loop: one cycle per interval, or at once when a signed git hook arrives (hooks that arrive
 * during a cycle make one follow-up cycle), with the HTTP endpoint (health, readiness, metrics, hooks) and
 * alerts on every verdict change. `stop()` ends it after the cycle in progress, never in the middle of one.
 */
export class ReconcileLoop {
  public readonly metrics = new ReconcileMetrics();
  private readonly trigger = new ReconcileTrigger();
  private readonly tracker = new VerdictTracker();
  private readonly alerts: AlertDelivery;
  private server: http.Server | undefined;
  private ready = false;
  private stopping = false;
  /** Fetches of the env repo that failed in a row (0 once one succeeds). */
  private fetchFailures = 0;
  private cycleStartedAt = 0;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReconcileLoopOptions) {
    this.alerts = new AlertDelivery({ ...options.alerts, onOutcome: (outcome) => this.metrics.observeAlert(outcome), log: options.log });
    options.watchChanges?.((reason) => this.onWatchChange(reason));
  }

  /** Listens; resolves with the address actually bound (port 0 picks one). */
  public async listen(): Promise<{ host: string; port: number }> {
    const { host, port, timeouts } = this.options.listen;
    const secret = this.options.hookSecret;
    this.server = await serveEndpoint({
      host,
      port,
      metrics: this.metrics,
      isReady: () => this.ready,
      hooks: secret === undefined ? undefined : { secret, onHook: () => this.trigger.request() },
      timeouts,
      log: this.options.log,
    });
    const address = this.server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  /** Runs cycles until `stop()`; then closes the endpoint and gives queued alerts a short grace. */
  public async run(): Promise<void> {
    const now = this.options.now ?? (() => Date.now());
    let trigger: CycleTrigger = 'start';
    try {
      while (!this.stopping) {
        this.cycleStartedAt = Date.now();
        const result = await this.options.cycle();
        this.ready = true;
        this.fetchFailures = result.fetchFailed ? this.fetchFailures + 1 : 0;
        const delay = nextReconcileDelay(this.options.intervalMs, this.fetchFailures);
        this.metrics.observe({
          environment: result.environment,
          verdict: result.verdict,
          durationSeconds: result.durationMs / 1000,
          writeRequests: result.writeRequests,
          driftedObjects: result.driftedObjects,
          finishedAt: Math.floor(now() / 1000),
        });
        const change = this.tracker.next(result, new Date(now()).toISOString());
        if (change !== undefined) {
          this.alerts.send(change);
        }
        this.options.onCycle(result, { trigger, nextReconcileInMs: delay, consecutiveFetchFailures: this.fetchFailures });
        if (!this.stopping) {
          trigger = (await this.trigger.wait(delay)) ?? 'interval';
        }
      }
    } finally {
      clearTimeout(this.watchTimer);
      const server = this.server;
      if (server !== undefined) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Half-open or idle connections would hold close() until they time out.
        server.closeAllConnections();
        await closed;
      }
      await this.alerts.close(ALERT_GRACE_MS);
    }
  }

  /** Ends the loop after the cycle in progress (or at once, between cycles). */
  public stop(): void {
    this.stopping = true;
    clearTimeout(this.watchTimer);
    this.trigger.interrupt();
  }

  /** A watch saw a managed object change: a cycle soon (debounced, spaced from the last one's start). */
  private onWatchChange(reason: string): void {
    if (this.stopping || this.fetchFailures > 0 || this.watchTimer !== undefined) {
      return;
    }
    const delay = Math.max(WATCH_DEBOUNCE_MS, this.cycleStartedAt + MIN_WATCH_CYCLE_GAP_MS - Date.now());
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      this.trigger.request(`watch: ${reason}`);
    }, delay);
  }
}
