import { BoardFilter, rowMatches } from '../../lib/board/filter';
import { escapeHtml, html, safeUrl } from '../../lib/board/html';
import { Board, BoardInput, buildBoard, EnvironmentInput, gateSummary, objectProblems, Row } from '../../lib/board/model';
import { displayRepo, webUrlOf } from '../../lib/board/read-board';
import { contentSecurityPolicy, renderBoard } from '../../lib/board/render';
import { filterOf } from '../../lib/board/serve';
import { EnvironmentMetadata } from '../../lib/envrepo/environment-metadata';
import { VerificationRecord } from '../../lib/envrepo/verification-record';

const WEB_OLD = `registry.example/shop/web@sha256:${'a'.repeat(64)}`;
const WEB_NEW = `registry.example/shop/web@sha256:${'b'.repeat(64)}`;
const NOW = Date.parse('2026-11-23T12:00:00Z');

function metadata(name: string, fields: Partial<EnvironmentMetadata>): EnvironmentMetadata {
  return {
    schemaVersion: 1,
    name,
    cluster: name,
    namespaces: [name],
    controlNamespace: name,
    labels: {},
    policy: { requireImageDigest: true, requireSignedCommits: false, allowedClusterScopedKinds: ['Namespace'] },
    applications: [],
    promotion: [],
    ...fields,
  };
}

