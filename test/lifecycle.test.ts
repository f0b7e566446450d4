/**
 * Examples of the pure broadcast lifecycle: the orderings the property tests shrank to while the lifecycle was being
 * written (each failed then), and the event-ordering rules one by one.
 */
import { FailureTypes, type TaskEvent } from '../src/shared/broadcast';
import { acceptEvent, emptyWatermark, noteCommand, noteDescribe } from '../src/workflows/broadcast/task-events';

import { LifecycleSim } from './helpers/lifecycle-sim';

const MINUTE = 60_000;
const at = (kind: TaskEvent['kind'], eventTime: number, taskId = 't1'): TaskEvent => ({
  kind,
  eventTime,
  taskId,
  source: 'callback',
});

function runningSim(): LifecycleSim {
  const sim = new LifecycleSim();
  sim.advance(10 * MINUTE);
  while (sim.pending.length > 0) sim.play({ kind: 'deliver', index: 0 });
  return sim;
}
const deliverAll = (sim: LifecycleSim) => {
  while (sim.pending.length > 0) sim.play({ kind: 'deliver', index: 0 });
};

describe('event ordering (task-events)', () => {
  it('drops callbacks stamped before the newest Describe', () => {
    const w = emptyWatermark();
    noteDescribe(w, 20);
    expect(acceptEvent(w, at('offline', 19), 't1')).toBe('stale');
    expect(acceptEvent(w, at('offline', 20), 't1')).toBe('applied');
  });

  it('applies newer events, drops older ones and repeats of a kind within a second', () => {
    const w = emptyWatermark();
    expect(acceptEvent(w, at('running', 10), 't1')).toBe('applied');
    expect(acceptEvent(w, at('running', 10), 't1')).toBe('duplicate');
    expect(acceptEvent(w, at('idle', 9), 't1')).toBe('stale');
    expect(acceptEvent(w, at('offline', 11), 't1')).toBe('applied');
    expect(acceptEvent(w, at('running', 11, 'other'), 't1')).toBe('foreign');
  });

  it('in a tie without a command of ours, lets the later stage win', () => {
    const w = emptyWatermark();
    expect(acceptEvent(w, at('recovering', 10), 't1')).toBe('applied');
    expect(acceptEvent(w, at('running', 10), 't1')).toBe('stale');
    expect(acceptEvent(w, at('offline', 10), 't1')).toBe('applied');
  });

  it('lets the reaction to our command win a tie, even a kind already seen in that second', () => {
    const w = emptyWatermark();
    acceptEvent(w, at('running', 10), 't1');
    acceptEvent(w, at('offline', 10), 't1');
    noteCommand(w, 'running');
    expect(acceptEvent(w, at('running', 10), 't1')).toBe('applied');
    // A new failure right after the restart (a source still dead) is news, not a duplicate of the earlier one.
    expect(acceptEvent(w, at('offline', 10), 't1')).toBe('applied');
  });

  it('always applies Describe results, without moving the callback watermark', () => {
    const w = emptyWatermark();
    acceptEvent(w, at('offline', 10), 't1');
    expect(acceptEvent(w, { ...at('running', 5), source: 'describe' }, 't1')).toBe('applied');
    expect(w.time).toBe(10);
  });
});

