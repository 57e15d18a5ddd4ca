/** Instants and durations as promotion prints and reads them. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An ISO 8601 instant with an explicit zone (`Z` or `+01:00`): without one, Date.parse would guess local time. */
const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `2026-11-27T10:50:00Z`: UTC, seconds, no milliseconds unless there are some. */
export function formatInstant(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('.000Z', 'Z');
}

/** `2h 5m`, `3d 4h`, `45m`, `20s`: enough precision for a person, rounded down. */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, milliseconds);
  if (total < MINUTE) {
    return `${Math.floor(total / 1000)}s`;
  }
  const days = Math.floor(total / DAY);
  const hours = Math.floor((total % DAY) / HOUR);
  const minutes = Math.floor((total % HOUR) / MINUTE);
  if (days > 0) {
    return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  }
  if (hours > 0) {
    return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  }
  return `${minutes}m`;
}

/**
 * Milliseconds since the epoch of an ISO 8601 instant that names its zone; throws naming `what` otherwise.
 */
export function parseInstant(text: string, what: string): number {
  const milliseconds = ZONED_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(milliseconds)) {
    throw new Error(`${what} "${text}" is not an ISO 8601 instant with a zone; use e.g. 2026-11-27T10:00:00Z or 2026-11-27T11:00:00+01:00`);
  }
  return milliseconds;
}
