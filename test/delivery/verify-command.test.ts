import * as path from 'path';
import { Application, Delivery, Environment } from '../../lib';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { writeTree } from '../../lib/synth/write-tree';
import { argoCdApplicationStatus } from '../support/controller-status';
import { fakeDigest, scratchFleet, scratchFolder } from '../support/fleets';
import { git, initRepository } from '../support/git';
import { stagecraft } from '../support/promotion-repo';
import { kubectl, startTestCluster, uniqueName } from '../support/test-cluster';
import { installUpstreamCrds } from '../support/upstream-crds';

const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;

let kubeconfig: string;
let scratch: string;
let bare: string;
let argoNamespace: string;
let head: string;
let firstCommit: string;

/** `stagecraft verify --from <from>` of prod, with its exit code and json output. */
function verify(from = 'argocd'): { status: number | null; result: any; stderr: string } {
  const run = stagecraft(scratch, 'verify', '--repo', bare, '--env', 'prod', '--from', from, '--kubeconfig', kubeconfig,
    '--cache-dir', path.join(scratch, 'cache'), '--output', 'json');
  return { status: run.status, result: run.stdout === '' ? undefined : JSON.parse(run.stdout), stderr: run.stderr };
}

/** Writes the Application's status as Argo CD's application controller does (the CRD has no status subresource). */
function writeApplicationStatus(status: Record<string, unknown>): void {
  kubectl(kubeconfig, ['patch', 'application.argoproj.io', 'stagecraft-prod', '-n', argoNamespace, '--type=merge', '-p', JSON.stringify({ status })]);
}

function statusBranchRecord(commit: string): any {
  return JSON.parse(git(bare, 'show', `stagecraft/status:records/prod/${commit}.json`));
}

beforeAll(() => {
  // GIVEN an env repo whose prod is delivered by Argo CD, two commits deep, and its Application in the cluster
  kubeconfig = startTestCluster();
  installUpstreamCrds(kubeconfig);
  argoNamespace = uniqueName('argocd');
  kubectl(kubeconfig, ['create', 'namespace', argoNamespace]);
  scratch = scratchFolder('stagecraft-verify-');
  const work = initRepository(path.join(scratch, 'work'));
  for (const replicas of [2, 3]) {
    const { fleet } = scratchFleet({ prod: { web: WEB } });
    new Environment(fleet, 'prod', { delivery: Delivery.argoCd({ repository: 'https://git.example/acme/env-repo.git', namespace: argoNamespace }) });
    new Application(fleet, 'web', { image: 'registry.example/web', port: 8080, replicas });
    writeTree(work, synthesizeFleet(fleet));
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '--message', `web with ${replicas} replicas`);
  }
  bare = path.join(scratch, 'env.git');
  git(scratch, 'clone', '--quiet', '--bare', work, bare);
  head = git(bare, 'rev-parse', 'main');
  firstCommit = git(bare, 'rev-parse', 'main~1');
  kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'cluster-admin', '-f', path.join(work, 'prod', '_delivery')]);
});

describe('stagecraft verify --from argocd on the test control plane', () => {
  it('records nothing while Argo CD is Synced and Healthy at an older commit', () => {
    // GIVEN
    writeApplicationStatus(argoCdApplicationStatus({ revision: firstCommit, sync: 'Synced', health: 'Healthy' }));
    // WHEN
    const outcome = verify();
    // THEN
    expect(outcome).toEqual({
      status: 1,
      stderr: '',
      result: { environment: 'prod', commit: head, outcome: 'not-recorded', reason: `Argo CD is at ${firstCommit}, not at ${head}` },
    });
    expect(() => git(bare, 'rev-parse', '--verify', '--quiet', 'stagecraft/status')).toThrow();
  });

  it('writes a failed record when the Application is OutOfSync at the env repo\'s commit', () => {
    // GIVEN
    writeApplicationStatus(argoCdApplicationStatus({ revision: head, sync: 'OutOfSync', health: 'Progressing', operationPhase: 'Running' }));
    // WHEN
    const outcome = verify();
    // THEN
    expect(outcome.status).toBe(1);
    expect(outcome.result.outcome).toBe('failed');
    const record = statusBranchRecord(head);
    expect(record).toEqual({
      schemaVersion: 1,
      environment: 'prod',
      commit: head,
      lockDigest: JSON.parse(git(bare, 'show', 'main:prod/.stagecraft/lock.json')).treeDigest,
      verdict: 'failed',
      recordedAt: record.recordedAt,
      objects: { total: 2, created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
      applications: { web: WEB },
      reason: `Argo CD Application at ${head} is OutOfSync and Progressing: one or more objects failed to apply, reason: Deployment.apps "web" is invalid`,
    });
  });

  it('writes a healthy record, the one reconcile --record would write, once it is Synced and Healthy there', () => {
    // GIVEN
    writeApplicationStatus(argoCdApplicationStatus({ revision: head, sync: 'Synced', health: 'Healthy' }));
    // WHEN
    const outcome = verify();
    // THEN
    expect(outcome.status).toBe(0);
    expect(outcome.result).toMatchObject({ environment: 'prod', commit: head, outcome: 'healthy', recordCommit: git(bare, 'rev-parse', 'stagecraft/status') });
    const record = statusBranchRecord(head);
    expect(record).toMatchObject({ verdict: 'healthy', firstHealthyAt: record.recordedAt, applications: { web: WEB } });
    expect(record.reason).toBeUndefined();
  });

  it('writes nothing when the record would say what the last one said', () => {
    // GIVEN
    const before = git(bare, 'rev-parse', 'stagecraft/status');
    // WHEN
    const outcome = verify();
    // THEN
    expect(outcome.status).toBe(0);
    expect(outcome.result.recordCommit).toBeUndefined();
    expect(git(bare, 'rev-parse', 'stagecraft/status')).toBe(before);
  });

  it.each([
    ['flux', 'verify: environment prod is delivered by argocd at', 'not by flux; run stagecraft verify --from argocd'],
    ['helm', 'verify: --from "helm" is not known; give --from flux or --from argocd', ''],
  ])('fails on --from %s for an environment Argo CD delivers (exit 2)', (from, start, end) => {
    // WHEN
    const outcome = verify(from);
    // THEN
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toContain(start);
    expect(outcome.stderr).toContain(end);
  });
});
