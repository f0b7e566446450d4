/**
 * Property tests of the pure broadcast lifecycle: arbitrary interleavings of callbacks (late, duplicated, reordered,
 * lost, foreign, contradicting the provider), Describe answers, the clock, user requests and call failures, against a
 * simulated provider. Each invariant is stated in words above its check.
 */
import fc from 'fast-check';

import { FailureTypes } from '../src/shared/broadcast';
import { isoSeconds } from '../src/shared/time';
import { isFinal } from '../src/workflows/broadcast/lifecycle';

import { LifecycleSim, T0, type Action } from './helpers/lifecycle-sim';

const MINUTE = 60_000;

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 3 * MINUTE }).map((ms) => ({ kind: 'advance', ms }) as Action) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 * MINUTE }).map((ms) => ({ kind: 'advance', ms }) as Action) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 999).map((ms) => ({ kind: 'advance', ms }) as Action) },
  { weight: 6, arbitrary: fc.nat(20).map((index) => ({ kind: 'deliver', index }) as Action) },
  { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'duplicate', index }) as Action) },
  { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'drop', index }) as Action) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('PullStreamFailed', 'PushStreamFailed', 'UnknownError', 'RetryTimesOffline')
      .map((reason) => ({ kind: 'providerFails', reason }) as Action),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'providerRecovering' } as Action) },
  { weight: 1, arbitrary: fc.constant({ kind: 'providerRecovers' } as Action) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        eventKind: fc.constantFrom('idle', 'running', 'recovering', 'offline', 'exit'),
        secondsAgo: fc.integer({ min: 0, max: 3 }),
        foreign: fc.boolean(),
      })
      .map((r) => ({ kind: 'strayCallback', ...r }) as Action),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant({ kind: 'stop' as const }),
        fc.constant({ kind: 'restart' as const }),
        fc.integer({ min: -30, max: 180 }).map((minutes) => ({
          kind: 'reschedule' as const,
          changes: { EndTime: isoSeconds(T0 + minutes * MINUTE) },
        }))
      )
      .chain((ask) => fc.boolean().map((racing) => ({ kind: 'user', ask, racing }) as Action)),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' } as Action) },
  {
    weight: 2,
    arbitrary: fc
      .record({ index: fc.nat(3), alive: fc.boolean() })
      .map(({ index, alive }) => ({ kind: 'sourceHealth', index, alive }) as Action),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ to: fc.integer({ min: -1, max: 3 }), racing: fc.boolean() })
      .map(({ to, racing }) => ({ kind: 'user', ask: { kind: 'source', to }, racing }) as Action),
  },
  { weight: 1, arbitrary: fc.boolean().map((held) => ({ kind: 'hold', held }) as Action) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(FailureTypes.providerPermanent, FailureTypes.providerRetryable, FailureTypes.destinationTaken)
      .map((type) => ({ kind: 'failNextCall', type }) as Action),
  }
);

/** Plays the actions, then lets time run past the window so every run ends. */
function play(actions: Action[], maxRestarts = 2, sources = 1): LifecycleSim {
  // Created at once (the lead time has passed), running two minutes later: most actions meet a live relay.
  const sim = new LifecycleSim({ settings: { maxRestarts }, startInMs: 2 * MINUTE, durationMs: 90 * MINUTE, sources });
  for (const action of actions) sim.play(action);
  for (let i = 0; i < 40 && !isFinal(sim.l); i++) {
    sim.advance(10 * MINUTE);
    while (sim.pending.length > 0) sim.play({ kind: 'deliver', index: 0 });
  }
  return sim;
}

const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

