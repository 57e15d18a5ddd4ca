import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { imageKey } from '../../lib/envrepo/approval';
import { scratchFolder } from '../support/fleets';
import { git } from '../support/git';
import { APPROVERS, createEnvRepo, image, pushProgramChange, recordVerification, stagecraft } from '../support/promotion-repo';

// One story through the CLI on a real git repository, step by step: release to dev, promote to staging
// after the soak, promote to prod after soak and approvals, read the history. Verification records are
// written as the reconciler writes them (commitVerificationRecord). Monday 2026-11-23 08:00 UTC is 09:00 in Berlin.

const WEB_1 = image('web', 'b');
const WEB_2 = image('web', 'e');
const WEB_3 = image('web', 'f');
const API_1 = image('api', 'a');

describe('release → promote → approve → history through the CLI', () => {
  let scratch: string;
  let repo: string;
  const main = () => git(repo, 'rev-parse', 'main');
  const show = (file: string) => git(repo, 'show', `main:${file}`);

  beforeAll(() => {
    scratch = scratchFolder('stagecraft-promotion-');
    repo = createEnvRepo(scratch).bare;
  });

  it('release records the image, who, when and why in releases/dev.yaml, re-synthesizes and commits', () => {
    // GIVEN an env repo where nothing is released
    const before = main();
    // WHEN CI releases web 1 to dev
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 12', '--now', '2026-11-23T08:00:00Z');
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const commit = main();
    expect(result.stdout).toBe(`released web ${WEB_1} to dev\ncommit ${commit.slice(0, 12)} on main: 7 files changed\n`);
    expect(git(repo, 'rev-parse', 'main^')).toBe(before);
    expect(show('releases/dev.yaml')).toBe(['environment: dev', 'applications:', '  web:', `    image: ${WEB_1}`, '    by: ci@example.com', '    at: "2026-11-23T08:00:00Z"', '    message: build 12'].join('\n'));
    expect(show('dev/web/deployment.web.yaml')).toContain(`image: ${WEB_1}`);
    expect(git(repo, 'log', '-1', '--format=%an <%ae> %aI%n%B', 'main')).toBe([
      'ci@example.com <ci@example.com> 2026-11-23T08:00:00+00:00',
      `release web ${WEB_1} to dev`,
      '',
      'build 12',
      '',
      'Stagecraft-Action: release',
      'Stagecraft-Environment: dev',
      'Stagecraft-By: ci@example.com',
      `Stagecraft-Application: web ${WEB_1}`,
      '',
    ].join('\n'));
  });

  it.each<[string, string[], string]>([
    ['an image without a digest where the environment requires one', ['web', '--image', 'registry.example/shop/web:1.4', '--env', 'dev'],
      'stagecraft: release: image "registry.example/shop/web:1.4" is not pinned by digest but environment "dev" requires it; release registry.example/shop/web@sha256:<digest>, the digest your registry printed for the build\n'],
    ['an unknown application', ['shop', '--image', WEB_1, '--env', 'dev'],
      'stagecraft: release: application "shop" is not in the fleet (applications: api, web); check the name, or add the application to the fleet and run stagecraft synth\n'],
    ['an unknown environment', ['web', '--image', WEB_1, '--env', 'qa'],
      'stagecraft: release: environment "qa" is not in the env repo (environments: dev, prod, staging); check --env, or add the environment to the fleet and run stagecraft synth\n'],
    ['an environment that is not a first stage', ['web', '--image', WEB_1, '--env', 'prod'],
      'stagecraft: release: releases of web land in dev, and environment "prod" is stage 3 of policy shop; release into dev and promote with stagecraft promote, or pass --force-env to release here anyway\n'],
    ['a missing --image', ['web', '--env', 'dev'],
      'stagecraft: release: --image is required: the image reference to release, e.g. registry.example/web@sha256:<digest>\nstagecraft: run stagecraft release --help for usage\n'],
  ])('fails to release %s and commits nothing', (_name, args, stderr) => {
    // GIVEN
    const before = main();
    // WHEN
    const result = stagecraft(scratch, 'release', ...args, '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-23T08:01:00Z');
    // THEN
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 2, stdout: '', stderr });
    expect(main()).toBe(before);
  });

  it('releasing the image an environment already runs commits nothing', () => {
    const before = main();
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-23T08:02:00Z');
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: `dev already runs web ${WEB_1}; nothing committed\n` });
    expect(main()).toBe(before);
  });

  it('promote to staging waits for the soak and says until when, committing nothing', async () => {
    // GIVEN dev verified healthy at 08:10
    await recordVerification(repo, 'dev', '2026-11-23T08:10:00Z', { web: WEB_1 });
    const before = main();
    // WHEN promoting at 08:30
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T08:30:00Z');
    // THEN
    expect(result.status).toBe(1);
    expect(result.stdout).toBe([
      'promote dev → staging at 2026-11-23T08:30:00Z by alice@example.com',
      '',
      `web: (not released) → ${WEB_1}`,
      '  gates (wait, all pass at 2026-11-23T09:10:00Z):',
      '    pass  auto              automatic promotion allowed',
      `    pass  verifiedUpstream  healthy in dev (commit ${before.slice(0, 12)} recorded 2026-11-23T08:10:00Z)`,
      '    wait  soak              healthy in dev for 20m since 2026-11-23T08:10:00Z, needs 1h (until 2026-11-23T09:10:00Z)',
      '  risk: pod-restart',
      '    config-only               ConfigMap/staging/web: created',
      '    pod-restart               Deployment/staging/web: created: starts pods',
      '    config-only               Service/staging/web: created',
      '  diff:',
      '    ConfigMap/staging/web added  [declared override: web is new in staging]',
      '    Deployment/staging/web added  [declared override: web is new in staging]',
      '    Service/staging/web added  [declared override: web is new in staging]',
      '',
      'blocked: web cannot be promoted now; every gate passes at 2026-11-23T09:10:00Z if nothing else changes; nothing committed',
      '',
    ].join('\n'));
    expect(main()).toBe(before);
  });

  it('promote to staging passes after the soak and records every verdict in the commit trailers', () => {
    // GIVEN
    const verified = main();
    // WHEN
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T09:30:00Z');
    // THEN
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`\npromoted web to staging: commit ${main().slice(0, 12)}\n`);
    expect(git(repo, 'log', '-1', '--format=%B', 'main')).toBe([
      'promote web from dev to staging',
      '',
      `web: (not released) → ${WEB_1} (risk pod-restart)`,
      '',
      'Stagecraft-Action: promote',
      'Stagecraft-Environment: staging',
      'Stagecraft-From: dev',
      'Stagecraft-By: alice@example.com',
      `Stagecraft-Application: web ${WEB_1}`,
      'Stagecraft-Risk: web pod-restart',
      'Stagecraft-Gate: web auto=pass automatic promotion allowed',
      `Stagecraft-Gate: web verifiedUpstream=pass healthy in dev (commit ${verified.slice(0, 12)} recorded 2026-11-23T08:10:00Z)`,
      'Stagecraft-Gate: web soak=pass healthy in dev for 1h 20m since 2026-11-23T08:10:00Z (needs 1h)',
      '',
    ].join('\n'));
    expect(show('releases/staging.yaml')).toBe(['environment: staging', 'applications:', '  web:', `    image: ${WEB_1}`, '    by: alice@example.com', '    at: "2026-11-23T09:30:00Z"', '    message: promoted from dev'].join('\n'));
  });

  it('promote to prod is blocked by the soak and missing approvals', async () => {
    // GIVEN staging verified healthy at 09:40
    const verified = await recordVerification(repo, 'staging', '2026-11-23T09:40:00Z', { web: WEB_1 });
    // WHEN promoting at 10:00 (11:00 in Berlin)
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T10:00:00Z', '--output', 'json');
    // THEN
    expect(result.status).toBe(1);
    const outcome = JSON.parse(result.stdout);
    expect({ status: outcome.status, eligibleAt: outcome.eligibleAt, gates: outcome.plans[0].gates }).toEqual({
      status: 'blocked',
      eligibleAt: undefined,
      gates: [
        { gate: 'manual', verdict: 'pass', reason: 'run by a person (alice@example.com)' },
        { gate: 'verifiedUpstream', verdict: 'pass', reason: `healthy in staging (commit ${verified.slice(0, 12)} recorded 2026-11-23T09:40:00Z)` },
        { gate: 'soak', verdict: 'wait', until: '2026-11-23T11:40:00Z', reason: 'healthy in staging for 20m since 2026-11-23T09:40:00Z, needs 2h' },
        { gate: 'approvals', verdict: 'fail', reason: `0 of 2 approvals; missing 2 from ${APPROVERS.join(', ')}: run stagecraft approve web --env prod` },
        { gate: 'allowWindow', verdict: 'pass', reason: 'inside Mon–Thu 09:00–16:00 Europe/Berlin' },
      ],
    });
  });

  it('approve records one approval file per identity for the image staging runs', () => {
    // WHEN alice and bob approve what would be promoted
    const alice = stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'alice@example.com', '--comment', 'dashboards green', '--now', '2026-11-23T10:05:00Z');
    const bob = stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'bob@example.com', '--now', '2026-11-23T10:07:00Z');
    // THEN
    const folder = `approvals/prod/web/${imageKey(WEB_1)}`;
    expect([alice.status, bob.status]).toEqual([0, 0]);
    expect(bob.stdout).toBe(`approved web ${WEB_1} for prod as bob@example.com: commit ${main().slice(0, 12)}, ${folder}/bob@example.com.json\n`);
    expect(JSON.parse(show(`${folder}/alice@example.com.json`))).toEqual({
      schemaVersion: 1, environment: 'prod', application: 'web', image: WEB_1, approvedBy: 'alice@example.com', approvedAt: '2026-11-23T10:05:00Z', comment: 'dashboards green',
    });
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe(`approve web ${WEB_1} for prod`);
  });

  it('approving twice commits nothing, and an identity the gate does not allow is told it will not count', () => {
    const before = main();
    const again = stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'bob@example.com', '--now', '2026-11-23T10:08:00Z');
    expect(again.stdout).toBe(`bob@example.com approved web ${WEB_1} for prod already (at 2026-11-23T10:07:00Z); nothing committed\n`);
    expect(main()).toBe(before);
    const mallory = stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'mallory@example.com', '--now', '2026-11-23T10:09:00Z');
    expect(mallory.stdout.split('\n')[1]).toBe(`note: mallory@example.com is not among the identities the approvals gates of prod allow (${APPROVERS.join(', ')}); this approval will not count`);
  });

  it('promote to prod passes once soaked and approved, and writes prod', () => {
    // WHEN promoting at 12:00 (13:00 in Berlin)
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T12:00:00Z');
    // THEN
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('    pass  approvals         2 of 2 approvals (alice@example.com, bob@example.com); not counted, not allowed to approve: mallory@example.com\n');
    expect(show('prod/web/deployment.web.yaml')).toMatch(new RegExp(`replicas: 3\\n[^]*image: ${WEB_1.replace(/[.]/g, '\\.')}`));
    expect(git(repo, 'log', '-1', '--format=%B', 'main').split('\n').filter((line) => line.startsWith('Stagecraft-Gate'))).toEqual([
      'Stagecraft-Gate: web manual=pass run by a person (alice@example.com)',
      expect.stringMatching(/^Stagecraft-Gate: web verifiedUpstream=pass healthy in staging/),
      'Stagecraft-Gate: web soak=pass healthy in staging for 2h 20m since 2026-11-23T09:40:00Z (needs 2h)',
      'Stagecraft-Gate: web approvals=pass 2 of 2 approvals (alice@example.com, bob@example.com); not counted, not allowed to approve: mallory@example.com',
      'Stagecraft-Gate: web allowWindow=pass inside Mon–Thu 09:00–16:00 Europe/Berlin',
    ]);
  });

  it('history shows who released, approved and promoted what, when, and which gates passed', () => {
    // WHEN
    const prod = stagecraft(scratch, 'history', '--env', 'prod', '--app', 'web', '--repo', repo, '--output', 'json');
    const dev = stagecraft(scratch, 'history', '--env', 'dev', '--repo', repo);
    // THEN
    const entries = JSON.parse(prod.stdout).entries;
    expect(entries.map((entry: any) => [entry.at, entry.action, entry.by, entry.image])).toEqual([
      ['2026-11-23T12:00:00Z', 'promote', 'alice@example.com', WEB_1],
      ['2026-11-23T10:09:00Z', 'approve', 'mallory@example.com', WEB_1],
      ['2026-11-23T10:07:00Z', 'approve', 'bob@example.com', WEB_1],
      ['2026-11-23T10:05:00Z', 'approve', 'alice@example.com', WEB_1],
    ]);
    expect(entries[0].gates.map((gate: any) => `${gate.gate}=${gate.verdict}`)).toEqual(['manual=pass', 'verifiedUpstream=pass', 'soak=pass', 'approvals=pass', 'allowWindow=pass']);
    expect(entries[0]).toMatchObject({ from: 'staging', risk: 'pod-restart' });
    expect(entries[3].message).toBe('dashboards green');
    expect(dev.status).toBe(0);
    expect(dev.stdout.split('\n').filter((line) => /^\d/.test(line)).map((line) => line.replace(/commit [0-9a-f]{12}/, 'commit …'))).toEqual([
      `2026-11-23T08:10:00Z  verify   web  ${WEB_1}  healthy  by reconciler  commit …`,
      `2026-11-23T08:00:00Z  release  web  ${WEB_1}  by ci@example.com  commit …`,
    ]);
  });

  it('--auto promotes what is eligible and explains what it skipped', async () => {
    // GIVEN api released to dev at 13:00 and verified at 13:05
    expect(stagecraft(scratch, 'release', 'api', '--image', API_1, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-23T13:00:00Z').status).toBe(0);
    await recordVerification(repo, 'dev', '2026-11-23T13:05:00Z', { api: API_1, web: WEB_1 });
    // WHEN automation runs at 14:10
    const result = stagecraft(scratch, 'promote', '--auto', '--repo', repo, '--as', 'bot@example.com', '--now', '2026-11-23T14:10:00Z', '--output', 'json');
    // THEN api moved to staging; nothing moved to prod, with reasons
    expect(result.status).toBe(0);
    const { promotions } = JSON.parse(result.stdout);
    const summary = promotions.map((promotion: any) =>
      [promotion.from, promotion.to, promotion.status, promotion.plans.map((plan: any) => plan.application), promotion.skipped]);
    expect(summary).toEqual([
      ['dev', 'staging', 'promoted', ['api'], [{ application: 'web', reason: `staging already runs ${WEB_1}` }]],
      ['staging', 'prod', 'nothing-to-promote', [], [
        { application: 'web', reason: `prod already runs ${WEB_1}` },
        { application: 'api', reason: 'manual fails: needs a person: run stagecraft promote without --auto (also verifiedUpstream, soak, approvals)' },
      ]],
    ]);
    expect(show('releases/staging.yaml')).toContain(`  api:\n    image: ${API_1}\n    by: bot@example.com\n`);
  });

  it('labels the diff: the promoted image and a changed override are declared, a new label is unexpected', async () => {
    // GIVEN web 2 verified in staging and approved for prod
    expect(stagecraft(scratch, 'release', 'web', '--image', WEB_2, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-24T08:00:00Z').status).toBe(0);
    await recordVerification(repo, 'dev', '2026-11-24T08:05:00Z', { api: API_1, web: WEB_2 });
    expect(stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-24T09:10:00Z').status).toBe(0);
    await recordVerification(repo, 'staging', '2026-11-24T09:15:00Z', { api: API_1, web: WEB_2 });
    for (const approver of ['alice@example.com', 'carol@example.com']) {
      expect(stagecraft(scratch, 'approve', 'web', '--env', 'prod', '--repo', repo, '--as', approver, '--now', '2026-11-24T09:20:00Z').status).toBe(0);
    }
    // AND a fleet program change pushed without synth: prod replicas 3 → 5, a new label on web and on api
    pushProgramChange(scratch, repo, { prodReplicas: 5, webLabels: { team: 'shop' }, apiLabels: { team: 'shop' } });
    // WHEN
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-24T12:00:00Z', '--dry-run', '--output', 'json');
    // THEN
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout);
    const deployment = outcome.plans[0].diff.find((object: any) => object.object === 'Deployment/shop/web');
    expect(deployment.fields.map((field: any) => [field.path, field.label, field.cause])).toEqual([
      ['metadata.labels.team', 'unexpected', 'not explained by the promoted image or a declared setting'],
      ['spec.replicas', 'declared override', 'override replicas of prod'],
      ['spec.template.spec.containers[name=web].image', 'declared override', 'promoted image'],
    ]);
    expect(outcome.status).toBe('dry-run');
    // only prod was re-synthesized (dev and staging keep their files), and web is all prod runs
    expect(outcome.warnings).toEqual([]);
  });

  it('commits only the target and its releases file, and warns about the target\'s other applications a program change touched', async () => {
    // GIVEN the program change above, still not synthesized in staging; web 3 released to dev and verified there
    const released = stagecraft(scratch, 'release', 'web', '--image', WEB_3, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-25T08:00:00Z');
    expect(released.status).toBe(0);
    expect(git(repo, 'diff', '--name-only', 'main~1', 'main').split('\n').filter((file) => !file.startsWith('dev/'))).toEqual(['releases/dev.yaml']);
    await recordVerification(repo, 'dev', '2026-11-25T08:05:00Z', { api: API_1, web: WEB_3 });
    const before = main();
    // WHEN
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-25T09:10:00Z');
    // THEN only staging was re-synthesized; prod waits for the next stagecraft synth
    expect(result.status).toBe(0);
    expect(git(repo, 'diff', '--name-only', before, 'main').split('\n')).toEqual([
      'releases/staging.yaml',
      'staging/.stagecraft/environment.json',
      'staging/.stagecraft/lock.json',
      'staging/api/deployment.api.yaml',
      'staging/api/service.api.yaml',
      'staging/web/configmap.web.yaml',
      'staging/web/deployment.web.yaml',
      'staging/web/service.web.yaml',
    ]);
    expect(result.stdout).toContain('re-synthesis also changed files of staging that this promotion does not move (staging/api/deployment.api.yaml, staging/api/service.api.yaml): '
      + 'they differ from what the fleet program writes (a program change not yet synthesized, or a hand edit); they are part of this commit (other environments keep their files until the next stagecraft synth)');
  });

  it('fails to promote between environments no policy connects', () => {
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com');
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: 'stagecraft: promote: no promotion policy moves applications from dev to prod (promotions into prod come from staging); check --from and --to\n',
    });
  });

  it('fails to approve for an environment that takes releases', () => {
    const result = stagecraft(scratch, 'approve', 'web', '--env', 'dev', '--repo', repo, '--as', 'alice@example.com');
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: 'stagecraft: approve: no policy promotes web into dev (it takes releases, or no policy governs the application there), so nothing there counts approvals\n',
    });
  });
});

