/**
 * The campaign's bounded ledger (src/workflows/campaign/ledger.ts) against a reference that remembers every
 * broadcast: start outcomes and reports in any order (a broadcast may end before its start batch returns), repeated
 * reports, and the state a run before the ledger carried.
 */
import fc from 'fast-check';

import {
  RECENT_REPORTERS,
  emptyLedger,
  ledgerCounts,
  ledgerFromStates,
  openCount,
  recordReport,
  recordStartOutcome,
  takenCount,
  type FinalState,
  type LedgerState,
} from '../src/workflows/campaign/ledger';

type Outcome = 'started' | 'existing' | 'failed';
interface Broadcast {
  outcome: Outcome;
  final: FinalState;
  /** Reports sent in all (the first counts). */
  reports: number;
}

const broadcastArb: fc.Arbitrary<Broadcast> = fc.record({
  outcome: fc.constantFrom<Outcome>('started', 'started', 'started', 'existing', 'failed'),
  final: fc.constantFrom<FinalState>('Completed', 'Failed', 'Cancelled'),
  reports: fc.integer({ min: 1, max: 3 }),
});

/**
 * Batches of broadcasts, all taken at the outset; each batch's outcomes arrive at one moment, and its broadcasts'
 * reports (repeated ones included) before or after it, in any order.
 */
const scenarioArb = fc
  .array(fc.array(broadcastArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 })
  .chain((batches) => {
    const events: { kind: 'outcome' | 'report'; batch: number; index: number }[] = [];
    batches.forEach((batch, b) => {
      events.push({ kind: 'outcome', batch: b, index: -1 });
      batch.forEach((bc, i) => {
        // Only a broadcast that started reports (an `existing` one reported to the campaign that started it).
        if (bc.outcome === 'started')
          for (let r = 0; r < bc.reports; r++) events.push({ kind: 'report', batch: b, index: i });
      });
    });
    return fc
      .shuffledSubarray(events, { minLength: events.length, maxLength: events.length })
      .map((order) => ({ batches, order }));
  });

describe('campaign ledger', () => {
  it('counts every broadcast once however its reports and its start outcome interleave', () => {
    fc.assert(
      fc.property(scenarioArb, ({ batches, order }) => {
        const ledger = emptyLedger();
        const answered = new Set<number>();
        const reported = new Set<string>();
        const inFlight = () => batches.reduce((n, batch, b) => n + (answered.has(b) ? 0 : batch.length), 0);
        for (const event of order) {
          if (event.kind === 'outcome') {
            for (const bc of batches[event.batch]!) recordStartOutcome(ledger, bc.outcome);
            answered.add(event.batch);
          } else {
            const id = `c/${event.batch}-${event.index}`;
            const bc = batches[event.batch]![event.index]!;
            const counted = recordReport(ledger, id, bc.final, inFlight());
            expect(counted).toBe(!reported.has(id));
            reported.add(id);
          }
          invariants(ledger, inFlight());
        }
        const all = batches.flat();
        const expected = (state: FinalState) =>
          all.filter((bc) => bc.outcome === 'started' && bc.final === state).length +
          (state === 'Failed' ? all.filter((bc) => bc.outcome === 'failed').length : 0);
        const counts = ledgerCounts(ledger);
        for (const state of ['Completed', 'Failed', 'Cancelled'] as const)
          expect(counts[state] ?? 0).toBe(expected(state));
        expect(counts.Started).toBeUndefined();
        expect(openCount(ledger)).toBe(0);
        expect(takenCount(ledger)).toBe(all.filter((bc) => bc.outcome !== 'existing').length);
        expect(ledger.duplicates).toBe(all.filter((bc) => bc.outcome === 'existing').length);
      })
    );
  });

  it('keeps open broadcasts open until each has reported', () => {
    const ledger = emptyLedger();
    for (let i = 0; i < 3; i++) recordStartOutcome(ledger, 'started');
    expect(recordReport(ledger, 'c/a', 'Completed', 0)).toBe(true);
    expect(recordReport(ledger, 'c/a', 'Cancelled', 0)).toBe(false); // the same broadcast again
    expect(recordReport(ledger, 'c/b', 'Running', 0)).toBe(false); // a live state is not an end
    expect(ledgerCounts(ledger)).toEqual({ Started: 2, Completed: 1 });
  });

  it('drops a report no started broadcast can have sent (more ended than started and in flight)', () => {
    const ledger = emptyLedger();
    recordStartOutcome(ledger, 'started');
    expect(recordReport(ledger, 'c/a', 'Completed', 1)).toBe(true);
    expect(recordReport(ledger, 'c/b', 'Completed', 1)).toBe(true); // its batch has not answered yet
    expect(recordReport(ledger, 'c/stranger', 'Completed', 1)).toBe(false);
    expect(ledgerCounts(ledger)).toEqual({ Completed: 2 });
  });

  it('remembers the last RECENT_REPORTERS reporters, carried as plain data, and no more', () => {
    const ledger = emptyLedger();
    const total = RECENT_REPORTERS * 3;
    for (let i = 0; i < total; i++) recordStartOutcome(ledger, 'started');
    for (let i = 0; i < total - 10; i++) expect(recordReport(ledger, `c/${i}`, 'Completed', 0)).toBe(true);
    const carried: LedgerState = JSON.parse(JSON.stringify(ledger)); // as continue-as-new hands it on
    expect(carried.recentReporters).toHaveLength(RECENT_REPORTERS);
    expect(recordReport(carried, `c/${total - 11}`, 'Completed', 0)).toBe(false);
    expect(recordReport(carried, `c/${total - 10 - RECENT_REPORTERS}`, 'Completed', 0)).toBe(false);
    expect(ledgerCounts(carried)).toEqual({ Started: 10, Completed: total - 10 });
  });

  it('takes over the per-broadcast states of a run before the ledger, deduplicating those exactly', () => {
    const ledger = ledgerFromStates({ 'c/a': 'Started', 'c/b': 'Completed', 'c/c': 'Started', 'c/d': 'Failed' });
    expect(ledgerCounts(ledger)).toEqual({ Started: 2, Completed: 1, Failed: 1 });
    expect(recordReport(ledger, 'c/b', 'Completed', 0)).toBe(false); // had ended before
    expect(recordReport(ledger, 'c/a', 'Cancelled', 0)).toBe(true);
    // However many others report in between, an old broadcast's second report is recognised.
    for (let i = 0; i < RECENT_REPORTERS + 5; i++) recordStartOutcome(ledger, 'started');
    for (let i = 0; i < RECENT_REPORTERS + 5; i++) recordReport(ledger, `c/new-${i}`, 'Completed', 0);
    expect(recordReport(ledger, 'c/a', 'Cancelled', 0)).toBe(false);
    expect(ledgerCounts(ledger)).toEqual({ Started: 1, Completed: RECENT_REPORTERS + 6, Failed: 1, Cancelled: 1 });
  });
});

function invariants(ledger: LedgerState, inFlight: number): void {
  const ended = ledger.ended.Completed + ledger.ended.Failed + ledger.ended.Cancelled;
  expect(ended).toBeLessThanOrEqual(ledger.started + inFlight);
  expect(ledger.recentReporters.length).toBeLessThanOrEqual(RECENT_REPORTERS);
  expect(new Set(ledger.recentReporters).size).toBe(ledger.recentReporters.length);
}
