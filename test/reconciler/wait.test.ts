import { KubeObject, ObjectReference } from '../../lib/envrepo/kube-object';
import { FakeClock } from '../../lib/reconciler/clock';
import { ClusterError } from '../../lib/reconciler/cluster-client';
import { describeAssessment, TargetHealth, waitForHealth, WaitProgress, WaitResult, WaitTarget } from '../../lib/reconciler/wait';

const WEB: WaitTarget = {
  reference: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'prod', name: 'web' },
  constructPath: 'prod/web/deployment/Resource',
};
const CONFIG: WaitTarget = {
  reference: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'web-config' },
  constructPath: 'prod/web/config/Resource',
};
const LOAD_BALANCER: WaitTarget = { reference: { apiVersion: 'v1', kind: 'Service', namespace: 'prod', name: 'web-lb' } };
const WORKER: WaitTarget = {
  reference: { apiVersion: 'v1', kind: 'Pod', namespace: 'prod', name: 'worker' },
  constructPath: 'prod/worker/pod/Resource',
};

function webDeployment(status?: Readonly<Record<string, unknown>>, metadata: Readonly<Record<string, unknown>> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod', generation: 1, ...metadata },
    spec: { replicas: 3 },
    ...(status === undefined ? {} : { status: { observedGeneration: 1, ...status } }),
  };
}

