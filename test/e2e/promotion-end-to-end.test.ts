/// <reference lib="dom" />
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { launchChromium } from '../support/browser';
import { CliResult, REPO_ROOT } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { git } from '../support/git';
import { APPROVERS, createEnvRepo, image, stagecraft } from '../support/promotion-repo';

/**
 * Promotion end to end, through the CLI, with a real git env repo and a real control plane: release to dev →
 * reconcile dev with --record → soak satisfied on the fake clock → promote to staging → reconcile → promote
 * to prod blocked for missing approvals → approve → promote → reconcile prod → history shows all of it.
 * The reconciler records real times; promote judges them at a later instant given with --now.
 */
jest.setTimeout(300_000);

const CLUSTER = { dir: path.join(os.homedir(), '.cache', 'stagecraft', 'e2e-cluster'), port: '20443', etcd: '16379', peer: '16380' };
const SCRIPTS = path.join(REPO_ROOT, 'scripts', 'control-plane');
const WEB = image('web', 'b');
const NEXT_WEB = image('web', 'c');
/** The rollout simulator never makes an image with digest `bad…` available (ProgressDeadlineExceeded). */
const BROKEN_API = `registry.example/shop/api@sha256:bad${'0'.repeat(61)}`;

let kubeconfig: string;
let simulator: ChildProcess;

beforeAll(() => {
  spawnSync('bash', [path.join(SCRIPTS, 'stop.sh'), '--dir', CLUSTER.dir, '--wipe'], { stdio: 'ignore' });
  const started = spawnSync('bash', [path.join(SCRIPTS, 'start.sh'), '--dir', CLUSTER.dir, '--port', CLUSTER.port, '--etcd-port', CLUSTER.etcd, '--etcd-peer-port', CLUSTER.peer], { encoding: 'utf8' });
  if (started.status !== 0) {
    throw new Error(`the control plane did not start:\n${started.stderr}`);
  }
  kubeconfig = started.stdout.trim().split('\n').pop()!;
  simulator = spawn(process.execPath, [path.join(SCRIPTS, 'simulate-rollouts.js'), kubeconfig, 'dev', 'staging', 'shop'], { stdio: 'ignore' });
}, 20 * 60_000);

afterAll(() => {
  simulator?.kill();
  spawnSync('bash', [path.join(SCRIPTS, 'stop.sh'), '--dir', CLUSTER.dir, '--wipe'], { stdio: 'ignore' });
});

/** The first instant at or after `from` (rounded up to the hour) that falls Monday–Thursday 10:00–14:59 in Berlin: prod's window. */
function nextWindowInstant(from: Date): string {
  const candidate = new Date(Math.ceil(from.getTime() / 3_600_000) * 3_600_000);
  const berlin = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  for (;;) {
    const parts = Object.fromEntries(berlin.formatToParts(candidate).map((part) => [part.type, part.value]));
    if (['Mon', 'Tue', 'Wed', 'Thu'].includes(parts.weekday) && Number(parts.hour) >= 10 && Number(parts.hour) <= 14) {
      return candidate.toISOString().replace('.000Z', 'Z');
    }
    candidate.setTime(candidate.getTime() + 3_600_000);
  }
}

