import { ReconcileMetrics } from '../../lib/reconciler/metrics';

describe('reconcile metrics', () => {
  it('renders duration histogram, results, drift, write requests, last success, hooks and alerts in Prometheus text format', async () => {
    // GIVEN
    const metrics = new ReconcileMetrics();
    // WHEN
    metrics.observe({ environment: 'prod', verdict: 'healthy', durationSeconds: 0.4, writeRequests: 5, driftedObjects: 0, finishedAt: 1795000000 });
    metrics.observe({ environment: 'prod', verdict: 'failed', durationSeconds: 3, writeRequests: 2, driftedObjects: 1, finishedAt: 1795000060 });
    metrics.observeHook('accepted');
    metrics.observeHook('unauthorized');
    metrics.observeHook('unauthorized');
    metrics.observeAlert('retried');
    metrics.observeAlert('delivered');
    // THEN
    const text = await metrics.render();
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toEqual([
      'stagecraft_reconcile_duration_seconds_bucket{le="0.1",environment="prod"} 0',
      'stagecraft_reconcile_duration_seconds_bucket{le="0.25",environment="prod"} 0',
      'stagecraft_reconcile_duration_seconds_bucket{le="0.5",environment="prod"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{le="1",environment="prod"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{le="2.5",environment="prod"} 1',
      'stagecraft_reconcile_duration_seconds_bucket{le="5",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="10",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="30",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="60",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="120",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="300",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_bucket{le="+Inf",environment="prod"} 2',
      'stagecraft_reconcile_duration_seconds_sum{environment="prod"} 3.4',
      'stagecraft_reconcile_duration_seconds_count{environment="prod"} 2',
      'stagecraft_reconcile_total{environment="prod",verdict="healthy"} 1',
      'stagecraft_reconcile_total{environment="prod",verdict="failed"} 1',
      'stagecraft_drifted_objects{environment="prod"} 1',
      'stagecraft_write_requests_total{environment="prod"} 7',
      'stagecraft_last_success_timestamp_seconds{environment="prod"} 1795000000',
      'stagecraft_webhook_requests_total{outcome="accepted"} 1',
      'stagecraft_webhook_requests_total{outcome="unauthorized"} 2',
      'stagecraft_alerts_total{outcome="retried"} 1',
      'stagecraft_alerts_total{outcome="delivered"} 1',
    ]);
    expect(text).toContain('# TYPE stagecraft_reconcile_duration_seconds histogram\n');
    expect(text).toContain('# TYPE stagecraft_last_success_timestamp_seconds gauge\n');
  });

  it('keeps the last success per environment when environments are observed by one process', async () => {
    const metrics = new ReconcileMetrics();
    metrics.observe({ environment: 'dev', verdict: 'healthy', durationSeconds: 0.1, writeRequests: 0, driftedObjects: 0, finishedAt: 10 });
    metrics.observe({ environment: 'prod', verdict: 'healthy', durationSeconds: 0.1, writeRequests: 0, driftedObjects: 0, finishedAt: 20 });
    metrics.observe({ environment: 'dev', verdict: 'failed', durationSeconds: 0.1, writeRequests: 0, driftedObjects: 0, finishedAt: 30 });
    const text = await metrics.render();
    expect(text.split('\n').filter((line) => line.startsWith('stagecraft_last_success_timestamp_seconds'))).toEqual([
      'stagecraft_last_success_timestamp_seconds{environment="dev"} 10',
      'stagecraft_last_success_timestamp_seconds{environment="prod"} 20',
    ]);
  });

  it('keeps two reconcilers in one process apart (each has its own registry)', async () => {
    const first = new ReconcileMetrics();
    const second = new ReconcileMetrics();
    first.observeHook('accepted');
    expect(await second.render()).not.toContain('stagecraft_webhook_requests_total{');
  });
});
