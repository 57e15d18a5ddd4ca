import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import { judgeApprovalSignature } from './approval-signature';
import { ApprovalEvidence, evaluateStages, GateInput, StageGates } from './gates';
import { blockersOf, earliestEligible } from './plan';
import { formatInstant, parseInstant } from './time';
import { Environment } from '../constructs/environment';
import { PromotionPolicy } from '../constructs/promotion-policy';
import { RiskClass } from '../constructs/risk-class';
import type { ApprovalRecord } from '../envrepo/approval';
import type { VerificationRecord } from '../envrepo/verification-record';

/**
 * What a gate, or a whole promotion, says.
 */
export enum GateOutcome {
  /** Satisfied now. */
  PASS = 'pass',
  /** Satisfied later by itself (soak time, a window opening or a freeze ending). */
  WAIT = 'wait',
  /** Not satisfied until something changes (a record, an approval, the policy). */
  FAIL = 'fail',
}

/**
 * One gate's verdict.
 */
export interface GateResult {
  /** The gate's type, numbered when a stage has several (`allowWindow#2`). */
  readonly gate: string;
  readonly outcome: GateOutcome;
  /** Why, in one line. */
  readonly reason: string;
  /**
   * For `WAIT`: when this gate passes (ISO 8601, UTC).
   * @default - not waiting
   */
  readonly until?: string;
}

/**
 * What the policy decides about one promotion at the fake clock's time.
 */
export interface PromotionDecision {
  readonly application: string;
  /** The upstream environment. */
  readonly from: string;
  /** The target environment. */
  readonly to: string;
  /** The image judged. */
  readonly image: string;
  /** `FAIL` when any gate fails, else `WAIT` when any waits, else `PASS`. */
  readonly outcome: GateOutcome;
  /** Whether the promotion may happen now (`outcome` is `PASS`). */
  readonly allowed: boolean;
  /** Every gate's verdict, in the policy's order. */
  readonly gates: GateResult[];
  /**
   * For `WAIT`: the earliest instant every gate passes together (ISO 8601, UTC), assuming no new records or approvals.
   * @default - not waiting, or never without new records or approvals
   */
  readonly eligibleAt?: string;
  /** One line per gate that does not pass. */
  readonly blockers: string[];
}

/**
 * A fake verification record saying an application version is healthy in an environment.
 */
export interface FakeHealthyRecord {
  readonly environment: string;
  readonly application: string;
  /** The image reference the environment runs. */
  readonly image: string;
  /**
   * When the version first became healthy there (ISO 8601 with a zone, e.g. `2026-11-27T08:00:00Z`).
   * @default - the fake clock's time
   */
  readonly since?: string;
}

/**
 * A fake verification record saying an application version failed in an environment.
 */
export interface FakeFailedRecord {
  readonly environment: string;
  readonly application: string;
  readonly image: string;
  /**
   * When it failed (ISO 8601 with a zone).
   * @default - the fake clock's time
   */
  readonly at?: string;
  /**
   * Why, as the reconciler would say.
   * @default "failed"
   */
  readonly reason?: string;
}

/**
 * A fake approval, as `stagecraft approve` records it.
 */
export interface FakeApproval {
  /** The target environment approved for. */
  readonly environment: string;
  readonly application: string;
  /** The exact image reference approved. */
  readonly image: string;
  /** The approver's identity (e-mail address). */
  readonly by: string;
  /**
   * When (ISO 8601 with a zone).
   * @default - the fake clock's time
   */
  readonly at?: string;
  /**
   * Whether the approval's commit is signed. Where approvals must be signed (see
   * `PromotionCheck.requireSignedApprovals`), an unsigned one is shown and not counted.
   * @default true
   */
  readonly signed?: boolean;
  /**
   * The identity the signing key stands for (an SSH allowed-signers principal, an OpenPGP user ID's
   * e-mail address). Another identity than `by` simulates someone approving in another's name: not counted
   * where approvals must be signed.
   * @default - `by`: the approver's own key
   */
  readonly signedBy?: string;
}

/**
 * One promotion to judge.
 */
