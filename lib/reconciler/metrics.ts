import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The figures one reconcile contributes to the metrics. */
export interface ReconcileObservation {
  readonly environment: string;
  readonly verdict: string;
  readonly durationSeconds: number;
  readonly writeRequests: number;
  readonly driftedObjects: number;
  /** Seconds since the epoch, from the injected clock. */
  readonly finishedAt: number;
}

/** What became of one request to POST /hooks/git (see http-endpoint.ts). */
export type HookOutcome = 'accepted' | 'unauthorized' | 'replayed' | 'too-large' | 'ping' | 'unavailable';

/** What became of one alert to one receiver (see alerts.ts). */
export type AlertOutcome = 'delivered' | 'retried' | 'failed' | 'dropped';

const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Prometheus metrics of the running reconciler, on a registry of its own (never prom-client's global one, so
 * two reconcilers in one process, as in tests, do not mix): reconcile duration (histogram), reconciles by
 * verdict, drifted objects, write requests, the time of the last healthy reconcile, git hooks by outcome and
 * alerts by outcome.
 */
export class ReconcileMetrics {
  public readonly registry = new Registry();
  private readonly duration = new Histogram({
    name: 'stagecraft_reconcile_duration_seconds',
    help: 'Time one reconcile took, fetch to record.',
    labelNames: ['environment'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly reconciles = new Counter({
    name: 'stagecraft_reconcile_total',
    help: 'Reconciles by verdict.',
    labelNames: ['environment', 'verdict'] as const,
    registers: [this.registry],
  });
  private readonly drifted = new Gauge({
    name: 'stagecraft_drifted_objects',
    help: 'Objects whose declared fields differed from the cluster at the last reconcile.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly writes = new Counter({
    name: 'stagecraft_write_requests_total',
    help: 'Write requests (apply, delete) sent to the API server.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'stagecraft_last_success_timestamp_seconds',
    help: 'When the last reconcile ended healthy, in seconds since the epoch.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly hooks = new Counter({
    name: 'stagecraft_webhook_requests_total',
    help: 'Requests to POST /hooks/git by outcome (accepted, unauthorized, replayed, too-large, ping, unavailable).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly alerts = new Counter({
    name: 'stagecraft_alerts_total',
    help: 'Alert deliveries by outcome (delivered, retried, failed after the last attempt, dropped from a full queue).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  public observe(observation: ReconcileObservation): void {
    const environment = { environment: observation.environment };
    this.duration.observe(environment, observation.durationSeconds);
    this.reconciles.inc({ ...environment, verdict: observation.verdict });
    this.drifted.set(environment, observation.driftedObjects);
    this.writes.inc(environment, observation.writeRequests);
    if (observation.verdict === 'healthy') {
      this.lastSuccess.set(environment, observation.finishedAt);
    }
  }

  public observeHook(outcome: HookOutcome): void {
    this.hooks.inc({ outcome });
  }

  public observeAlert(outcome: AlertOutcome): void {
    this.alerts.inc({ outcome });
  }

  /** The text exposition format (version 0.0.4), as served at /metrics. */
  public render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `render()`'s text. */
  public get contentType(): string {
    return this.registry.contentType;
  }
}
