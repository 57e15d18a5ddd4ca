import { randomUUID } from 'crypto';
import * as net from 'net';
import { signHookBody } from '../../lib/reconciler/webhook-signature';
import { GitEnvRepo, startFakeController } from '../support/git-env-repo';
import { eventually, Receiver, request } from '../support/http';
import { configMap, deployment } from '../support/objects';
import { pushPayload, RunningReconciler, sleep, startRunningReconciler } from '../support/running-reconciler';
import { kubectlJson, startTestCluster, uniqueName } from '../support/test-cluster';

/**
 * Faults around the running reconciler's endpoint and alerts (issue 11), each against the built CLI
 * (`reconcile --interval 5m`, hooks on) on the test control plane: clients that hold connections open, bursts
 * of hooks during a cycle, and alert receivers that hang, fail or are gone. Reconciling must go on as if
 * nothing happened. These run on the shared test control plane in namespaces of their own (the fault cluster
 * of faults.test.ts is killed and restarted by its scenarios). The suite prints
 * `endpoint faults: N survived / M tried`.
 */
jest.setTimeout(120_000);

const GOOD = `registry.example/web@sha256:${'a'.repeat(64)}`;
const BROKEN = `registry.example/web@sha256:bad${'b'.repeat(61)}`;
const ledger = { tried: 0, survived: 0 };
let kubeconfig: string;

beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

afterAll(() => {
  process.stdout.write(`endpoint faults: ${ledger.survived} survived / ${ledger.tried} tried\n`);
  expect(ledger.survived).toBe(ledger.tried);
});

interface Stage {
  readonly repo: GitEnvRepo;
  readonly reconciler: RunningReconciler;
  readonly namespace: string;
}

/**
 * A scenario: an environment with one ConfigMap (KEY=v1) applied by a running reconciler (and a fake
 * Deployment controller unless `controller` is false); counted as survived when every assertion held.
 */
interface ScenarioOptions {
  /** More arguments for the reconciler, given the namespace. */
  readonly extra?: (namespace: string) => string[];
  /** Run the fake Deployment controller. @default true */
  readonly controller?: boolean;
}

function scenario(name: string, body: (stage: Stage) => Promise<void>, options: ScenarioOptions = {}): void {
  it(name, async () => {
    ledger.tried++;
    const namespace = uniqueName('endpoint-fault');
    const repo = new GitEnvRepo(namespace, namespace);
    repo.put('web', configMap(namespace, 'web', { KEY: 'v1' }));
    repo.commit('v1');
    const controller = options.controller === false ? undefined : startFakeController(kubeconfig, namespace);
    const reconciler = await startRunningReconciler(kubeconfig, repo, options.extra?.(namespace) ?? []);
    try {
      expect(await reconciler.logs.waitFor((line) => line.msg === 'reconcile')).toMatchObject({ verdict: 'healthy', trigger: 'start' });
      await body({ repo, reconciler, namespace });
      ledger.survived++;
    } finally {
      await reconciler.stop();
      controller?.kill();
    }
  });
}

/** Pushes KEY=`value` (and `change`), sends the signed hook, and resolves once the reconcile of that commit logged; returns its line. */
async function pushAndHook(stage: Stage, value: string, change: () => void = () => undefined): Promise<{ line: any; elapsedMs: number }> {
  stage.repo.put('web', configMap(stage.namespace, 'web', { KEY: value }));
  change();
  const started = Date.now();
  const commit = stage.repo.commit(value);
  const body = pushPayload(commit);
  expect((await stage.reconciler.hook(body, stage.reconciler.signed(body, randomUUID()))).status).toBe(202);
  const line = await stage.reconciler.logs.waitFor((entry) => entry.msg === 'reconcile' && entry.revision === commit, 30_000);
  return { line, elapsedMs: Date.now() - started };
}

interface HeldConnection {
  readonly closedAfterMs: number;
  readonly answer: string;
}

/** Opens a connection that sends `first`, then `trickle` every `everyMs`; resolves with when the server closed it. */
function holdOpen(reconciler: RunningReconciler, first: string, trickle: string | undefined, everyMs: number): Promise<HeldConnection> {
  return new Promise((resolve) => {
    const opened = Date.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(reconciler.port, reconciler.host, () => {
      socket.write(first);
      if (trickle !== undefined) {
        timer = setInterval(() => socket.write(trickle), everyMs);
      }
    });
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - opened, answer });
    });
  });
}

