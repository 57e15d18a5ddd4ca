import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../../support/cli';
import { scratchFolder } from '../../support/fleets';
import { git } from '../../support/git';
import { GitEnvRepo, startFakeController } from '../../support/git-env-repo';
import { configMap, deployment, service } from '../../support/objects';
import { changesOf, kubectl, kubectlJson, startTestCluster, uniqueName } from '../../support/test-cluster';

/**
 * Health, rollback, records and status against a real kube-apiserver, with a fake Deployment controller
 * writing the status a real one would (the test control plane runs no controller-manager).
 */
jest.setTimeout(240_000);

const GOOD = 'registry.example/web@sha256:' + 'a'.repeat(64);
const BROKEN = 'registry.example/web@sha256:bad' + 'b'.repeat(61);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

interface Fixture {
  readonly repo: GitEnvRepo;
  readonly namespace: string;
  readonly cache: string;
  readonly controller: ChildProcess;
}

const fixtures: Fixture[] = [];
afterAll(() => {
  for (const each of fixtures) {
    each.controller.kill();
  }
});

function fixture(): Fixture {
  const name = uniqueName('rb');
  const repo = new GitEnvRepo(name, name);
  const created = { repo, namespace: name, cache: scratchFolder('stagecraft-cache-'), controller: startFakeController(kubeconfig, name) };
  fixtures.push(created);
  return created;
}

function webRevision(repo: GitEnvRepo, image: string, message: string): string {
  repo.put('web', deployment(repo.namespace, 'web', 2, image)).put('web', service(repo.namespace, 'web')).put('web', configMap(repo.namespace, 'web'));
  return repo.commit(message);
}

function reconcile(f: Fixture, extra: string[] = []): { status: number | null; result: any; stderr: string; stdout: string } {
  const run = runStagecraft([
    'reconcile', '--repo', f.repo.root, '--env', f.repo.environment, '--kubeconfig', kubeconfig, '--cache-dir', f.cache,
    '--once', '--output', 'json', '--timeout', '60s', '--poll-interval', '250ms', ...extra,
  ], { cwd: REPO_ROOT });
  let result: any;
  try {
    result = JSON.parse(run.stdout);
  } catch {
    result = undefined;
  }
  return { ...run, result };
}

function liveImage(namespace: string): string {
  return kubectlJson(kubeconfig, ['get', 'deployment', 'web', '-n', namespace]).spec.template.spec.containers[0].image;
}

describe('health, rollback and records on a real API server', () => {
  it('waits until the revision is healthy and remembers it as last known good', () => {
    // GIVEN
    const f = fixture();
    const good = webRevision(f.repo, GOOD, 'good web');
    // WHEN
    const run = reconcile(f);
    // THEN
    expect(run.status).toBe(0);
    expect(run.result).toMatchObject({ revision: good, verdict: 'healthy', health: { healthy: true, timedOut: false } });
    const status = runStagecraft(['status', '--env', f.repo.environment, '--kubeconfig', kubeconfig, '--output', 'json'], { cwd: REPO_ROOT });
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      namespace: f.namespace, lastKnownGood: { commit: good }, current: { commit: good }, failedCommits: [],
    });
  });

  it('rolls a failed rollout back to the last good revision exactly once, and does not apply it again until the branch moves', () => {
    // GIVEN a healthy revision, then one whose rollout never progresses
    const f = fixture();
    const good = webRevision(f.repo, GOOD, 'good web');
    expect(reconcile(f).status).toBe(0);
    const broken = webRevision(f.repo, BROKEN, 'broken web');
    // WHEN
    const failed = reconcile(f);
    // THEN the broken revision failed health and the good one runs again
    expect(failed.status).toBe(1);
    expect(failed.result.verdict).toBe('rolled-back');
    expect(failed.result.revision).toBe(broken);
    expect(failed.result.rollback).toMatchObject({ revision: good, healthy: true });
    expect(failed.result.message).toBe(`failed: Deployment/${f.namespace}/web (env/web/deployment/Resource): progress deadline exceeded with 0/2 replicas available; rolled back to ${good.slice(0, 12)} (healthy)`);
    expect(liveImage(f.namespace)).toBe(GOOD);

    // WHEN the branch has not moved
    const again = reconcile(f);
    // THEN it is skipped: no write at all, the good revision keeps running
    expect(again.status).toBe(1);
    expect(again.result).toMatchObject({ verdict: 'skipped', writeRequests: 0 });
    expect(again.result.message).toContain(`revision ${broken.slice(0, 12)} failed at`);
    expect(liveImage(f.namespace)).toBe(GOOD);

    // WHEN the branch moves on with a fix
    const fixed = webRevision(f.repo, 'registry.example/web@sha256:' + 'c'.repeat(64), 'fixed web');
    const next = reconcile(f);
    // THEN the new revision is applied and healthy
    expect(next.status).toBe(0);
    expect(next.result).toMatchObject({ revision: fixed, verdict: 'healthy' });
    expect(changesOf(next.result, ['configured'])).toEqual([['configured', 'Deployment/web']]);
  });

  it('fails a first revision that never becomes healthy, with nothing to roll back to', () => {
    // GIVEN
    const f = fixture();
    webRevision(f.repo, BROKEN, 'broken from the start');
    // WHEN
    const run = reconcile(f);
    // THEN
    expect(run.status).toBe(1);
    expect(run.result.verdict).toBe('failed');
    expect(run.result.message).toBe(`failed: Deployment/${f.namespace}/web (env/web/deployment/Resource): progress deadline exceeded with 0/2 replicas available; no earlier revision was verified healthy, so there is nothing to roll back to`);
  });

  it('fails (refuses) a tampered file with exit 2 and applies nothing', () => {
    // GIVEN a committed hand edit that the lock does not cover
    const f = fixture();
    webRevision(f.repo, GOOD, 'good web');
    const file = path.join(f.repo.root, f.repo.environment, 'web', 'configmap.web.yaml');
    fs.appendFileSync(file, 'extra: tampered\n');
    git(f.repo.root, 'commit', '--quiet', '--all', '--message', 'hand edit');
    // WHEN
    const run = reconcile(f);
    // THEN
    expect(run.status).toBe(2);
    expect(run.result.verdict).toBe('refused');
    expect(run.result.writeRequests).toBe(0);
    expect(run.result.message).toContain(`  - ${f.repo.environment}/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or re-run stagecraft synth and commit its output. Nothing was applied`);
    expect(kubectl(kubeconfig, ['get', 'namespace', f.namespace], { allowFailure: true }).status).not.toBe(0);
  });

  it('commits a verification record to branch stagecraft/status with --record', () => {
    // GIVEN
    const f = fixture();
    const good = webRevision(f.repo, GOOD, 'good web');
    const headBefore = git(f.repo.root, 'rev-parse', 'main');
    // WHEN
    const run = reconcile(f, ['--record']);
    // THEN
    expect(run.status).toBe(0);
    expect(run.result.recordCommit).toMatch(/^[0-9a-f]{40}$/);
    const record = JSON.parse(git(f.repo.root, 'show', `stagecraft/status:records/${f.repo.environment}/${good}.json`));
    expect(record).toMatchObject({
      schemaVersion: 1,
      environment: f.repo.environment,
      commit: good,
      verdict: 'healthy',
      objects: { total: 3, created: 3, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    });
    expect(record.firstHealthyAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(git(f.repo.root, 'rev-parse', 'main')).toBe(headBefore);
  });
});
