/** The create planner: is every relay created before its start under the create quota, and which lead times fix it. */
import fc from 'fast-check';

import {
  autoLeadTimes,
  describeVerdict,
  onTimeVerdict,
  type PlannedBroadcast,
  type ScheduledCreate,
} from '../src/campaign/create-plan';

const T = Date.parse('2026-12-24T20:00:00Z');
const burst = (n: number, leadSeconds: number, startMs = T): PlannedBroadcast[] =>
  Array.from({ length: n }, (_, i) => ({ key: `b${i}`, startMs, leadSeconds }));

interface Ask {
  startMs: number;
  askMs: number;
  existing: boolean;
  id: string;
}

/**
 * The create queue as the runtime serves it, written plainly (quadratic): one create every 1/rate s at most, each
 * time the earliest start among those that have asked (an existing broadcast before a new one at equal starts).
 */
function simulate(asks: Ask[], rate: number, nowMs = Number.NEGATIVE_INFINITY): Map<string, number> {
  const gapMs = 1000 / rate;
  const waiting = [...asks];
  const done = new Map<string, number>();
  let lastMs = Number.NEGATIVE_INFINITY;
  while (waiting.length > 0) {
    let atMs = Math.max(lastMs + gapMs, nowMs);
    if (!waiting.some((a) => a.askMs <= atMs)) atMs = Math.max(atMs, Math.min(...waiting.map((a) => a.askMs)));
    const ready = waiting.filter((a) => a.askMs <= atMs);
    ready.sort((a, b) => a.startMs - b.startMs || Number(b.existing) - Number(a.existing) || (a.id < b.id ? -1 : 1));
    const next = ready[0] as Ask;
    waiting.splice(waiting.indexOf(next), 1);
    done.set(next.id, atMs);
    lastMs = atMs;
  }
  return done;
}

const ownAsks = (broadcasts: PlannedBroadcast[], lead: (b: PlannedBroadcast) => number): Ask[] =>
  broadcasts.map((b) => ({ startMs: b.startMs, askMs: b.startMs - lead(b) * 1000, existing: false, id: b.key }));