describe('broadcast lifecycle properties', () => {
  it('holds every invariant over arbitrary interleavings', () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 80 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (actions, maxRestarts, sources) => {
          const sim = play(actions, maxRestarts, sources);
          const { log, l } = sim;
          if (process.env.PROPERTY_STATS) {
            fc.pre(true);
            const reached = l.status.transitions.map((t) => t.state).join('>');
            process.stdout.write(
              `${l.status.state} restarts=${l.status.restarts} stopped=${!!l.status.stoppedByUser} ${reached.includes('Running') ? 'ran' : 'never-ran'}\n`
            );
          }
          // Never more than one live task at the provider.
          expect(log.maxLiveTasks).toBeLessThanOrEqual(1);
          // The restart budget is never exceeded.
          expect(l.status.restarts).toBeLessThanOrEqual(maxRestarts);
          expect(log.calls.filter((c) => c.kind === 'restart').length).toBeLessThanOrEqual(maxRestarts);
          // A user's stop is never followed by a policy restart while it stands.
          expect(log.policyRestartsWhileStopped).toBe(0);
          // No call storm: between two waits, a handful of calls at most (a restart waits for its effect).
          expect(log.maxCallsInOneStep).toBeLessThanOrEqual(6);
          // Failover: never to a source known dead (unless all are: then the restart policy acts instead), never away
          // from the user's choice without a pull failure since, never for a push-side failure, and never a switch and
          // a restart (or two of either) for one observed failure.
          expect(log.switchesToDead).toBe(0);
          expect(log.choicesOverridden).toBe(0);
          expect(log.switchesOnPushFailure).toBe(0);
          expect(log.maxPolicyActionsPerObservation).toBeLessThanOrEqual(1);
          expect(l.sources.switches).toBeGreaterThanOrEqual(0);
          // Every broadcast ends, and ends once: the campaign is told its final state exactly once.
          expect(isFinal(l)).toBe(true);
          expect(log.finalStates).toHaveLength(1);
          expect(log.finalStates[0]).toBe(l.status.state);
          // A final state means no live task, or Failed saying that a task may be left.
          if (sim.liveTasks().length > 0) {
            expect(l.status.state).toBe('Failed');
            expect(l.status.failure).toMatch(/a task may be left/);
          }
          // Every user request gets exactly one answer.
          const answered = log.replies.map((r) => r.requestId);
          expect(new Set(answered).size).toBe(answered.length);
          expect(answered).toHaveLength(log.requestsAsked);
        }
      ),
      runs
    );
  });

  it('after a restart that the provider follows with Running (same second or later), the relay is Running and the restart counted once', () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 20 }),
        fc.constantFrom('PullStreamFailed', 'PushStreamFailed', 'UnknownError'),
        fc.integer({ min: 0, max: 1500 }),
        (prefix, reason, laterMs) => {
          const sim = runningSim();
          // Anything before the failure except what would end or stop the relay.
          for (const a of prefix) {
            if (
              ['cancel', 'user', 'failNextCall', 'advance', 'hold', 'providerFails', 'sourceHealth'].includes(a.kind)
            ) {
              continue;
            }
            sim.play(a);
          }
          while (sim.pending.length > 0) sim.play({ kind: 'deliver', index: 0 });
          if (sim.l.status.state !== 'Running') return; // e.g. a stray Recovering: not this property's case
          const before = sim.l.status.restarts;
          sim.play({ kind: 'providerFails', reason });
          sim.play({ kind: 'deliver', index: sim.pending.length - 1 }); // Offline → the policy restarts
          expect(sim.l.status.restarts).toBe(before + 1);
          const reaction = sim.pending[sim.pending.length - 1];
          expect(reaction?.kind).toBe('running');
          sim.advance(laterMs);
          sim.play({ kind: 'deliver', index: sim.pending.length - 1 });
          expect(sim.l.status.state).toBe('Running');
          expect(sim.l.status.restarts).toBe(before + 1);
        }
      ),
      runs
    );
  });

  it('never restarts by policy a relay the user stopped, whatever arrives around the stop', () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 10 }),
        fc.boolean(),
        fc.array(actionArb, { maxLength: 40 }),
        (before, racing, after) => {
          const sim = runningSim();
          // Failures sent but not yet delivered race the stop.
          sim.play({ kind: 'providerFails', reason: 'PullStreamFailed' });
          for (const a of before) if (a.kind !== 'user' && a.kind !== 'cancel') sim.play(a);
          sim.play({ kind: 'user', ask: { kind: 'stop' }, racing });
          for (const a of after) if (a.kind !== 'user') sim.play(a);
          expect(sim.log.policyRestartsWhileStopped).toBe(0);
        }
      ),
      runs
    );
  });
});

/** A relay created and running, its callbacks delivered. */
function runningSim(): LifecycleSim {
  const sim = new LifecycleSim();
  sim.advance(10 * MINUTE);
  while (sim.pending.length > 0) sim.play({ kind: 'deliver', index: 0 });
  expect(sim.l.status.state).toBe('Running');
  return sim;
}
