/** The pure rules for applying provider task events (no server needed: this unit stands alone). */
import type { TaskEvent } from '../src/shared/broadcast';
import { TaskEventLog } from '../src/workflows/v1/event-log';

const ev = (kind: TaskEvent['kind'], eventTime: number, extra: Partial<TaskEvent> = {}): TaskEvent => ({
  kind,
  eventTime,
  taskId: 't1',
  source: 'callback',
  ...extra,
});

describe('TaskEventLog', () => {
  it('applies events once, in event-time order, ignoring duplicates, stale and foreign ones', () => {
    const log = new TaskEventLog();
    expect(log.accept(ev('running', 100), 't1')).toBe('applied');
    expect(log.accept(ev('running', 100), 't1')).toBe('duplicate');
    expect(log.accept(ev('recovering', 120), 't1')).toBe('applied');
    expect(log.accept(ev('running', 110), 't1')).toBe('stale'); // arrived late
    expect(log.accept(ev('running', 130, { taskId: 'other' }), 't1')).toBe('foreign');
    expect(log.accept(ev('running', 130), undefined)).toBe('foreign');
  });

  it('on equal times lets the later lifecycle stage win', () => {
    const log = new TaskEventLog();
    expect(log.accept(ev('offline', 100), 't1')).toBe('applied');
    expect(log.accept(ev('running', 100), 't1')).toBe('stale');
  });

  it('notes an exit even when it arrives out of order, and Describe results never move the watermark', () => {
    const log = new TaskEventLog();
    log.accept(ev('recovering', 200), 't1');
    expect(log.accept(ev('exit', 150, { reason: 'OverEndTime' }), 't1')).toBe('stale');
    expect(log.exitReported).toBe(true);
    expect(log.exitReason).toBe('OverEndTime');
    expect(log.accept(ev('running', 10_000, { source: 'describe' }), 't1')).toBe('applied');
    expect(log.accept(ev('running', 201), 't1')).toBe('applied');
    log.clearExit();
    expect(log.exitReported).toBe(false);
  });
});
