/**
 * Wall-clock time in an IANA time zone, from Intl.DateTimeFormat (numbers only, so no locale decides
 * anything). A "wall" value is the local date and time written as if it were UTC milliseconds: it orders
 * and subtracts like a number, and `Date.UTC` builds it from fields.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time of `instant` in `timeZone`, to the millisecond. */
export function wallClockOf(instant: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  let beforeCommonEra = false;
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type === 'era') {
      beforeCommonEra = part.value === 'BC' || part.value === 'B';
    } else if (part.type !== 'literal') {
      fields[part.type] = Number(part.value);
    }
  }
  const year = beforeCommonEra ? 1 - fields.year : fields.year;
  const milliseconds = ((instant % 1000) + 1000) % 1000;
  const wall = new Date(0);
  wall.setUTCFullYear(year, fields.month - 1, fields.day);
  wall.setUTCHours(fields.hour, fields.minute, fields.second, milliseconds);
  return wall.getTime();
}

/** Local minus UTC at `instant`, in milliseconds (+3600000 for Europe/Berlin in winter). */
export function offsetAt(instant: number, timeZone: string): number {
  return wallClockOf(instant, timeZone) - instant;
}

/**
 * Every instant whose wall clock is `wall`: one normally, two in the repeated hour when clocks go back,
 * none in the skipped hour when they go forward. Sorted.
 */
export function instantsAtWallClock(wall: number, timeZone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  const instants = new Set<number>();
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (wallClockOf(candidate, timeZone) === wall) {
      instants.add(candidate);
    }
  }
  return [...instants].sort((left, right) => left - right);
}

/**
 * Instants in [from, to) at which the zone's offset changes (DST starts or ends), found by sampling every
 * three hours and bisecting to the millisecond. Zones change their offset months apart, never twice in three hours.
 */
export function offsetTransitions(from: number, to: number, timeZone: string): number[] {
  const step = 3 * HOUR_MS;
  const transitions: number[] = [];
  let previous = from;
  let previousOffset = offsetAt(previous, timeZone);
  for (let sample = from + step; previous < to; sample += step) {
    const offset = offsetAt(sample, timeZone);
    if (offset !== previousOffset) {
      // Invariant: offsetAt(low) === previousOffset, offsetAt(high) !== previousOffset.
      let low = previous;
      let high = sample;
      while (high - low > 1) {
        const middle = low + Math.floor((high - low) / 2);
        if (offsetAt(middle, timeZone) === previousOffset) {
          low = middle;
        } else {
          high = middle;
        }
      }
      if (high < to) {
        transitions.push(high);
      }
    }
    previous = sample;
    previousOffset = offset;
  }
  return transitions;
}

/** The wall value of midnight starting the local day of `wall`. */
export function startOfWallDay(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** 0 for Monday … 6 for Sunday, of the local day of `wall`. */
export function weekdayOfWall(wall: number): number {
  return (new Date(startOfWallDay(wall)).getUTCDay() + 6) % 7;
}
