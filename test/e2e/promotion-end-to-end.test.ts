/// <reference lib="dom" />
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { launchChromium } from '../support/browser';
import { CliResult, REPO_ROOT } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { FluxStandIn } from '../support/flux-stand-in';
import { git } from '../support/git';
import { createEnvRepo, image, stagecraft } from '../support/promotion-repo';
import { generateSshKey, writeAllowedSigners } from '../support/signing-keys';

/**
 * Promotion end to end, through the CLI, with a real git env repo and a real control plane, once with
 * stagecraft's reconciler and once with Flux applying (played by FluxStandIn) and `verify --from flux`
 * recording. prod requires signed commits and its approvals exclude the promoter: every release, promotion and
 * approval is signed with its author's own SSH key and checked against the allowed signers file the reconciler
 * is given. Release to dev → reconcile dev with --record → soak satisfied on the fake clock → promote to
 * staging → reconcile → promote
 * to prod blocked for missing approvals → approve → promote → reconcile prod → history shows all of it.
 * The reconciler records real times; promote judges them at a later instant given with --now.
 */
jest.setTimeout(300_000);

const CLUSTER = {
  dir: process.env.STAGECRAFT_E2E_CLUSTER_DIR ?? path.join(os.homedir(), '.cache', 'stagecraft', 'e2e-cluster'),
  port: process.env.STAGECRAFT_E2E_CLUSTER_PORT ?? '20443',
  etcd: process.env.STAGECRAFT_E2E_ETCD_PORT ?? '16379',
  peer: process.env.STAGECRAFT_E2E_ETCD_PEER_PORT ?? '16380',
};
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

/** `stagecraft verify --from flux` of an environment, as json. */
function verifyFromFlux(
  run: (...args: string[]) => CliResult, repo: string, cache: string, environment: string,
): { status: number | null; result: any } {
  const result = run('verify', '--repo', repo, '--env', environment, '--from', 'flux', '--kubeconfig', kubeconfig,
    '--cache-dir', cache, '--output', 'json');
  expect(result.stderr).toBe('');
  return { status: result.status, result: JSON.parse(result.stdout) };
}

