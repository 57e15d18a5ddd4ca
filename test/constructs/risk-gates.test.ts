import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Application, Environment, PromotionGate, PromotionPolicy, RiskClass } from '../../lib';
import { scratchFleet } from '../support/fleets';

describe('gates that depend on the risk of a change', () => {
  it('are written to environment.json with their risk class', () => {
    // GIVEN a policy demanding one more approval and 4 h more soak for risky prod changes
    const { fleet, outdir } = scratchFleet();
    const dev = new Environment(fleet, 'dev');
    const prod = new Environment(fleet, 'prod');
    new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
    new PromotionPolicy(fleet, 'path', {
      stages: [
        { environment: dev },
        {
          environment: prod,
          gates: [
            PromotionGate.approvals(1),
            PromotionGate.extraApprovalsFor(RiskClass.IMMUTABLE_FIELD_RECREATE, 1, { from: ['bob@example.com', 'alice@example.com'] }),
            PromotionGate.extraSoakFor(RiskClass.POD_RESTART, Duration.hours(4)),
          ],
        },
      ],
    });
    // WHEN
    fleet.synth();
    // THEN
    const metadata = JSON.parse(fs.readFileSync(path.join(outdir, 'prod', '.stagecraft', 'environment.json'), 'utf8'));
    expect(metadata.promotion[0].gates).toEqual([
      { type: 'approvals', count: 1 },
      { type: 'extraApprovals', riskClass: 'immutable-field-recreate', count: 1, from: ['alice@example.com', 'bob@example.com'] },
      { type: 'extraSoak', riskClass: 'pod-restart', seconds: 14400 },
    ]);
  });

  it.each<[string, () => unknown, string]>([
    ['extra approvals for every change', () => PromotionGate.extraApprovalsFor(RiskClass.NO_OP, 1),
      'extra approvals gate: risk class no-op would apply to every promotion; use the plain gate (approvals or soak) instead'],
    ['zero extra approvals', () => PromotionGate.extraApprovalsFor(RiskClass.POD_RESTART, 0),
      'extra approvals gate: count 0 is not a whole number of at least 1'],
    ['an unknown risk class', () => PromotionGate.extraSoakFor('catastrophic' as RiskClass, Duration.hours(1)),
      'extra soak gate: risk class "catastrophic" is unknown; use one of no-op, config-only, pod-restart, immutable-field-recreate, data-deletion'],
    ['an extra soak of no time', () => PromotionGate.extraSoakFor(RiskClass.DATA_DELETION, Duration.seconds(0)),
      'extra soak gate: duration of 0 seconds is not positive; use e.g. Duration.hours(4)'],
  ])('fails on %s', (_name, create, message) => {
    expect(create).toThrow(new Error(message));
  });
});
