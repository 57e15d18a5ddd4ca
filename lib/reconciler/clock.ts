/**
 * Where the reconciler gets the time and how it waits. Every wait and every timestamp goes through an
 * injected clock so that tests decide what time it is and never really sleep.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `milliseconds` have passed on this clock. */
  sleep(milliseconds: number): Promise<void>;
}

/** The machine's clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, Math.max(0, milliseconds))),
};

/** The clock's time as an ISO 8601 timestamp in UTC, e.g. `2025-03-01T12:00:00.000Z`. */
export function isoTimestamp(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/**
 * A clock for tests: time stands still until a test moves it or the code under test sleeps, and sleeping
 * moves the time forward at once instead of waiting.
 */
export class FakeClock implements Clock {
  /** A fake clock showing an ISO 8601 timestamp such as `2025-03-01T12:00:00Z`. */
  public static at(timestamp: string): FakeClock {
    return new FakeClock(parseTimestamp(timestamp));
  }

  private time: number;
  private readonly sleepsRequested: number[] = [];

  constructor(startMilliseconds: number = 0) {
    this.time = checkedTime(startMilliseconds);
  }

  /** Every duration passed to `sleep`, in call order. */
  public get sleeps(): number[] {
    return [...this.sleepsRequested];
  }

  public now(): number {
    return this.time;
  }

  /** The current time as an ISO 8601 timestamp in UTC. */
  public nowIso(): string {
    return isoTimestamp(this);
  }

  public async sleep(milliseconds: number): Promise<void> {
    this.sleepsRequested.push(milliseconds);
    this.advance(milliseconds);
  }

  /** Moves the time forward; refuses to go backwards, which real elapsed time never does. */
  public advance(milliseconds: number): void {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new Error(`cannot advance a fake clock by ${milliseconds} ms: give a finite duration of 0 or more (use set to jump to a time)`);
    }
    this.time += milliseconds;
  }

  /** Jumps to a time, given as milliseconds since the epoch or as an ISO 8601 timestamp. */
  public set(time: number | string): void {
    this.time = typeof time === 'string' ? parseTimestamp(time) : checkedTime(time);
  }
}

function parseTimestamp(timestamp: string): number {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) {
    throw new Error(`cannot set a fake clock to "${timestamp}": give an ISO 8601 timestamp such as 2025-03-01T12:00:00Z`);
  }
  return time;
}

function checkedTime(milliseconds: number): number {
  if (!Number.isFinite(milliseconds)) {
    throw new Error(`cannot set a fake clock to ${milliseconds}: give milliseconds since the epoch as a finite number`);
  }
  return milliseconds;
}
