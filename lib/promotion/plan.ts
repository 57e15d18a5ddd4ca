import { DeclaredObject } from './declared-object';
import { evaluateStages, GateInput, GateVerdict, StageEvaluation, StageGates, Verdict } from './gates';
import { ApplicationRisk, classifyChanges } from './risk';
import { DiffContext, ObjectDifference, semanticDiff } from './semantic-diff';
import { formatInstant } from './time';

/** Everything needed to plan one application's promotion; all of it read beforehand by the I/O shell. */
export interface ApplicationPlanInput extends Omit<GateInput, 'riskClass'> {
  /** The image the target runs now, undefined when the application is not released there. */
  readonly previousImage?: string;
  /** The stages (one per policy) that govern this application from `from` into `to`. */
  readonly stages: readonly StageGates[];
  /** The application's objects in the target now, and after re-synthesis with the new image. */
  readonly objectsBefore: readonly DeclaredObject[];
  readonly objectsAfter: readonly DeclaredObject[];
  readonly settingsBefore?: DiffContext['settingsBefore'];
  readonly settingsAfter: DiffContext['settingsAfter'];
  readonly overrides: DiffContext['overrides'];
}

/** One application's promotion: version A → B, what the gates say, how risky, what changes. */
export interface ApplicationPlan {
  readonly application: string;
  readonly from: string;
  readonly to: string;
  readonly previousImage?: string;
  readonly image: string;
  readonly outcome: Verdict;
  readonly gates: readonly GateVerdict[];
  /**
   * For `wait`: the earliest instant at which every gate passes, assuming no new records, approvals or
   * fleet changes (windows and soak taken together). Absent when that never happens without them.
   */
  readonly eligibleAt?: string;
  readonly risk: ApplicationRisk;
  readonly diff: readonly ObjectDifference[];
}

/** How far ahead `eligibleAt` looks; beyond it a promotion counts as blocked. */
const HORIZON_MS = 366 * 24 * 60 * 60 * 1000;
const MAX_STEPS = 200;

/** Plans one application. Pure. */
export function planApplication(input: ApplicationPlanInput): ApplicationPlan {
  const risk = classifyChanges(input.objectsBefore, input.objectsAfter);
  const diff = semanticDiff(input.objectsBefore, input.objectsAfter, {
    application: input.application,
    environment: input.to,
    previousImage: input.previousImage,
    image: input.image,
    settingsBefore: input.settingsBefore,
    settingsAfter: input.settingsAfter,
    overrides: input.overrides,
  });
  const evaluateAt = (now: number) => evaluateStages(input.stages, { ...input, now, riskClass: risk.riskClass });
  const evaluation = evaluateAt(input.now);
  const eligibleAt = evaluation.outcome === 'wait' ? earliestEligible(evaluateAt, evaluation) : undefined;
  return {
    application: input.application,
    from: input.from,
    to: input.to,
    previousImage: input.previousImage,
    image: input.image,
    outcome: evaluation.outcome,
    gates: evaluation.verdicts,
    eligibleAt: eligibleAt === undefined ? undefined : formatInstant(eligibleAt),
    risk,
    diff,
  };
}

/**
 * The first instant at which every gate passes, found by jumping to the instant every waiting gate can have
 * passed and checking again: exact, because no gate can pass before its own wait ends.
 */
export function earliestEligible(evaluateAt: (now: number) => StageEvaluation, first: StageEvaluation): number | undefined {
  let evaluation = first;
  let start: number | undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (evaluation.outcome === 'fail' || evaluation.recheckAt === undefined) {
      return undefined;
    }
    const at = evaluation.recheckAt;
    start = start ?? at;
    if (at - start > HORIZON_MS) {
      return undefined;
    }
    evaluation = evaluateAt(at);
    if (evaluation.outcome === 'pass') {
      return at;
    }
  }
  return undefined;
}

/** Why an application cannot be promoted now, in one line: `soak until …; approvals 1 of 2 …`. */
export function blockersOf(plan: Pick<ApplicationPlan, 'gates'>): string[] {
  return plan.gates
    .filter((gate) => gate.verdict !== 'pass')
    .map((gate) => (gate.verdict === 'wait' ? `${gate.gate} waits until ${gate.until}: ${gate.reason}` : `${gate.gate}: ${gate.reason}`));
}