describe('the running reconciler survives faults at its endpoint and its alert receivers', () => {
  scenario('slowloris: 30 connections trickling header lines are cut after the headers timeout, while health and a signed hook still work', async (stage) => {
    // GIVEN 30 clients that send a header line every 500 ms and never finish their headers
    const held = Array.from({ length: 30 }, () => holdOpen(stage.reconciler, 'POST /hooks/git HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 500));
    await sleep(500);
    // WHEN health is asked and a change is pushed with a signed hook meanwhile
    const health = await request(`${stage.reconciler.url}/healthz`);
    const { line, elapsedMs } = await pushAndHook(stage, 'v2');
    // THEN both are served at once, and the change is live
    expect(health.status).toBe(200);
    expect(line).toMatchObject({ verdict: 'healthy', trigger: 'hook' });
    expect(elapsedMs).toBeLessThan(2000);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', stage.namespace]).data).toEqual({ KEY: 'v2' });
    // AND every slow connection is answered 408 and closed within the 5 s headers timeout (plus the 1 s check)
    const closed = await Promise.all(held);
    expect(closed.filter((entry) => entry.answer.startsWith('HTTP/1.1 408'))).toHaveLength(30);
    expect(Math.max(...closed.map((entry) => entry.closedAfterMs))).toBeLessThan(8000);
  });

  scenario('half-open bodies: 10 signed requests that stop sending their body are cut after the request timeout and trigger nothing', async (stage) => {
    // GIVEN 10 clients that declare 100,000 bytes, send 10, and go silent
    const body = 'x'.repeat(100_000);
    const headers = `POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nX-Hub-Signature-256: ${signHookBody(body, stage.reconciler.secret)}\r\n\r\n${body.slice(0, 10)}`;
    const held = Array.from({ length: 10 }, () => holdOpen(stage.reconciler, headers, undefined, 0));
    await sleep(500);
    // WHEN a real push arrives meanwhile
    const { line } = await pushAndHook(stage, 'v2');
    expect(line).toMatchObject({ verdict: 'healthy', trigger: 'hook' });
    // THEN the half-open requests are closed within the 10 s request timeout (plus the 1 s check), and none reconciled
    const closed = await Promise.all(held);
    expect(Math.max(...closed.map((entry) => entry.closedAfterMs))).toBeLessThan(13_000);
    expect(stage.reconciler.reconciles().map((entry) => entry.trigger)).toEqual(['start', 'hook']);
  });

  scenario('a burst of hooks during a running cycle makes exactly one follow-up cycle', async (stage) => {
    // GIVEN a push whose cycle takes 3 s (a Deployment no controller rolls out, waited for until --timeout)
    stage.repo.put('web', deployment(stage.namespace, 'web', 1, GOOD));
    const slow = stage.repo.commit('slow');
    const body = pushPayload(slow);
    expect((await stage.reconciler.hook(body, stage.reconciler.signed(body, randomUUID()))).status).toBe(202);
    await sleep(300);
    // WHEN 5 more signed hooks arrive while that cycle runs
    const burst = await Promise.all(Array.from({ length: 5 }, () => stage.reconciler.hook(body, stage.reconciler.signed(body, randomUUID()))));
    expect(burst.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(stage.reconciler.reconciles()).toHaveLength(1);
    await stage.reconciler.logs.waitFor((line) => line.msg === 'reconcile' && line.revision === slow && line.verdict === 'rolled-back', 30_000);
    // THEN exactly one follow-up cycle runs (the tip already failed: skipped), and no more
    await stage.reconciler.logs.waitFor((line) => line.msg === 'reconcile' && line.verdict === 'skipped', 10_000);
    await sleep(2000);
    expect(stage.reconciler.reconciles().map((line) => `${line.trigger} ${line.verdict}`)).toEqual(['start healthy', 'hook rolled-back', 'hook skipped']);
  }, { extra: () => ['--timeout', '3s'], controller: false });

  describe('alert receivers', () => {
    const receiver = new Receiver();
    let base = '';
    let closedPort = 0;
    beforeAll(async () => {
      base = await receiver.start();
      // A port that was free a moment ago: nobody listens there.
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
      closedPort = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    });
    afterAll(() => receiver.close());

    scenario('a receiver that never answers holds up neither reconciling nor shutdown', async (stage) => {
      // GIVEN the receiver hangs on every request
      receiver.answer = (path) => (path.startsWith('/hang') ? 'hang' : 200);
      // WHEN a broken image is pushed (a verdict change: an alert to the hanging receiver), then a fix
      const { line: rolledBack } = await pushAndHook(stage, 'v2', () => stage.repo.put('web', deployment(stage.namespace, 'web', 1, BROKEN)));
      expect(rolledBack.verdict).toBe('rolled-back');
      await eventually(() => receiver.received.some((entry) => entry.path === `/hang/${stage.namespace}`), 'the alert reaching the hanging receiver');
      const { line: healthy, elapsedMs } = await pushAndHook(stage, 'v3', () => stage.repo.put('web', deployment(stage.namespace, 'web', 1, GOOD)));
      // THEN the fix is applied at once, while the first alert still hangs
      expect(healthy).toMatchObject({ verdict: 'healthy', trigger: 'hook' });
      expect(elapsedMs).toBeLessThan(2000);
      // AND the reconciler stops within the 5 s alert grace (then gives the hanging alert up), exit 0
      const stopping = Date.now();
      expect(await stage.reconciler.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(7000);
      expect(stage.reconciler.logs.lines.filter((line) => line.msg === 'alert').map((line) => line.reason)).toContain('given up: the reconciler is stopping');
    }, { extra: (namespace) => ['--timeout', '20s', '--alert-url', `${base}/hang/${namespace}`] });

    scenario('a receiver that answers 500 twice gets the event once it recovers, retried with backoff', async (stage) => {
      // GIVEN the receiver fails the first two tries for this environment
      let tries = 0;
      receiver.answer = (path) => (path === `/flaky/${stage.namespace}` && ++tries <= 2 ? 500 : 200);
      // WHEN a broken image is pushed (healthy → rolled-back)
      await pushAndHook(stage, 'v2', () => stage.repo.put('web', deployment(stage.namespace, 'web', 1, BROKEN)));
      // THEN the third try, after 1 s and 2 s of backoff, delivers it
      await eventually(() => tries === 3, 'three tries', 15_000);
      const metrics = (await request(`${stage.reconciler.url}/metrics`)).text;
      expect(metrics.split('\n').filter((line) => line.startsWith('stagecraft_alerts_total{'))).toEqual([
        'stagecraft_alerts_total{outcome="retried"} 2',
        'stagecraft_alerts_total{outcome="delivered"} 1',
      ]);
      const bodies = receiver.bodiesAt(`/flaky/${stage.namespace}`);
      expect(bodies.map((event) => event.verdict)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    }, { extra: (namespace) => ['--timeout', '20s', '--alert-url', `${base}/flaky/${namespace}`] });

    scenario('a receiver that is gone (connection refused) costs the loop nothing', async (stage) => {
      // GIVEN a receiver URL nobody listens on (closedPort)
      // WHEN two verdict changes happen
      const first = await pushAndHook(stage, 'v2', () => stage.repo.put('web', deployment(stage.namespace, 'web', 1, BROKEN)));
      const second = await pushAndHook(stage, 'v3', () => stage.repo.put('web', deployment(stage.namespace, 'web', 1, GOOD)));
      // THEN both cycles ran at once, and the failed tries are counted and logged by origin only
      expect([first.line.verdict, second.line.verdict]).toEqual(['rolled-back', 'healthy']);
      expect(second.elapsedMs).toBeLessThan(2000);
      await stage.reconciler.logs.waitFor((line) => line.msg === 'alert' && line.outcome === 'retried');
      const alertLine = stage.reconciler.logs.lines.find((line) => line.msg === 'alert');
      expect(alertLine).toMatchObject({ level: 'warn', target: `json http://127.0.0.1:${closedPort}`, attempt: 1 });
      expect(alertLine.reason).toContain('ECONNREFUSED');
    }, { extra: () => ['--timeout', '20s', '--alert-url', `http://127.0.0.1:${closedPort}/secret-path`] });
  });
});
