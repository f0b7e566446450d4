/**
 * TaskName for a broadcast. Seed 000 says only "TaskName: the task name, used for fuzzy search"; our own cap is 128
 * characters, and campaign workflow ids (`<campaignId>/<entryKey>`) reach 229 characters. The name must always fit,
 * be the same on every retry and replay, and stay `relay:<workflowId>` wherever that already fit.
 */
import { validateRequest } from '../../src/provider/schemas';
import { TASK_NAME_MAX_LENGTH, taskNameFor } from '../../src/shared/broadcast';

const campaignId = 'c'.repeat(128);
const longId = (entry: string) => `${campaignId}/${entry.padStart(100, 'e')}`;

describe('taskNameFor', () => {
  it.each([1, 60, 122])('a %i-character id that fits keeps exactly relay:<workflowId>', (length) => {
    const id = 'w'.repeat(length);
    expect(taskNameFor(id)).toBe(`relay:${id}`);
  });

  it('a 229-character campaign id gets a name of 128 characters: readable head, ~, 16 hex digits', () => {
    const id = longId('final');
    expect(id).toHaveLength(229);
    const name = taskNameFor(id);
    expect(name).toHaveLength(TASK_NAME_MAX_LENGTH);
    expect(name.startsWith(`relay:${id.slice(0, 105)}`)).toBe(true);
    expect(name).toMatch(/~[0-9a-f]{16}$/);
  });

  it('is deterministic, and ids sharing their first 121 characters still get different names', () => {
    expect(taskNameFor(longId('a'))).toBe(taskNameFor(longId('a')));
    const names = new Set(Array.from({ length: 1000 }, (_, i) => taskNameFor(longId(String(i)))));
    expect(names.size).toBe(1000);
  });

  it('never cuts a surrogate pair in half (the name must survive percent-encoding)', () => {
    for (let pad = 100; pad < 130; pad++) {
      const name = taskNameFor(`${'x'.repeat(pad)}${'😀'.repeat(40)}`);
      expect(name.length).toBeLessThanOrEqual(TASK_NAME_MAX_LENGTH);
      expect(() => encodeURIComponent(name)).not.toThrow();
    }
  });

  it('passes the create validation, so a long broadcast id cannot fail at creation time', () => {
    const result = validateRequest(
      'CreateLivePullToPush',
      {
        Region: 'cn-shanghai',
        TaskName: taskNameFor(longId('keynote')),
        StartTime: '2026-01-01T01:00:00Z',
        EndTime: '2026-01-01T02:00:00Z',
        SourceType: 'live',
        SourceProtocol: 'rtmp',
        SourceUrls: ['rtmp://src.example.com/app/s'],
        DstUrl: 'rtmp://push.example.com/app/s',
      },
      { now: new Date('2026-01-01T00:00:00Z') }
    );
    expect(result.ok).toBe(true);
  });
});
