import { sameVersion, shortImage } from './image-version';
import { riskRank } from './risk-order';
import { formatDuration, formatInstant } from './time';
import { describeWindow, nextClosing, nextOpening, PromotionWindow } from './windows';
import type { ApprovalRecord } from '../envrepo/approval';
import { compareCodeUnits } from '../envrepo/names';
import { ApprovalsGateRecord, GateRecord, isKnownGateType, parseGateRecord, SoakGateRecord } from '../envrepo/promotion-gates';
import type { VerificationRecord } from '../envrepo/verification-record';

/** What one gate says about one promotion. */
export type Verdict = 'pass' | 'fail' | 'wait';

export interface GateVerdict {
  /** The gate's type, numbered when a stage has several of one type (`allowWindow#2`). */
  readonly gate: string;
  readonly verdict: Verdict;
  /** For `wait`: the instant (ISO 8601, UTC) this gate passes, assuming nothing else changes. */
  readonly until?: string;
  readonly reason: string;
}

/** One policy's gates into an environment, as `environment.json` records them (`promotion[]`). */
export interface StageGates {
  readonly policy: string;
  readonly from: string;
  /** Applications the policy governs. */
  readonly applications: readonly string[];
  readonly maxApplicationsPerPromotion?: number;
  /** As read: each is checked with `parseGateRecord` when judged (a malformed one fails alone). */
  readonly gates: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/**
 * An approval as the gates see it: the file's record, and what the signature of the commit that wrote it
 * says (in repositories whose environments require signed commits).
 */
export interface ApprovalEvidence extends ApprovalRecord {
  /** The identity the signing key of the approval's commit stands for, when it was checked and matched. */
  readonly signedBy?: string;
  /** Why the approval does not count although its file is there (unsigned, signed by someone else …). */
  readonly notCounted?: string;
}

/** Everything gates judge one application's promotion by. */
export interface GateInput {
  readonly application: string;
  /** The image to promote. */
  readonly image: string;
  readonly from: string;
  readonly to: string;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: number;
  /** Verification records of the upstream environment (any application, any verdict). */
  readonly upstreamRecords: readonly VerificationRecord[];
  /** Approvals recorded for the target environment (any application, any image). */
  readonly approvals: readonly ApprovalEvidence[];
  /** The highest risk class of the application's changes in the target. */
  readonly riskClass: string;
  /** True for `stagecraft promote --auto`: nobody decided this promotion. */
  readonly automatic: boolean;
  /** Every application this promotion moves into the target. */
  readonly promotedApplications: readonly string[];
  /** Who runs the promotion: named in messages, and never an approver where a gate excludes the promoter. */
  readonly by?: string;
  /**
   * Who else made this change: whoever released the image or promoted it into an environment upstream.
   * Gates with `excludePromoter` do not count their approvals.
   */
  readonly changeAuthors?: readonly string[];
}

/** The gates of one stage (or several policies' stages) for one application. */
export interface StageEvaluation {
  readonly verdicts: readonly GateVerdict[];
  /** `fail` when any gate fails, else `wait` when any waits, else `pass`. */
  readonly outcome: Verdict;
  /**
   * For `wait`: the earliest instant at which every waiting gate can have passed. Nothing can pass before
   * it; whether everything passes at it is for the caller to check again (windows may close meanwhile).
   */
  readonly recheckAt?: number;
}

interface Judged extends GateVerdict {
  /** Allow windows are alternatives: any open one is enough. */
  readonly alternative: boolean;
  readonly untilMs?: number;
}

/**
 * Evaluates every gate of every stage that governs the application into `input.to` (normally one). Pure:
 * the clock, records and approvals come in through `input`.
 */
export function evaluateStages(stages: readonly StageGates[], input: GateInput): StageEvaluation {
  const judged: Judged[] = [];
  for (const stage of stages) {
    const prefix = stages.length > 1 ? `${stage.policy}/` : '';
    judged.push(...judgeStage(stage, input).map((verdict) => ({ ...verdict, gate: `${prefix}${verdict.gate}` })));
  }
  return combine(judged);
}

function judgeStage(stage: StageGates, input: GateInput): Judged[] {
  const counts = new Map<string, number>();
  for (const gate of stage.gates) {
    counts.set(String(gate.type), (counts.get(String(gate.type)) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  const judged = stage.gates.map((gate) => {
    const type = String(gate.type);
    const ordinal = (seen.get(type) ?? 0) + 1;
    seen.set(type, ordinal);
    const label = (counts.get(type) ?? 0) > 1 ? `${type}#${ordinal}` : type;
    let verdict: Omit<Judged, 'gate'>;
    if (!isKnownGateType(gate.type)) {
      verdict = fail(`gate type ${JSON.stringify(gate.type ?? null)} is unknown to this stagecraft, so it cannot be checked; upgrade stagecraft (a gate is never skipped)`);
      return { gate: label, ...verdict };
    }
    try {
      verdict = judgeGate(parseGateRecord(gate), stage, input);
    } catch (error) {
      verdict = { verdict: 'fail', reason: `gate ${JSON.stringify(gate)} is malformed (${(error as Error).message}); re-run stagecraft synth with this stagecraft`, alternative: false };
    }
    return { gate: label, ...verdict };
  });
  const types = stage.gates.map((gate) => gate.type);
  if (input.automatic && !types.includes('auto') && !types.includes('manual')) {
    judged.push({
      gate: 'auto',
      verdict: 'fail',
      reason: `the stage into ${input.to} has no PromotionGate.auto(), so promotions into it need a person: run stagecraft promote without --auto`,
      alternative: false,
    });
  }
  if (stage.maxApplicationsPerPromotion !== undefined) {
    const moved = input.promotedApplications.filter((application) => stage.applications.includes(application)).length;
    const max = stage.maxApplicationsPerPromotion;
    judged.push(moved <= max
      ? { gate: 'maxApplicationsPerPromotion', verdict: 'pass', reason: `promotion moves ${moved} of at most ${max} applications of policy ${stage.policy}`, alternative: false }
      : { gate: 'maxApplicationsPerPromotion', verdict: 'fail', reason: `promotion moves ${moved} applications of policy ${stage.policy}, at most ${max} allowed; promote at most ${max} at once`, alternative: false });
  }
  return judged;
}

function judgeGate(gate: GateRecord, stage: StageGates, input: GateInput): Omit<Judged, 'gate'> {
  switch (gate.type) {
    case 'auto':
      return pass('automatic promotion allowed');
    case 'manual':
      return input.automatic
        ? fail('needs a person: run stagecraft promote without --auto')
        : pass(`run by a person${input.by ? ` (${input.by})` : ''}`);
    case 'verifiedUpstream':
      return judgeVerifiedUpstream(input);
    case 'soak':
      return judgeSoak(input, gate.seconds * 1000, '');
    case 'approvals':
      return judgeApprovals(input, gate.count, gate.from, gate.excludePromoter ?? false, '');
    case 'extraApprovals': {
      if (riskRank(input.riskClass) < riskRank(gate.riskClass)) {
        return pass(`risk ${input.riskClass} is below ${gate.riskClass}: no extra approvals needed`);
      }
      const base = baseGate<ApprovalsGateRecord>(stage, 'approvals');
      const baseCount = base?.count ?? 0;
      const from = gate.from ?? base?.from;
      const excludePromoter = gate.excludePromoter ?? base?.excludePromoter ?? false;
      return judgeApprovals(input, baseCount + gate.count, from, excludePromoter, `risk ${input.riskClass} needs ${baseCount} + ${gate.count} approvals: `);
    }
    case 'extraSoak': {
      if (riskRank(input.riskClass) < riskRank(gate.riskClass)) {
        return pass(`risk ${input.riskClass} is below ${gate.riskClass}: no extra soak needed`);
      }
      const baseSeconds = baseGate<SoakGateRecord>(stage, 'soak')?.seconds ?? 0;
      return judgeSoak(input, (baseSeconds + gate.seconds) * 1000, `risk ${input.riskClass} needs ${formatDuration(baseSeconds * 1000)} + ${formatDuration(gate.seconds * 1000)} soak: `);
    }
    case 'allowWindow':
      return { ...judgeAllowWindow(gate.window, input.now), alternative: true };
    case 'denyWindow':
      return judgeDenyWindow(gate.window, input.now);
  }
}

/** The stage's plain gate of `type` that an extra gate adds to, parsed (a malformed one fails the extra gate too). */
function baseGate<T extends GateRecord>(stage: StageGates, type: T['type']): T | undefined {
  const base = stage.gates.find((candidate) => candidate.type === type);
  return base === undefined ? undefined : parseGateRecord(base) as T;
}

/** Records of the upstream environment that show this application running this version, oldest first. */
function recordsOfVersion(input: GateInput): VerificationRecord[] {
  return input.upstreamRecords
    .filter((record) => record.environment === input.from)
    .filter((record) => {
      const image = record.applications?.[input.application];
      return image !== undefined && sameVersion(image, input.image);
    })
    .sort((left, right) => Date.parse(left.recordedAt) - Date.parse(right.recordedAt));
}

function noRecordReason(input: GateInput): string {
  const unlabelled = input.upstreamRecords.filter((record) => record.environment === input.from && record.applications === undefined).length;
  const note = unlabelled > 0
    ? ` (${unlabelled} record${unlabelled === 1 ? '' : 's'} of ${input.from} name no applications and count for no version)`
    : '';
  return `no verification record of ${input.from} shows ${input.application} running ${shortImage(input.image)}; reconcile ${input.from} with --record once it runs this version${note}`;
}

function describeRecord(record: VerificationRecord): string {
  return `commit ${record.commit.slice(0, 12)} recorded ${record.recordedAt}`;
}

function judgeVerifiedUpstream(input: GateInput): Omit<Judged, 'gate'> {
  const records = recordsOfVersion(input);
  if (records.length === 0) {
    return fail(noRecordReason(input));
  }
  const latest = records[records.length - 1];
  if (latest.verdict !== 'healthy') {
    return fail(`the latest record of this version in ${input.from} says ${latest.verdict} (${describeRecord(latest)}${latest.reason ? `: ${latest.reason}` : ''})`);
  }
  return pass(`healthy in ${input.from} (${describeRecord(latest)})`);
}

/**
 * Since when the version has been healthy upstream without interruption: the earliest first-healthy time
 * of the healthy records after the last record that was not healthy (and never before that record).
 */
function healthySince(records: readonly VerificationRecord[]): number | undefined {
  let lastUnhealthy = -1;
  records.forEach((record, index) => {
    if (record.verdict !== 'healthy') {
      lastUnhealthy = index;
    }
  });
  const healthy = records.slice(lastUnhealthy + 1);
  if (healthy.length === 0) {
    return undefined;
  }
  const start = Math.min(...healthy.map((record) => Date.parse(record.firstHealthyAt ?? record.recordedAt)));
  return lastUnhealthy < 0 ? start : Math.max(start, Date.parse(records[lastUnhealthy].recordedAt));
}

function judgeSoak(input: GateInput, requiredMs: number, prefix: string): Omit<Judged, 'gate'> {
  const records = recordsOfVersion(input);
  const since = healthySince(records);
  if (since === undefined) {
    const latest = records[records.length - 1];
    return fail(`${prefix}soak cannot start: ${latest === undefined
      ? noRecordReason(input)
      : `the latest record of this version in ${input.from} says ${latest.verdict} (${describeRecord(latest)})`}`);
  }
  const elapsed = input.now - since;
  const stretch = `healthy in ${input.from} for ${formatDuration(elapsed)} since ${formatInstant(since)}`;
  if (elapsed >= requiredMs) {
    return pass(`${prefix}${stretch} (needs ${formatDuration(requiredMs)})`);
  }
  return wait(since + requiredMs, `${prefix}${stretch}, needs ${formatDuration(requiredMs)}`);
}

function judgeApprovals(input: GateInput, required: number, from: readonly string[] | undefined, excludePromoter: boolean, prefix: string): Omit<Judged, 'gate'> {
  const relevant = input.approvals
    .filter((approval) => approval.environment === input.to && approval.application === input.application && approval.image === input.image);
  const valid = new Map<string, ApprovalEvidence>();
  const invalid = new Map<string, string>();
  for (const approval of relevant) {
    if (approval.notCounted === undefined) {
      valid.set(approval.approvedBy, approval);
    } else {
      invalid.set(approval.approvedBy, approval.notCounted);
    }
  }
  const approvers = [...valid.keys()].sort(compareCodeUnits);
  const authors = excludePromoter ? new Set([...(input.by === undefined ? [] : [input.by]), ...(input.changeAuthors ?? [])]) : new Set<string>();
  const allowed = approvers.filter((identity) => from === undefined || from.includes(identity));
  const counted = allowed.filter((identity) => !authors.has(identity));
  const notes = [
    ...approvers.filter((identity) => !allowed.includes(identity)).length > 0
      ? [`not counted, not allowed to approve: ${approvers.filter((identity) => !allowed.includes(identity)).join(', ')}`]
      : [],
    ...allowed.filter((identity) => authors.has(identity))
      .map((identity) => `not counted, ${identity} ${identity === input.by ? 'promotes' : 'released or promoted'} this change and the gate excludes the promoter`),
    ...[...invalid].filter(([identity]) => !valid.has(identity)).sort(([left], [right]) => compareCodeUnits(left, right))
      .map(([identity, reason]) => `not counted, ${identity}: ${reason}`),
    // Judged before anyone promotes (the promotion board): whoever promotes will be left out then.
    ...excludePromoter && input.by === undefined && counted.length > 0
      ? [`the gate excludes the promoter: if ${counted.length === 1 ? counted[0] : `one of ${counted.join(', ')}`} promotes, that approval will not count`]
      : [],
  ];
  const shown = counted.map((identity) => (valid.get(identity)!.signedBy === undefined ? identity : `${identity} signed`));
  const have = `${counted.length} of ${required} approvals${counted.length > 0 ? ` (${shown.join(', ')})` : ''}`;
  const ignoredNote = notes.map((note) => `; ${note}`).join('');
  if (counted.length >= required) {
    return pass(`${prefix}${have}${ignoredNote}`);
  }
  const missing = required - counted.length;
  const candidates = from === undefined ? '' : ` from ${from.filter((identity) => !counted.includes(identity) && !authors.has(identity)).join(', ')}`;
  return fail(`${prefix}${have}${ignoredNote}; missing ${missing}${candidates}: run stagecraft approve ${input.application} --env ${input.to}`);
}

function judgeAllowWindow(window: PromotionWindow, now: number): Omit<Judged, 'gate' | 'alternative'> {
  const opening = nextOpening(window, now);
  if (opening === now) {
    return pass(`inside ${describeWindow(window)}`);
  }
  if (opening === undefined) {
    return fail(`${describeWindow(window)} has ended; it allows no promotion any more, remove the gate or add another window`);
  }
  return wait(opening, `outside ${describeWindow(window)}; opens ${formatInstant(opening)}`);
}

function judgeDenyWindow(window: PromotionWindow, now: number): Omit<Judged, 'gate'> {
  const closing = nextClosing(window, now);
  if (closing === now) {
    return pass(`outside ${describeWindow(window)}`);
  }
  if (closing === undefined) {
    return fail(`inside ${describeWindow(window)}, which never ends; change the window`);
  }
  return wait(closing, `inside ${describeWindow(window)}; ends ${formatInstant(closing)}`);
}

/**
 * Joins verdicts: allow windows count as one gate that passes when any of them is open (the others then
 * pass too, saying why); waits give the instant everything waiting can have passed.
 */
function combine(judged: readonly Judged[]): StageEvaluation {
  const alternatives = judged.filter((verdict) => verdict.alternative);
  const openAlternative = alternatives.find((verdict) => verdict.verdict === 'pass');
  const verdicts: GateVerdict[] = judged.map((verdict) => {
    const { alternative, untilMs, ...plain } = verdict;
    if (alternative && openAlternative !== undefined && verdict.verdict !== 'pass') {
      return { gate: plain.gate, verdict: 'pass', reason: `${plain.reason}, but ${openAlternative.gate} is open` };
    }
    return plain;
  });
  const outcome: Verdict = verdicts.some((verdict) => verdict.verdict === 'fail')
    ? 'fail'
    : verdicts.some((verdict) => verdict.verdict === 'wait') ? 'wait' : 'pass';
  if (outcome !== 'wait') {
    return { verdicts, outcome };
  }
  const waits = judged.filter((verdict) => !verdict.alternative && verdict.verdict === 'wait').map((verdict) => verdict.untilMs!);
  const waitingAlternatives = openAlternative === undefined
    ? alternatives.filter((verdict) => verdict.verdict === 'wait').map((verdict) => verdict.untilMs!)
    : [];
  if (waitingAlternatives.length > 0) {
    waits.push(Math.min(...waitingAlternatives));
  }
  return { verdicts, outcome, recheckAt: Math.max(...waits) };
}

function pass(reason: string): Omit<Judged, 'gate'> {
  return { verdict: 'pass', reason, alternative: false };
}

function fail(reason: string): Omit<Judged, 'gate'> {
  return { verdict: 'fail', reason, alternative: false };
}

function wait(untilMs: number, reason: string): Omit<Judged, 'gate'> {
  return { verdict: 'wait', until: formatInstant(untilMs), untilMs, reason, alternative: false };
}