const WEB_NOT_OBSERVED = webDeployment();
const WEB_ROLLING = webDeployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3 });
const WEB_READY = webDeployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 });
const CONFIG_MAP: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'prod' }, data: { A: '1' } };
const LOAD_BALANCER_WITHOUT_ADDRESS: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web-lb', namespace: 'prod' },
  spec: { type: 'LoadBalancer', clusterIP: '10.96.0.20' },
  status: { loadBalancer: {} },
};
const WORKER_STARTING: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'worker', namespace: 'prod' },
  status: { phase: 'Pending', containerStatuses: [{ name: 'worker', state: { waiting: { reason: 'ContainerCreating' } } }] },
};
const WORKER_CRASHING: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'worker', namespace: 'prod' },
  status: { phase: 'Running', containerStatuses: [{ name: 'worker', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
};

type Step = KubeObject | undefined | Error;

/**
 * A cluster that answers each read of an object with the next step of its script (the last step repeats),
 * and counts the reads.
 */
class ScriptedCluster {
  public readonly reads: string[] = [];
  private readonly scripts: Map<string, readonly Step[]>;
  private readonly position = new Map<string, number>();

  constructor(scripts: ReadonlyArray<[WaitTarget, readonly Step[]]>) {
    this.scripts = new Map(scripts.map(([target, steps]) => [target.reference.name, steps]));
  }

  public readonly read = async (reference: ObjectReference): Promise<KubeObject | undefined> => {
    this.reads.push(reference.name);
    const steps = this.scripts.get(reference.name) ?? [undefined];
    const index = this.position.get(reference.name) ?? 0;
    this.position.set(reference.name, index + 1);
    const step = steps[Math.min(index, steps.length - 1)];
    if (step instanceof Error) {
      throw step;
    }
    return step;
  };
}

/** The verdict of a wait without the per-object detail. */
function outcome(result: WaitResult): Pick<WaitResult, 'healthy' | 'timedOut' | 'elapsedMs'> {
  return { healthy: result.healthy, timedOut: result.timedOut, elapsedMs: result.elapsedMs };
}

function record(progress: WaitProgress[]): (summary: WaitProgress) => void {
  return (summary) => progress.push(summary);
}

function lines(objects: readonly TargetHealth[]): string[] {
  return objects.map((object) => `${object.assessment.status} ${describeAssessment(object, object.assessment)}`);
}

describe('waitForHealth', () => {
  it('returns healthy once every target is Current, after exactly as many polls as the rollout takes', async () => {
    // GIVEN a Deployment that the controller observes on the second poll and finishes rolling out on the third
    const clock = new FakeClock(1_000_000);
    const cluster = new ScriptedCluster([[WEB, [WEB_NOT_OBSERVED, WEB_ROLLING, WEB_READY]], [CONFIG, [CONFIG_MAP]]]);
    // WHEN waiting with a 2 s poll interval
    const result = await waitForHealth([WEB, CONFIG], cluster.read, { timeoutMs: 60_000, pollIntervalMs: 2_000, clock });
    // THEN the wait ends on the third poll, 4 s after it began, with every final verdict in input order
    expect(result).toEqual({
      healthy: true,
      timedOut: false,
      elapsedMs: 4_000,
      objects: [
        { reference: WEB.reference, constructPath: 'prod/web/deployment/Resource', assessment: { status: 'Current', message: '3/3 replicas ready' } },
        { reference: CONFIG.reference, constructPath: 'prod/web/config/Resource', assessment: { status: 'Current', message: 'exists' } },
      ],
    });
    expect(cluster.reads).toEqual(['web', 'web-config', 'web', 'web-config', 'web', 'web-config']);
    expect(clock.sleeps).toEqual([2_000, 2_000]);
    expect(clock.now()).toBe(1_004_000);
  });

  it('fails fast as soon as one target is Failed, without waiting for the others or the timeout', async () => {
    // GIVEN a Deployment still rolling out and a Pod that starts crash looping on the second poll
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[WEB, [WEB_ROLLING]], [WORKER, [WORKER_STARTING, WORKER_CRASHING]]]);
    // WHEN waiting
    const result = await waitForHealth([WEB, WORKER], cluster.read, { timeoutMs: 600_000, pollIntervalMs: 5_000, clock });
    // THEN the wait stops on the second poll, reporting the failure and where the rollout stood
    expect(outcome(result)).toEqual({ healthy: false, timedOut: false, elapsedMs: 5_000 });
    expect(lines(result.objects)).toEqual([
      'InProgress Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated',
      'Failed Pod/prod/worker (prod/worker/pod/Resource): container worker: CrashLoopBackOff',
    ]);
    expect(cluster.reads).toHaveLength(4);
  });

  it('fails with timedOut once the time is up, polling one last time at the deadline itself', async () => {
    // GIVEN a Deployment stuck mid rollout and a load balancer that never gets an address
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[WEB, [WEB_ROLLING]], [CONFIG, [CONFIG_MAP]], [LOAD_BALANCER, [LOAD_BALANCER_WITHOUT_ADDRESS]]]);
    // WHEN waiting 5 s with a 2 s poll interval
    const result = await waitForHealth([WEB, CONFIG, LOAD_BALANCER], cluster.read, { timeoutMs: 5_000, pollIntervalMs: 2_000, clock });
    // THEN polls run at 0, 2, 4 and 5 s, and the result names what is still pending
    expect(outcome(result)).toEqual({ healthy: false, timedOut: true, elapsedMs: 5_000 });
    expect(clock.sleeps).toEqual([2_000, 2_000, 1_000]);
    expect(lines(result.objects.filter((object) => object.assessment.status !== 'Current'))).toEqual([
      'InProgress Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated',
      'InProgress Service/prod/web-lb: waiting for a load balancer address',
    ]);
  });

  it('reports progress after every poll, the last one included', async () => {
    // GIVEN a Deployment that becomes ready on the third poll next to a ConfigMap that is ready at once
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[WEB, [WEB_NOT_OBSERVED, WEB_ROLLING, WEB_READY]], [CONFIG, [CONFIG_MAP]]]);
    const progress: WaitProgress[] = [];
    // WHEN waiting with a progress callback
    await waitForHealth([WEB, CONFIG], cluster.read, { timeoutMs: 60_000, pollIntervalMs: 1_000, clock, onProgress: record(progress) });
    // THEN each poll is summarised with the counts and the pending targets
    expect(progress.map((summary) => ({
      round: summary.round,
      elapsedMs: summary.elapsedMs,
      current: summary.current,
      total: summary.total,
      pending: lines(summary.pending),
      failed: lines(summary.failed),
    }))).toEqual([
      {
        round: 1,
        elapsedMs: 0,
        current: 1,
        total: 2,
        failed: [],
        pending: ['InProgress Deployment/prod/web (prod/web/deployment/Resource): waiting for the controller to observe generation 1'],
      },
      { round: 2, elapsedMs: 1_000, current: 1, total: 2, failed: [], pending: ['InProgress Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated'] },
      { round: 3, elapsedMs: 2_000, current: 2, total: 2, failed: [], pending: [] },
    ]);
  });

  it('keeps waiting for a target that is not found yet, since it may still appear', async () => {
    // GIVEN a ConfigMap that only shows up on the third read
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[CONFIG, [undefined, undefined, CONFIG_MAP]]]);
    const progress: WaitProgress[] = [];
    // WHEN waiting
    const result = await waitForHealth([CONFIG], cluster.read, { timeoutMs: 10_000, pollIntervalMs: 500, clock, onProgress: record(progress) });
    // THEN it was pending as NotFound and ends healthy on the third poll
    expect(lines(progress[0].pending)).toEqual(['NotFound ConfigMap/prod/web-config (prod/web/config/Resource): not found']);
    expect(outcome(result)).toEqual({ healthy: true, timedOut: false, elapsedMs: 1_000 });
  });

  it('fails with timedOut and a NotFound verdict for a target that never appears', async () => {
    // GIVEN a cluster where the ConfigMap never appears
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[CONFIG, [undefined]]]);
    // WHEN waiting 1 s
    const result = await waitForHealth([CONFIG], cluster.read, { timeoutMs: 1_000, pollIntervalMs: 400, clock });
    // THEN it times out with the target still not found
    expect(result).toEqual({
      healthy: false,
      timedOut: true,
      elapsedMs: 1_000,
      objects: [{ reference: CONFIG.reference, constructPath: 'prod/web/config/Resource', assessment: { status: 'NotFound', message: 'not found' } }],
    });
  });

  it('waits on a desired object being deleted as InProgress rather than Terminating', async () => {
    // GIVEN a Deployment that is being deleted and then comes back ready
    const clock = new FakeClock();
    const deleting = webDeployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 }, {
      deletionTimestamp: '2025-03-01T12:00:00Z', finalizers: ['foregroundDeletion'],
    });
    const cluster = new ScriptedCluster([[WEB, [deleting, WEB_READY]]]);
    const progress: WaitProgress[] = [];
    // WHEN waiting
    const result = await waitForHealth([WEB], cluster.read, { timeoutMs: 10_000, pollIntervalMs: 1_000, clock, onProgress: record(progress) });
    // THEN the first poll counts it as in progress, and the wait goes on until it is Current
    expect(lines(progress[0].pending)).toEqual([
      'InProgress Deployment/prod/web (prod/web/deployment/Resource): being deleted, waiting for finalizers foregroundDeletion',
    ]);
    expect({ healthy: result.healthy, elapsedMs: result.elapsedMs }).toEqual({ healthy: true, elapsedMs: 1_000 });
  });

  it('reports an API error as Unknown and keeps polling, since the next read may succeed', async () => {
    // GIVEN a read that fails once with a server error
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[CONFIG, [new ClusterError('the server is currently unable to handle the request', 503), CONFIG_MAP]]]);
    const progress: WaitProgress[] = [];
    // WHEN waiting
    const result = await waitForHealth([CONFIG], cluster.read, { timeoutMs: 10_000, pollIntervalMs: 1_000, clock, onProgress: record(progress) });
    // THEN the error shows in the first summary and the wait succeeds on the next poll
    expect(lines(progress[0].pending)).toEqual(['Unknown ConfigMap/prod/web-config (prod/web/config/Resource): cannot read: the server is currently unable to handle the request']);
    expect({ healthy: result.healthy, elapsedMs: result.elapsedMs }).toEqual({ healthy: true, elapsedMs: 1_000 });
  });

  it('fails with the error itself when a read throws something other than an API error', async () => {
    // GIVEN a read with a bug
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[CONFIG, [new TypeError('cannot read properties of undefined')]]]);
    // WHEN waiting THEN the error is not turned into a verdict
    await expect(waitForHealth([CONFIG], cluster.read, { timeoutMs: 10_000, pollIntervalMs: 1_000, clock }))
      .rejects.toThrow(new TypeError('cannot read properties of undefined'));
  });

  it('checks exactly once when the timeout is 0', async () => {
    // GIVEN a Deployment mid rollout
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([[WEB, [WEB_ROLLING, WEB_READY]]]);
    // WHEN waiting with no time at all
    const result = await waitForHealth([WEB], cluster.read, { timeoutMs: 0, pollIntervalMs: 1_000, clock });
    // THEN one poll ran and the wait timed out without sleeping
    expect(outcome(result)).toEqual({ healthy: false, timedOut: true, elapsedMs: 0 });
    expect(cluster.reads).toEqual(['web']);
    expect(clock.sleeps).toEqual([]);
  });

  it('is healthy at once, without reading, when there is nothing to wait for', async () => {
    // GIVEN no targets
    const clock = new FakeClock();
    const cluster = new ScriptedCluster([]);
    // WHEN waiting
    const result = await waitForHealth([], cluster.read, { timeoutMs: 10_000, pollIntervalMs: 1_000, clock });
    // THEN
    expect(result).toEqual({ healthy: true, timedOut: false, elapsedMs: 0, objects: [] });
    expect(cluster.reads).toEqual([]);
  });

  it('reads at most 16 targets at once and keeps results in input order whatever order reads finish in', async () => {
    // GIVEN 40 ConfigMaps whose reads finish in reverse order of start within each batch
    const clock = new FakeClock();
    const targets: WaitTarget[] = Array.from({ length: 40 }, (_, index) => ({
      reference: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: `config-${index}` },
    }));
    let inFlight = 0;
    let mostInFlight = 0;
    const read = async (reference: ObjectReference): Promise<KubeObject> => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const index = Number(reference.name.slice('config-'.length));
      for (let turn = 0; turn < 40 - index; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      inFlight--;
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: reference.name, namespace: 'prod' } };
    };
    // WHEN waiting
    const result = await waitForHealth(targets, read, { timeoutMs: 10_000, pollIntervalMs: 1_000, clock });
    // THEN concurrency stayed bounded and the verdicts line up with the targets
    expect(mostInFlight).toBe(16);
    expect(result.objects.map((object) => object.reference.name)).toEqual(targets.map((target) => target.reference.name));
    expect(result.healthy).toBe(true);
  });

  it.each([
    ['a poll interval of 0', { timeoutMs: 1_000, pollIntervalMs: 0 }, 'wait poll interval must be a finite number of milliseconds, more than 0, got 0'],
    ['a negative timeout', { timeoutMs: -1, pollIntervalMs: 1_000 }, 'wait timeout must be a finite number of milliseconds, 0 or more, got -1'],
    ['a timeout that is not a number', { timeoutMs: NaN, pollIntervalMs: 1_000 }, 'wait timeout must be a finite number of milliseconds, 0 or more, got NaN'],
  ])('fails before reading anything when given %s', async (_case, timing, message) => {
    // GIVEN options that would spin or never end
    const cluster = new ScriptedCluster([[CONFIG, [CONFIG_MAP]]]);
    // WHEN waiting THEN the options are refused
    await expect(waitForHealth([CONFIG], cluster.read, { ...timing, clock: new FakeClock() })).rejects.toThrow(new Error(message));
    expect(cluster.reads).toEqual([]);
  });
});

describe('describeAssessment', () => {
  it.each([
    ['names kind, namespace, name and construct path', WEB, 'Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated'],
    ['leaves out the construct path when there is none', LOAD_BALANCER, 'Service/prod/web-lb: 1/3 replicas updated'],
    [
      'leaves out the namespace of a cluster-scoped object',
      { reference: { apiVersion: 'v1', kind: 'Namespace', name: 'prod' }, constructPath: 'prod/namespace/Resource' },
      'Namespace/prod (prod/namespace/Resource): 1/3 replicas updated',
    ],
  ])('%s', (_case, target, expected) => {
    // GIVEN a target WHEN described THEN
    expect(describeAssessment(target, { status: 'InProgress', message: '1/3 replicas updated' })).toBe(expected);
  });
});
