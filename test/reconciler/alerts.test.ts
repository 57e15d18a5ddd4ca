import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { AlertDelivery } from '../../lib/reconciler/alert-delivery';
import { alertBody, describeTarget, parseAlertTarget, slackText } from '../../lib/reconciler/alert-format';
import { objectsAtFault, VerdictChange, VerdictTracker } from '../../lib/reconciler/alerts';
import { CycleResult } from '../../lib/reconciler/cycle-types';
import { AlertOutcome } from '../../lib/reconciler/metrics';
import { eventually, Receiver } from '../support/http';

const SLACK_SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'slack', 'incoming-webhook-payload.schema.json'), 'utf8'));
const validateSlack = new Ajv({ allErrors: true }).compile(SLACK_SCHEMA);

const TIME = '2026-12-03T12:00:00.000Z';

function cycle(verdict: CycleResult['verdict'], extra: Partial<CycleResult> = {}): CycleResult {
  return { environment: 'prod', revision: '0123456789abcdef0123', verdict, writeRequests: 0, driftedObjects: 0, durationMs: 10, startedAt: TIME, ...extra };
}

const FAILED_WEB: Partial<CycleResult> = {
  message: 'Deployment/prod/web did not become healthy within 5m',
  health: {
    healthy: false,
    timedOut: true,
    elapsedMs: 300_000,
    objects: [
      { reference: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'prod', name: 'web' }, constructPath: 'prod/web/deployment/Resource', assessment: { status: 'InProgress', message: '0/2 replicas available' } },
      { reference: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'web' }, constructPath: 'prod/web/config/Resource', assessment: { status: 'Current', message: 'exists' } },
    ],
  },
};

const CHANGE: VerdictChange = {
  environment: 'prod',
  revision: '0123456789abcdef0123',
  verdict: 'rolled-back',
  previousVerdict: 'healthy',
  time: TIME,
  message: 'Deployment/prod/web did not become healthy within 5m; <script> & co',
  objects: [{ kind: 'Deployment', namespace: 'prod', name: 'web', constructPath: 'prod/web/deployment/Resource', reason: 'InProgress: 0/2 replicas available' }],
};

describe('verdict changes', () => {
  it('says one change per change of verdict, not one per cycle', () => {
    // GIVEN cycles healthy, healthy, failed, failed, skipped, rolled back, refused, healthy, healthy
    const tracker = new VerdictTracker();
    const verdicts: Array<CycleResult['verdict']> = ['healthy', 'applied', 'failed', 'failed', 'skipped', 'rolled-back', 'refused', 'healthy', 'healthy'];
    // WHEN
    const changes = verdicts.map((verdict) => tracker.next(cycle(verdict), TIME)).filter((change) => change !== undefined);
    // THEN
    expect(changes.map((change) => `${change!.previousVerdict} → ${change!.verdict}`)).toEqual([
      'healthy → failed',
      'failed → rolled-back',
      'rolled-back → refused',
      'refused → healthy',
    ]);
  });

  it('names the objects at fault with their construct paths: failed writes, then objects not Current', () => {
    // GIVEN a cycle where one apply failed and a Deployment never became available
    const result = cycle('failed', {
      ...FAILED_WEB,
      result: {
        changes: [
          { apiVersion: 'v1', kind: 'Service', namespace: 'prod', name: 'web', action: 'failed', constructPath: 'prod/web/service/Resource', message: 'Service/prod/web: spec.clusterIP is immutable' },
          { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'web', action: 'unchanged' },
        ],
      } as any,
    });
    // WHEN / THEN
    expect(objectsAtFault(result)).toEqual([
      { kind: 'Deployment', namespace: 'prod', name: 'web', constructPath: 'prod/web/deployment/Resource', reason: 'InProgress: 0/2 replicas available' },
      { kind: 'Service', namespace: 'prod', name: 'web', constructPath: 'prod/web/service/Resource', reason: 'Service/prod/web: spec.clusterIP is immutable' },
    ]);
    expect(new VerdictTracker().next(result, TIME)).toEqual({
      environment: 'prod',
      revision: '0123456789abcdef0123',
      verdict: 'failed',
      previousVerdict: 'healthy',
      time: TIME,
      message: 'Deployment/prod/web did not become healthy within 5m',
      objects: objectsAtFault(result),
    });
  });

  it('reports no objects when the verdict turns healthy again', () => {
    const tracker = new VerdictTracker('failed');
    expect(tracker.next(cycle('healthy'), TIME)?.objects).toEqual([]);
  });
});

