import { ApprovalRecord } from '../../lib/envrepo/approval';
import { VerificationRecord } from '../../lib/envrepo/verification-record';
import { ApprovalEvidence, evaluateStages, GateInput, GateVerdict, StageGates } from '../../lib/promotion/gates';

const DIGEST_OLD = 'a'.repeat(64);
const DIGEST_NEW = 'b'.repeat(64);
const IMAGE = `registry.example/web@sha256:${DIGEST_NEW}`;
const OLD_IMAGE = `registry.example/web@sha256:${DIGEST_OLD}`;
/** Thursday 2026-11-26 12:00 UTC (13:00 in Berlin). */
const NOW = '2026-11-26T12:00:00Z';

let commitCounter = 0;
function record(fields: Partial<VerificationRecord> & { image?: string }): VerificationRecord {
  const { image, ...rest } = fields;
  commitCounter++;
  return {
    schemaVersion: 1,
    environment: 'staging',
    commit: commitCounter.toString(16).padStart(40, '0'),
    lockDigest: `sha256:${'c'.repeat(64)}`,
    verdict: 'healthy',
    firstHealthyAt: '2026-11-26T08:00:00Z',
    recordedAt: '2026-11-26T08:05:00Z',
    objects: { total: 4, created: 0, configured: 1, unchanged: 3, pruned: 0, failed: 0 },
    applications: { web: image ?? IMAGE },
    ...rest,
  };
}

function approval(approvedBy: string, fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return { schemaVersion: 1, environment: 'prod', application: 'web', image: IMAGE, approvedBy, approvedAt: '2026-11-26T11:00:00Z', ...fields };
}

function input(fields: Partial<GateInput> = {}): GateInput {
  return {
    application: 'web',
    image: IMAGE,
    from: 'staging',
    to: 'prod',
    now: Date.parse(NOW),
    upstreamRecords: [],
    approvals: [],
    riskClass: 'pod-restart',
    automatic: false,
    promotedApplications: ['web'],
    by: 'alice@example.com',
    ...fields,
  };
}

function stage(gates: Array<Record<string, unknown>>, fields: Partial<StageGates> = {}): StageGates {
  return { policy: 'shop', from: 'staging', applications: ['api', 'web', 'worker'], gates, ...fields };
}

const BERLIN_OFFICE = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' };
const FRIDAY_MORNING = { type: 'weekly', days: ['Fri'], start: '09:00', end: '12:00', timeZone: 'Europe/Berlin' };
const HOLIDAYS = { type: 'between', start: '2026-12-21T00:00Z', end: '2027-01-04T00:00Z' };
const APPROVERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];

describe('each gate for one promotion of web from staging to prod', () => {
  it.each<[string, Array<Record<string, unknown>>, Partial<GateInput>, GateVerdict[]]>([
    ['auto passes', [{ type: 'auto' }], {}, [
      { gate: 'auto', verdict: 'pass', reason: 'automatic promotion allowed' },
    ]],
    ['auto passes when automatic', [{ type: 'auto' }], { automatic: true }, [
      { gate: 'auto', verdict: 'pass', reason: 'automatic promotion allowed' },
    ]],
    ['manual passes when a person promotes', [{ type: 'manual' }], {}, [
      { gate: 'manual', verdict: 'pass', reason: 'run by a person (alice@example.com)' },
    ]],
    ['fails manual when automatic', [{ type: 'manual' }], { automatic: true }, [
      { gate: 'manual', verdict: 'fail', reason: 'needs a person: run stagecraft promote without --auto' },
    ]],
    ['fails automatic promotion into a stage without auto', [{ type: 'verifiedUpstream' }], { automatic: true, upstreamRecords: [record({ commit: '1'.repeat(40) })] }, [
      { gate: 'verifiedUpstream', verdict: 'pass', reason: 'healthy in staging (commit 111111111111 recorded 2026-11-26T08:05:00Z)' },
      { gate: 'auto', verdict: 'fail', reason: 'the stage into prod has no PromotionGate.auto(), so promotions into it need a person: run stagecraft promote without --auto' },
    ]],
  ])('%s', (_name, gates, fields, expected) => {
    // GIVEN a stage with gates WHEN a promotion is judged THEN each gate's verdict
    const result = evaluateStages([stage(gates)], input(fields));
    expect(result.verdicts).toEqual(expected);
  });
});

