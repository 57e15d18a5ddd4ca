/*
 * Promotion gates as `<env>/.stagecraft/environment.json` records them (`promotion[].gates`): the one schema
 * shared by the constructs that write it (PromotionGate, TimeWindow) and the promotion code that judges it.
 * Each gate is parsed on its own when judged, so a malformed or unknown gate fails alone and is never skipped.
 */

/** Risk classes as the env repo writes them, from harmless to destructive (`RiskClass` has the same values). */
export const RISK_CLASS_ORDER: readonly string[] = ['no-op', 'config-only', 'pod-restart', 'immutable-field-recreate', 'data-deletion'];

/** A weekly window on the wall clock of a time zone. */
export type WeeklyWindow = {
  readonly type: 'weekly';
  /** `Mon` … `Sun`. */
  readonly days: readonly string[];
  /** `HH:MM`. */
  readonly start: string;
  /** `HH:MM`, `24:00` for the end of the day. */
  readonly end: string;
  readonly timeZone: string;
};

/** From `start` (inclusive) to `end` (exclusive), both instants in UTC. */
export type BetweenWindow = {
  readonly type: 'between';
  readonly start: string;
  readonly end: string;
};

export type PromotionWindow = WeeklyWindow | BetweenWindow;

export const WEEKDAY_NAMES: readonly string[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Checks a window record; the message says what is wrong, the caller adds where it came from. */
export function parseWindow(value: unknown): PromotionWindow {
  const record = value as Record<string, unknown> | null;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new Error('window must be an object with "type"');
  }
  if (record.type === 'between') {
    for (const field of ['start', 'end']) {
      if (typeof record[field] !== 'string' || Number.isNaN(Date.parse(record[field] as string)) || !/Z$/.test(record[field] as string)) {
        throw new Error(`between window: "${field}" is ${JSON.stringify(record[field] ?? null)}, expected an instant in UTC such as 2026-12-20T00:00Z`);
      }
    }
    return { type: 'between', start: record.start as string, end: record.end as string };
  }
  if (record.type === 'weekly') {
    const days = record.days;
    if (!Array.isArray(days) || days.length === 0 || !days.every((day) => WEEKDAY_NAMES.includes(day))) {
      throw new Error(`weekly window: "days" is ${JSON.stringify(days ?? null)}, expected a non-empty list of ${WEEKDAY_NAMES.join(', ')}`);
    }
    for (const field of ['start', 'end']) {
      if (typeof record[field] !== 'string' || !TIME_OF_DAY.test(record[field] as string)) {
        throw new Error(`weekly window: "${field}" is ${JSON.stringify(record[field] ?? null)}, expected HH:MM`);
      }
    }
    if ((record.end as string) <= (record.start as string)) {
      throw new Error(`weekly window: end ${record.end} is not after start ${record.start}`);
    }
    const timeZone = typeof record.timeZone === 'string' ? record.timeZone : 'UTC';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new Error(`weekly window: time zone "${timeZone}" is unknown to this Node.js; use an IANA name such as Europe/Berlin`);
    }
    return { type: 'weekly', days: days as string[], start: record.start as string, end: record.end as string, timeZone };
  }
  throw new Error(`window type ${JSON.stringify(record.type ?? null)} is unknown; expected weekly or between`);
}

/** Gate types this version of the format knows. */
export const GATE_TYPES = ['auto', 'manual', 'verifiedUpstream', 'soak', 'approvals', 'extraApprovals', 'extraSoak', 'allowWindow', 'denyWindow'] as const;
export type GateType = typeof GATE_TYPES[number];