describe('what promote reads of the target', () => {
  // promote reads environment.json of both environments, each verified against its lock, and of the target only
  // the objects of the applications it moves; the target's other files are re-synthesized, not read.
  let scratch: string;
  let repo: string;
  const main = () => git(repo, 'rev-parse', 'main');
  const handEdit = (file: string) => {
    const clone = path.join(scratch, `edit-${path.basename(file)}`);
    git(scratch, 'clone', '--quiet', repo, clone);
    fs.appendFileSync(path.join(clone, file), '# edited by hand\n');
    git(clone, 'commit', '--quiet', '--all', '--message', `hand edit of ${file}`);
    git(clone, 'push', '--quiet', 'origin', 'main');
  };

  beforeAll(async () => {
    scratch = scratchFolder('stagecraft-promote-reads-');
    repo = createEnvRepo(scratch).bare;
    for (const [application, reference] of [['web', WEB_1], ['api', API_1]]) {
      expect(stagecraft(scratch, 'release', application, '--image', reference, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z').status).toBe(0);
    }
    await recordVerification(repo, 'dev', '2026-11-23T08:10:00Z', { api: API_1, web: WEB_1 });
    expect(stagecraft(scratch, 'promote', 'api', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T10:00:00Z').status).toBe(0);
  });

  it('re-synthesizes a hand edit of another application of the target and names its file', () => {
    // GIVEN a hand edit of api's Service in staging
    handEdit('staging/api/service.api.yaml');
    // WHEN web is promoted into staging
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T10:30:00Z', '--dry-run', '--output', 'json');
    // THEN the promotion goes ahead and says the edit is undone by its re-synthesis
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect({ status: outcome.status, warnings: outcome.warnings }).toEqual({
      status: 'dry-run',
      warnings: ['re-synthesis also changed files of staging that this promotion does not move (staging/api/service.api.yaml): '
        + 'they differ from what the fleet program writes (a program change not yet synthesized, or a hand edit); they are part of this commit (other environments keep their files until the next stagecraft synth)'],
    });
  });

  it('refuses a hand edit of a file of the application it moves, naming the file, and commits nothing', async () => {
    // GIVEN web in staging, then a hand edit of its Deployment there, and web 2 verified in dev
    expect(stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T10:40:00Z').status).toBe(0);
    handEdit('staging/web/deployment.web.yaml');
    expect(stagecraft(scratch, 'release', 'web', '--image', WEB_2, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--now', '2026-11-23T11:00:00Z').status).toBe(0);
    await recordVerification(repo, 'dev', '2026-11-23T11:10:00Z', { api: API_1, web: WEB_2 });
    const before = main();
    // WHEN
    const result = stagecraft(scratch, 'promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', '2026-11-23T12:30:00Z');
    // THEN
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `stagecraft: promote: refusing staging at branch main of ${repo}: 1 problem:\n`
        + '  - staging/web/deployment.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or re-run stagecraft synth and commit its output\n',
    });
    expect(main()).toBe(before);
  });
});

describe('where release, promote and approve write', () => {
  it('pushes to a git URL, never forcing', () => {
    // GIVEN an env repo reached as file://
    const scratch = scratchFolder('stagecraft-promotion-url-');
    const { bare } = createEnvRepo(scratch);
    // WHEN
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', `file://${bare}`, '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z');
    // THEN
    expect(result.status).toBe(0);
    expect(git(bare, 'log', '-1', '--format=%s', 'main')).toBe(`release web ${WEB_1} to dev`);
  });

  it('writes to the branch the repository\'s HEAD names when no --branch is given', () => {
    // GIVEN an env repo whose only branch is master
    const scratch = scratchFolder('stagecraft-promotion-master-');
    const { bare } = createEnvRepo(scratch);
    git(bare, 'branch', '-m', 'main', 'master');
    // WHEN released and its history read without --branch
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', bare, '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z');
    const history = stagecraft(scratch, 'history', '--env', 'dev', '--repo', bare);
    // THEN master got the release
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[1]).toMatch(/^commit [0-9a-f]{12} on master: \d+ files changed$/);
    expect(git(bare, 'log', '-1', '--format=%s', 'master')).toBe(`release web ${WEB_1} to dev`);
    expect(history.stdout.split('\n')[1]).toContain(`release  web  ${WEB_1}`);
  });

  it('fast-forwards a clean checked-out working repository to the new commit', () => {
    // GIVEN a non-bare env repo with main checked out and no local changes
    const scratch = scratchFolder('stagecraft-promotion-work-');
    const { work } = createEnvRepo(scratch);
    // WHEN
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', work, '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z');
    // THEN the branch moved and the checkout's index and files moved with it
    const after = git(work, 'rev-parse', 'main');
    expect(result.stdout.split('\n')[2]).toBe(`updated your checkout ${fs.realpathSync(work)} (main) to ${after.slice(0, 12)}`);
    expect(fs.readFileSync(path.join(work, 'releases', 'dev.yaml'), 'utf8')).toBe(git(work, 'show', 'main:releases/dev.yaml') + '\n');
    expect(git(work, 'status', '--porcelain')).toBe('');
    expect(git(work, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it.each([
    ['an edited file', (work: string) => fs.appendFileSync(path.join(work, 'main.js'), '// local edit\n')],
    ['a staged change', (work: string) => { fs.writeFileSync(path.join(work, 'notes.txt'), 'mine\n'); git(work, 'add', 'notes.txt'); }],
  ])('leaves a checked-out working repository with %s untouched and says how to update its files', (_name, change) => {
    // GIVEN a non-bare env repo with main checked out and a local change
    const scratch = scratchFolder('stagecraft-promotion-dirty-');
    const { work } = createEnvRepo(scratch);
    const before = git(work, 'rev-parse', 'main');
    change(work);
    const statusBefore = git(work, 'status', '--porcelain');
    // WHEN
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', work, '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z');
    // THEN the branch moved, the files did not, and the note says how to catch up
    const after = git(work, 'rev-parse', 'main');
    const folder = fs.realpathSync(work);
    expect(result.stdout.split('\n')[2]).toBe(`note: main is checked out in ${folder}, which has local changes, so its files were left at ${before.slice(0, 12)}; update them (keeping your changes) with git -C ${folder} read-tree -m -u ${before.slice(0, 12)} ${after.slice(0, 12)}`);
    expect(fs.existsSync(path.join(work, 'releases', 'dev.yaml'))).toBe(false);
    expect(git(work, 'diff', '--cached', '--name-only', before)).toBe(statusBefore.startsWith('A ') ? 'notes.txt' : '');
    git(work, 'read-tree', '-m', '-u', before, after);
    expect(git(work, 'status', '--porcelain')).toBe(statusBefore);
  });

  it('links installed dependencies into the private checkout with --deps, and never commits them', () => {
    // GIVEN a fleet program requiring a package that only an installed checkout has
    const scratch = scratchFolder('stagecraft-promotion-deps-');
    const nodeModules = path.join(scratch, 'installed', 'node_modules');
    fs.mkdirSync(path.join(nodeModules, 'fleet-settings'), { recursive: true });
    fs.writeFileSync(path.join(nodeModules, 'fleet-settings', 'index.js'), 'module.exports = {};\n');
    fs.mkdirSync(path.join(scratch, 'work'));
    fs.symlinkSync(nodeModules, path.join(scratch, 'work', 'node_modules'));
    const { bare } = createEnvRepo(scratch, { requires: 'fleet-settings' });
    const release = (...extra: string[]) => stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', bare, '--as', 'ci@example.com', ...extra);
    // WHEN released without --deps THEN the failure says what to do
    const without = release();
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/^stagecraft: release: the fleet program "node main.js" failed \(exit code 1\); nothing was committed\. The work copy has no node_modules of its own: pass --deps with the node_modules folder of an installed checkout of the env repo \(npm ci\)\. It said:\n/);
    // WHEN released with --deps THEN it works and node_modules is not part of the commit
    const withDeps = release('--deps', nodeModules);
    expect(withDeps.status).toBe(0);
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'main').split('\n').filter((file) => file.includes('node_modules'))).toEqual([]);
    expect(fs.readdirSync(path.join(nodeModules))).toEqual(['fleet-settings']);
  });

  it('finds the fleet program in a folder of the env repo with --fleet', () => {
    // GIVEN the program in fleet/, the environments at the root
    const scratch = scratchFolder('stagecraft-promotion-fleet-');
    const { bare } = createEnvRepo(scratch, { fleetFolder: 'fleet' });
    // WHEN
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', bare, '--fleet', 'fleet', '--as', 'ci@example.com', '--now', '2026-11-23T08:00:00Z');
    // THEN the program's releases file and the synthesized copy change together
    expect(result.status).toBe(0);
    expect(git(bare, 'show', '--name-only', '--format=', 'main').split('\n')).toEqual([
      'dev/.stagecraft/environment.json',
      'dev/.stagecraft/lock.json',
      'dev/kustomization.yaml',
      'dev/web/configmap.web.yaml',
      'dev/web/deployment.web.yaml',
      'dev/web/service.web.yaml',
      'fleet/releases/dev.yaml',
      'releases/dev.yaml',
    ]);
  });

  it('signs the commit with --sign-key', () => {
    // GIVEN an ssh signing key and gpg.format ssh in the env repo's config
    const scratch = scratchFolder('stagecraft-promotion-sign-');
    const { bare } = createEnvRepo(scratch);
    const key = path.join(scratch, 'signing-key');
    git(scratch, 'config', '--file', path.join(bare, 'config'), 'gpg.format', 'ssh');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ci@example.com', '-f', key]);
    // WHEN
    const result = stagecraft(scratch, 'release', 'web', '--image', WEB_1, '--env', 'dev', '--repo', bare, '--as', 'ci@example.com', '--sign-key', key, '--now', '2026-11-23T08:00:00Z');
    // THEN
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(' (signed): ');
    expect(git(bare, 'cat-file', 'commit', 'main')).toContain('-----BEGIN SSH SIGNATURE-----');
  });
});