describe('verifiedUpstream', () => {
  it.each<[string, VerificationRecord[], GateVerdict]>([
    ['passes on a healthy record of this version', [record({ commit: '1'.repeat(40) })],
      { gate: 'verifiedUpstream', verdict: 'pass', reason: 'healthy in staging (commit 111111111111 recorded 2026-11-26T08:05:00Z)' }],
    ['passes on a record naming the same digest under a tag', [record({ commit: '1'.repeat(40), image: `registry.example/web:1.4.0@sha256:${DIGEST_NEW}` })],
      { gate: 'verifiedUpstream', verdict: 'pass', reason: 'healthy in staging (commit 111111111111 recorded 2026-11-26T08:05:00Z)' }],
    ['fails without any record', [],
      { gate: 'verifiedUpstream', verdict: 'fail', reason: 'no verification record of staging shows web running web@sha256:bbbbbbbbbbbb; reconcile staging with --record once it runs this version' }],
    ['fails on records of another version only', [record({ image: OLD_IMAGE })],
      { gate: 'verifiedUpstream', verdict: 'fail', reason: 'no verification record of staging shows web running web@sha256:bbbbbbbbbbbb; reconcile staging with --record once it runs this version' }],
    ['fails on records of another environment only', [record({ environment: 'dev' })],
      { gate: 'verifiedUpstream', verdict: 'fail', reason: 'no verification record of staging shows web running web@sha256:bbbbbbbbbbbb; reconcile staging with --record once it runs this version' }],
    ['fails on records without applications, saying why they do not count', [record({ applications: undefined })],
      { gate: 'verifiedUpstream', verdict: 'fail', reason: 'no verification record of staging shows web running web@sha256:bbbbbbbbbbbb; reconcile staging with --record once it runs this version (1 record of staging name no applications and count for no version)' }],
    ['fails when the latest record of this version failed', [
      record({ recordedAt: '2026-11-26T08:05:00Z' }),
      record({ commit: '2'.repeat(40), verdict: 'failed', firstHealthyAt: undefined, recordedAt: '2026-11-26T09:00:00Z', reason: 'Deployment/staging/web: 0/2 replicas available' }),
    ],
    { gate: 'verifiedUpstream', verdict: 'fail', reason: 'the latest record of this version in staging says failed (commit 222222222222 recorded 2026-11-26T09:00:00Z: Deployment/staging/web: 0/2 replicas available)' }],
  ])('%s', (_name, records, expected) => {
    // GIVEN records of staging WHEN verifiedUpstream is judged THEN
    expect(evaluateStages([stage([{ type: 'verifiedUpstream' }])], input({ upstreamRecords: records })).verdicts).toEqual([expected]);
  });
});

describe('soak', () => {
  const twoHours = { type: 'soak', seconds: 7200 };
  it.each<[string, VerificationRecord[], string, GateVerdict]>([
    ['passes after the soak time since first healthy', [record({ firstHealthyAt: '2026-11-26T08:00:00Z' })], NOW,
      { gate: 'soak', verdict: 'pass', reason: 'healthy in staging for 4h since 2026-11-26T08:00:00Z (needs 2h)' }],
    ['passes at exactly the soak time', [record({ firstHealthyAt: '2026-11-26T10:00:00Z', recordedAt: '2026-11-26T10:00:00Z' })], NOW,
      { gate: 'soak', verdict: 'pass', reason: 'healthy in staging for 2h since 2026-11-26T10:00:00Z (needs 2h)' }],
    ['waits until first healthy plus the soak time', [record({ firstHealthyAt: '2026-11-26T11:20:00Z', recordedAt: '2026-11-26T11:21:00Z' })], NOW,
      { gate: 'soak', verdict: 'wait', until: '2026-11-26T13:20:00Z', reason: 'healthy in staging for 40m since 2026-11-26T11:20:00Z, needs 2h' }],
    ['counts from the earliest first-healthy time of several healthy records', [
      record({ firstHealthyAt: '2026-11-26T11:00:00Z', recordedAt: '2026-11-26T11:01:00Z' }),
      record({ firstHealthyAt: '2026-11-26T09:30:00Z', recordedAt: '2026-11-26T09:31:00Z' }),
    ], NOW,
    { gate: 'soak', verdict: 'pass', reason: 'healthy in staging for 2h 30m since 2026-11-26T09:30:00Z (needs 2h)' }],
    ['restarts after a failure of this version', [
      record({ firstHealthyAt: '2026-11-26T06:00:00Z', recordedAt: '2026-11-26T06:01:00Z' }),
      record({ verdict: 'failed', firstHealthyAt: undefined, recordedAt: '2026-11-26T10:30:00Z' }),
      record({ firstHealthyAt: '2026-11-26T06:00:00Z', recordedAt: '2026-11-26T10:45:00Z' }),
    ], NOW,
    { gate: 'soak', verdict: 'wait', until: '2026-11-26T12:30:00Z', reason: 'healthy in staging for 1h 30m since 2026-11-26T10:30:00Z, needs 2h' }],
    ['fails when the latest record of this version failed', [
      record({ recordedAt: '2026-11-26T08:05:00Z' }),
      record({ commit: '3'.repeat(40), verdict: 'rolled-back', firstHealthyAt: undefined, recordedAt: '2026-11-26T09:00:00Z' }),
    ], NOW,
    { gate: 'soak', verdict: 'fail', reason: 'soak cannot start: the latest record of this version in staging says rolled-back (commit 333333333333 recorded 2026-11-26T09:00:00Z)' }],
    ['fails without a record of this version', [], NOW,
      { gate: 'soak', verdict: 'fail', reason: 'soak cannot start: no verification record of staging shows web running web@sha256:bbbbbbbbbbbb; reconcile staging with --record once it runs this version' }],
  ])('%s', (_name, records, now, expected) => {
    // GIVEN a 2 h soak and records of staging WHEN judged at `now` THEN
    expect(evaluateStages([stage([twoHours])], input({ upstreamRecords: records, now: Date.parse(now) })).verdicts).toEqual([expected]);
  });
});

