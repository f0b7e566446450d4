/** The create queue's priority: a create asked with less time to spare never ranks after one with more. */
import fc from 'fast-check';

import { CREATE_PRIORITY_BANDS_SECONDS, createPriorityKey } from '../src/shared/create-priority';

describe('create priority', () => {
  it('is a key from 1 to 5, never higher (later) for a create with less time to spare', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 7 * 86_400 }), fc.integer({ min: 0, max: 86_400 }), (spare, more) => {
        const now = Date.parse('2026-12-24T19:00:00Z');
        const key = createPriorityKey(now + spare * 1000, now);
        expect(key).toBeGreaterThanOrEqual(1);
        expect(key).toBeLessThanOrEqual(5); // the server's default number of levels
        expect(createPriorityKey(now + (spare + more) * 1000, now)).toBeGreaterThanOrEqual(key);
      })
    );
  });

  it('keeps the default lead time (300 s) and a burst planned by auto (up to 10 min) in one band', () => {
    const now = 0;
    expect([300, 301, 450, 600].map((s) => createPriorityKey(s * 1000, now))).toEqual([2, 2, 2, 2]);
    expect(createPriorityKey(60_000, now)).toBe(1);
    expect(createPriorityKey(-5_000, now)).toBe(1); // already past its start: first of all
    expect(CREATE_PRIORITY_BANDS_SECONDS.map((s) => createPriorityKey(s * 1000 + 1000, now))).toEqual([2, 3, 4, 5]);
  });
});
