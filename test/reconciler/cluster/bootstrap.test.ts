import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Application, Environment } from '../../../lib';
import { REPO_ROOT, runStagecraft } from '../../support/cli';
import { fakeDigest, scratchFolder, scratchFleet } from '../../support/fleets';
import { commitAll } from '../../support/git-commit';
import { kubectl, startTestCluster, TEST_CLUSTER, uniqueName } from '../../support/test-cluster';

/**
 * `stagecraft bootstrap` and `uninstall` through the built CLI on the test control plane, and the reconciler
 * then running as the bootstrap-created ServiceAccount: a token minted by the TokenRequest API, the in-cluster
 * connection pointed at it (KUBERNETES_SERVICE_HOST/PORT and --service-account-dir), no administrator
 * credentials.
 */
jest.setTimeout(240_000);

let kubeconfig: string;
const environment = uniqueName('agent');
const control = `${environment}-system`;
const account = `system:serviceaccount:${control}:stagecraft-reconciler-${environment}`;
let repo: string;
let tokenFile: string;
const token = `ghp_${uniqueName('bootstrapsecret')}`;

/** Synthesizes the environment (optionally with a Job) into the env repo and commits it. */
function synthAndCommit(withJob: boolean): void {
  const { fleet, outdir } = scratchFleet({ [environment]: { web: `registry.example/web@sha256:${fakeDigest('web')}` } });
  new Environment(fleet, environment, {
    controlNamespace: control,
    reconciler: { image: `registry.example/stagecraft@sha256:${fakeDigest('stagecraft')}`, repository: 'https://git.example/acme/env-repo.git' },
  });
  new Application(fleet, 'web', { image: 'registry.example/web', port: 8080, config: { LOG_LEVEL: 'info' } });
  if (withJob) {
    new Application(fleet, 'jobs', {
      manifests: {
        produce: (scope) => {
          new ApiObject(scope, 'nightly', {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'nightly', namespace: environment },
            spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: `registry.example/web@sha256:${fakeDigest('web')}` }] } } },
          });
        },
      },
    });
  }
  fleet.synth();
  fs.rmSync(path.join(repo, environment), { recursive: true, force: true });
  fs.cpSync(path.join(outdir, environment), path.join(repo, environment), { recursive: true });
  commitAll(repo, withJob ? 'nightly job' : 'web');
}

function stagecraft(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  return runStagecraft(args, { cwd: REPO_ROOT, env });
}