function record(environment: string, fields: Partial<VerificationRecord>): VerificationRecord {
  return {
    schemaVersion: 1,
    environment,
    commit: 'c'.repeat(40),
    lockDigest: `sha256:${'d'.repeat(64)}`,
    verdict: 'healthy',
    firstHealthyAt: '2026-11-23T08:00:00Z',
    recordedAt: '2026-11-23T08:00:00Z',
    objects: { total: 4, created: 4, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    applications: { web: WEB_NEW },
    ...fields,
  };
}

/** staging runs web NEW (healthy since 08:00), prod runs OLD; prod needs 2 approvals, a 2 h soak and 1 extra approval for risky changes. */
function twoStages(approvers: readonly string[], stagingRecords: readonly VerificationRecord[] = [record('staging', {})]): EnvironmentInput[] {
  const stage = (from: string | undefined, position: number, gates: any[]) => ({ policy: 'shop', from, position, applications: ['web'], gates });
  return [
    {
      metadata: metadata('staging', { applications: [{ name: 'web', image: WEB_NEW, settings: {}, overrides: {}, objects: 4 }], promotion: [stage(undefined, 0, [])] }),
      releases: { environment: 'staging', applications: { web: { image: WEB_NEW, by: 'ci@example.com', at: '2026-11-23T07:00:00Z', message: 'build 12' } } },
      records: stagingRecords,
      approvals: [],
      history: [],
    },
    {
      metadata: metadata('prod', {
        applications: [{ name: 'web', image: WEB_OLD, settings: {}, overrides: {}, objects: 4 }],
        promotion: [stage('staging', 1, [
          { type: 'manual' },
          { type: 'soak', seconds: 7200 },
          { type: 'approvals', count: 2 },
          { type: 'extraApprovals', riskClass: 'immutable-field-recreate', count: 1 },
        ])],
      }),
      releases: { environment: 'prod', applications: { web: { image: WEB_OLD, by: 'alice@example.com', at: '2026-11-22T10:00:00Z' } } },
      records: [record('prod', { applications: { web: WEB_OLD } })],
      approvals: approvers.map((approvedBy) => ({
        schemaVersion: 1, environment: 'prod', application: 'web', image: WEB_NEW, approvedBy, approvedAt: '2026-11-23T09:00:00Z',
      })),
      history: [],
    },
  ];
}

function board(environments: EnvironmentInput[], now = NOW, risk: Pick<BoardInput, 'riskClasses' | 'riskNotJudged'> = {}): Board {
  return buildBoard({ repo: 'env.git', branch: 'main', commit: 'e'.repeat(40), now, environments, warnings: [], historyPerApplication: 20, ...risk });
}

/** twoStages with excludePromoter on prod's approvals gate. */
function excludingPromoter(approvers: readonly string[]): EnvironmentInput[] {
  const environments = twoStages(approvers);
  const prod = environments[1];
  const [stage] = prod.metadata.promotion;
  const gates = stage.gates.map((gate) => (gate.type === 'approvals' ? { ...gate, excludePromoter: true } : gate));
  environments[1] = { ...prod, metadata: { ...prod.metadata, promotion: [{ ...stage, gates }] } };
  return environments;
}

describe('the board model', () => {
  it('shows each stage as a cell with the image, who put it there and its health', () => {
    // GIVEN web NEW healthy in staging and OLD healthy in prod
    // WHEN the board is built
    const [row] = board(twoStages([])).pipelines[0].rows;
    // THEN each cell says so
    expect(row.cells.map((cell) => [cell.environment, cell.shortImage, cell.by, cell.state])).toEqual([
      ['staging', `web@sha256:${'b'.repeat(12)}`, 'ci@example.com', 'healthy'],
      ['prod', `web@sha256:${'a'.repeat(12)}`, 'alice@example.com', 'healthy'],
    ]);
  });

  it('judges the pending promotion with promotion\'s gates and leaves risk-dependent gates to promote --dry-run', () => {
    // GIVEN one of two approvals and a soak that ends at 10:00
    // WHEN the board is built at 09:30
    const pending = board(twoStages(['alice@example.com']), Date.parse('2026-11-23T09:30:00Z')).pipelines[0].rows[0].cells[1].pending!;
    // THEN every gate is judged with its summary, and the extra approvals gate is named as not judged
    expect(pending.gates.map((gate) => [gate.gate, gate.verdict, gate.summary])).toEqual([
      ['manual', 'pass', 'manual ok'],
      ['soak', 'wait', 'soak until 2026-11-23T10:00:00Z'],
      ['approvals', 'fail', 'approvals 1 of 2'],
    ]);
    expect(pending.outcome).toBe('fail');
    expect(pending.notJudged).toEqual(['extraApprovals']);
    expect(pending.notJudgedReason).toBe('the board was not asked to re-synthesize');
  });

  it('says why risk-dependent gates were not judged', () => {
    // GIVEN the fleet program could not re-synthesize prod
    const reason = 're-synthesizing prod with the images of staging failed: the env repo has no cdk8s.yaml at its branch tip';
    // WHEN the board is built
    const pending = board(twoStages([]), NOW, { riskClasses: [], riskNotJudged: reason }).pipelines[0].rows[0].cells[1].pending!;
    // THEN the gate is listed as not judged with that reason
    expect([pending.notJudged, pending.notJudgedReason, pending.riskClass]).toEqual([['extraApprovals'], reason, undefined]);
  });

  it.each([
    ['pod-restart', 'pass', 'risk pod-restart is below immutable-field-recreate: no extra approvals needed'],
    ['immutable-field-recreate', 'fail', 'risk immutable-field-recreate needs 2 + 1 approvals: 2 of 3 approvals (alice@example.com, bob@example.com); missing 1: run stagecraft approve web --env prod'],
  ])('judges risk-dependent gates with the promotion\'s risk class when it is known (%s)', (riskClass, verdict, reason) => {
    // GIVEN both approvals and the risk class of promoting web NEW into prod, as the re-synthesis found it
    const riskClasses = [{ from: 'staging', to: 'prod', application: 'web', image: WEB_NEW, riskClass }];
    // WHEN the board is built
    const pending = board(twoStages(['alice@example.com', 'bob@example.com']), NOW, { riskClasses }).pipelines[0].rows[0].cells[1].pending!;
    // THEN the extra approvals gate is judged like the others, and nothing is left unjudged
    expect(pending.gates.find((gate) => gate.gate === 'extraApprovals')).toEqual({ gate: 'extraApprovals', verdict, reason, summary: gateSummary({ gate: 'extraApprovals', verdict: verdict as 'pass' | 'fail', reason }) });
    expect([pending.riskClass, pending.notJudged, pending.outcome]).toEqual([riskClass, [], verdict]);
  });

  it('does not count the approval of whoever released the image where the gate excludes the promoter, as promote does', () => {
    // GIVEN ci@example.com released web NEW (staging's releases file) and approved it for prod, with bob
    // WHEN the board is built
    const pending = board(excludingPromoter(['ci@example.com', 'bob@example.com'])).pipelines[0].rows[0].cells[1].pending!;
    // THEN only bob counts
    expect(pending.gates.find((gate) => gate.gate === 'approvals')!.reason).toBe(
      '1 of 2 approvals (bob@example.com); not counted, ci@example.com released or promoted this change and the gate excludes the promoter; '
      + 'the gate excludes the promoter: if bob@example.com promotes, that approval will not count; missing 1: run stagecraft approve web --env prod');
  });

  it('says that the promoter\'s own approval will not count, since the board cannot know who promotes', () => {
    // GIVEN two approvals by people who neither released nor promoted web NEW
    const pending = board(excludingPromoter(['alice@example.com', 'bob@example.com'])).pipelines[0].rows[0].cells[1].pending!;
    // THEN the gate passes and says that one of them promoting would leave one approval
    expect(pending.gates.find((gate) => gate.gate === 'approvals')).toMatchObject({
      verdict: 'pass',
      reason: '2 of 2 approvals (alice@example.com, bob@example.com); the gate excludes the promoter: if one of alice@example.com, bob@example.com promotes, that approval will not count',
    });
  });

  it('gives the instant a waiting promotion opens', () => {
    // GIVEN both approvals, the soak not over
    const pending = board(twoStages(['alice@example.com', 'bob@example.com']), Date.parse('2026-11-23T09:30:00Z')).pipelines[0].rows[0].cells[1].pending!;
    // THEN it waits until the soak ends
    expect([pending.outcome, pending.eligibleAt]).toEqual(['wait', '2026-11-23T10:00:00Z']);
  });

  it('marks red only the application a failed reconcile names', () => {
    // GIVEN staging's latest record failed on an api object, web was healthy before
    const failed = record('staging', {
      verdict: 'failed',
      recordedAt: '2026-11-23T09:00:00Z',
      applications: { web: WEB_NEW, api: 'registry.example/shop/api@sha256:' + 'f'.repeat(64) },
      reason: 'failed: Deployment/staging/api (staging/api/deployment/Resource): Progressing is False',
    });
    const environments = twoStages([], [record('staging', {}), failed]);
    environments[0] = { ...environments[0], metadata: { ...environments[0].metadata, applications: [...environments[0].metadata.applications, { name: 'api', image: failed.applications!.api, settings: {}, overrides: {}, objects: 3 }] } };
    // WHEN the board is built
    const built = board(environments);
    // THEN the environment shows the failure with the object and its construct path; web stays healthy
    expect(built.environments[0].lastReconcile!.problems).toEqual([
      { object: 'Deployment/staging/api', constructPath: 'staging/api/deployment/Resource', message: 'Progressing is False' },
    ]);
    expect(built.environments[0].lastKnownGood!.recordedAt).toBe('2026-11-23T08:00:00Z');
    expect(built.pipelines[0].rows[0].cells[0].state).toBe('healthy');
  });

  it.each([
    ['failed: Deployment/prod/web (prod/web/deployment/Resource): 1/3 replicas updated', [{ object: 'Deployment/prod/web', constructPath: 'prod/web/deployment/Resource', message: '1/3 replicas updated' }]],
    ['failed: Namespace/shop: Terminating; Deployment/shop/api (prod/api/deployment/Resource): NotFound and 2 more',
      [{ object: 'Namespace/shop', constructPath: undefined, message: 'Terminating' }, { object: 'Deployment/shop/api', constructPath: 'prod/api/deployment/Resource', message: 'NotFound and 2 more' }]],
    ['the API server did not answer', []],
  ])('finds the objects a record\'s reason names: %s', (reason, expected) => {
    expect(objectProblems(reason)).toEqual(expected);
  });

  it.each([
    [{ gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (alice@example.com); missing 1' }, 'approvals 1 of 2'],
    [{ gate: 'extraApprovals', verdict: 'pass', reason: 'risk pod-restart needs 2 + 1 approvals: 3 of 3 approvals (a, b, c)' }, 'extraApprovals 3 of 3'],
    [{ gate: 'soak', verdict: 'wait', until: '2026-11-23T14:05:00Z', reason: 'healthy in staging for 1h' }, 'soak until 2026-11-23T14:05:00Z'],
    [{ gate: 'allowWindow', verdict: 'wait', until: '2026-11-24T08:00:00Z', reason: 'outside …; opens 2026-11-24T08:00:00Z' }, 'allowWindow until 2026-11-24T08:00:00Z'],
    [{ gate: 'verifiedUpstream', verdict: 'fail', reason: 'no verification record' }, 'verifiedUpstream blocked'],
    [{ gate: 'manual', verdict: 'pass', reason: 'run by a person' }, 'manual ok'],
  ] as const)('sums a gate up in a few words: %j', (verdict, expected) => {
    expect(gateSummary(verdict)).toBe(expected);
  });
});

describe('escaping and links', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"><img src=x onerror=alert(1)>', '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ["' onmouseover='x", '&#39; onmouseover=&#39;x'],
    ['a & b', 'a &amp; b'],
  ])('escapes %s', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
    expect(html`<p title="${text}">${text}</p>`.text).toBe(`<p title="${expected}">${expected}</p>`);
  });

  it('keeps markup made by the tag and escapes everything interpolated into it', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}${undefined}${false}</p>`.text).toBe('<p><b>&lt;i&gt;</b>&lt;<br></p>');
  });

  it.each([
    ['https://github.com/acme/env/commit/abc', 'https://github.com/acme/env/commit/abc'],
    ['javascript:alert(1)', undefined],
    ['data:text/html,<script>alert(1)</script>', undefined],
    ['https://user:token@github.com/acme/env', undefined],
    ['//evil.example/x', undefined],
    ['not a url', undefined],
  ])('allows only plain http(s) links: %s', (candidate, expected) => {
    expect(safeUrl(candidate)).toBe(expected);
  });

  it.each([
    ['https://github.com/acme/env.git', 'https://github.com/acme/env'],
    ['git@github.com:acme/env.git', 'https://github.com/acme/env'],
    ['ssh://git@gitlab.example.com/team/sub/env.git', 'https://gitlab.example.com/team/sub/env'],
    ['https://oauth2:secret@gitlab.example.com/team/env.git', 'https://gitlab.example.com/team/env'],
    ['/srv/git/env.git', undefined],
    ['file:///srv/git/env.git', undefined],
    ['https://github.com/acme/"><script>.git', undefined],
  ])('derives the web address of %s', (repo, expected) => {
    expect(webUrlOf(repo)).toBe(expected);
  });

  it.each([
    ['https://oauth2:glpat-secret@gitlab.example.com/team/env.git?token=x', 'https://gitlab.example.com/team/env.git'],
    ['git@github.com:acme/env.git', 'github.com:acme/env.git'],
    ['/srv/git/env.git', '/srv/git/env.git'],
  ])('shows %s without credentials', (repo, expected) => {
    expect(displayRepo(repo)).toBe(expected);
  });

  it('shows the cluster\'s view of an environment, escaped, when one was read', () => {
    // GIVEN prod's status ConfigMap as the CLI read it, with a hostile reason
    const environments = twoStages([]);
    environments[1] = {
      ...environments[1],
      inCluster: {
        source: 'ConfigMap prod/stagecraft-status-prod',
        found: true,
        runningCommit: 'c'.repeat(40),
        healthySince: '2026-11-23T08:00:00Z',
        lastReconcile: { verdict: 'healthy', commit: 'c'.repeat(40), startedAt: '2026-11-23T11:00:00Z', writeRequests: 0, driftedObjects: 2, reason: '<img src=x>' },
      },
    };
    // WHEN the page is rendered
    const page = renderBoard(board(environments), { live: false });
    // THEN prod's card carries it
    expect(page).toContain(`<dt>in the cluster</dt><dd class="cluster" data-found="true">running <code>${'c'.repeat(12)}</code>, healthy since <time datetime="2026-11-23T08:00:00Z">2026-11-23 08:00Z</time>; last reconcile <span class="badge healthy">healthy</span> <code>${'c'.repeat(12)}</code> at <time datetime="2026-11-23T11:00:00Z">2026-11-23 11:00Z</time>, 0 writes, <span class="drift">drift: 2 objects</span> <span class="meta">(ConfigMap prod/stagecraft-status-prod)</span></dd>`);
    expect(page).not.toContain('<img');
  });

  it('declares a policy with no inline script or style and nothing from elsewhere', () => {
    expect(contentSecurityPolicy(false)).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'self'");
    const page = renderBoard(board(twoStages([])), { live: false });
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(false))}">`);
    expect(page.match(/<script[^>]*>/g)).toEqual([expect.stringMatching(/^<script src="board\.js\?v=[0-9a-f]{16}" defer>$/)]);
    expect(page).not.toMatch(/\son[a-z]+=|\sstyle=|<style/i);
  });
});