describe('alert bodies', () => {
  it('sends stagecraft\'s JSON with a type and a schema version', () => {
    expect(JSON.parse(alertBody(CHANGE, 'json'))).toEqual({ type: 'stagecraft.dev/verdict-change', version: 1, ...CHANGE });
  });

  it('sends Slack a text with the verdict, the reason escaped, and each object with its construct path', () => {
    expect(JSON.parse(alertBody(CHANGE, 'slack'))).toEqual({
      text: [
        ':rewind: *prod* is rolled-back at `0123456789ab` (was healthy)',
        'Deployment/prod/web did not become healthy within 5m; &lt;script&gt; &amp; co',
        '• Deployment/prod/web (construct `prod/web/deployment/Resource`): InProgress: 0/2 replicas available',
      ].join('\n'),
    });
  });

  it.each([
    ['a rollback', CHANGE],
    ['a return to healthy', { ...CHANGE, verdict: 'healthy', previousVerdict: 'failed', message: undefined, objects: [] } as VerdictChange],
    ['a failure with 500 objects at fault and a 100,000-character message', {
      ...CHANGE,
      verdict: 'failed',
      message: 'm'.repeat(100_000),
      objects: Array.from({ length: 500 }, (_, index) => ({ kind: 'ConfigMap', namespace: 'prod', name: `cm-${index}`, reason: 'NotFound: gone' })),
    } as VerdictChange],
  ])('sends a Slack body the incoming-webhook schema accepts for %s', (_name, change) => {
    const body = JSON.parse(alertBody(change, 'slack'));
    expect(validateSlack(body) ? [] : validateSlack.errors).toEqual([]);
  });

  it('lists 20 objects in Slack and says how many more', () => {
    const change = { ...CHANGE, objects: Array.from({ length: 23 }, (_, index) => ({ kind: 'ConfigMap', name: `cm-${index}`, reason: 'NotFound: gone' })) };
    const lines = slackText(change).split('\n');
    expect(lines.filter((line) => line.startsWith('• '))).toHaveLength(20);
    expect(lines[lines.length - 1]).toBe('… and 3 more objects');
  });

  it.each([
    [{}, 'must match a schema in anyOf'],
    [{ text: 42 }, 'must be string'],
    [{ text: 'hi', colour: 'red' }, 'must NOT have additional properties'],
    [{ text: '' }, 'must NOT have fewer than 1 characters'],
  ])('fails on a body Slack would not take (the schema is not a rubber stamp): %j', (body, message) => {
    expect(validateSlack(body)).toBe(false);
    expect(validateSlack.errors!.map((error) => error.message)).toContain(message);
  });
});

describe('--alert-url values', () => {
  it.each([
    ['https://alerts.example/hook', 'json', 'https://alerts.example/hook'],
    ['json=http://127.0.0.1:9000/x', 'json', 'http://127.0.0.1:9000/x'],
    ['slack=https://hooks.slack.com/services/T000/B000/XXXX', 'slack', 'https://hooks.slack.com/services/T000/B000/XXXX'],
  ])('reads %s', (value, format, url) => {
    const target = parseAlertTarget(value);
    expect({ format: target.format, url: target.url.href }).toEqual({ format, url });
  });

  it.each([
    ['teams=https://example/x', '--alert-url: unknown format "teams"; give URL, json=URL or slack=URL'],
    ['slack=not a url', '--alert-url: not a URL after "slack="; give URL, json=URL or slack=URL with an http or https URL'],
    ['file:///etc/passwd', '--alert-url: file: URLs are not supported; give an http or https URL'],
  ])('fails on %s', (value, message) => {
    expect(() => parseAlertTarget(value)).toThrow(message);
  });

  it('fails without showing a URL\'s secret path', () => {
    expect(() => parseAlertTarget('slack=ftp://hooks.example/services/SECRET')).toThrow('--alert-url: ftp: URLs are not supported; give an http or https URL');
  });

  it('describes a receiver by its format and origin only (a Slack URL\'s path is its secret)', () => {
    expect(describeTarget(parseAlertTarget('slack=https://user:pw@hooks.slack.com/services/T000/B000/SECRET'))).toBe('slack https://hooks.slack.com');
  });
});

