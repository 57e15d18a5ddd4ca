import { Node } from 'constructs';
import { Application } from '../constructs/application';
import { Environment } from '../constructs/environment';
import { PromotionPolicy } from '../constructs/promotion-policy';

/**
 * What synth reads of a fleet. `Fleet` has this shape; synth depends on the shape rather than on the class,
 * so that `Fleet.synth()` can call synth without an import cycle.
 */
export interface FleetDefinition {
  readonly node: Node;
  /** Ordered by name. */
  readonly environments: Environment[];
  /** Ordered by name. */
  readonly applications: Application[];
  /** Ordered by name. */
  readonly promotionPolicies: PromotionPolicy[];
  readonly releasesDirectory: string;
  readonly sourceCommit?: string;
  readonly synthWorkers?: number;
}