describe('filtering rows', () => {
  const row: Row = {
    application: 'web',
    state: 'waiting',
    cells: [
      { environment: 'staging', state: 'healthy' },
      { environment: 'prod', state: 'failed', pending: { from: 'staging', to: 'prod', image: 'x', shortImage: 'x', outcome: 'fail', gates: [], notJudged: [] } },
    ],
  };
  it.each([
    [{ application: '', environment: '', state: '' }, true],
    [{ application: 'WE', environment: '', state: '' }, true],
    [{ application: 'api', environment: '', state: '' }, false],
    [{ application: '', environment: 'prod', state: 'waiting' }, true],
    [{ application: '', environment: 'staging', state: 'waiting' }, false],
    [{ application: '', environment: '', state: 'failed' }, true],
    [{ application: '', environment: 'dev', state: '' }, false],
  ])('%j matches: %s', (filter: BoardFilter, expected) => {
    expect(rowMatches(row, filter)).toBe(expected);
  });

  it.each([
    ['app=web&env=prod&state=failed', { application: 'web', environment: 'prod', state: 'failed' }],
    ['app=%3Cscript%3E&utm_source=x', { application: '<script>', environment: '', state: '' }],
    ['app=a&app=b', 'query parameter app is given 2 times; give it once'],
    [`app=${'x'.repeat(129)}`, 'query parameter app is 129 characters long, at most 128 allowed'],
    ['env=../../etc', 'query parameter env is "../../etc", not an environment of this board (prod, staging)'],
    ['state=%00', 'query parameter state is "\\u0000"; allowed: failed, waiting, unverified, healthy, not-released'],
  ])('reads the query %s', (query, expected) => {
    expect(filterOf(new URLSearchParams(query), board(twoStages([])))).toEqual(expected);
  });
});
