import { Construct } from 'constructs';
import { IApplication } from './application';
import { IEnvironment } from './environment';
import { PromotionGate } from './promotion-gate';

/**
 * One step of a promotion path.
 */
export interface PromotionStage {
  /** The environment of this step. */
  readonly environment: IEnvironment;

  /**
   * Gates a promotion into this environment must pass. The first stage takes releases from CI and has no gates.
   * @default - none for the first stage; `PromotionGate.manual()` for later stages
   */
  readonly gates?: PromotionGate[];
}

/**
 * Settings of a promotion policy.
 */
export interface PromotionPolicyProps {
  /** The ordered path, e.g. dev → staging → prod. At least two stages. */
  readonly stages: PromotionStage[];

  /**
   * Applications this policy governs.
   * @default - every application of the fleet
   */
  readonly applications?: IApplication[];

  /**
   * Most applications one promotion may move at once.
   * @default - no limit
   */
  readonly maxApplicationsPerPromotion?: number;
}

const POLICY_SYMBOL = Symbol.for('stagecraft.PromotionPolicy');

/**
 * How application versions move between environments, and what must hold before they do.
 */
export class PromotionPolicy extends Construct {
  /** Whether `x` is a PromotionPolicy (works across copies of this library). */
  public static isPromotionPolicy(x: unknown): x is PromotionPolicy {
    return x !== null && typeof x === 'object' && POLICY_SYMBOL in (x as object);
  }

  public readonly policyName: string;
  public readonly maxApplicationsPerPromotion?: number;
  private readonly _stages: PromotionStage[];
  private readonly _applications?: IApplication[];

  constructor(scope: Construct, id: string, props: PromotionPolicyProps) {
    super(scope, id);
    Object.defineProperty(this, POLICY_SYMBOL, { value: true });
    const where = this.node.path;
    if (props.stages.length < 2) {
      throw new Error(`${where}: a promotion path needs at least two stages, got ${props.stages.length}; list them in order, e.g. dev, staging, prod`);
    }
    const seen = new Map<string, number>();
    props.stages.forEach((stage, index) => {
      const name = stage.environment.environmentName;
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw new Error(`${where}: environment "${name}" appears at stages ${earlier + 1} and ${index + 1}, which makes the path a cycle; list each environment once`);
      }
      seen.set(name, index);
    });
    if (props.stages[0].gates !== undefined && props.stages[0].gates.length > 0) {
      throw new Error(`${where}: the first stage (${props.stages[0].environment.environmentName}) receives releases from CI and takes no gates; move the gates to a later stage`);
    }
    const max = props.maxApplicationsPerPromotion;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new Error(`${where}: maxApplicationsPerPromotion ${max} is not a whole number of at least 1`);
    }
    this.policyName = id;
    this.maxApplicationsPerPromotion = max;
    this._stages = props.stages.map((stage, index) => ({
      environment: stage.environment,
      gates: [...(stage.gates ?? (index === 0 ? [] : [PromotionGate.manual()]))],
    }));
    this._applications = props.applications ? [...props.applications] : undefined;
  }

  /** The ordered stages. */
  public get stages(): PromotionStage[] {
    return this._stages.map((stage) => ({ environment: stage.environment, gates: [...(stage.gates ?? [])] }));
  }

  /** The applications this policy names, or undefined when it governs all of them. */
  public get applications(): IApplication[] | undefined {
    return this._applications ? [...this._applications] : undefined;
  }
}
