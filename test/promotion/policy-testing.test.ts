// How a team unit-tests its own promotion policy: build the policy with the same constructs the fleet
// program uses, then judge promotions on a fake clock with fake verification records and approvals.
import { Duration } from 'cdk8s';
import {
  Application, Environment, Fleet, GateOutcome, PromotionGate, PromotionPolicy, PromotionTesting, RiskClass, TimeWindow, Weekday,
} from '../../lib';

const WEB_1_5 = `registry.acme.example/shop/web@sha256:${'5'.repeat(64)}`;
const APPROVERS = ['alice@acme.example', 'bob@acme.example', 'carol@acme.example'];

/** The shop's policy: dev → staging automatically after 1 h, staging → prod by hand after 2 h and two approvals, never on Friday afternoons. */
function shopPolicy(): PromotionPolicy {
  const fleet = new Fleet();
  const dev = new Environment(fleet, 'dev');
  const staging = new Environment(fleet, 'staging');
  const prod = new Environment(fleet, 'prod');
  new Application(fleet, 'web', { image: 'registry.acme.example/shop/web', port: 8080 });
  new Application(fleet, 'api', { image: 'registry.acme.example/shop/api', port: 9000 });
  return new PromotionPolicy(fleet, 'shop', {
    stages: [
      { environment: dev },
      { environment: staging, gates: [PromotionGate.auto(), PromotionGate.verifiedUpstream(), PromotionGate.soak(Duration.hours(1))] },
      {
        environment: prod,
        gates: [
          PromotionGate.manual(),
          PromotionGate.verifiedUpstream(),
          PromotionGate.soak(Duration.hours(2)),
          PromotionGate.approvals(2, { from: APPROVERS }),
          PromotionGate.extraApprovalsFor(RiskClass.IMMUTABLE_FIELD_RECREATE, 1),
          PromotionGate.denyWindow(TimeWindow.weekly({ days: [Weekday.FRIDAY], start: '15:00', end: '24:00', timeZone: 'Europe/Berlin' })),
        ],
      },
    ],
    maxApplicationsPerPromotion: 1,
  });
}

/** Wednesday 2026-11-25, 10:00 in Berlin. */
const WEDNESDAY_10_BERLIN = '2026-11-25T10:00:00+01:00';

function approvedTwice(testing: PromotionTesting): void {
  testing.approve({ environment: 'prod', application: 'web', image: WEB_1_5, by: 'alice@acme.example' });
  testing.approve({ environment: 'prod', application: 'web', image: WEB_1_5, by: 'bob@acme.example' });
}

