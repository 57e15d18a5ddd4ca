import { PromotionWindow } from '../envrepo/promotion-gates';

/**
 * Days of the week for recurring windows.
 */
export enum Weekday {
  MONDAY = 'Mon',
  TUESDAY = 'Tue',
  WEDNESDAY = 'Wed',
  THURSDAY = 'Thu',
  FRIDAY = 'Fri',
  SATURDAY = 'Sat',
  SUNDAY = 'Sun',
}

/**
 * A weekly recurring window.
 */
export interface WeeklyWindowOptions {
  /** Days on which the window opens. */
  readonly days: Weekday[];
  /** Opening time, `HH:MM` (24-hour clock). */
  readonly start: string;
  /** Closing time, `HH:MM`; `24:00` means the end of the day. Must be after `start`. */
  readonly end: string;
  /**
   * IANA time zone the times are in, e.g. `Europe/Berlin`.
   * @default "UTC"
   */
  readonly timeZone?: string;
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/;
const WEEK_ORDER = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY];

/**
 * A span of time in which promotions are allowed (allow window) or forbidden (deny window, freeze).
 */
export class TimeWindow {
  /**
   * A window that recurs every week, e.g. Monday to Thursday 09:00–16:00 Europe/Berlin.
   */
  public static weekly(options: WeeklyWindowOptions): TimeWindow {
    const timeZone = options.timeZone ?? 'UTC';
    if (options.days.length === 0) {
      throw new Error('weekly window: "days" is empty; name at least one day, e.g. [Weekday.MONDAY]');
    }
    for (const [field, value] of [['start', options.start], ['end', options.end]] as const) {
      if (!TIME_OF_DAY.test(value)) {
        throw new Error(`weekly window: ${field} "${value}" is not a time of day; use HH:MM from 00:00 to 24:00`);
      }
    }
    if (options.end <= options.start) {
      throw new Error(`weekly window: end ${options.end} is not after start ${options.start}; a window cannot cross midnight, split it into two`);
    }
    if (!isKnownTimeZone(timeZone)) {
      throw new Error(`weekly window: time zone "${timeZone}" is unknown; use an IANA name such as Europe/Berlin or UTC`);
    }
    const days = WEEK_ORDER.filter((day) => options.days.includes(day));
    return new TimeWindow({ type: 'weekly', days, start: options.start, end: options.end, timeZone });
  }

  /**
   * A one-off span between two instants in UTC (`2026-12-20T00:00Z`), e.g. a holiday freeze.
   */
  public static between(start: string, end: string): TimeWindow {
    for (const [field, value] of [['start', start], ['end', end]] as const) {
      if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
        throw new Error(`time window: ${field} "${value}" is not an instant in UTC; use YYYY-MM-DDTHH:MMZ, e.g. 2026-12-20T00:00Z`);
      }
    }
    if (Date.parse(end) <= Date.parse(start)) {
      throw new Error(`time window: end ${end} is not after start ${start}; swap them`);
    }
    return new TimeWindow({ type: 'between', start, end });
  }

  private constructor(private readonly record: PromotionWindow) {}

  /**
   * The window as written to the env repo.
   * @internal
   */
  public _toRecord(): PromotionWindow {
    return { ...this.record };
  }
}

function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone === 'UTC') {
    return true;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