describe('alert delivery to a receiver on loopback', () => {
  let receiver: Receiver;
  let base: string;
  beforeEach(async () => {
    receiver = new Receiver();
    base = await receiver.start();
  });
  afterEach(() => receiver.close());

  function delivery(paths: string[], options: { timeoutMs?: number; maxAttempts?: number; maxQueued?: number } = {}) {
    const outcomes: AlertOutcome[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const sleeps: number[] = [];
    const alerts = new AlertDelivery({
      targets: paths.map((entry) => parseAlertTarget(`${base}${entry}`)),
      sleep: async (milliseconds) => void sleeps.push(milliseconds),
      onOutcome: (outcome) => outcomes.push(outcome),
      log: (entry) => logs.push(entry),
      ...options,
    });
    return { alerts, outcomes, logs, sleeps };
  }

  it('retries a receiver that answers 500 with exponential backoff until it takes the alert', async () => {
    // GIVEN a receiver failing twice
    receiver.answer = (_path, index) => (index < 2 ? 500 : 200);
    const { alerts, outcomes, sleeps, logs } = delivery(['/a']);
    // WHEN
    alerts.send(CHANGE);
    await eventually(() => outcomes.length === 3, 'three tries');
    // THEN
    expect(outcomes).toEqual(['retried', 'retried', 'delivered']);
    expect(sleeps).toEqual([1000, 2000]);
    expect(receiver.bodiesAt('/a')).toEqual([JSON.parse(alertBody(CHANGE, 'json')), JSON.parse(alertBody(CHANGE, 'json')), JSON.parse(alertBody(CHANGE, 'json'))]);
    expect(logs[0]).toEqual({ level: 'warn', msg: 'alert', outcome: 'retried', target: `json ${base}`, environment: 'prod', verdict: 'rolled-back', attempt: 1, reason: 'the receiver answered 500' });
  });

  it('gives up after the last try on a receiver that always answers 500', async () => {
    receiver.answer = () => 500;
    const { alerts, outcomes, sleeps } = delivery(['/a'], { maxAttempts: 3 });
    alerts.send(CHANGE);
    await eventually(() => outcomes.length === 3, 'three tries');
    expect(outcomes).toEqual(['retried', 'retried', 'failed']);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('does not retry a 400: the body will not get better', async () => {
    receiver.answer = () => 400;
    const { alerts, outcomes, logs } = delivery(['/a']);
    alerts.send(CHANGE);
    await eventually(() => outcomes.length === 1, 'one try');
    expect(outcomes).toEqual(['failed']);
    expect(logs[0]).toMatchObject({ reason: 'the receiver answered 400; not retried' });
  });

  it('times out a receiver that hangs, and a hanging receiver does not hold up another', async () => {
    // GIVEN one receiver that never answers and one that does
    receiver.answer = (entry) => (entry === '/hang' ? 'hang' : 200);
    const { alerts, outcomes, logs } = delivery(['/hang', '/ok'], { timeoutMs: 300, maxAttempts: 2 });
    // WHEN
    const started = Date.now();
    alerts.send(CHANGE);
    // THEN the good receiver has it at once; the hanging one times out twice and is given up
    await eventually(() => outcomes.includes('delivered'), 'delivery to /ok', 2000);
    await eventually(() => outcomes.includes('failed'), 'giving up on /hang', 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(outcomes.sort()).toEqual(['delivered', 'failed', 'retried']);
    expect(logs.map((entry) => entry.reason)).toEqual(['no answer within 300 ms', 'no answer within 300 ms']);
  });

  it('drops the oldest alert when a receiver\'s queue is full, and counts it', async () => {
    // GIVEN a hanging receiver and a queue of 2
    receiver.answer = () => 'hang';
    const { alerts, outcomes } = delivery(['/hang'], { timeoutMs: 60_000, maxQueued: 2 });
    // WHEN 4 changes arrive while the first is in flight
    for (let index = 0; index < 4; index++) {
      alerts.send({ ...CHANGE, revision: `r${index}` });
    }
    // THEN one waits in flight, two wait in the queue, one was dropped
    expect(outcomes).toEqual(['dropped']);
    await alerts.close(10);
  });

  it('fails a receiver that refuses connections as a retried error, without blocking send', async () => {
    // GIVEN a port nobody listens on
    await receiver.close();
    const { alerts, outcomes, logs } = delivery(['/gone'], { maxAttempts: 2 });
    const started = Date.now();
    alerts.send(CHANGE);
    expect(Date.now() - started).toBeLessThan(50);
    await eventually(() => outcomes.length === 2, 'two tries');
    expect(outcomes).toEqual(['retried', 'failed']);
    expect(String(logs[0].reason)).toContain('ECONNREFUSED');
    receiver = new Receiver();
    await receiver.start();
  });
});