describe('the shop promotion policy', () => {
  it('prod waits 2 h after staging is healthy', () => {
    // GIVEN web 1.5 healthy in staging since 09:00 and approved twice
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-25T09:00:00+01:00' });
    approvedTwice(testing);
    // WHEN judged at 10:00
    const early = testing.evaluate({ application: 'web', to: 'prod' });
    // THEN it waits until 11:00 Berlin
    expect(early.outcome).toBe(GateOutcome.WAIT);
    expect(early.eligibleAt).toBe('2026-11-25T10:00:00Z');
    expect(early.blockers).toEqual(['soak waits until 2026-11-25T10:00:00Z: healthy in staging for 1h since 2026-11-25T08:00:00Z, needs 2h']);
    // WHEN an hour later THEN it may go
    testing.advance(Duration.hours(1));
    expect(testing.evaluate({ application: 'web', to: 'prod' }).allowed).toBe(true);
  });

  it('no promotion on Friday after 15:00', () => {
    // GIVEN web 1.5 soaked and approved, on Friday 15:30 in Berlin
    const testing = PromotionTesting.forPolicy(shopPolicy(), '2026-11-27T15:30:00+01:00');
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-27T08:00:00+01:00' });
    approvedTwice(testing);
    // WHEN
    const decision = testing.evaluate({ application: 'web', to: 'prod' });
    // THEN it waits for Saturday 00:00 Berlin
    expect(decision.outcome).toBe(GateOutcome.WAIT);
    expect(decision.gates.find((gate) => gate.gate === 'denyWindow')).toEqual({
      gate: 'denyWindow', outcome: GateOutcome.WAIT, until: '2026-11-27T23:00:00Z', reason: 'inside Fri 15:00–24:00 Europe/Berlin; ends 2026-11-27T23:00:00Z',
    });
    // WHEN the same on Friday 14:59 THEN it may go
    testing.travelTo('2026-11-27T14:59:00+01:00');
    expect(testing.evaluate({ application: 'web', to: 'prod' }).allowed).toBe(true);
  });

  it('a soak ending on Friday afternoon makes prod wait until Saturday', () => {
    // GIVEN healthy in staging since Friday 13:30 Berlin, so the soak ends 15:30, inside the freeze
    const testing = PromotionTesting.forPolicy(shopPolicy(), '2026-11-27T14:00:00+01:00');
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-27T13:30:00+01:00' });
    approvedTwice(testing);
    // WHEN / THEN
    expect(testing.evaluate({ application: 'web', to: 'prod' }).eligibleAt).toBe('2026-11-27T23:00:00Z');
  });

  it('staging promotes by itself an hour after dev is healthy', () => {
    // GIVEN web 1.5 healthy in dev for 1 h
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'dev', application: 'web', image: WEB_1_5, since: '2026-11-25T09:00:00+01:00' });
    // WHEN judged as stagecraft promote --auto THEN
    expect(testing.evaluate({ application: 'web', to: 'staging', automatic: true }).allowed).toBe(true);
  });

  it('fails automatic promotion into prod', () => {
    // GIVEN everything else satisfied
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-24T09:00:00Z' });
    approvedTwice(testing);
    // WHEN / THEN
    const decision = testing.evaluate({ application: 'web', to: 'prod', automatic: true });
    expect({ outcome: decision.outcome, blockers: decision.blockers }).toEqual({
      outcome: GateOutcome.FAIL,
      blockers: ['manual: needs a person: run stagecraft promote without --auto'],
    });
  });

  it('fails a change that recreates objects with only two approvals', () => {
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-24T09:00:00Z' });
    approvedTwice(testing);
    // WHEN
    const decision = testing.evaluate({ application: 'web', to: 'prod', riskClass: RiskClass.IMMUTABLE_FIELD_RECREATE });
    // THEN
    expect(decision.blockers).toEqual([
      'extraApprovals: risk immutable-field-recreate needs 2 + 1 approvals: 2 of 3 approvals (alice@acme.example, bob@acme.example); missing 1 from carol@acme.example: run stagecraft approve web --env prod',
    ]);
  });

  it('fails promoting a version staging has not verified', () => {
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-24T09:00:00Z' });
    approvedTwice(testing);
    const other = `registry.acme.example/shop/web@sha256:${'6'.repeat(64)}`;
    // WHEN
    const decision = testing.evaluate({ application: 'web', to: 'prod', image: other });
    // THEN
    expect(decision.outcome).toBe(GateOutcome.FAIL);
    expect(decision.gates.filter((gate) => gate.outcome === GateOutcome.FAIL).map((gate) => gate.gate)).toEqual(['verifiedUpstream', 'soak', 'approvals']);
  });

  it('fails when staging reported the version failed after it was healthy', () => {
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'staging', application: 'web', image: WEB_1_5, since: '2026-11-24T09:00:00Z' });
    testing.recordFailed({ environment: 'staging', application: 'web', image: WEB_1_5, reason: 'Deployment/staging/web: 0/2 replicas available' });
    approvedTwice(testing);
    expect(testing.evaluate({ application: 'web', to: 'prod' }).outcome).toBe(GateOutcome.FAIL);
  });

  it('fails moving two applications at once when the policy allows one', () => {
    const testing = PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN);
    testing.recordHealthy({ environment: 'dev', application: 'web', image: WEB_1_5, since: '2026-11-24T09:00:00Z' });
    const decision = testing.evaluate({ application: 'web', to: 'staging', alongWith: ['api'] });
    expect(decision.blockers).toEqual(['maxApplicationsPerPromotion: promotion moves 2 applications of policy shop, at most 1 allowed; promote at most 1 at once']);
  });

  it.each<[string, () => unknown, string]>([
    ['a target that is not a stage', () => PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN).evaluate({ application: 'web', to: 'qa' }),
      'PromotionTesting (policy shop): environment "qa" is not a stage of the policy (stages: dev, staging, prod)'],
    ['the first stage', () => PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN).evaluate({ application: 'web', to: 'dev' }),
      'PromotionTesting (policy shop): "dev" is the first stage; releases land there without gates, judge a later stage'],
    ['no image to judge', () => PromotionTesting.forPolicy(shopPolicy(), WEDNESDAY_10_BERLIN).evaluate({ application: 'web', to: 'prod' }),
      'PromotionTesting (policy shop): no image to judge for web: pass "image" or record the application in staging first'],
    ['a time without a zone', () => PromotionTesting.forPolicy(shopPolicy(), '2026-11-25T10:00:00'),
      'PromotionTesting: now "2026-11-25T10:00:00" is not an ISO 8601 instant with a zone; use e.g. 2026-11-27T10:00:00Z or 2026-11-27T11:00:00+01:00'],
  ])('fails on %s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});

/** prod requires signed commits, and its two approvals exclude whoever released or promotes the change. */
function signedShopPolicy(): PromotionPolicy {
  const fleet = new Fleet();
  const staging = new Environment(fleet, 'staging');
  const prod = new Environment(fleet, 'prod', { requireSignedCommits: true });
  new Application(fleet, 'web', { image: 'registry.acme.example/shop/web', port: 8080 });
  return new PromotionPolicy(fleet, 'signed-shop', {
    stages: [
      { environment: staging },
      { environment: prod, gates: [PromotionGate.manual(), PromotionGate.approvals(2, { from: APPROVERS, excludePromoter: true })] },
    ],
  });
}

describe('a policy with signed approvals and separation of duties', () => {
  const approvals = (testing: PromotionTesting, check: { by?: string; releasedBy?: string[]; requireSignedApprovals?: boolean } = {}) =>
    testing.evaluate({ application: 'web', to: 'prod', image: WEB_1_5, ...check }).gates.find((gate) => gate.gate === 'approvals')!;
  const approve = (testing: PromotionTesting, by: string, signature: { signedBy?: string; signed?: boolean } = {}) =>
    testing.approve({ environment: 'prod', application: 'web', image: WEB_1_5, by, ...signature });

  it('counts approvals signed by the approvers\' own keys', () => {
    const testing = PromotionTesting.forPolicy(signedShopPolicy(), WEDNESDAY_10_BERLIN);
    approve(testing, 'alice@acme.example');
    approve(testing, 'bob@acme.example');
    expect(approvals(testing, { by: 'carol@acme.example' })).toEqual({
      gate: 'approvals', outcome: GateOutcome.PASS, reason: '2 of 2 approvals (alice@acme.example signed, bob@acme.example signed)', until: undefined,
    });
  });

  it.each<[string, { signedBy?: string; signed?: boolean }, string]>([
    ['signed with another approver\'s key', { signedBy: 'alice@acme.example' },
      'not counted, bob@acme.example: commit 0a53b13 that wrote the approval is signed by alice@acme.example (key SHA256:fake-key-of-alice@acme.example), not by bob@acme.example; bob@acme.example must approve with their own key'],
    ['not signed', { signed: false },
      'not counted, bob@acme.example: commit 0a53b13 is not signed; approvals count only when signed by the approver\'s own key, run stagecraft approve with it'],
  ])('fails to count an approval %s, and says why', (_name, signature, note) => {
    const testing = PromotionTesting.forPolicy(signedShopPolicy(), WEDNESDAY_10_BERLIN);
    approve(testing, 'alice@acme.example');
    approve(testing, 'bob@acme.example', signature);
    expect(approvals(testing, { by: 'carol@acme.example' })).toEqual({
      gate: 'approvals',
      outcome: GateOutcome.FAIL,
      reason: `1 of 2 approvals (alice@acme.example signed); ${note}; missing 1 from bob@acme.example: run stagecraft approve web --env prod`,
      until: undefined,
    });
  });

  it('counts an unsigned approval where the environments do not require signing', () => {
    const testing = PromotionTesting.forPolicy(signedShopPolicy(), WEDNESDAY_10_BERLIN);
    approve(testing, 'alice@acme.example', { signed: false });
    approve(testing, 'bob@acme.example', { signed: false });
    expect(approvals(testing, { by: 'carol@acme.example', requireSignedApprovals: false }).outcome).toBe(GateOutcome.PASS);
  });

  it.each<[string, { by?: string; releasedBy?: string[] }, string]>([
    ['the promoter', { by: 'alice@acme.example' }, 'alice@acme.example promotes this change'],
    ['the person who released the image', { by: 'ci@acme.example', releasedBy: ['alice@acme.example'] }, 'alice@acme.example released or promoted this change'],
  ])('fails to count the approval of %s where the gate excludes the promoter', (_name, check, who) => {
    const testing = PromotionTesting.forPolicy(signedShopPolicy(), WEDNESDAY_10_BERLIN);
    approve(testing, 'alice@acme.example');
    approve(testing, 'bob@acme.example');
    expect(approvals(testing, check).reason).toBe(
      `1 of 2 approvals (bob@acme.example signed); not counted, ${who} and the gate excludes the promoter; missing 1 from carol@acme.example: run stagecraft approve web --env prod`);
  });
});
