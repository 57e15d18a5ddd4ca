import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { signHookBody } from '../../../lib/reconciler/webhook-signature';
import { REPO_ROOT } from '../../support/cli';
import { GitEnvRepo, startFakeController } from '../../support/git-env-repo';
import { eventually, Receiver, request } from '../../support/http';
import { configMap, deployment } from '../../support/objects';
import { pushPayload, sleep, startRunningReconciler } from '../../support/running-reconciler';
import { kubectlJson, startTestCluster, uniqueName } from '../../support/test-cluster';

/**
 * The running reconciler (`reconcile --interval 5m`, the built CLI) on the real test control plane: a signed
 * git hook makes a push live at once, unsigned or wrongly signed ones change nothing, and receivers on
 * loopback hear of each verdict change once.
 */
jest.setTimeout(180_000);

const GOOD = `registry.example/web@sha256:${'a'.repeat(64)}`;
const GOOD_2 = `registry.example/web@sha256:${'c'.repeat(64)}`;
// The fake controller never rolls out images with @sha256:bad (scripts/control-plane/simulate-rollouts.js).
const BROKEN = `registry.example/web@sha256:bad${'b'.repeat(61)}`;
const SLACK_SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'slack', 'incoming-webhook-payload.schema.json'), 'utf8'));

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

describe('git hooks on a running reconciler', () => {
  it('makes a push live within 2 s of a signed hook, without waiting for the 5m interval; unsigned, wrongly signed and replayed hooks change nothing', async () => {
    // GIVEN a reconciler on a 5 minute interval that applied the first revision
    const name = uniqueName('hook');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', deployment(name, 'web', 2, GOOD)).put('web', configMap(name, 'web', { KEY: 'v1' }));
    const first = repo.commit('v1');
    const controller = startFakeController(kubeconfig, name);
    const running = await startRunningReconciler(kubeconfig, repo);
    try {
      expect(await running.logs.waitFor((line) => line.msg === 'reconcile')).toMatchObject({ revision: first, verdict: 'healthy', trigger: 'start' });
      expect(await request(`${running.url}/readyz`)).toMatchObject({ status: 200, text: 'ready\n' });

      // WHEN v2 is pushed and hooks arrive unsigned, signed with another secret, and with a wrong GitLab token
      repo.put('web', configMap(name, 'web', { KEY: 'v2' }));
      const second = repo.commit('v2');
      const body = pushPayload(second);
      const refused = [
        await running.hook(body, {}),
        await running.hook(body, { 'X-Hub-Signature-256': signHookBody(body, 'not-the-secret-but-long-enough') }),
        await running.hook(body, { 'X-Hub-Signature-256': signHookBody(pushPayload(first), running.secret) }),
        await running.hook(body, { 'X-Gitlab-Token': 'not-the-secret' }),
      ];
      await sleep(2500);
      // THEN each is refused with 401, no reconcile ran, and the cluster still holds v1
      expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
      expect(running.reconciles()).toHaveLength(1);
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ KEY: 'v1' });

      // WHEN v3 is pushed and the signed hook arrives
      repo.put('web', configMap(name, 'web', { KEY: 'v3' }));
      const pushedAt = Date.now();
      const third = repo.commit('v3');
      const delivery = randomUUID();
      const signedHeaders = { 'X-Hub-Signature-256': signHookBody(pushPayload(third), running.secret), 'X-GitHub-Delivery': delivery };
      const accepted = await running.hook(pushPayload(third), signedHeaders);
      const applied = await running.logs.waitFor((line) => line.msg === 'reconcile' && line.revision === third, 10_000);
      const liveAfterMs = Date.now() - pushedAt;
      // THEN it is accepted, the reconcile it started applied v3, and v3 is live within 2 s of the push
      expect(accepted).toMatchObject({ status: 202, text: 'accepted: a reconcile starts now\n' });
      expect(applied).toMatchObject({ verdict: 'healthy', trigger: 'hook', configured: 1 });
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ KEY: 'v3' });
      expect(liveAfterMs).toBeLessThan(2000);
      process.stdout.write(`signed hook: push live after ${liveAfterMs} ms (interval 5m)\n`);

      // WHEN the same delivery is replayed
      const replayed = await running.hook(pushPayload(third), signedHeaders);
      await sleep(1000);
      // THEN it is ignored: no further reconcile
      expect(replayed).toMatchObject({ status: 200, text: `ignored: delivery ${delivery} was already received\n` });
      expect(running.reconciles()).toHaveLength(2);

      // AND the metrics count every hook by outcome
      const metrics = (await request(`${running.url}/metrics`)).text;
      expect(metrics.split('\n').filter((line) => line.startsWith('stagecraft_webhook_requests_total{'))).toEqual([
        'stagecraft_webhook_requests_total{outcome="unauthorized"} 4',
        'stagecraft_webhook_requests_total{outcome="accepted"} 1',
        'stagecraft_webhook_requests_total{outcome="replayed"} 1',
      ]);
      expect(metrics).toMatch(new RegExp(`stagecraft_last_success_timestamp_seconds\\{environment="${name}"\\} [1-9]\\d+`));
      // AND the secret was never printed
      expect(JSON.stringify(running.logs.lines)).not.toContain(running.secret);
    } finally {
      expect(await running.stop()).toBe(0);
      controller.kill();
    }
  });
});

