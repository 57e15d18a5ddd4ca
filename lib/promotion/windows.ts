import { DAY_MS, instantsAtWallClock, MINUTE_MS, offsetTransitions, startOfWallDay, wallClockOf, weekdayOfWall } from './private/zoned-time';

/**
 * Time windows as written to `environment.json` by `TimeWindow._toRecord()`, and the questions gates ask
 * of them: is this instant inside, when does it next open, when does it next close. Pure.
 *
 * A weekly window holds an instant when the instant's wall clock in the window's time zone falls on one of
 * its days, at or after `start` and before `end`. Everything else follows from that definition, including
 * the days clocks change: a window opening at 02:30 on the day 02:00–03:00 is skipped opens at 03:00, and
 * in the hour that repeats, the window holds both passes through it.
 */
export interface WeeklyWindow {
  readonly type: 'weekly';
  /** `Mon` … `Sun`. */
  readonly days: readonly string[];
  /** `HH:MM`. */
  readonly start: string;
  /** `HH:MM`, `24:00` for the end of the day. */
  readonly end: string;
  readonly timeZone: string;
}

/** From `start` (inclusive) to `end` (exclusive), both instants in UTC. */
export interface BetweenWindow {
  readonly type: 'between';
  readonly start: string;
  readonly end: string;
}

export type PromotionWindow = WeeklyWindow | BetweenWindow;

export const WEEKDAY_NAMES: readonly string[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
/** How far ahead to look for a weekly window's next edge: two weeks covers every day of the week twice. */
const SEARCH_DAYS = 15;

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

/** Whether `instant` (milliseconds since the epoch) lies inside the window. */
export function isInsideWindow(window: PromotionWindow, instant: number): boolean {
  if (window.type === 'between') {
    return Date.parse(window.start) <= instant && instant < Date.parse(window.end);
  }
  const wall = wallClockOf(instant, window.timeZone);
  if (!window.days.includes(WEEKDAY_NAMES[weekdayOfWall(wall)])) {
    return false;
  }
  const minuteOfDay = (wall - startOfWallDay(wall)) / MINUTE_MS;
  return minutesOf(window.start) <= minuteOfDay && minuteOfDay < minutesOf(window.end);
}

/** The first instant at or after `from` inside the window, or undefined when it never opens again. */
export function nextOpening(window: PromotionWindow, from: number): number | undefined {
  if (isInsideWindow(window, from)) {
    return from;
  }
  if (window.type === 'between') {
    const start = Date.parse(window.start);
    return start > from ? start : undefined;
  }
  return firstEdge(window, from, minutesOf(window.start), (instant) => isInsideWindow(window, instant));
}

/**
 * The first instant after `from` outside the window, or undefined when the window never closes (a weekly
 * window covering the whole week). When `from` is already outside, `from` itself.
 */
export function nextClosing(window: PromotionWindow, from: number): number | undefined {
  if (!isInsideWindow(window, from)) {
    return from;
  }
  if (window.type === 'between') {
    return Date.parse(window.end);
  }
  return firstEdge(window, from, minutesOf(window.end), (instant) => !isInsideWindow(window, instant));
}

/** `Mon–Thu 09:00–16:00 Europe/Berlin`, `2026-12-21T00:00Z – 2027-01-04T00:00Z`. */
export function describeWindow(window: PromotionWindow): string {
  if (window.type === 'between') {
    return `${window.start} – ${window.end}`;
  }
  return `${describeDays(window.days)} ${window.start}–${window.end} ${window.timeZone}`;
}

/**
 * The earliest instant after `from` that satisfies `wanted`, among the only instants where a weekly
 * window's state can change: the wall clock reaching `edgeMinutes` on some day, and the zone's offset
 * transitions (where the wall clock jumps, possibly over or back into the window).
 */
function firstEdge(window: WeeklyWindow, from: number, edgeMinutes: number, wanted: (instant: number) => boolean): number | undefined {
  const firstDay = startOfWallDay(wallClockOf(from, window.timeZone)) - DAY_MS;
  const candidates = offsetTransitions(from - DAY_MS, from + (SEARCH_DAYS + 1) * DAY_MS, window.timeZone);
  for (let day = 0; day <= SEARCH_DAYS + 1; day++) {
    candidates.push(...instantsAtWallClock(firstDay + day * DAY_MS + edgeMinutes * MINUTE_MS, window.timeZone));
  }
  const found = candidates.filter((instant) => instant > from && wanted(instant)).sort((left, right) => left - right);
  return found[0];
}

function minutesOf(timeOfDay: string): number {
  const [hours, minutes] = timeOfDay.split(':').map(Number);
  return hours * 60 + minutes;
}

/** `Mon–Thu`, `Mon, Wed, Fri`, `Sat–Sun`: runs of three or more days joined with a dash. */
function describeDays(days: readonly string[]): string {
  const indexes = WEEKDAY_NAMES.map((_name, index) => index).filter((index) => days.includes(WEEKDAY_NAMES[index]));
  const parts: string[] = [];
  for (let position = 0; position < indexes.length;) {
    let end = position;
    while (end + 1 < indexes.length && indexes[end + 1] === indexes[end] + 1) {
      end++;
    }
    if (end - position >= 2) {
      parts.push(`${WEEKDAY_NAMES[indexes[position]]}–${WEEKDAY_NAMES[indexes[end]]}`);
    } else {
      for (let index = position; index <= end; index++) {
        parts.push(WEEKDAY_NAMES[indexes[index]]);
      }
    }
    position = end + 1;
  }
  return parts.join(', ');
}

