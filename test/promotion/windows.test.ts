import { spawnSync } from 'child_process';
import * as path from 'path';
import { describeWindow, isInsideWindow, nextClosing, nextOpening, parseWindow, PromotionWindow } from '../../lib/promotion/windows';

const at = (instant: string) => Date.parse(instant);
const iso = (instant: number | undefined) => (instant === undefined ? undefined : new Date(instant).toISOString().replace('.000Z', 'Z'));

const BERLIN_OFFICE: PromotionWindow = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' };
const BERLIN_WEEKDAYS: PromotionWindow = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Berlin' };
const FRIDAY_AFTERNOON: PromotionWindow = { type: 'weekly', days: ['Fri'], start: '15:00', end: '24:00', timeZone: 'Europe/Berlin' };
const WEEKEND_UTC: PromotionWindow = { type: 'weekly', days: ['Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' };
const ALWAYS: PromotionWindow = { type: 'weekly', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' };
// Europe/Berlin: clocks skip 02:00–03:00 on 2026-03-29 and repeat 02:00–03:00 on 2026-10-25.
const SKIPPED_HOUR_SUNDAY: PromotionWindow = { type: 'weekly', days: ['Sun'], start: '02:30', end: '04:00', timeZone: 'Europe/Berlin' };
const ENDS_IN_SKIPPED_HOUR: PromotionWindow = { type: 'weekly', days: ['Sun'], start: '01:00', end: '02:30', timeZone: 'Europe/Berlin' };
const REPEATED_HOUR_SUNDAY: PromotionWindow = { type: 'weekly', days: ['Sun'], start: '01:50', end: '02:30', timeZone: 'Europe/Berlin' };
const NEW_YORK_MONDAY: PromotionWindow = { type: 'weekly', days: ['Mon'], start: '09:00', end: '17:00', timeZone: 'America/New_York' };
const KOLKATA_MONDAY: PromotionWindow = { type: 'weekly', days: ['Mon'], start: '10:00', end: '11:00', timeZone: 'Asia/Kolkata' };
const HOLIDAYS: PromotionWindow = { type: 'between', start: '2026-12-21T00:00Z', end: '2027-01-04T00:00Z' };

describe('whether an instant lies inside a window', () => {
  it.each<[string, PromotionWindow, string, boolean]>([
    ['a Monday 09:30 in Berlin winter time', BERLIN_OFFICE, '2026-11-23T08:30:00Z', true],
    ['the opening minute itself', BERLIN_OFFICE, '2026-11-23T08:00:00Z', true],
    ['one minute before opening', BERLIN_OFFICE, '2026-11-23T07:59:00Z', false],
    ['the closing minute (end is exclusive)', BERLIN_OFFICE, '2026-11-23T15:00:00Z', false],
    ['a Friday', BERLIN_OFFICE, '2026-11-27T10:00:00Z', false],
    ['a Monday 09:00 in Berlin summer time', BERLIN_OFFICE, '2026-07-06T07:00:00Z', true],
    ['a Monday 08:30 in Berlin summer time (09:30 in UTC+1 would be inside)', BERLIN_OFFICE, '2026-07-06T06:30:00Z', false],
    ['Friday 23:59:59 in a window ending 24:00', FRIDAY_AFTERNOON, '2026-11-27T22:59:59Z', true],
    ['Saturday 00:00 after a window ending 24:00', FRIDAY_AFTERNOON, '2026-11-27T23:00:00Z', false],
    ['the first instant of a between window', HOLIDAYS, '2026-12-21T00:00:00Z', true],
    ['the last instant of a between window (end is exclusive)', HOLIDAYS, '2027-01-04T00:00:00Z', false],
    ['03:15 on the day 02:00–03:00 is skipped', SKIPPED_HOUR_SUNDAY, '2026-03-29T01:15:00Z', true],
    ['the first 02:10 of the day 02:00–03:00 repeats', REPEATED_HOUR_SUNDAY, '2026-10-25T00:10:00Z', true],
    ['the second 02:10 of the day 02:00–03:00 repeats', REPEATED_HOUR_SUNDAY, '2026-10-25T01:10:00Z', true],
    ['02:45 between the two passes of the repeated hour', REPEATED_HOUR_SUNDAY, '2026-10-25T00:45:00Z', false],
  ])('%s', (_name, window, instant, inside) => {
    // GIVEN a window and an instant WHEN asked THEN
    expect(isInsideWindow(window, at(instant))).toBe(inside);
  });
});

describe('when a window opens next', () => {
  it.each<[string, PromotionWindow, string, string | undefined]>([
    ['now, when inside', BERLIN_OFFICE, '2026-11-23T08:30:00Z', '2026-11-23T08:30:00Z'],
    ['Monday 09:00 Berlin after Thursday closed', BERLIN_OFFICE, '2026-11-26T16:00:00Z', '2026-11-30T08:00:00Z'],
    ['Monday 09:00 Berlin from a Saturday', BERLIN_OFFICE, '2026-11-28T12:00:00Z', '2026-11-30T08:00:00Z'],
    ['later the same day', BERLIN_OFFICE, '2026-11-24T05:00:00Z', '2026-11-24T08:00:00Z'],
    ['Monday 09:00 summer time across the spring change', BERLIN_WEEKDAYS, '2026-03-27T16:00:00Z', '2026-03-30T07:00:00Z'],
    ['Monday 09:00 winter time across the autumn change', BERLIN_WEEKDAYS, '2026-10-23T15:00:00Z', '2026-10-26T08:00:00Z'],
    ['03:00 summer time when the opening time 02:30 is skipped', SKIPPED_HOUR_SUNDAY, '2026-03-28T12:00:00Z', '2026-03-29T01:00:00Z'],
    ['the first 01:50 on the day the hour repeats', REPEATED_HOUR_SUNDAY, '2026-10-24T12:00:00Z', '2026-10-24T23:50:00Z'],
    ['the second pass through the window when clocks go back', REPEATED_HOUR_SUNDAY, '2026-10-25T00:31:00Z', '2026-10-25T01:00:00Z'],
    ['Monday 09:00 New York after the US spring change', NEW_YORK_MONDAY, '2026-03-06T18:00:00Z', '2026-03-09T13:00:00Z'],
    ['Monday 10:00 in a half-hour zone', KOLKATA_MONDAY, '2026-11-22T00:00:00Z', '2026-11-23T04:30:00Z'],
    ['the start of a between window still ahead', HOLIDAYS, '2026-12-01T00:00:00Z', '2026-12-21T00:00:00Z'],
    ['never, for a between window that has ended', HOLIDAYS, '2027-02-01T00:00:00Z', undefined],
  ])('%s', (_name, window, from, expected) => {
    // GIVEN a window WHEN asked from an instant THEN the exact opening instant
    expect(iso(nextOpening(window, at(from)))).toBe(expected);
  });
});

describe('when a window closes next', () => {
  it.each<[string, PromotionWindow, string, string | undefined]>([
    ['now, when outside', FRIDAY_AFTERNOON, '2026-11-27T10:00:00Z', '2026-11-27T10:00:00Z'],
    ['Saturday 00:00 Berlin for a Friday-afternoon freeze', FRIDAY_AFTERNOON, '2026-11-27T15:00:00Z', '2026-11-27T23:00:00Z'],
    ['Monday 00:00 for a freeze over both weekend days', WEEKEND_UTC, '2026-11-28T10:00:00Z', '2026-11-30T00:00:00Z'],
    ['never, for a window covering the whole week', ALWAYS, '2026-11-28T10:00:00Z', undefined],
    ['the end of a between window', HOLIDAYS, '2026-12-24T12:00:00Z', '2027-01-04T00:00:00Z'],
    ['the first 02:30 on the day the hour repeats', REPEATED_HOUR_SUNDAY, '2026-10-24T23:55:00Z', '2026-10-25T00:30:00Z'],
    ['the clock change when the closing time 02:30 is skipped', ENDS_IN_SKIPPED_HOUR, '2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z'],
  ])('%s', (_name, window, from, expected) => {
    // GIVEN a window WHEN asked from an instant THEN the exact closing instant
    expect(iso(nextClosing(window, at(from)))).toBe(expected);
  });
});

describe('describing and reading windows', () => {
  it.each<[PromotionWindow, string]>([
    [BERLIN_OFFICE, 'Mon–Thu 09:00–16:00 Europe/Berlin'],
    [{ type: 'weekly', days: ['Mon', 'Wed', 'Fri'], start: '09:00', end: '12:00', timeZone: 'UTC' }, 'Mon, Wed, Fri 09:00–12:00 UTC'],
    [{ type: 'weekly', days: ['Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' }, 'Sat, Sun 00:00–24:00 UTC'],
    [HOLIDAYS, '2026-12-21T00:00Z – 2027-01-04T00:00Z'],
  ])('describes %j as "%s"', (window, text) => {
    expect(describeWindow(window)).toBe(text);
  });

  it('reads a weekly window record written by TimeWindow.weekly', () => {
    expect(parseWindow({ type: 'weekly', days: ['Mon'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' }))
      .toEqual({ type: 'weekly', days: ['Mon'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' });
  });

  it.each<[string, unknown, string]>([
    ['a record that is not an object', 'weekly', 'window must be an object with "type"'],
    ['an unknown type', { type: 'monthly' }, 'window type "monthly" is unknown; expected weekly or between'],
    ['a weekday that is not one', { type: 'weekly', days: ['Funday'], start: '09:00', end: '10:00' }, 'weekly window: "days" is ["Funday"], expected a non-empty list of Mon, Tue, Wed, Thu, Fri, Sat, Sun'],
    ['a start that is not a time', { type: 'weekly', days: ['Mon'], start: '9am', end: '10:00' }, 'weekly window: "start" is "9am", expected HH:MM'],
    ['an end before the start', { type: 'weekly', days: ['Mon'], start: '10:00', end: '09:00' }, 'weekly window: end 09:00 is not after start 10:00'],
    ['an unknown time zone', { type: 'weekly', days: ['Mon'], start: '09:00', end: '10:00', timeZone: 'Mars/Olympus' }, 'weekly window: time zone "Mars/Olympus" is unknown to this Node.js; use an IANA name such as Europe/Berlin'],
    ['a between window in local time', { type: 'between', start: '2026-12-21T00:00', end: '2027-01-04T00:00Z' }, 'between window: "start" is "2026-12-21T00:00", expected an instant in UTC such as 2026-12-20T00:00Z'],
  ])('fails on %s', (_name, record, message) => {
    expect(() => parseWindow(record)).toThrow(message);
  });
});

describe('independence from the machine', () => {
  it('gives the same instants whatever the machine\'s time zone and locale', () => {
    // GIVEN the compiled windows module run under a far-away zone and a Turkish locale
    const script = `const w = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'promotion', 'windows.js'))});
      const win = ${JSON.stringify(BERLIN_WEEKDAYS)};
      console.log(new Date(w.nextOpening(win, Date.parse('2026-03-27T16:00:00Z'))).toISOString());`;
    // WHEN
    const environment = { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' };
    const child = spawnSync(process.execPath, ['-e', script], { env: environment, encoding: 'utf8' });
    // THEN
    expect(child.stdout).toBe('2026-03-30T07:00:00.000Z\n');
  });
});