function bootstrap(extra: string[] = []): { status: number | null; stdout: string; stderr: string } {
  return stagecraft(['bootstrap', '--env', environment, '--repo', repo, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'), '--token-file', tokenFile, ...extra]);
}

/** The reconciler as its ServiceAccount: a fresh TokenRequest token and the cluster's CA in a folder, as a Pod has them. */
function reconcileAsServiceAccount(): { status: number | null; result: any; stdout: string; stderr: string } {
  const folder = scratchFolder('stagecraft-serviceaccount-');
  const minted = kubectl(kubeconfig, ['create', 'token', `stagecraft-reconciler-${environment}`, '-n', control, '--duration', '10m']).stdout.trim();
  fs.writeFileSync(path.join(folder, 'token'), minted, { mode: 0o600 });
  fs.copyFileSync(path.join(TEST_CLUSTER.dir, 'pki', 'ca.crt'), path.join(folder, 'ca.crt'));
  const run = stagecraft(
    ['reconcile', '--in-cluster', '--service-account-dir', folder, '--repo', repo, '--env', environment, '--cache-dir', scratchFolder('stagecraft-cache-'), '--once', '--no-wait', '--output', 'json'],
    { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: TEST_CLUSTER.port, KUBECONFIG: '', HOME: folder },
  );
  return { ...run, result: run.stdout ? JSON.parse(run.stdout) : undefined };
}

function canI(verb: string, resource: string, namespace?: string): string {
  return kubectl(kubeconfig, ['auth', 'can-i', verb, resource, '--as', account, ...(namespace === undefined ? [] : ['-n', namespace])], { allowFailure: true }).stdout.trim();
}

const LISTED_KINDS = 'serviceaccounts,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io,configmaps,secrets,deployments.apps';

beforeAll(() => {
  kubeconfig = startTestCluster();
  repo = scratchFolder('stagecraft-bootstrap-repo-');
  tokenFile = path.join(scratchFolder('stagecraft-token-'), 'token');
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  synthAndCommit(false);
}, 20 * 60_000);

describe('stagecraft bootstrap, the reconciler as its ServiceAccount, and uninstall', () => {
  it('prints the objects with --dry-run, with the Secret\'s values redacted, and writes nothing', () => {
    // WHEN
    const dryRun = bootstrap(['--dry-run']);
    // THEN
    expect(dryRun.status).toBe(0);
    const kinds = dryRun.stdout.split('\n').filter((line) => line.startsWith('kind: ')).map((line) => line.slice('kind: '.length));
    expect(kinds).toEqual(['Namespace', 'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Secret', 'Deployment']);
    expect(dryRun.stdout).toContain(`token: "(redacted: ${token.length + 1} bytes)"`);
    expect(dryRun.stdout).not.toContain(token);
    expect(dryRun.stdout).not.toContain(Buffer.from(`${token}\n`).toString('base64'));
    expect(kubectl(kubeconfig, ['get', 'namespace', control, '--ignore-not-found']).stdout).toBe('');
  });

  it('puts a webhook secret and alert URLs into the Secret the reconciler reads them from, redacted in --dry-run', () => {
    // GIVEN a webhook secret and two receivers (a Slack URL's path is itself a secret)
    const folder = scratchFolder('stagecraft-hooks-');
    const secret = 'a'.repeat(40);
    fs.writeFileSync(path.join(folder, 'webhook-secret'), `${secret}\n`);
    const slack = 'slack=https://hooks.slack.com/services/T000/B000/XXXXSECRET';
    // WHEN
    const dryRun = bootstrap(['--dry-run', '--webhook-secret-file', path.join(folder, 'webhook-secret'), '--alert-url', slack, '--alert-url', 'https://alerts.example/stagecraft']);
    // THEN both are keys of the credentials Secret, their values never printed
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toContain('webhook-secret: "(redacted: 40 bytes)"');
    expect(dryRun.stdout).toContain(`alert-urls: "(redacted: ${slack.length + 'https://alerts.example/stagecraft'.length + 2} bytes)"`);
    expect(dryRun.stdout).not.toContain(secret);
    expect(dryRun.stdout).not.toContain('XXXXSECRET');
  });

  it.each([
    ['a webhook secret of 8 bytes', ['--webhook-secret-file', 'short'], /^stagecraft: bootstrap: --webhook-secret-file .*short holds 8 bytes; a webhook secret needs at least 16/],
    ['an alert URL of another scheme', ['--alert-url', 'ftp://alerts.example/x'], /^stagecraft: bootstrap: .*ftp:/],
  ])('refuses %s before anything is written (exit 2)', (_name, args, message) => {
    const folder = scratchFolder('stagecraft-hooks-bad-');
    fs.writeFileSync(path.join(folder, 'short'), '12345678');
    const run = bootstrap(args.map((arg) => (arg === 'short' ? path.join(folder, 'short') : arg)));
    expect([run.status, run.stderr.split('\n')[0]]).toEqual([2, expect.stringMatching(message)]);
    expect(kubectl(kubeconfig, ['get', 'namespace', control, '--ignore-not-found']).stdout).toBe('');
  });

  it('installs once, then finds nothing to write', () => {
    // WHEN
    const first = bootstrap();
    const second = bootstrap();
    // THEN
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout.split('\n').filter((line) => line.startsWith('created')).length).toBe(11);
    expect(first.stdout).toContain(`created     Secret/${control}/stagecraft-reconciler-${environment}-credentials`);
    expect({ status: second.status, stdout: second.stdout.trim() }).toEqual({
      status: 0,
      stdout: expect.stringMatching(new RegExp(`^bootstrapped ${environment} at [0-9a-f]{12}: 11 unchanged; 0 write requests$`)),
    });
    const secret = JSON.parse(kubectl(kubeconfig, ['get', 'secret', `stagecraft-reconciler-${environment}-credentials`, '-n', control, '-o', 'json']).stdout);
    expect(Buffer.from(secret.data.token, 'base64').toString('utf8')).toBe(`${token}\n`);
  });

  it('reconciles the environment as the ServiceAccount with a TokenRequest token, and may write nothing outside it', () => {
    // WHEN
    const run = reconcileAsServiceAccount();
    // THEN
    expect({ status: run.status, verdict: run.result?.verdict, stderr: run.stderr }).toEqual({ status: 0, verdict: 'applied', stderr: '' });
    expect(kubectl(kubeconfig, ['get', 'deployment', 'web', '-n', environment, '-o', 'name']).stdout.trim()).toBe('deployment.apps/web');
    expect([
      ['patch', 'deployments.apps', environment],
      ['create', 'deployments.apps', 'default'],
      ['get', `secrets/stagecraft-reconciler-${environment}-credentials`, control],
      ['list', 'secrets', 'kube-system'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', undefined],
      ['create', 'namespaces', undefined],
    ].map(([verb, resource, namespace]) => [verb, resource, canI(verb!, resource!, namespace)])).toEqual([
      ['patch', 'deployments.apps', 'yes'],
      ['create', 'deployments.apps', 'no'],
      ['get', `secrets/stagecraft-reconciler-${environment}-credentials`, 'no'],
      ['list', 'secrets', 'no'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', 'no'],
      ['create', 'namespaces', 'no'],
    ]);
  });

  it('names the new kind and says to re-run bootstrap when the environment starts using a kind it may not write; after bootstrap it applies', () => {
    // GIVEN a revision that adds a Job
    synthAndCommit(true);
    // WHEN
    const refused = reconcileAsServiceAccount();
    // THEN
    expect(refused.status).toBe(1);
    const said = JSON.stringify(refused.result);
    expect(said).toContain(`the reconciler's ServiceAccount ${control}/stagecraft-reconciler-${environment} may not list jobs.batch: the environment uses a kind (or namespace) its RBAC does not grant yet`);
    expect(said).toContain(`re-runs \`stagecraft bootstrap --env ${environment} --repo …\``);
    expect(kubectl(kubeconfig, ['get', 'job', 'nightly', '-n', environment, '--ignore-not-found']).stdout).toBe('');
    // WHEN an administrator bootstraps again
    const again = bootstrap();
    const applied = reconcileAsServiceAccount();
    // THEN
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`configured  Role/${environment}/stagecraft-reconciler-${environment}-${environment}`);
    expect({ status: applied.status, verdict: applied.result?.verdict }).toEqual({ status: 0, verdict: 'applied' });
    expect(kubectl(kubeconfig, ['get', 'job', 'nightly', '-n', environment, '-o', 'name']).stdout.trim()).toBe('job.batch/nightly');
  });

  it('uninstall removes exactly what bootstrap created: nothing of it is left, the applications stay', () => {
    // WHEN
    const removed = stagecraft(['uninstall', '--env', environment, '--kubeconfig', kubeconfig]);
    // THEN
    expect({ status: removed.status, stderr: removed.stderr }).toEqual({ status: 0, stderr: '' });
    expect(removed.stdout).toContain(`deleted     Namespace/${control}`);
    expect(removed.stdout).toContain(`kept        Namespace/${environment}: it existed before bootstrap or holds the environment's applications`);
    const selector = `app.kubernetes.io/name=stagecraft-reconciler,stagecraft.dev/environment=${environment}`;
    const left = kubectl(kubeconfig, ['get', LISTED_KINDS, '--all-namespaces', '-l', selector, '-o', 'name']).stdout.trim();
    const clusterLeft = kubectl(kubeconfig, ['get', 'clusterroles,clusterrolebindings', '-l', selector, '-o', 'name']).stdout.trim();
    // The test control plane has no namespace controller: a deleted namespace stays Terminating (see start.sh).
    const namespace = kubectl(kubeconfig, ['get', 'namespace', control, '-o', 'jsonpath={.status.phase}', '--ignore-not-found']).stdout.trim();
    expect({ left, clusterLeft, namespace: namespace === '' ? 'Terminating' : namespace }).toEqual({ left: '', clusterLeft: '', namespace: 'Terminating' });
    expect(kubectl(kubeconfig, ['get', 'deployment', 'web', '-n', environment, '-o', 'name']).stdout.trim()).toBe('deployment.apps/web');
  });
});