export interface PromotionCheck {
  readonly application: string;
  /** The target environment; its upstream comes from the policy. */
  readonly to: string;
  /**
   * The image to promote.
   * @default - the image of the latest fake record of the application in the upstream environment
   */
  readonly image?: string;
  /**
   * The risk class of the change (an image change restarts pods).
   * @default RiskClass.POD_RESTART
   */
  readonly riskClass?: RiskClass;
  /**
   * Judge it as `stagecraft promote --auto` would (nobody at the keyboard).
   * @default false
   */
  readonly automatic?: boolean;
  /**
   * Other applications moved by the same promotion (for `maxApplicationsPerPromotion`).
   * @default - none
   */
  readonly alongWith?: string[];
  /**
   * Who promotes.
   * @default "tester@example.com"
   */
  readonly by?: string;
  /**
   * Who released the image or promoted it upstream (for approvals gates with `excludePromoter`).
   * @default - nobody besides `by`
   */
  readonly releasedBy?: string[];
  /**
   * Judge approvals as in an env repo whose environments require signed commits: only approvals signed by
   * the approver's own key count.
   * @default - true when any environment of the policy has `requireSignedCommits`
   */
  readonly requireSignedApprovals?: boolean;
}

/**
 * Unit-tests a `PromotionPolicy` without git, files or a cluster: a fake clock, fake verification records
 * and fake approvals, judged by the same gate logic `stagecraft promote` runs.
 *
 * ```ts
 * const testing = PromotionTesting.forPolicy(policy, '2026-11-27T09:00:00Z');
 * testing.recordHealthy({ environment: 'staging', application: 'web', image, since: '2026-11-27T08:00:00Z' });
 * testing.evaluate({ application: 'web', to: 'prod' }).eligibleAt; // '2026-11-27T10:00:00Z' with a 2 h soak
 * ```
 */
export class PromotionTesting {
  /**
   * A tester for `policy` whose fake clock shows `now` (ISO 8601 with a zone).
   */
  public static forPolicy(policy: PromotionPolicy, now: string): PromotionTesting {
    return new PromotionTesting(policy, parseInstant(now, 'PromotionTesting: now'));
  }

  private clock: number;
  private readonly records: VerificationRecord[] = [];
  private readonly approvals: Array<{ readonly record: ApprovalRecord; readonly signedBy?: string }> = [];

  private constructor(private readonly policy: PromotionPolicy, now: number) {
    this.clock = now;
  }

  /** The fake clock's time (ISO 8601, UTC). */
  public get now(): string {
    return formatInstant(this.clock);
  }

  /** Sets the fake clock (ISO 8601 with a zone); it may go backwards. */
  public travelTo(instant: string): void {
    this.clock = parseInstant(instant, 'PromotionTesting.travelTo');
  }

  /** Moves the fake clock forward. */
  public advance(duration: Duration): void {
    const milliseconds = duration.toMilliseconds();
    if (!(milliseconds >= 0)) {
      throw new Error(`PromotionTesting.advance: ${milliseconds} ms is negative; use travelTo to go back in time`);
    }
    this.clock += milliseconds;
  }

  /** Adds a verification record: the version has been healthy in the environment since `since`. */
  public recordHealthy(record: FakeHealthyRecord): void {
    const since = record.since === undefined ? this.clock : parseInstant(record.since, 'recordHealthy: since');
    this.addRecord(record, 'healthy', Math.max(since, this.clock), { firstHealthyAt: formatInstant(since) });
  }

  /** Adds a verification record: the version failed in the environment at `at`. */
  public recordFailed(record: FakeFailedRecord): void {
    const at = record.at === undefined ? this.clock : parseInstant(record.at, 'recordFailed: at');
    this.addRecord(record, 'failed', at, { reason: record.reason ?? 'failed' });
  }

  /** Adds an approval. */
  public approve(approval: FakeApproval): void {
    const at = approval.at === undefined ? this.clock : parseInstant(approval.at, 'approve: at');
    this.approvals.push({
      record: {
        schemaVersion: 1,
        environment: approval.environment,
        application: approval.application,
        image: approval.image,
        approvedBy: approval.by,
        approvedAt: formatInstant(at),
      },
      signedBy: approval.signed === false ? undefined : approval.signedBy ?? approval.by,
    });
  }

