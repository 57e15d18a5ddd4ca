import { RiskClass } from '../constructs/risk-class';

const ORDER: readonly RiskClass[] = [
  RiskClass.NO_OP,
  RiskClass.CONFIG_ONLY,
  RiskClass.POD_RESTART,
  RiskClass.IMMUTABLE_FIELD_RECREATE,
  RiskClass.DATA_DELETION,
];

/** Position of a class from harmless (0) to destructive (4), or -1 for a string that is not a class. */
export function riskRank(riskClass: string): number {
  return ORDER.indexOf(riskClass as RiskClass);
}

/** The most destructive of `classes`, or no-op for none. */
export function highestRisk(classes: Iterable<RiskClass>): RiskClass {
  let highest = RiskClass.NO_OP;
  for (const riskClass of classes) {
    if (riskRank(riskClass) > riskRank(highest)) {
      highest = riskClass;
    }
  }
  return highest;
}