describe('promotion end to end on a real control plane', () => {
  it.each([
    ['stagecraft reconcile --record', false],
    ['a Flux-style verification (stagecraft verify --from flux) in place of reconcile --record', true],
  ])('releases, applies, promotes through every gate and shows the history, with %s', (_name, flux) => {
    const scratch = scratchFolder('stagecraft-e2e-');
    const repo = createEnvRepo(scratch, { signedProd: true, flux }).bare;
    const cache = path.join(scratch, 'cache');
    const keys = Object.fromEntries(['ci', 'alice', 'bob', 'carol'].map((person) => [person, generateSshKey(scratch, person)]));
    const allowedSigners = writeAllowedSigners(path.join(scratch, 'allowed_signers'),
      Object.fromEntries(Object.entries(keys).map(([person, key]) => [`${person}@example.com`, key])));
    const run = (...args: string[]): CliResult => stagecraft(scratch, ...args);
    /** A writing command as `person`, signed with their own key and checked against the allowed signers. */
    const signed = (person: string, ...args: string[]): CliResult =>
      run(...args, '--as', `${person}@example.com`, '--sign-key', path.join(scratch, person), '--ssh-allowed-signers', allowedSigners);
    const fluxStandIn = new FluxStandIn(kubeconfig, repo, scratch);
    if (flux) {
      fluxStandIn.install();
    }
    const delivered = new Set<string>();
    const reconcile = (environment: string): any => {
      if (flux) {
        // Flux applies the environment (its objects handed over once by the administrator); verify records it
        if (!delivered.has(environment)) {
          fluxStandIn.applyDelivery(environment);
          delivered.add(environment);
        }
        fluxStandIn.reconcile(environment, environment === 'prod' ? 'shop' : environment, { ready: true });
        const verified = verifyFromFlux(run, repo, cache, environment);
        expect(verified.status).toBe(0);
        return { environment, verdict: verified.result.outcome, revision: verified.result.commit };
      }
      const result = run('reconcile', '--repo', repo, '--env', environment, '--kubeconfig', kubeconfig, '--cache-dir', cache,
        '--ssh-allowed-signers', allowedSigners, '--once', '--record', '--timeout', '60s', '--poll-interval', '250ms', '--output', 'json');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout);
    };
    const firstHealthyAt = (environment: string, commit: string): Date =>
      new Date(JSON.parse(git(repo, 'show', `stagecraft/status:records/${environment}/${commit}.json`)).firstHealthyAt);

    // 1. CI releases web to dev
    const release = signed('ci', 'release', 'web', '--image', WEB, '--env', 'dev', '--repo', repo, '--message', 'build 12');
    expect(release.stderr).toBe('');
    expect(release.stdout).toContain(' (signed): ');

    if (flux) {
      // 2a. Flux has not applied the release yet: nothing is recorded for the new commit
      fluxStandIn.applyDelivery('dev');
      delivered.add('dev');
      const early = verifyFromFlux(run, repo, cache, 'dev');
      expect(early).toEqual({ status: 1, result: { environment: 'dev', commit: git(repo, 'rev-parse', 'main'), outcome: 'not-recorded', reason: `Flux is at no revision, not at ${git(repo, 'rev-parse', 'main')}` } });
      expect(() => git(repo, 'rev-parse', '--verify', '--quiet', 'stagecraft/status')).toThrow();
      // 2b. Flux applied it but the health check failed: a failed record, which no gate accepts
      fluxStandIn.reconcile('dev', 'dev', { ready: false });
      const failed = verifyFromFlux(run, repo, cache, 'dev');
      expect(failed.status).toBe(1);
      expect(failed.result.outcome).toBe('failed');
      expect(JSON.parse(git(repo, 'show', `stagecraft/status:records/dev/${failed.result.commit}.json`))).toMatchObject({ verdict: 'failed', reason: expect.stringContaining('Ready False (HealthCheckFailed)') });
    }

    // 2. the reconciler (or Flux) applies dev and records it healthy, with the image it runs
    const dev = reconcile('dev');
    expect(dev).toMatchObject({ environment: 'dev', verdict: 'healthy', revision: git(repo, 'rev-parse', 'main') });
    const devRecord = JSON.parse(git(repo, 'show', `stagecraft/status:records/dev/${dev.revision}.json`));
    expect(devRecord).toMatchObject({ verdict: 'healthy', applications: { web: WEB } });

    // 3. an hour later (the fake clock) the soak is satisfied: promote to staging
    const toStaging = nextWindowInstant(new Date(firstHealthyAt('dev', dev.revision).getTime() + 61 * 60_000));
    const promoteStaging = signed('ci', 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--now', toStaging);
    expect(promoteStaging.stderr).toBe('');
    expect(promoteStaging.status).toBe(0);
    expect(promoteStaging.stdout).toContain('pass  soak');
    expect(git(repo, 'show', 'main:releases/staging.yaml')).toContain(`image: ${WEB}`);

    // 4. the reconciler applies staging
    const staging = reconcile('staging');
    expect(staging).toMatchObject({ environment: 'staging', verdict: 'healthy' });

    // 5. prod is blocked: the soak is over but nobody approved
    const toProd = nextWindowInstant(new Date(firstHealthyAt('staging', staging.revision).getTime() + 121 * 60_000));
    const blocked = signed('alice', 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--now', toProd);
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(/fail\s+approvals\s+0 of 2 approvals/);
    const headBeforeApprovals = git(repo, 'rev-parse', 'main');

    // 6. two approvers approve the image, each with their own key (alice promotes, so hers would not count)
    for (const approver of ['bob', 'carol']) {
      const approve = signed(approver, 'approve', 'web', '--env', 'prod', '--repo', repo, '--now', toProd);
      expect(approve.stderr).toBe('');
      expect(approve.stdout).toContain(`(signed by ${approver}@example.com's key)`);
    }
    expect(git(repo, 'rev-list', '--count', `${headBeforeApprovals}..main`)).toBe('2');

    // 7. now the promotion passes every gate, signed by alice
    const promoteProd = signed('alice', 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--now', toProd);
    expect(promoteProd.stderr).toBe('');
    expect(promoteProd.status).toBe(0);
    expect(promoteProd.stdout).toMatch(/pass\s+approvals\s+2 of 2 approvals \(bob@example.com signed, carol@example.com signed\)/);
    for (const gate of ['manual', 'verifiedUpstream', 'soak', 'approvals', 'allowWindow']) {
      expect(promoteProd.stdout).toMatch(new RegExp(`pass\\s+${gate}`));
    }

    // 8. the reconciler applies prod, verifying every commit since the first synth against the allowed signers
    const prod = reconcile('prod');
    expect(prod).toMatchObject({ environment: 'prod', verdict: 'healthy', revision: git(repo, 'rev-parse', 'main') });
    const live = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'], { encoding: 'utf8' });
    expect(live.stdout).toBe(WEB);

    // 9. the history of prod shows who promoted what, the gates, the approvals and the verification
    const history = run('history', '--env', 'prod', '--repo', repo, '--app', 'web', '--ssh-allowed-signers', allowedSigners, '--output', 'json');
    expect(history.status).toBe(0);
    const actions = JSON.parse(history.stdout).entries.map((entry: any) => [entry.action, entry.by ?? null, entry.signedBy ?? null]);
    expect(actions).toEqual(expect.arrayContaining([
      ['promote', 'alice@example.com', 'alice@example.com'],
      ['approve', 'bob@example.com', 'bob@example.com'],
      ['approve', 'carol@example.com', 'carol@example.com'],
    ]));
    expect(actions.some((entry: string[]) => entry[0] === 'verify')).toBe(true);

    if (flux) {
      return;
    }
    // The board test below reads what the stagecraft-reconciled scenario leaves (a rolled-back reconcile included).
    // 10. the next version of web reaches staging and one of two approvers (bob, with his own key) approves it for prod
    expect(signed('ci', 'release', 'web', '--image', NEXT_WEB, '--env', 'dev', '--repo', repo, '--message', 'build 13').status).toBe(0);
    const devNext = reconcile('dev');
    const toStagingNext = nextWindowInstant(new Date(firstHealthyAt('dev', devNext.revision).getTime() + 61 * 60_000));
    expect(signed('alice', 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--now', toStagingNext).status).toBe(0);
    const stagingNext = reconcile('staging');
    const boardAt = nextWindowInstant(new Date(firstHealthyAt('staging', stagingNext.revision).getTime() + 1 * 60_000));
    expect(signed('bob', 'approve', 'web', '--env', 'prod', '--repo', repo, '--now', boardAt).status).toBe(0);

    // 11. a broken api is released to dev: its reconcile fails and rolls back
    expect(signed('ci', 'release', 'api', '--image', BROKEN_API, '--env', 'dev', '--repo', repo, '--message', 'build 7').status).toBe(0);
    const broken = run('reconcile', '--repo', repo, '--env', 'dev', '--kubeconfig', kubeconfig, '--cache-dir', cache,
      '--once', '--record', '--timeout', '60s', '--poll-interval', '250ms', '--output', 'json');
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout).verdict).toBe('rolled-back');
    state.afterScenario = { repo, scratch, boardAt, allowedSigners, brokenRevision: JSON.parse(broken.stdout).revision };
  });

  it('shows on the promotion board what a person needs after the scenario (headless Chromium)', async () => {
    // GIVEN the env repo after the scenario above
    const { repo, scratch, boardAt, allowedSigners } = state.afterScenario!;
    const site = path.join(scratch, 'board');
    const board = stagecraft(scratch, 'board', '--repo', repo, '--out', site, '--now', boardAt, '--kubeconfig', kubeconfig, '--ssh-allowed-signers', allowedSigners);
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
      // AND the history says who signed each step (the reconciler's allowed signers were given)
      await expect(page.locator('#history-web').textContent()).resolves.toContain('by bob@example.com (signed by bob@example.com)');
    } finally {
      await close();
    }
  });
});

/** What the scenario leaves for the board test that follows it (jest runs the tests of a file in order). */
const state: { afterScenario?: { repo: string; scratch: string; boardAt: string; allowedSigners: string; brokenRevision: string } } = {};