  /** Judges one promotion at the fake clock's time. */
  public evaluate(check: PromotionCheck): PromotionDecision {
    const stages = this.policy.stages;
    const position = stages.findIndex((stage) => stage.environment.environmentName === check.to);
    const where = `PromotionTesting (policy ${this.policy.node.path})`;
    if (position < 0) {
      throw new Error(`${where}: environment "${check.to}" is not a stage of the policy (stages: ${stages.map((stage) => stage.environment.environmentName).join(', ')})`);
    }
    if (position === 0) {
      throw new Error(`${where}: "${check.to}" is the first stage; releases land there without gates, judge a later stage`);
    }
    const governed = this.policy.applications?.map((application) => application.applicationName);
    if (governed !== undefined && !governed.includes(check.application)) {
      throw new Error(`${where}: the policy does not govern application "${check.application}" (it governs ${governed.join(', ')})`);
    }
    const from = stages[position - 1].environment.environmentName;
    const image = check.image ?? this.latestImage(from, check.application);
    if (image === undefined) {
      throw new Error(`${where}: no image to judge for ${check.application}: pass "image" or record the application in ${from} first`);
    }
    const stage: StageGates = {
      policy: this.policy.policyName,
      from,
      applications: governed ?? [check.application, ...(check.alongWith ?? [])],
      maxApplicationsPerPromotion: this.policy.maxApplicationsPerPromotion,
      gates: (stages[position].gates ?? []).map((gate) => gate._toRecord()),
    };
    const input: GateInput = {
      application: check.application,
      image,
      from,
      to: check.to,
      now: this.clock,
      upstreamRecords: this.records,
      approvals: this.approvalEvidence(check.requireSignedApprovals ?? this.anyEnvironmentRequiresSigning()),
      changeAuthors: check.releasedBy ?? [],
      riskClass: check.riskClass ?? RiskClass.POD_RESTART,
      automatic: check.automatic ?? false,
      promotedApplications: [check.application, ...(check.alongWith ?? [])],
      by: check.by ?? 'tester@example.com',
    };
    const evaluateAt = (now: number) => evaluateStages([stage], { ...input, now });
    const evaluation = evaluateAt(this.clock);
    const eligibleAt = evaluation.outcome === 'wait' ? earliestEligible(evaluateAt, evaluation) : undefined;
    const plan = { outcome: evaluation.outcome, gates: evaluation.verdicts };
    const outcome = plan.outcome as GateOutcome;
    return {
      application: check.application,
      from,
      to: check.to,
      image,
      outcome,
      allowed: outcome === GateOutcome.PASS,
      gates: plan.gates.map((gate) => ({ gate: gate.gate, outcome: gate.verdict as GateOutcome, reason: gate.reason, until: gate.until })),
      eligibleAt: eligibleAt === undefined ? undefined : formatInstant(eligibleAt),
      blockers: blockersOf(plan),
    };
  }

  private anyEnvironmentRequiresSigning(): boolean {
    return this.policy.stages.some(({ environment }) => environment instanceof Environment && environment.requireSignedCommits);
  }

  /** The fake approvals as the gates see them, judged by the same signature rule as `stagecraft promote`. */
  private approvalEvidence(requireSigned: boolean): ApprovalEvidence[] {
    return this.approvals.map(({ record, signedBy }, index) => {
      if (!requireSigned) {
        return record;
      }
      const commit = createHash('sha1').update(`fake approval ${index + 1}`).digest('hex').slice(0, 7);
      return judgeApprovalSignature(record, signedBy === undefined
        ? { commit, identities: [], problem: `commit ${commit} is not signed` }
        : { commit, identities: [signedBy], key: `SHA256:fake-key-of-${signedBy}` });
    });
  }

  private latestImage(environment: string, application: string): string | undefined {
    const records = this.records.filter((record) => record.environment === environment && record.applications?.[application] !== undefined);
    return records[records.length - 1]?.applications?.[application];
  }

  private addRecord(
    record: { environment: string; application: string; image: string },
    verdict: VerificationRecord['verdict'],
    recordedAt: number,
    extra: Partial<VerificationRecord>,
  ): void {
    const sequence = this.records.length + 1;
    this.records.push({
      schemaVersion: 1,
      environment: record.environment,
      commit: createHash('sha1').update(`fake commit ${sequence}`).digest('hex'),
      lockDigest: `sha256:${createHash('sha256').update(`fake lock ${sequence}`).digest('hex')}`,
      verdict,
      recordedAt: formatInstant(recordedAt),
      objects: { total: 0, created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
      applications: { [record.application]: record.image },
      ...extra,
    });
  }
}
