import { FakeClock, isoTimestamp, systemClock } from '../../lib/reconciler/clock';

describe('FakeClock', () => {
  it('moves time forward by what is slept, at once, and records each sleep', async () => {
    // GIVEN a fake clock at a known time
    const clock = FakeClock.at('2025-03-01T12:00:00Z');
    // WHEN the code under test sleeps twice
    await clock.sleep(1_500);
    await clock.sleep(500);
    // THEN the clock moved 2 s and kept the durations in order
    expect(clock.nowIso()).toBe('2025-03-01T12:00:02.000Z');
    expect(clock.sleeps).toEqual([1_500, 500]);
  });

  it('advances and jumps when a test says so', () => {
    // GIVEN a fake clock at the epoch
    const clock = new FakeClock();
    // WHEN a test advances it, then jumps
    clock.advance(250);
    const afterAdvance = clock.now();
    clock.set('2025-03-01T00:00:00Z');
    // THEN
    expect(afterAdvance).toBe(250);
    expect(isoTimestamp(clock)).toBe('2025-03-01T00:00:00.000Z');
  });

  it('returns a copy of the sleeps so a test cannot rewrite them', async () => {
    // GIVEN a clock that slept once
    const clock = new FakeClock();
    await clock.sleep(10);
    // WHEN the returned list is changed
    clock.sleeps.push(99);
    // THEN the clock's record is unchanged
    expect(clock.sleeps).toEqual([10]);
  });

  it.each([
    ['a negative duration', () => new FakeClock().advance(-5), 'cannot advance a fake clock by -5 ms: give a finite duration of 0 or more (use set to jump to a time)'],
    ['an infinite duration', () => new FakeClock().advance(Infinity), 'cannot advance a fake clock by Infinity ms: give a finite duration of 0 or more (use set to jump to a time)'],
    ['a timestamp that does not parse', () => FakeClock.at('yesterday'), 'cannot set a fake clock to "yesterday": give an ISO 8601 timestamp such as 2025-03-01T12:00:00Z'],
    ['a start that is not a number', () => new FakeClock(NaN), 'cannot set a fake clock to NaN: give milliseconds since the epoch as a finite number'],
  ])('fails on %s', (_case, act, message) => {
    // GIVEN / WHEN a mistaken call THEN it is refused with the value and the fix
    expect(act).toThrow(new Error(message));
  });
});

describe('systemClock', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('reads the time from Date and sleeps on a timer', async () => {
    // GIVEN the machine's clock under jest's fake timers
    jest.useFakeTimers({ now: Date.parse('2025-03-01T12:00:00Z') });
    // WHEN sleeping 20 ms while the timers move 20 ms
    const sleeping = systemClock.sleep(20);
    jest.advanceTimersByTime(20);
    await sleeping;
    // THEN the clock reads the moved time
    expect(isoTimestamp(systemClock)).toBe('2025-03-01T12:00:00.020Z');
  });
});
