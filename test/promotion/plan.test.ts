import { VerificationRecord } from '../../lib/envrepo/verification-record';
import { evaluateStages, GateInput, StageGates } from '../../lib/promotion/gates';
import { earliestEligible } from '../../lib/promotion/plan';

const IMAGE = `registry.example/web@sha256:${'b'.repeat(64)}`;
const BERLIN_WEEKDAYS = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' };
const MON_TO_THU = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' };
const FRIDAY_MORNING = { type: 'weekly', days: ['Fri'], start: '09:00', end: '12:00', timeZone: 'Europe/Berlin' };
const THURSDAY_AFTERNOON = { type: 'weekly', days: ['Thu'], start: '15:00', end: '24:00', timeZone: 'Europe/Berlin' };
const HOLIDAYS = { type: 'between', start: '2026-12-21T00:00Z', end: '2027-01-04T00:00Z' };

function healthySince(instant: string): VerificationRecord {
  return {
    schemaVersion: 1,
    environment: 'staging',
    commit: '1'.repeat(40),
    lockDigest: `sha256:${'c'.repeat(64)}`,
    verdict: 'healthy',
    firstHealthyAt: instant,
    recordedAt: instant,
    objects: { total: 1, created: 1, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    applications: { web: IMAGE },
  };
}

function eligibleAt(gates: Array<Record<string, unknown>>, now: string, healthy: string): string | undefined {
  const stage: StageGates = { policy: 'shop', from: 'staging', applications: ['web'], gates };
  const input: GateInput = {
    application: 'web',
    image: IMAGE,
    from: 'staging',
    to: 'prod',
    now: Date.parse(now),
    upstreamRecords: [healthySince(healthy)],
    approvals: [],
    riskClass: 'pod-restart',
    automatic: false,
    promotedApplications: ['web'],
  };
  const evaluateAt = (at: number) => evaluateStages([stage], { ...input, now: at });
  const at = earliestEligible(evaluateAt, evaluateAt(input.now));
  return at === undefined ? undefined : new Date(at).toISOString().replace('.000Z', 'Z');
}

describe('when a waiting promotion becomes eligible', () => {
  it.each<[string, Array<Record<string, unknown>>, string, string, string | undefined]>([
    ['when the soak ends inside the window', [{ type: 'soak', seconds: 7200 }, { type: 'allowWindow', window: BERLIN_WEEKDAYS }],
      '2026-11-24T09:00:00Z', '2026-11-24T08:30:00Z', '2026-11-24T10:30:00Z'],
    ['at the next opening when the soak ends after the window closed', [{ type: 'soak', seconds: 7200 }, { type: 'allowWindow', window: BERLIN_WEEKDAYS }],
      '2026-11-24T13:00:00Z', '2026-11-24T13:00:00Z', '2026-11-25T08:00:00Z'],
    ['on Monday when the soak ends in a Thursday-afternoon freeze and Friday is outside the window',
      [{ type: 'soak', seconds: 7200 }, { type: 'allowWindow', window: MON_TO_THU }, { type: 'denyWindow', window: THURSDAY_AFTERNOON }],
      '2026-11-26T12:00:00Z', '2026-11-26T12:30:00Z', '2026-11-30T08:00:00Z'],
    ['on Friday morning when another allow window opens first',
      [{ type: 'soak', seconds: 7200 }, { type: 'allowWindow', window: MON_TO_THU }, { type: 'allowWindow', window: FRIDAY_MORNING }, { type: 'denyWindow', window: THURSDAY_AFTERNOON }],
      '2026-11-26T12:00:00Z', '2026-11-26T12:30:00Z', '2026-11-27T08:00:00Z'],
    ['after a holiday freeze, at the window\'s first opening', [{ type: 'allowWindow', window: BERLIN_WEEKDAYS }, { type: 'denyWindow', window: HOLIDAYS }],
      '2026-12-22T10:00:00Z', '2026-12-01T00:00:00Z', '2027-01-04T08:00:00Z'],
    ['never, when a gate fails', [{ type: 'soak', seconds: 7200 }, { type: 'approvals', count: 1 }],
      '2026-11-24T09:00:00Z', '2026-11-24T08:30:00Z', undefined],
  ])('%s', (_name, gates, now, healthy, expected) => {
    // GIVEN gates and a version healthy upstream since `healthy` WHEN judged at `now` THEN the exact instant
    expect(eligibleAt(gates, now, healthy)).toBe(expected);
  });
});
