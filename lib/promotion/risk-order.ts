import { RiskClass } from '../constructs/risk-class';
import { RISK_CLASS_ORDER } from '../envrepo/promotion-gates';

/** The env-repo format's order; RiskClass has the same values (a test holds them together). */
const ORDER = RISK_CLASS_ORDER as readonly RiskClass[];

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