describe('alerts from a running reconciler', () => {
  it('sends each receiver exactly one event per verdict change (healthy → rolled-back → healthy), Slack bodies valid for Slack\'s schema', async () => {
    // GIVEN receivers on loopback and a reconciler that applied a healthy revision
    const receiver = new Receiver();
    const base = await receiver.start();
    const name = uniqueName('alert');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', deployment(name, 'web', 2, GOOD)).put('web', configMap(name, 'web'));
    repo.commit('good');
    const controller = startFakeController(kubeconfig, name);
    const running = await startRunningReconciler(kubeconfig, repo, ['--timeout', '3s', '--alert-url', `json=${base}/json`, '--alert-url', `slack=${base}/slack`]);
    const signedHook = async (commit: string) => {
      const body = pushPayload(commit);
      expect((await running.hook(body, { 'X-Hub-Signature-256': signHookBody(body, running.secret), 'X-GitHub-Delivery': randomUUID() })).status).toBe(202);
    };
    try {
      expect(await running.logs.waitFor((line) => line.msg === 'reconcile')).toMatchObject({ verdict: 'healthy' });

      // WHEN a broken image is pushed (rolled back), the hook comes again with nothing new (skipped), then a fix is pushed
      repo.put('web', deployment(name, 'web', 2, BROKEN));
      const broken = repo.commit('broken');
      await signedHook(broken);
      await running.logs.waitFor((line) => line.msg === 'reconcile' && line.revision === broken && line.verdict === 'rolled-back', 30_000);
      await signedHook(broken);
      await running.logs.waitFor((line) => line.msg === 'reconcile' && line.revision === broken && line.verdict === 'skipped', 30_000);
      repo.put('web', deployment(name, 'web', 2, GOOD_2));
      const fixed = repo.commit('fixed');
      await signedHook(fixed);
      await running.logs.waitFor((line) => line.msg === 'reconcile' && line.revision === fixed && line.verdict === 'healthy', 30_000);
      await eventually(() => receiver.received.length >= 4, 'four alert deliveries');
      await sleep(1000);

      // THEN four cycles after the first made two changes, and each receiver got exactly two events
      expect(running.reconciles().map((line) => line.verdict)).toEqual(['healthy', 'rolled-back', 'skipped', 'healthy']);
      const events = receiver.bodiesAt('/json');
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ type: 'stagecraft.dev/verdict-change', version: 1, environment: name, revision: broken, verdict: 'rolled-back', previousVerdict: 'healthy' });
      expect(events[0].objects).toEqual([
        expect.objectContaining({ kind: 'Deployment', namespace: name, name: 'web', constructPath: 'env/web/deployment/Resource' }),
      ]);
      expect(events[1]).toEqual({ type: 'stagecraft.dev/verdict-change', version: 1, environment: name, revision: fixed, verdict: 'healthy', previousVerdict: 'rolled-back', time: events[1].time, objects: [] });
      const slack = receiver.bodiesAt('/slack');
      expect(slack.map((body) => body.text.split('\n')[0])).toEqual([
        `:rewind: *${name}* is rolled-back at \`${broken.slice(0, 12)}\` (was healthy)`,
        `:white_check_mark: *${name}* is healthy at \`${fixed.slice(0, 12)}\` (was rolled-back)`,
      ]);
      expect(slack[0].text).toContain(`• Deployment/${name}/web (construct \`env/web/deployment/Resource\`): `);
      const validate = new Ajv({ allErrors: true }).compile(SLACK_SCHEMA);
      expect(slack.map((body) => (validate(body) ? [] : validate.errors))).toEqual([[], []]);
      expect(receiver.received.every((entry) => entry.headers['content-type'] === 'application/json')).toBe(true);
    } finally {
      expect(await running.stop()).toBe(0);
      controller.kill();
      await receiver.close();
    }
  });
});
