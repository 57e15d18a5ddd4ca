import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Application, Environment, Fleet } from '../../../lib';
import { runStagecraft } from '../../support/cli';
import { fakeDigest, scratchFolder } from '../../support/fleets';
import { kubectl, startTestCluster, uniqueName } from '../../support/test-cluster';

/**
 * Ten times the benchmark's size (issue 13): one environment of 3,000 applications (9,000 objects) is
 * synthesized, read back by every reader's limits, reconciled on the test control plane, and pruned when its
 * applications leave (which also leaves the shared control plane as it was). Slow (one to three minutes here,
 * with the machine shared), but part of `npm test`: the environment.json and lock.json it writes are over
 * 1 MiB, which format 1 refused.
 */
jest.setTimeout(600_000);

const APPLICATIONS = 3000;

let kubeconfig: string;
/** Namespaces this file filled: emptied afterwards, so the 9,000 objects do not weigh on later tests of the shared control plane. */
const filled: string[] = [];
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

afterAll(() => {
  // The test control plane has no namespace controller: Deployments and ConfigMaps are deleted a collection
  // per request; Services have no collection delete, so kubectl deletes them one by one.
  for (const namespace of filled) {
    for (const args of [
      ['delete', '--raw', `/apis/apps/v1/namespaces/${namespace}/deployments`],
      ['delete', '--raw', `/api/v1/namespaces/${namespace}/configmaps`],
      ['delete', 'services', '--all', '--namespace', namespace, '--wait=false'],
    ]) {
      // The answers list every deleted object (megabytes): not read.
      const deleted = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
      if (deleted.status !== 0) {
        throw new Error(`kubectl ${args.join(' ')} failed (exit ${deleted.status}): ${deleted.stderr}`);
      }
    }
  }
}, 10 * 60_000);

describe('an environment of 3,000 applications', () => {
  it('synthesizes, reconciles all 9,000 objects, again with nothing to write, and prunes them all when the applications leave', () => {
    // GIVEN a fleet of 3,000 applications (Deployment, Service and ConfigMap each), all released
    const name = uniqueName('big');
    filled.push(name);
    const root = scratchFolder('stagecraft-ten-times-');
    const releasesDirectory = path.join(root, 'releases');
    fs.mkdirSync(releasesDirectory);
    const releases = ['applications:'];
    for (let index = 0; index < APPLICATIONS; index++) {
      releases.push(`  app${index}:`, `    image: registry.example/app${index}@sha256:${fakeDigest('app')}`);
    }
    fs.writeFileSync(path.join(releasesDirectory, `${name}.yaml`), `${releases.join('\n')}\n`);
    const outdir = path.join(root, 'out');
    const fleet = new Fleet({ outdir, releasesDirectory, synthWorkers: 0 });
    new Environment(fleet, name);
    for (let index = 0; index < APPLICATIONS; index++) {
      new Application(fleet, `app${index}`, { image: `registry.example/app${index}`, port: 8080, config: { INDEX: String(index), LOG_LEVEL: 'info' } });
    }

    // WHEN it is synthesized
    fleet.synth();
    // THEN its metadata files are over format 1's limit of 1 MiB (which readers refused), under format 2's
    const sizes = ['environment.json', 'lock.json'].map((file) => fs.statSync(path.join(outdir, name, '.stagecraft', file)).size);
    expect(sizes.map((size) => size > 1024 * 1024 && size < 16 * 1024 * 1024)).toEqual([true, true]);

    // WHEN it is reconciled
    const cold = runStagecraft(['reconcile', '--dir', outdir, '--env', name, '--kubeconfig', kubeconfig, '--once', '--no-wait', '--output', 'json'], { cwd: root, timeoutMs: 280_000 });
    // THEN every object is created (and the namespace)
    expect({ status: cold.status, stderr: cold.stderr }).toEqual({ status: 0, stderr: '' });
    const coldResult = JSON.parse(cold.stdout);
    expect(coldResult.verdict).toBe('applied');
    const created = coldResult.changes.filter((change: any) => change.action === 'created').length;
    expect(created).toBe(3 * APPLICATIONS + 1);
    expect(kubectl(kubeconfig, ['get', 'deployments,services,configmaps', '-n', name, '-l', `applyset.kubernetes.io/part-of=${coldResult.applyset}`, '-o', 'name']).stdout.trim().split('\n').length)
      .toBe(3 * APPLICATIONS);

    // WHEN it is reconciled again
    const again = runStagecraft(['reconcile', '--dir', outdir, '--env', name, '--kubeconfig', kubeconfig, '--once', '--no-wait', '--output', 'json'], { cwd: root, timeoutMs: 280_000 });
    // THEN nothing is written
    const againResult = JSON.parse(again.stdout);
    expect({ status: again.status, verdict: againResult.verdict, writeRequests: againResult.writeRequests }).toEqual({ status: 0, verdict: 'applied', writeRequests: 0 });
    expect(againResult.changes.filter((change: any) => change.action === 'unchanged').length).toBe(3 * APPLICATIONS);

    // WHEN every application leaves the fleet (and its releases file)
    fs.writeFileSync(path.join(releasesDirectory, `${name}.yaml`), 'applications: {}\n');
    const emptied = new Fleet({ outdir, releasesDirectory, synthWorkers: 0 });
    new Environment(emptied, name);
    emptied.synth();
    const reconcile = (extra: string[]) => runStagecraft(['reconcile', '--dir', outdir, '--env', name, '--kubeconfig', kubeconfig, '--once', '--no-wait', '--output', 'json', ...extra], { cwd: root, timeoutMs: 280_000 });
    const refused = reconcile([]);
    // THEN deleting every object is refused, and nothing is written
    const refusedResult = JSON.parse(refused.stdout);
    expect({ status: refused.status, verdict: refusedResult.verdict, writeRequests: refusedResult.writeRequests }).toEqual({ status: 1, verdict: 'refused', writeRequests: 0 });
    expect(refusedResult.message).toMatch(new RegExp(`^refusing to prune ${3 * APPLICATIONS} of ${3 * APPLICATIONS} live objects of applyset `));
    // WHEN mass pruning is allowed
    const pruned = reconcile(['--allow-mass-prune']);
    // THEN all 9,000 are deleted
    const prunedResult = JSON.parse(pruned.stdout);
    expect({ status: pruned.status, verdict: prunedResult.verdict }).toEqual({ status: 0, verdict: 'applied' });
    expect(prunedResult.changes.filter((change: any) => change.action === 'pruned').length).toBe(3 * APPLICATIONS);
    expect(kubectl(kubeconfig, ['get', 'deployments,services,configmaps', '-n', name, '-l', `applyset.kubernetes.io/part-of=${coldResult.applyset}`, '-o', 'name']).stdout.trim()).toBe('');
  });
});
