import { spawn } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import { REPO_ROOT, STAGECRAFT_BIN } from '../../support/cli';
import { scratchFolder } from '../../support/fleets';
import { GitEnvRepo, startFakeController } from '../../support/git-env-repo';
import { LogWatcher } from '../../support/log-watcher';
import { configMap, deployment } from '../../support/objects';
import { kubectl, kubectlJson, startTestCluster, uniqueName } from '../../support/test-cluster';

/** The pull-based mode: `stagecraft reconcile --interval` heals drift on every tick and serves metrics. */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

describe('reconcile --interval on a real API server', () => {
  it('applies, then heals a kubectl scale on a later tick, logs one structured line per reconcile and serves metrics', async () => {
    // GIVEN an env repo with one application and a fake Deployment controller
    const name = uniqueName('loop');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', deployment(name, 'web', 2)).put('web', configMap(name, 'web'));
    const commit = repo.commit('web');
    const controller = startFakeController(kubeconfig, name);
    const port = await freePort();
    const reconciler = spawn(process.execPath, [
      STAGECRAFT_BIN, 'reconcile', '--repo', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'),
      '--interval', '1s', '--timeout', '30s', '--poll-interval', '250ms', '--metrics-address', `127.0.0.1:${port}`,
    ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs = new LogWatcher(reconciler);
    try {
      // WHEN the first tick applies the revision
      const first = await logs.waitFor((line) => line.msg === 'reconcile');
      // THEN
      // (created: the Deployment and the ConfigMap; the namespace counted apart)
      expect(first).toMatchObject({ level: 'info', environment: name, revision: commit, verdict: 'healthy', created: 2, namespacesCreated: 1, failed: 0 });

      // WHEN someone scales the Deployment behind git's back
      kubectl(kubeconfig, ['scale', 'deployment', 'web', '-n', name, '--replicas', '5']);
      const healed = await logs.waitFor((line) => line.msg === 'reconcile' && line.driftedObjects === 1);
      // THEN a later tick puts the declared replicas back
      expect(healed).toMatchObject({ verdict: 'healthy', configured: 1, driftedObjects: 1 });
      expect(kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', name]).spec.replicas).toBe(2);

      // AND an idle tick sends no write request
      const idle = await logs.waitFor((line) => line.msg === 'reconcile' && logs.lines.indexOf(line) > logs.lines.indexOf(healed) && line.writeRequests === 0);
      expect(idle).toMatchObject({ verdict: 'healthy', unchanged: 2, configured: 0 });
      // AND, its live state kept from watches, sends no LIST either
      const idleAgain = await logs.waitFor((line) => line.msg === 'reconcile' && logs.lines.indexOf(line) > logs.lines.indexOf(idle) && line.trigger === 'interval');
      expect(idleAgain).toMatchObject({ verdict: 'healthy', writeRequests: 0, listRequests: 0, watchesHealthy: true });

      // AND metrics are served
      const metrics = await getText(`http://127.0.0.1:${port}/metrics`);
      expect(metrics).toMatch(new RegExp(`stagecraft_reconcile_total\\{environment="${name}",verdict="healthy"\\} \\d+`));
      expect(metrics).toMatch(new RegExp(`stagecraft_last_success_timestamp_seconds\\{environment="${name}"\\} [1-9]\\d+`));
      expect(metrics).toContain(`stagecraft_reconcile_duration_seconds_count{environment="${name}"}`);
    } finally {
      // WHEN stopped
      const exited = new Promise<number | null>((resolve) => reconciler.once('exit', (code) => resolve(code)));
      reconciler.kill('SIGTERM');
      // THEN it ends cleanly
      expect(await exited).toBe(0);
      controller.kill();
    }
  });

  it('heals a kubectl scale as soon as a watch sees it, without waiting for the 5-minute interval', async () => {
    // GIVEN a reconciler in --interval 5m mode that applied a Deployment
    const name = uniqueName('watch');
    const repo = new GitEnvRepo(name, name);
    repo.put('web', deployment(name, 'web', 2)).put('web', configMap(name, 'web'));
    repo.commit('web');
    const reconciler = spawn(process.execPath, [
      STAGECRAFT_BIN, 'reconcile', '--repo', repo.root, '--env', name, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'),
      '--interval', '5m', '--no-wait', '--metrics-address', '127.0.0.1:0',
    ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs = new LogWatcher(reconciler);
    try {
      const first = await logs.waitFor((line) => line.msg === 'reconcile');
      expect(first).toMatchObject({ verdict: 'applied', trigger: 'start', created: 2, namespacesCreated: 1 });

      // WHEN someone scales the Deployment behind git's back
      kubectl(kubeconfig, ['scale', 'deployment', 'web', '-n', name, '--replicas', '5']);
      const healed = await logs.waitFor((line) => line.msg === 'reconcile' && line.driftedObjects === 1, 30_000);

      // THEN the watch started a cycle at once, which put the declared replicas back, listing nothing
      expect(healed).toMatchObject({ verdict: 'applied', trigger: `watch: Deployment ${name}/web was changed`, configured: 1, listRequests: 0, watchesHealthy: true });
      expect(kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', name]).spec.replicas).toBe(2);

      // AND its own write wakes nothing more: the next cycle is the interval's
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(logs.lines.filter((line) => line.msg === 'reconcile').length).toBe(2);

      // WHEN someone deletes the ConfigMap
      kubectl(kubeconfig, ['delete', 'configmap', 'web', '-n', name]);
      const recreated = await logs.waitFor((line) => line.msg === 'reconcile' && line.created === 1, 30_000);
      // THEN it is created again at once (with the one LIST every create asks for: objects of other applysets it must not take over)
      expect(recreated).toMatchObject({ verdict: 'applied', trigger: `watch: ConfigMap ${name}/web was deleted`, listRequests: 1 });
      expect(kubectlJson(kubeconfig, ['get', 'configmap', 'web', '-n', name]).data).toEqual({ KEY: 'value' });
    } finally {
      const exited = new Promise<number | null>((resolve) => reconciler.once('exit', (code) => resolve(code)));
      reconciler.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