describe('promotion end to end on a real control plane', () => {
  it('releases, reconciles, promotes through every gate and shows the history', () => {
    const scratch = scratchFolder('stagecraft-e2e-');
    const repo = createEnvRepo(scratch).bare;
    const cache = path.join(scratch, 'cache');
    const run = (...args: string[]): CliResult => stagecraft(scratch, ...args);
    const reconcile = (environment: string): any => {
      const result = run('reconcile', '--repo', repo, '--env', environment, '--kubeconfig', kubeconfig, '--cache-dir', cache,
        '--once', '--record', '--timeout', '60s', '--poll-interval', '250ms', '--output', 'json');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout);
    };
    const firstHealthyAt = (environment: string, commit: string): Date =>
      new Date(JSON.parse(git(repo, 'show', `stagecraft/status:records/${environment}/${commit}.json`)).firstHealthyAt);

    // 1. CI releases web to dev
    const release = run('release', 'web', '--image', WEB, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 12');
    expect(release.status).toBe(0);

    // 2. the reconciler applies dev and records it healthy, with the image it runs
    const dev = reconcile('dev');
    expect(dev).toMatchObject({ environment: 'dev', verdict: 'healthy', revision: git(repo, 'rev-parse', 'main') });
    const devRecord = JSON.parse(git(repo, 'show', `stagecraft/status:records/dev/${dev.revision}.json`));
    expect(devRecord).toMatchObject({ verdict: 'healthy', applications: { web: WEB } });

    // 3. an hour later (the fake clock) the soak is satisfied: promote to staging
    const toStaging = nextWindowInstant(new Date(firstHealthyAt('dev', dev.revision).getTime() + 61 * 60_000));
    const promoteStaging = run('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', toStaging);
    expect(promoteStaging.status).toBe(0);
    expect(promoteStaging.stdout).toContain('pass  soak');
    expect(git(repo, 'show', 'main:releases/staging.yaml')).toContain(`image: ${WEB}`);

    // 4. the reconciler applies staging
    const staging = reconcile('staging');
    expect(staging).toMatchObject({ environment: 'staging', verdict: 'healthy' });

    // 5. prod is blocked: the soak is over but nobody approved
    const toProd = nextWindowInstant(new Date(firstHealthyAt('staging', staging.revision).getTime() + 121 * 60_000));
    const blocked = run('promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', toProd);
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(/fail\s+approvals\s+0 of 2 approvals/);
    const headBeforeApprovals = git(repo, 'rev-parse', 'main');

    // 6. two approvers approve the image
    for (const approver of APPROVERS.slice(0, 2)) {
      const approve = run('approve', 'web', '--env', 'prod', '--repo', repo, '--as', approver, '--now', toProd);
      expect(approve.status).toBe(0);
    }
    expect(git(repo, 'rev-list', '--count', `${headBeforeApprovals}..main`)).toBe('2');

    // 7. now the promotion passes every gate
    const promoteProd = run('promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', toProd);
    expect(promoteProd.status).toBe(0);
    for (const gate of ['manual', 'verifiedUpstream', 'soak', 'approvals', 'allowWindow']) {
      expect(promoteProd.stdout).toMatch(new RegExp(`pass\\s+${gate}`));
    }

    // 8. the reconciler applies prod
    const prod = reconcile('prod');
    expect(prod).toMatchObject({ environment: 'prod', verdict: 'healthy' });
    const live = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'], { encoding: 'utf8' });
    expect(live.stdout).toBe(WEB);

    // 9. the history of prod shows who promoted what, the gates, the approvals and the verification
    const history = run('history', '--env', 'prod', '--repo', repo, '--app', 'web', '--output', 'json');
    expect(history.status).toBe(0);
    const actions = JSON.parse(history.stdout).entries.map((entry: any) => [entry.action, entry.by ?? null]);
    expect(actions).toEqual(expect.arrayContaining([
      ['promote', 'alice@example.com'],
      ['approve', 'alice@example.com'],
      ['approve', 'bob@example.com'],
    ]));
    expect(actions.some((entry: string[]) => entry[0] === 'verify')).toBe(true);

    // 10. the next version of web reaches staging and one of two approvers approves it for prod
    expect(run('release', 'web', '--image', NEXT_WEB, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 13').status).toBe(0);
    const devNext = reconcile('dev');
    const toStagingNext = nextWindowInstant(new Date(firstHealthyAt('dev', devNext.revision).getTime() + 61 * 60_000));
    expect(run('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', toStagingNext).status).toBe(0);
    const stagingNext = reconcile('staging');
    const boardAt = nextWindowInstant(new Date(firstHealthyAt('staging', stagingNext.revision).getTime() + 1 * 60_000));
    expect(run('approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', boardAt).status).toBe(0);

    // 11. a broken api is released to dev: its reconcile fails and rolls back
    expect(run('release', 'api', '--image', BROKEN_API, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 7').status).toBe(0);
    const broken = run('reconcile', '--repo', repo, '--env', 'dev', '--kubeconfig', kubeconfig, '--cache-dir', cache,
      '--once', '--record', '--timeout', '60s', '--poll-interval', '250ms', '--output', 'json');
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout).verdict).toBe('rolled-back');
    state.afterScenario = { repo, scratch, boardAt, brokenRevision: JSON.parse(broken.stdout).revision };
  });

  it('shows on the promotion board what a person needs after the scenario (headless Chromium)', async () => {
    // GIVEN the env repo after the scenario above
    const { repo, scratch, boardAt } = state.afterScenario!;
    const site = path.join(scratch, 'board');
    const board = stagecraft(scratch, 'board', '--repo', repo, '--out', site, '--now', boardAt, '--kubeconfig', kubeconfig);
    expect(board.stderr).toBe('');
    expect(board.status).toBe(0);
    const { browser, close } = await launchChromium();
    try {
      // WHEN a person opens it
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
      const cell = (application: string, environment: string) => page.locator(`tr[data-app="${application}"] td[data-env="${environment}"]`);
      // THEN the prod cell shows the promoted digest, verified healthy by the reconciler
      await expect(cell('web', 'prod').locator('code.image').textContent()).resolves.toBe(`web@sha256:${'b'.repeat(12)}`);
      await expect(cell('web', 'prod').locator('code.image').getAttribute('title')).resolves.toBe(WEB);
      await expect(cell('web', 'prod').getAttribute('class')).resolves.toBe('cell state-healthy');
      // AND the staging → prod gate shows approvals 1 of 2
      await expect(cell('web', 'prod').locator('.pending li[data-gate="approvals"]').textContent()).resolves.toBe('approvals 1 of 2');
      await expect(cell('web', 'prod').locator('.pending p').textContent()).resolves.toBe(`staging → prod: web@sha256:${'c'.repeat(12)} blocked`);
      // AND dev's failed reconcile shows red with the object and its construct path
      const dev = page.locator('#env-dev');
      await expect(dev.getAttribute('class')).resolves.toBe('env state-failed');
      await expect(dev.locator('.badge').first().textContent()).resolves.toBe('rolled-back');
      await expect(dev.locator('.problem code.object').first().textContent()).resolves.toBe('Deployment/dev/api');
      await expect(dev.locator('.problem .construct-path code').first().textContent()).resolves.toBe('dev/api/deployment/Resource');
      await expect(dev.evaluate((element) => getComputedStyle(element).borderLeftColor)).resolves.toBe('rgb(179, 38, 30)');
      await expect(cell('api', 'dev').getAttribute('class')).resolves.toBe('cell state-failed');
      // AND with --kubeconfig each environment also shows what the reconciler keeps in the cluster, drift included
      const prodCluster = page.locator('#env-prod dd.cluster');
      await expect(prodCluster.getAttribute('data-found')).resolves.toBe('true');
      await expect(prodCluster.locator('.drift').textContent()).resolves.toBe('drift: 0 objects');
      await expect(prodCluster.locator('.meta').textContent()).resolves.toBe('(ConfigMap shop/stagecraft-status-prod)');
      await expect(page.locator('#env-dev dd.cluster .badge').textContent()).resolves.toBe('rolled-back');
    } finally {
      await close();
    }
  });
});

/** What the scenario leaves for the board test that follows it (jest runs the tests of a file in order). */
const state: { afterScenario?: { repo: string; scratch: string; boardAt: string; brokenRevision: string } } = {};
