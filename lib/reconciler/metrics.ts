import * as http from 'http';

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

const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Prometheus metrics of the interval mode: reconcile duration (histogram), results by verdict, drifted
 * objects, write requests and the time of the last successful reconcile.
 */
export class ReconcileMetrics {
  private readonly results = new Map<string, number>();
  private readonly bucketCounts = DURATION_BUCKETS.map(() => 0);
  private durationCount = 0;
  private durationSum = 0;
  private writeRequests = 0;
  private driftedObjects = 0;
  private lastSuccess: number | undefined;
  private environment = '';

  public observe(observation: ReconcileObservation): void {
    this.environment = observation.environment;
    this.results.set(observation.verdict, (this.results.get(observation.verdict) ?? 0) + 1);
    DURATION_BUCKETS.forEach((bound, index) => {
      if (observation.durationSeconds <= bound) {
        this.bucketCounts[index]++;
      }
    });
    this.durationCount++;
    this.durationSum += observation.durationSeconds;
    this.writeRequests += observation.writeRequests;
    this.driftedObjects = observation.driftedObjects;
    if (observation.verdict === 'healthy') {
      this.lastSuccess = observation.finishedAt;
    }
  }

  /** The text exposition format (version 0.0.4). */
  public render(): string {
    const env = `environment="${escapeLabel(this.environment)}"`;
    const lines: string[] = [
      '# HELP stagecraft_reconcile_duration_seconds Time one reconcile took, fetch to record.',
      '# TYPE stagecraft_reconcile_duration_seconds histogram',
      ...DURATION_BUCKETS.map((bound, index) => `stagecraft_reconcile_duration_seconds_bucket{${env},le="${bound}"} ${this.bucketCounts[index]}`),
      `stagecraft_reconcile_duration_seconds_bucket{${env},le="+Inf"} ${this.durationCount}`,
      `stagecraft_reconcile_duration_seconds_sum{${env}} ${this.durationSum}`,
      `stagecraft_reconcile_duration_seconds_count{${env}} ${this.durationCount}`,
      '# HELP stagecraft_reconcile_total Reconciles by verdict.',
      '# TYPE stagecraft_reconcile_total counter',
      ...[...this.results.keys()].sort().map((verdict) => `stagecraft_reconcile_total{${env},verdict="${escapeLabel(verdict)}"} ${this.results.get(verdict)}`),
      '# HELP stagecraft_drifted_objects Objects whose declared fields differed from the cluster at the last reconcile.',
      '# TYPE stagecraft_drifted_objects gauge',
      `stagecraft_drifted_objects{${env}} ${this.driftedObjects}`,
      '# HELP stagecraft_write_requests_total Write requests (apply, delete) sent to the API server.',
      '# TYPE stagecraft_write_requests_total counter',
      `stagecraft_write_requests_total{${env}} ${this.writeRequests}`,
      '# HELP stagecraft_last_success_timestamp_seconds When the last reconcile ended healthy.',
      '# TYPE stagecraft_last_success_timestamp_seconds gauge',
      `stagecraft_last_success_timestamp_seconds{${env}} ${this.lastSuccess ?? 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Serves `/metrics` (and `/healthz`) on `host:port`; resolves with the server once listening. */
export function serveMetrics(metrics: ReconcileMetrics, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.url === '/metrics') {
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      response.end(metrics.render());
    } else if (request.url === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok\n');
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found; metrics are at /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot serve metrics on ${host}:${port}: ${error.message}; pick another --metrics-address`)));
    server.listen(port, host, () => resolve(server));
  });
}