describe('approvals', () => {
  const twoOfThree = { type: 'approvals', count: 2, from: APPROVERS };
  it.each<[string, Record<string, unknown>, ApprovalEvidence[], GateVerdict]>([
    ['passes with two allowed approvals of this image', twoOfThree, [approval('bob@example.com'), approval('alice@example.com')],
      { gate: 'approvals', verdict: 'pass', reason: '2 of 2 approvals (alice@example.com, bob@example.com)' }],
    ['fails with one approval, naming who else may approve', twoOfThree, [approval('bob@example.com')],
      { gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (bob@example.com); missing 1 from alice@example.com, carol@example.com: run stagecraft approve web --env prod' }],
    ['fails counting one identity once', twoOfThree, [approval('bob@example.com'), approval('bob@example.com', { approvedAt: '2026-11-26T11:30:00Z' })],
      { gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (bob@example.com); missing 1 from alice@example.com, carol@example.com: run stagecraft approve web --env prod' }],
    ['fails counting no identity outside "from"', twoOfThree, [approval('bob@example.com'), approval('mallory@example.com')],
      { gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (bob@example.com); not counted, not allowed to approve: mallory@example.com; missing 1 from alice@example.com, carol@example.com: run stagecraft approve web --env prod' }],
    ['fails counting no approval of another image, application or environment', twoOfThree, [
      approval('alice@example.com', { image: OLD_IMAGE }), approval('bob@example.com', { application: 'api' }), approval('carol@example.com', { environment: 'staging' }),
    ],
    { gate: 'approvals', verdict: 'fail', reason: '0 of 2 approvals; missing 2 from alice@example.com, bob@example.com, carol@example.com: run stagecraft approve web --env prod' }],
    ['passes with anyone when "from" is not given', { type: 'approvals', count: 1 }, [approval('mallory@example.com')],
      { gate: 'approvals', verdict: 'pass', reason: '1 of 1 approvals (mallory@example.com)' }],
    ['passes with the promoter\'s approval when the gate does not exclude the promoter', twoOfThree, [approval('alice@example.com'), approval('bob@example.com')],
      { gate: 'approvals', verdict: 'pass', reason: '2 of 2 approvals (alice@example.com, bob@example.com)' }],
    ['fails counting the promoter where the gate excludes the promoter', { ...twoOfThree, excludePromoter: true }, [approval('alice@example.com'), approval('bob@example.com')],
      { gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (bob@example.com); not counted, alice@example.com promotes this change and the gate excludes the promoter; missing 1 from carol@example.com: run stagecraft approve web --env prod' }],
    ['fails counting an approval whose signature does not vouch for it, and shows the others as signed', twoOfThree, [
      { ...approval('bob@example.com'), signedBy: 'bob@example.com' }, { ...approval('carol@example.com'), notCounted: 'commit 1a2b3c4 is not signed' },
    ],
    { gate: 'approvals', verdict: 'fail', reason: '1 of 2 approvals (bob@example.com signed); not counted, carol@example.com: commit 1a2b3c4 is not signed; missing 1 from alice@example.com, carol@example.com: run stagecraft approve web --env prod' }],
  ])('%s', (_name, gate, approvals, expected) => {
    // GIVEN an approvals gate and approvals WHEN judged THEN
    expect(evaluateStages([stage([gate])], input({ approvals })).verdicts).toEqual([expected]);
  });
});

describe('extra approvals and soak for risky changes', () => {
  const base = [{ type: 'soak', seconds: 3600 }, { type: 'approvals', count: 1, from: APPROVERS }];
  const extraApprovals = { type: 'extraApprovals', riskClass: 'immutable-field-recreate', count: 1 };
  const extraSoak = { type: 'extraSoak', riskClass: 'pod-restart', seconds: 7200 };
  const healthySince0930 = [record({ firstHealthyAt: '2026-11-26T09:30:00Z', recordedAt: '2026-11-26T09:31:00Z' })];
  it.each<[string, Array<Record<string, unknown>>, Partial<GateInput>, GateVerdict]>([
    ['extra approvals pass below their risk class', [...base, extraApprovals], { riskClass: 'pod-restart' },
      { gate: 'extraApprovals', verdict: 'pass', reason: 'risk pod-restart is below immutable-field-recreate: no extra approvals needed' }],
    ['fails extra approvals at their risk class with only the base approvals', [...base, extraApprovals], { riskClass: 'immutable-field-recreate', approvals: [approval('alice@example.com')] },
      { gate: 'extraApprovals', verdict: 'fail', reason: 'risk immutable-field-recreate needs 1 + 1 approvals: 1 of 2 approvals (alice@example.com); missing 1 from bob@example.com, carol@example.com: run stagecraft approve web --env prod' }],
    ['extra approvals pass above their risk class with enough approvals', [...base, extraApprovals], { riskClass: 'data-deletion', approvals: [approval('alice@example.com'), approval('carol@example.com')] },
      { gate: 'extraApprovals', verdict: 'pass', reason: 'risk data-deletion needs 1 + 1 approvals: 2 of 2 approvals (alice@example.com, carol@example.com)' }],
    ['extra soak passes below its risk class', [...base, extraSoak], { riskClass: 'config-only', upstreamRecords: healthySince0930 },
      { gate: 'extraSoak', verdict: 'pass', reason: 'risk config-only is below pod-restart: no extra soak needed' }],
    ['extra soak adds to the base soak at its risk class', [...base, extraSoak], { riskClass: 'pod-restart', upstreamRecords: healthySince0930 },
      { gate: 'extraSoak', verdict: 'wait', until: '2026-11-26T12:30:00Z', reason: 'risk pod-restart needs 1h + 2h soak: healthy in staging for 2h 30m since 2026-11-26T09:30:00Z, needs 3h' }],
  ])('%s', (_name, gates, fields, expected) => {
    // GIVEN a stage with base and extra gates WHEN judged at a risk class THEN the extra gate's verdict
    const verdicts = evaluateStages([stage(gates)], input(fields)).verdicts;
    expect(verdicts.find((verdict) => verdict.gate === expected.gate)).toEqual(expected);
  });
});

describe('windows, freezes and the size of a promotion', () => {
  it.each<[string, Array<Record<string, unknown>>, Partial<GateInput>, GateVerdict[]]>([
    ['allowWindow passes inside', [{ type: 'allowWindow', window: BERLIN_OFFICE }], {}, [
      { gate: 'allowWindow', verdict: 'pass', reason: 'inside Mon–Thu 09:00–16:00 Europe/Berlin' },
    ]],
    ['allowWindow waits for the next opening outside', [{ type: 'allowWindow', window: BERLIN_OFFICE }], { now: Date.parse('2026-11-27T10:00:00Z') }, [
      { gate: 'allowWindow', verdict: 'wait', until: '2026-11-30T08:00:00Z', reason: 'outside Mon–Thu 09:00–16:00 Europe/Berlin; opens 2026-11-30T08:00:00Z' },
    ]],
    ['fails an allow window that has ended', [{ type: 'allowWindow', window: HOLIDAYS }], { now: Date.parse('2027-02-01T00:00:00Z') }, [
      { gate: 'allowWindow', verdict: 'fail', reason: '2026-12-21T00:00Z – 2027-01-04T00:00Z has ended; it allows no promotion any more, remove the gate or add another window' },
    ]],
    ['allow windows are alternatives: one open window is enough', [{ type: 'allowWindow', window: BERLIN_OFFICE }, { type: 'allowWindow', window: FRIDAY_MORNING }], { now: Date.parse('2026-11-27T09:00:00Z') }, [
      { gate: 'allowWindow#1', verdict: 'pass', reason: 'outside Mon–Thu 09:00–16:00 Europe/Berlin; opens 2026-11-30T08:00:00Z, but allowWindow#2 is open' },
      { gate: 'allowWindow#2', verdict: 'pass', reason: 'inside Fri 09:00–12:00 Europe/Berlin' },
    ]],
    ['denyWindow passes outside', [{ type: 'denyWindow', window: HOLIDAYS }], {}, [
      { gate: 'denyWindow', verdict: 'pass', reason: 'outside 2026-12-21T00:00Z – 2027-01-04T00:00Z' },
    ]],
    ['denyWindow waits for the end of a freeze inside it', [{ type: 'denyWindow', window: HOLIDAYS }], { now: Date.parse('2026-12-24T12:00:00Z') }, [
      { gate: 'denyWindow', verdict: 'wait', until: '2027-01-04T00:00:00Z', reason: 'inside 2026-12-21T00:00Z – 2027-01-04T00:00Z; ends 2027-01-04T00:00:00Z' },
    ]],
    ['maxApplicationsPerPromotion passes at the limit', [], { promotedApplications: ['api', 'web'] }, [
      { gate: 'maxApplicationsPerPromotion', verdict: 'pass', reason: 'promotion moves 2 of at most 2 applications of policy shop' },
    ]],
    ['fails maxApplicationsPerPromotion over the limit, counting only the policy\'s applications', [], { promotedApplications: ['api', 'web', 'worker', 'billing'] }, [
      { gate: 'maxApplicationsPerPromotion', verdict: 'fail', reason: 'promotion moves 3 applications of policy shop, at most 2 allowed; promote at most 2 at once' },
    ]],
    ['fails an unknown gate type rather than skipping it', [{ type: 'lunarPhase' }], {}, [
      { gate: 'lunarPhase', verdict: 'fail', reason: 'gate type "lunarPhase" is unknown to this stagecraft, so it cannot be checked; upgrade stagecraft (a gate is never skipped)' },
    ]],
    ['fails a malformed gate', [{ type: 'soak', seconds: 'two hours' }], {}, [
      { gate: 'soak', verdict: 'fail', reason: 'gate {"type":"soak","seconds":"two hours"} is malformed ("seconds" is "two hours", expected a positive number); re-run stagecraft synth with this stagecraft' },
    ]],
  ])('%s', (_name, gates, fields, expected) => {
    // GIVEN a stage WHEN judged THEN each verdict
    const maxStage = gates.length === 0 ? { maxApplicationsPerPromotion: 2 } : {};
    expect(evaluateStages([stage(gates, maxStage)], input(fields)).verdicts).toEqual(expected);
  });
});

describe('the outcome of a stage', () => {
  it('passes when every gate passes', () => {
    // GIVEN / WHEN
    const result = evaluateStages([stage([{ type: 'auto' }, { type: 'denyWindow', window: HOLIDAYS }])], input());
    // THEN
    expect({ outcome: result.outcome, recheckAt: result.recheckAt }).toEqual({ outcome: 'pass', recheckAt: undefined });
  });

  it('fails when one gate fails, even if others wait', () => {
    const result = evaluateStages([stage([{ type: 'approvals', count: 1 }, { type: 'denyWindow', window: HOLIDAYS }])], input({ now: Date.parse('2026-12-24T00:00:00Z') }));
    expect(result.outcome).toBe('fail');
  });

  it('waits until the last waiting gate can have passed', () => {
    // GIVEN a soak ending 13:20 and an allow window that is open
    const result = evaluateStages([stage([{ type: 'soak', seconds: 7200 }, { type: 'allowWindow', window: BERLIN_OFFICE }])],
      input({ upstreamRecords: [record({ firstHealthyAt: '2026-11-26T11:20:00Z' })] }));
    // THEN
    expect({ outcome: result.outcome, recheckAt: new Date(result.recheckAt!).toISOString() }).toEqual({ outcome: 'wait', recheckAt: '2026-11-26T13:20:00.000Z' });
  });

  it('waits for the first of several closed allow windows to open', () => {
    // GIVEN Saturday: the Friday window opens in six days, the Mon–Thu window in two
    const result = evaluateStages([stage([{ type: 'allowWindow', window: FRIDAY_MORNING }, { type: 'allowWindow', window: BERLIN_OFFICE }])],
      input({ now: Date.parse('2026-11-28T12:00:00Z') }));
    // THEN
    expect(new Date(result.recheckAt!).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('names gates by policy when two policies govern the same step', () => {
    const result = evaluateStages([stage([{ type: 'auto' }]), stage([{ type: 'manual' }], { policy: 'payments' })], input());
    expect(result.verdicts.map((verdict) => verdict.gate)).toEqual(['shop/auto', 'payments/manual']);
  });
});
