import { Duration } from 'cdk8s';
import { RiskClass } from './risk-class';
import { TimeWindow } from './time-window';
import { GateRecord } from '../envrepo/promotion-gates';

/**
 * Options of the approvals gate.
 */
export interface ApprovalsOptions {
  /**
   * Identities (as recorded by `stagecraft approve`) whose approvals count.
   * @default - anyone with write access to the env repo
   */
  readonly from?: string[];

  /**
   * Separation of duties: approvals by the person who runs `stagecraft promote`, or who released the image
   * or promoted it into an environment upstream, do not count. In environments that require signed
   * commits, identities are those the signing keys stand for.
   * @default false - anyone allowed by `from` may approve, the promoter included (for `extraApprovalsFor`: as the stage's `approvals` gate says)
   */
  readonly excludePromoter?: boolean;
}

/**
 * A condition a promotion into an environment must meet. Modelled here as the env-repo format's
 * `GateRecord` (envrepo/promotion-gates.ts), written to `environment.json` by synth and judged by `stagecraft promote`.
 */
export class PromotionGate {
  /** Promote as soon as the other gates pass, without a person. */
  public static auto(): PromotionGate {
    return new PromotionGate({ type: 'auto' });
  }

  /** Promote only when a person runs `stagecraft promote`. */
  public static manual(): PromotionGate {
    return new PromotionGate({ type: 'manual' });
  }

  /** The version must have a verification record saying it was healthy in the upstream environment. */
  public static verifiedUpstream(): PromotionGate {
    return new PromotionGate({ type: 'verifiedUpstream' });
  }

  /** The version must have been healthy upstream for at least `duration` since it first became healthy. */
  public static soak(duration: Duration): PromotionGate {
    const seconds = duration.toSeconds();
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(`soak gate: duration of ${seconds} seconds is not positive; use e.g. Duration.hours(2)`);
    }
    return new PromotionGate({ type: 'soak', seconds });
  }

  /** At least `count` approvals recorded in git (`stagecraft approve`). */
  public static approvals(count: number, options: ApprovalsOptions = {}): PromotionGate {
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`approvals gate: count ${count} is not a whole number of at least 1`);
    }
    const from = options.from ? [...new Set(options.from)].sort() : undefined;
    if (from !== undefined && from.length < count) {
      throw new Error(`approvals gate: ${count} approvals required but only ${from.length} identities allowed (${from.join(', ')}); allow more identities or require fewer approvals`);
    }
    return new PromotionGate({ type: 'approvals', count, from, ...(options.excludePromoter === undefined ? {} : { excludePromoter: options.excludePromoter }) });
  }

  /**
   * When the promoted change reaches `riskClass` or a higher class, `count` more approvals than the stage's
   * `approvals` gate asks for (or `count` approvals when it has none). Below that class the gate passes.
   *
   * @param riskClass the lowest class that needs the extra approvals, e.g. `RiskClass.POD_RESTART`
   * @param count extra approvals, at least 1
   */
  public static extraApprovalsFor(riskClass: RiskClass, count: number, options: ApprovalsOptions = {}): PromotionGate {
    checkRiskClass('extra approvals gate', riskClass);
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`extra approvals gate: count ${count} is not a whole number of at least 1`);
    }
    const from = options.from ? [...new Set(options.from)].sort() : undefined;
    return new PromotionGate({ type: 'extraApprovals', riskClass, count, from, ...(options.excludePromoter === undefined ? {} : { excludePromoter: options.excludePromoter }) });
  }

  /**
   * When the promoted change reaches `riskClass` or a higher class, the version must have been healthy
   * upstream for `duration` longer than the stage's `soak` gate asks for (or for `duration` when it has
   * none). Below that class the gate passes.
   *
   * @param riskClass the lowest class that needs the extra soak, e.g. `RiskClass.IMMUTABLE_FIELD_RECREATE`
   */
  public static extraSoakFor(riskClass: RiskClass, duration: Duration): PromotionGate {
    checkRiskClass('extra soak gate', riskClass);
    const seconds = duration.toSeconds();
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(`extra soak gate: duration of ${seconds} seconds is not positive; use e.g. Duration.hours(4)`);
    }
    return new PromotionGate({ type: 'extraSoak', riskClass, seconds });
  }

  /** Promotions happen only inside this window. */
  public static allowWindow(window: TimeWindow): PromotionGate {
    return new PromotionGate({ type: 'allowWindow', window: window._toRecord() });
  }

  /** No promotion inside this window (a freeze). */
  public static denyWindow(window: TimeWindow): PromotionGate {
    return new PromotionGate({ type: 'denyWindow', window: window._toRecord() });
  }

  /** The gate's type, e.g. `soak`. */
  public readonly type: string;

  private constructor(private readonly record: GateRecord) {
    this.type = record.type;
  }

  /**
   * The gate as written to the env repo.
   * @internal
   */
  public _toRecord(): GateRecord {
    return { ...this.record };
  }
}

function checkRiskClass(gate: string, riskClass: RiskClass): void {
  const known = Object.values(RiskClass) as string[];
  if (!known.includes(riskClass)) {
    throw new Error(`${gate}: risk class "${riskClass}" is unknown; use one of ${known.join(', ')}`);
  }
  if (riskClass === RiskClass.NO_OP) {
    throw new Error(`${gate}: risk class no-op would apply to every promotion; use the plain gate (approvals or soak) instead`);
  }
}