describe('create planner', () => {
  it('says how many of a burst are late with a fixed lead time, and the lead time that fits them all', () => {
    const verdict = onTimeVerdict(burst(1000, 60), { createsPerSecond: 10 });
    // 60 s at 10/s: creates 0..600 complete by the start, the other 399 after it.
    expect(verdict).toEqual({
      total: 1000,
      late: 399,
      worstStart: { at: '2026-12-24T20:00:00Z', late: 399, total: 1000 },
      uniformLeadSeconds: 110, // 999 gaps of 0.1 s, plus the 10 s margin
      existing: 0,
    });
    expect(describeVerdict(verdict, 10)).toBe(
      '399 of 1,000 broadcasts starting at 2026-12-24T20:00:00Z would be created after their start at 10 ' +
        'creates/s; a lead time of at least 110 s fits them all (or --lead-time auto)'
    );
    expect(onTimeVerdict(burst(1000, 110), { createsPerSecond: 10 }).late).toBe(0);
  });

  it('counts the broadcasts already scheduled in the namespace that start no later', () => {
    // 300 already scheduled at the same start go first: 60 s of creates leave room for 301 of ours, not 601.
    const existing: ScheduledCreate[] = Array.from({ length: 300 }, () => ({ startMs: T }));
    const verdict = onTimeVerdict(burst(1000, 60), { createsPerSecond: 10, existing });
    expect(verdict).toMatchObject({ late: 699, uniformLeadSeconds: 140, existing: 300 });
    expect(describeVerdict(verdict, 10)).toBe(
      '699 of 1,000 broadcasts starting at 2026-12-24T20:00:00Z would be created after their start at 10 ' +
        'creates/s, counting 300 broadcasts already scheduled; a lead time of at least 140 s fits them all ' +
        '(or --lead-time auto)'
    );
    // Starting later than ours, the same 300 wait their turn: they change nothing.
    const later = existing.map(() => ({ startMs: T + 600_000 }));
    expect(onTimeVerdict(burst(1000, 60), { createsPerSecond: 10, existing: later })).toMatchObject({
      late: 399,
      uniformLeadSeconds: 110,
    });
  });

  it('says so when no lead time fits: the broadcasts start too soon after now', () => {
    const verdict = onTimeVerdict(burst(1000, 60), { createsPerSecond: 10, nowMs: T - 30_000 });
    expect(verdict.late).toBe(699); // the campaign starts 30 s before its broadcasts: 301 creates fit, not 601
    expect(verdict.uniformLeadSeconds).toBeUndefined();
    expect(describeVerdict(verdict, 10)).toMatch(/; no lead time fits them all: they start too soon for the quota$/);
    expect(describeVerdict({ ...verdict, total: 1, late: 1, worstStart: undefined }, 10, false)).toBe(
      '1 of 1 broadcast would be created after their start at 10 creates/s; no lead time fits them all: they start ' +
        'too soon for the quota'
    );
  });

  it('auto lead times create every relay before its start with the margin, earliest start first, whatever is already scheduled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 600 }), lead: fc.integer({ min: 0, max: 400 }) }), {
          minLength: 1,
          maxLength: 150,
        }),
        fc.array(fc.integer({ min: -100, max: 900 }), { maxLength: 150 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (entries, existingOffsets, rate, askFractions) => {
          const broadcasts = entries.map((e, i) => ({
            key: `b${i}`,
            startMs: T + e.offset * 1000,
            leadSeconds: e.lead,
          }));
          const existing = existingOffsets.map((s) => ({ startMs: T + s * 1000 }));
          const nowMs = T - 3_600_000; // an hour ahead: room for every create
          const plan = autoLeadTimes(broadcasts, { createsPerSecond: rate, nowMs, existing });
          expect(plan.late).toBe(0);
          const lead = (b: PlannedBroadcast) => plan.leadSeconds.get(b.key) as number;
          // A broadcast's own lead time is never shortened.
          for (const b of broadcasts) expect(lead(b)).toBeGreaterThanOrEqual(b.leadSeconds);
          // The existing broadcasts ask at any moment up to their turn in the plan (the model's assumption).
          const existingAsks = existing.map((e, i) => ({
            startMs: e.startMs,
            askMs:
              nowMs + (askFractions[i % askFractions.length] as number) * ((plan.existingTurnsMs[i] as number) - nowMs),
            existing: true,
            id: `e${i}`,
          }));
          const done = simulate([...existingAsks, ...ownAsks(broadcasts, lead)], rate, nowMs);
          // Every create is made the margin before its start: within a second (lead times are whole seconds) and one
          // create already under way when an earlier start asks.
          const toleranceMs = 1000 + 1000 / rate;
          for (const b of broadcasts) {
            expect(done.get(b.key)).toBeLessThanOrEqual(
              b.startMs - Math.max(10_000, b.leadSeconds * 1000) + toleranceMs
            );
          }
          // And the verdict on those lead times agrees: none late.
          const planned = broadcasts.map((b) => ({ ...b, leadSeconds: lead(b) }));
          expect(onTimeVerdict(planned, { createsPerSecond: rate, nowMs, existing }).late).toBe(0);
        }
      ),
      { numRuns: 150 }
    );
  });

  it('auto lead times ask earliest start first when every broadcast asks for the same lead time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 20 }),
        (offsets, ownLead, rate) => {
          const broadcasts = offsets.map((s, i) => ({ key: `b${i}`, startMs: T + s * 1000, leadSeconds: ownLead }));
          const { leadSeconds } = autoLeadTimes(broadcasts, { createsPerSecond: rate });
          const askOf = (b: PlannedBroadcast) => b.startMs - (leadSeconds.get(b.key) as number) * 1000;
          const asks = [...broadcasts].sort((x, y) => x.startMs - y.startMs || askOf(x) - askOf(y)).map(askOf);
          for (let i = 1; i < asks.length; i++) expect(asks[i]).toBeGreaterThanOrEqual(asks[i - 1] as number);
        }
      ),
      { numRuns: 150 }
    );
  });

  it('the verdict counts exactly the creates the queue makes after their start, beside those already scheduled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 300 }), lead: fc.integer({ min: 0, max: 120 }) }), {
          minLength: 1,
          maxLength: 150,
        }),
        fc.array(fc.integer({ min: -100, max: 400 }), { maxLength: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        (entries, existingOffsets, rate, nowBefore) => {
          const broadcasts = entries.map((e, i) => ({
            key: `b${i}`,
            startMs: T + e.offset * 1000,
            leadSeconds: e.lead,
          }));
          const nowMs = nowBefore === undefined ? undefined : T - nowBefore * 1000;
          const verdict = onTimeVerdict(broadcasts, { createsPerSecond: rate, nowMs });
          const done = simulate(
            ownAsks(broadcasts, (b) => b.leadSeconds),
            rate,
            nowMs
          );
          expect(verdict.late).toBe(broadcasts.filter((b) => (done.get(b.key) as number) > b.startMs).length);
          if (verdict.uniformLeadSeconds !== undefined) {
            // The uniform lead time fits (the margin before every start) and is the least that does.
            const fits = (leadS: number) => {
              const at = simulate(
                ownAsks(broadcasts, () => leadS),
                rate,
                nowMs
              );
              return broadcasts.every((b) => (at.get(b.key) as number) + 10_000 <= b.startMs);
            };
            expect(fits(verdict.uniformLeadSeconds)).toBe(true);
            if (verdict.uniformLeadSeconds > 0) expect(fits(verdict.uniformLeadSeconds - 1)).toBe(false);
          }
        }
      ),
      { numRuns: 150 }
    );
  });

  it('auto lead times report the relays that could only be created late, when the campaign starts too close', () => {
    const { late, leadSeconds } = autoLeadTimes(burst(1000, 0), { createsPerSecond: 10, nowMs: T - 60_000 });
    expect(late).toBe(399); // 60 s before the start: 601 creates fit (0.1 s apart); the rest are made after it
    expect(Math.max(...leadSeconds.values())).toBe(60); // those ask at once
  });

  it('auto lead times keep a longer lead time the entry asks for', () => {
    expect([...autoLeadTimes(burst(1, 300), { createsPerSecond: 10 }).leadSeconds.values()]).toEqual([300]);
    // Three cannot all be created at the same moment: two ask a little earlier.
    const { leadSeconds } = autoLeadTimes(burst(3, 300), { createsPerSecond: 10 });
    expect([...leadSeconds.values()].sort()).toEqual([300, 301, 301]);
  });
});