describe('lifecycle regressions (shrunk counterexamples)', () => {
  it('Running(t), Offline(t), restart, Running(t): Running after one restart', () => {
    const sim = runningSim();
    sim.play({ kind: 'providerFails', reason: 'PullStreamFailed' });
    deliverAll(sim); // Offline → policy restart → the provider answers Running in the same second
    expect(sim.l.status).toMatchObject({ state: 'Running', restarts: 1 });
  });

  it('a stray Offline of the current second, a restart, then a real failure in that second: restarted again', () => {
    const sim = runningSim();
    sim.play({ kind: 'strayCallback', eventKind: 'offline', secondsAgo: 0, foreign: false });
    deliverAll(sim);
    expect(sim.l.status).toMatchObject({ state: 'Running', restarts: 1 });
    sim.play({ kind: 'providerFails', reason: 'PullStreamFailed' });
    deliverAll(sim);
    expect(sim.l.status.restarts).toBe(2);
  });

  it('an exit report that Describe refutes does not hide a later failure of the same second', () => {
    const sim = runningSim();
    sim.play({ kind: 'strayCallback', eventKind: 'exit', secondsAgo: 0, foreign: false });
    expect(sim.log.calls.at(-1)).toEqual({ kind: 'describe', why: 'confirm exit' });
    expect(sim.l.status.state).toBe('Running');
    sim.play({ kind: 'providerFails', reason: 'PushStreamFailed' });
    deliverAll(sim);
    expect(sim.l.status.restarts).toBe(1);
  });

  it('a failed restart call ends the broadcast Failed with the call’s reason, and deletes the task', () => {
    const sim = runningSim();
    sim.play({ kind: 'failNextCall', type: FailureTypes.providerPermanent });
    sim.play({ kind: 'providerFails', reason: 'PullStreamFailed' });
    deliverAll(sim);
    expect(sim.l.status.state).toBe('Failed');
    expect(sim.l.status.failure).toBe('injected ProviderPermanentError failure of restart');
    expect(sim.liveTasks()).toHaveLength(0);
  });

  it('a user stop whose call fails is undone: the policy restarts the relay when it then goes Offline', () => {
    const sim = runningSim();
    sim.play({ kind: 'failNextCall', type: FailureTypes.providerRetryable });
    sim.play({ kind: 'user', ask: { kind: 'stop' } });
    expect(sim.log.replies.at(-1)?.error?.message).toMatch(/injected/);
    expect(sim.l.status.stoppedByUser).toBe(false);
    sim.play({ kind: 'providerFails', reason: 'PullStreamFailed' });
    deliverAll(sim);
    expect(sim.l.status.restarts).toBe(1);
  });

  it('refuses a reschedule while the task is being created, naming why', () => {
    const sim = new LifecycleSim({ startInMs: 10 * MINUTE });
    sim.now += 5 * MINUTE; // the lead time: Creating, before the create call runs
    sim.input({ type: 'tick' });
    expect(sim.l.status.state).toBe('Creating');
    sim.input({ type: 'user', request: { kind: 'reschedule', id: 7, changes: { EndTime: '2030-01-01T00:00:00Z' } } });
    expect(sim.log.replies.at(-1)).toEqual({
      requestId: 7,
      error: {
        message: 'invalid reschedule: the task is being created: try again in a moment',
        type: 'InvalidBroadcastUpdate',
      },
    });
  });

  it('a late callback from before a Describe does not undo what the Describe said (no second switch)', () => {
    const sim = new LifecycleSim({ sources: 3, startInMs: 2 * MINUTE, durationMs: 90 * MINUTE });
    sim.play({ kind: 'sourceHealth', index: 2, alive: false });
    sim.play({ kind: 'user', ask: { kind: 'source', to: 2 } }); // onto a dead source, before the start
    sim.advance(2 * MINUTE); // StartTime: the pull fails at once; its callback is late
    sim.advance(3 * MINUTE); // the reconcile's Describe sees the failure first
    expect(sim.log.calls.filter((c) => c.kind === 'switchSource')).toEqual([
      { kind: 'switchSource', to: 2, restart: false, requestId: 1 },
      { kind: 'switchSource', to: 0, restart: true },
    ]);
    deliverAll(sim); // the old Offline of source 2 arrives now: stale, so no switch to backup 1
    expect(sim.log.calls.filter((c) => c.kind === 'switchSource')).toHaveLength(2);
    expect(sim.l.status).toMatchObject({ state: 'Running', source: { active: 0, label: 'primary' } });
  });
});
