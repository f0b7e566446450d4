/** The provider's time format and relative times (src/shared/time.ts). */
import fc from 'fast-check';

import { isoSeconds, isoSecondsRoundedUp, resolveTime } from '../src/shared/time';

const API_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
// 1970 to 2100, to the millisecond.
const instant = fc.integer({ min: 0, max: 4_102_444_800_000 });

describe('isoSeconds', () => {
  it('writes the API form, rounded down to the second, from a Date or milliseconds', () => {
    expect(isoSeconds(Date.parse('2026-12-04T19:00:00.999Z'))).toBe('2026-12-04T19:00:00Z');
    expect(isoSeconds(new Date('2026-12-04T19:00:00.999Z'))).toBe('2026-12-04T19:00:00Z');
    fc.assert(
      fc.property(instant, (ms) => {
        const text = isoSeconds(ms);
        expect(text).toMatch(API_TIME);
        expect(ms - Date.parse(text)).toBeGreaterThanOrEqual(0);
        expect(ms - Date.parse(text)).toBeLessThan(1000);
        expect(isoSeconds(new Date(ms))).toBe(text);
      })
    );
  });

  it('rounds up with isoSecondsRoundedUp, and a whole second stays as it is', () => {
    expect(isoSecondsRoundedUp(Date.parse('2026-12-04T19:00:00.001Z'))).toBe('2026-12-04T19:00:01Z');
    fc.assert(
      fc.property(instant, (ms) => {
        const text = isoSecondsRoundedUp(ms);
        expect(text).toMatch(API_TIME);
        expect(Date.parse(text) - ms).toBeGreaterThanOrEqual(0);
        expect(Date.parse(text) - ms).toBeLessThan(1000);
        if (ms % 1000 === 0) expect(text).toBe(isoSeconds(ms));
      })
    );
  });
});

describe('resolveTime', () => {
  const now = new Date('2026-06-01T20:00:00.250Z');

  it('reads +N s/m/h/d from now, rounded up to the second', () => {
    expect(resolveTime('+90s', now)).toBe('2026-06-01T20:01:31Z');
    expect(resolveTime(' +5m ', now)).toBe('2026-06-01T20:05:01Z');
    expect(resolveTime('+2h', now)).toBe('2026-06-01T22:00:01Z');
    expect(resolveTime('+1d', now)).toBe('2026-06-02T20:00:01Z');
  });

  it('writes a Date in the API form and leaves anything else for validation', () => {
    expect(resolveTime(new Date('2026-06-01T21:00:00.500Z'), now)).toBe('2026-06-01T21:00:00Z');
    for (const value of ['2026-06-01T21:00:00Z', '+5w', '5m', '', 42, undefined]) {
      expect(resolveTime(value, now)).toBe(value);
    }
  });
});