export type AutoGateRecord = { readonly type: 'auto' };
export type ManualGateRecord = { readonly type: 'manual' };
export type VerifiedUpstreamGateRecord = { readonly type: 'verifiedUpstream' };
export type SoakGateRecord = { readonly type: 'soak'; readonly seconds: number };
export type ApprovalsGateRecord = {
  readonly type: 'approvals';
  readonly count: number;
  /** Identities whose approvals count; undefined: anyone's. */
  readonly from?: readonly string[];
  /**
   * Whether approvals by whoever promotes the change, released it or promoted it upstream are left out
   * (separation of duties); undefined means false, as written before the field existed.
   */
  readonly excludePromoter?: boolean;
};
export type ExtraApprovalsGateRecord = {
  readonly type: 'extraApprovals';
  /** One of RISK_CLASS_ORDER. */
  readonly riskClass: string;
  readonly count: number;
  readonly from?: readonly string[];
  /** undefined: as the stage's approvals gate says. */
  readonly excludePromoter?: boolean;
};
export type ExtraSoakGateRecord = {
  readonly type: 'extraSoak';
  readonly riskClass: string;
  readonly seconds: number;
};
export type AllowWindowGateRecord = { readonly type: 'allowWindow'; readonly window: PromotionWindow };
export type DenyWindowGateRecord = { readonly type: 'denyWindow'; readonly window: PromotionWindow };

export type GateRecord =
  | AutoGateRecord | ManualGateRecord | VerifiedUpstreamGateRecord | SoakGateRecord | ApprovalsGateRecord
  | ExtraApprovalsGateRecord | ExtraSoakGateRecord | AllowWindowGateRecord | DenyWindowGateRecord;

/** Whether `type` is a gate type this version knows (an unknown one is judged as failed, never skipped). */
/** Gates whose verdict depends on the change's risk class: judging them takes a re-synthesis of the target. */
export const RISK_DEPENDENT_GATE_TYPES: readonly GateType[] = ['extraApprovals', 'extraSoak'];

/** Whether a gate record (as read, unchecked) depends on the change's risk class. */
export function isRiskDependentGate(gate: Readonly<Record<string, unknown>>): boolean {
  return (RISK_DEPENDENT_GATE_TYPES as readonly unknown[]).includes(gate.type);
}

export function isKnownGateType(type: unknown): type is GateType {
  return (GATE_TYPES as readonly unknown[]).includes(type);
}

/**
 * Checks one gate record of a known type; the message says which field is wrong and what is expected, the
 * caller adds where the gate came from.
 */
export function parseGateRecord(value: Readonly<Record<string, unknown>>): GateRecord {
  switch (value.type) {
    case 'auto':
    case 'manual':
    case 'verifiedUpstream':
      return { type: value.type };
    case 'soak':
      return { type: 'soak', seconds: positiveNumber(value.seconds, 'seconds') };
    case 'approvals':
      return withExcludePromoter({ type: 'approvals', count: wholeNumber(value.count, 'count'), from: identities(value.from) }, value.excludePromoter);
    case 'extraApprovals':
      return withExcludePromoter({ type: 'extraApprovals', riskClass: riskClass(value.riskClass), count: wholeNumber(value.count, 'count'), from: identities(value.from) }, value.excludePromoter);
    case 'extraSoak':
      return { type: 'extraSoak', riskClass: riskClass(value.riskClass), seconds: positiveNumber(value.seconds, 'seconds') };
    case 'allowWindow':
    case 'denyWindow':
      return { type: value.type, window: parseWindow(value.window) };
    default:
      throw new Error(`gate type ${JSON.stringify(value.type ?? null)} is unknown; expected one of ${GATE_TYPES.join(', ')}`);
  }
}

/** Adds `excludePromoter` when the record has it; anything but a boolean is refused. */
function withExcludePromoter<T extends ApprovalsGateRecord | ExtraApprovalsGateRecord>(record: T, value: unknown): T {
  if (value === undefined) {
    return record;
  }
  if (typeof value !== 'boolean') {
    throw new Error(`"excludePromoter" is ${JSON.stringify(value)}, expected true or false`);
  }
  return { ...record, excludePromoter: value };
}

function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`"${field}" is ${JSON.stringify(value ?? null)}, expected a positive number`);
  }
  return value;
}

function wholeNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`"${field}" is ${JSON.stringify(value ?? null)}, expected a whole number of at least 1`);
  }
  return value;
}

function identities(value: unknown): readonly string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`"from" is ${JSON.stringify(value)}, expected a list of identities`);
  }
  return value;
}

function riskClass(value: unknown): string {
  if (typeof value !== 'string' || !RISK_CLASS_ORDER.includes(value)) {
    throw new Error(`"riskClass" is ${JSON.stringify(value ?? null)}, expected a risk class such as pod-restart`);
  }
  return value;
}
