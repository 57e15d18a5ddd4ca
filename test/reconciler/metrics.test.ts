import * as http from 'http';
import { ReconcileMetrics, serveMetrics } from '../../lib/reconciler/metrics';

describe('reconcile metrics', () => {
  it('renders duration histogram, results, drift, write requests and last success in Prometheus text format', () => {
    // GIVEN
    const metrics = new ReconcileMetrics();
    // WHEN
    metrics.observe({ environment: 'prod', verdict: 'healthy', durationSeconds: 0.4, writeRequests: 5, driftedObjects: 0, finishedAt: 1795000000 });
    metrics.observe({ environment: 'prod', verdict: 'failed', durationSeconds: 3, writeRequests: 2, driftedObjects: 1, finishedAt: 1795000060 });
    // THEN
    const text = metrics.render();
    expect(text.split('\n').filter((line) => !line.startsWith('#'))).toEqual([
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="0.1"} 0',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="0.25"} 0',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="0.5"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="1"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="2.5"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="5"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="10"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="30"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="60"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="120"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="300"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{environment="prod",le="+Inf"} 2',
      'stagecraft_reconcile_duration_seconds_sum{environment="prod"} 3.4',
      'stagecraft_reconcile_duration_seconds_count{environment="prod"} 2',
      'stagecraft_reconcile_total{environment="prod",verdict="failed"} 1',
      'stagecraft_reconcile_total{environment="prod",verdict="healthy"} 1',
      'stagecraft_drifted_objects{environment="prod"} 1',
      'stagecraft_write_requests_total{environment="prod"} 7',
      'stagecraft_last_success_timestamp_seconds{environment="prod"} 1795000000',
      '',
    ]);
  });

  it('serves /metrics over HTTP on loopback', async () => {
    // GIVEN
    const metrics = new ReconcileMetrics();
    metrics.observe({ environment: 'dev', verdict: 'healthy', durationSeconds: 0.2, writeRequests: 0, driftedObjects: 0, finishedAt: 5 });
    const server = await serveMetrics(metrics, '127.0.0.1', 0);
    const port = (server.address() as { port: number }).port;
    try {
      // WHEN
      const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        http.get(`http://127.0.0.1:${port}/metrics`, (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        }).on('error', reject);
      });
      // THEN
      expect(body.status).toBe(200);
      expect(body.text).toContain('stagecraft_last_success_timestamp_seconds{environment="dev"} 5\n');
    } finally {
      server.close();
    }
  });
});
