/** The create planner: is every relay created before its start under the create quota, and which lead times fix it. */
import fc from 'fast-check';

import { autoLeadTimes, describeVerdict, onTimeVerdict, type PlannedBroadcast } from '../src/campaign/create-plan';

const T = Date.parse('2026-12-24T20:00:00Z');
const burst = (n: number, leadSeconds: number, startMs = T): PlannedBroadcast[] =>
  Array.from({ length: n }, (_, i) => ({ key: `b${i}`, startMs, leadSeconds }));

/** When each create completes if every broadcast asks at start − its lead, served in order at `rate` per second. */
function simulate(broadcasts: PlannedBroadcast[], lead: (b: PlannedBroadcast) => number, rate: number) {
  const asks = broadcasts.map((b) => ({ b, at: b.startMs - lead(b) * 1000 })).sort((x, y) => x.at - y.at);
  let last = Number.NEGATIVE_INFINITY;
  return asks.map(({ b, at }) => {
    last = Math.max(at, last + 1000 / rate);
    return { b, doneMs: last };
  });
}

describe('create planner', () => {
  it('says how many of a burst are late with a fixed lead time, and the lead time that fits them all', () => {
    const verdict = onTimeVerdict(burst(1000, 60), { createsPerSecond: 10 });
    // 60 s at 10/s: creates 0..600 complete by the start, the other 399 after it.
    expect(verdict).toEqual({
      total: 1000,
      late: 399,
      worstStart: { at: '2026-12-24T20:00:00Z', late: 399, total: 1000 },
      uniformLeadSeconds: 110, // 999 gaps of 0.1 s, plus the 10 s margin
    });
    expect(describeVerdict(verdict, 10)).toBe(
      '399 of 1000 broadcasts would be created after their start at 10 creates/s (399 of the 1000 starting at ' +
        '2026-12-24T20:00:00Z); a lead time of at least 110 s fits them all (or --lead-time auto)'
    );
    expect(onTimeVerdict(burst(1000, 110), { createsPerSecond: 10 }).late).toBe(0);
  });

  it('counts creates asked for before now as served from now on', () => {
    const now = T - 30_000; // the campaign starts 30 s before its broadcasts: 300 creates fit, not 600
    expect(onTimeVerdict(burst(1000, 60), { createsPerSecond: 10, nowMs: now }).late).toBe(699);
  });

  it('auto lead times create every relay before its start with the margin, earliest start first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 20 }),
        (offsets, rate) => {
          const broadcasts = offsets.map((s, i) => ({ key: `b${i}`, startMs: T + s * 1000, leadSeconds: 0 }));
          const { leadSeconds, late } = autoLeadTimes(broadcasts, { createsPerSecond: rate });
          expect(late).toBe(0);
          const done = simulate(broadcasts, (b) => leadSeconds.get(b.key) ?? 0, rate);
          // Every create completes the margin before its start (within a second: lead times are whole seconds).
          for (const { b, doneMs } of done) expect(doneMs).toBeLessThanOrEqual(b.startMs - 10_000 + 1000);
          // Earliest start first: an earlier start never asks for its create after a later one.
          const askOf = (b: PlannedBroadcast) => b.startMs - (leadSeconds.get(b.key) ?? 0) * 1000;
          const asks = [...broadcasts].sort((x, y) => x.startMs - y.startMs || askOf(x) - askOf(y)).map(askOf);
          for (let i = 1; i < asks.length; i++) expect(asks[i]).toBeGreaterThanOrEqual(asks[i - 1] as number);
          // And the verdict on those lead times agrees: none late.
          const planned = broadcasts.map((b) => ({ ...b, leadSeconds: leadSeconds.get(b.key) ?? 0 }));
          expect(onTimeVerdict(planned, { createsPerSecond: rate }).late).toBe(0);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('auto lead times report the relays that could only be created late, when the campaign starts too close', () => {
    const { late } = autoLeadTimes(burst(1000, 0), { createsPerSecond: 10, nowMs: T - 60_000 });
    expect(late).toBe(499); // from 60 s to 10 s before the start, 501 creates fit (0.1 s apart); the rest cannot
  });
});
