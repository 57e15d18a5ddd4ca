import { PromotionWindow, WEEKDAY_NAMES, WeeklyWindow } from '../envrepo/promotion-gates';
import { DAY_MS, instantsAtWallClock, MINUTE_MS, offsetTransitions, startOfWallDay, wallClockOf, weekdayOfWall } from './private/zoned-time';

/*
 * The questions gates ask of a time window (the format's `PromotionWindow` record): is this instant inside,
 * when does it next open, when does it next close. Pure.
 *
 * A weekly window holds an instant when the instant's wall clock in the window's time zone falls on one of
 * its days, at or after `start` and before `end`. Everything else follows from that definition, including
 * the days clocks change: a window opening at 02:30 on the day 02:00–03:00 is skipped opens at 03:00, and
 * in the hour that repeats, the window holds both passes through it.
 */
export { parseWindow, WEEKDAY_NAMES } from '../envrepo/promotion-gates';
export type { BetweenWindow, PromotionWindow, WeeklyWindow } from '../envrepo/promotion-gates';

/** How far ahead to look for a weekly window's next edge: two weeks covers every day of the week twice. */
const SEARCH_DAYS = 15;

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

