import { Duration } from 'cdk8s';
import { PromotionGate, RiskClass, TimeWindow, Weekday } from '../../lib';
import { parseGateRecord, RISK_CLASS_ORDER } from '../../lib/envrepo/promotion-gates';

describe('the promotion-gate schema shared by constructs and promotion', () => {
  it('orders the risk classes exactly as RiskClass declares them', () => {
    expect(RISK_CLASS_ORDER).toEqual(Object.values(RiskClass));
  });

  it.each([
    ['auto', PromotionGate.auto()],
    ['manual', PromotionGate.manual()],
    ['verifiedUpstream', PromotionGate.verifiedUpstream()],
    ['soak', PromotionGate.soak(Duration.hours(2))],
    ['approvals', PromotionGate.approvals(2, { from: ['bob@acme.example', 'alice@acme.example'] })],
    ['extraApprovals', PromotionGate.extraApprovalsFor(RiskClass.POD_RESTART, 1)],
    ['extraSoak', PromotionGate.extraSoakFor(RiskClass.IMMUTABLE_FIELD_RECREATE, Duration.hours(4))],
    ['allowWindow', PromotionGate.allowWindow(TimeWindow.weekly({ days: [Weekday.MONDAY, Weekday.TUESDAY], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' }))],
    ['denyWindow', PromotionGate.denyWindow(TimeWindow.between('2026-12-20T00:00Z', '2027-01-04T00:00Z'))],
  ])('GIVEN PromotionGate %s WHEN its record is read back THEN the parser returns the same record', (_type, gate) => {
    const written = JSON.parse(JSON.stringify(gate._toRecord()));
    expect(JSON.parse(JSON.stringify(parseGateRecord(written)))).toEqual(written);
  });

  it.each([
    [{ type: 'soak', seconds: 0 }, '"seconds" is 0, expected a positive number'],
    [{ type: 'approvals', count: 1.5 }, '"count" is 1.5, expected a whole number of at least 1'],
    [{ type: 'approvals', count: 1, from: 'bob' }, '"from" is "bob", expected a list of identities'],
    [{ type: 'extraSoak', riskClass: 'apocalypse', seconds: 60 }, '"riskClass" is "apocalypse", expected a risk class such as pod-restart'],
    [{ type: 'denyWindow', window: { type: 'yearly' } }, 'window type "yearly" is unknown; expected weekly or between'],
    [{ type: 'lunarPhase' }, 'gate type "lunarPhase" is unknown; expected one of auto, manual, verifiedUpstream, soak, approvals, extraApprovals, extraSoak, allowWindow, denyWindow'],
  ])('fails on the malformed record %j', (record, message) => {
    expect(() => parseGateRecord(record)).toThrow(new Error(message));
  });
});
