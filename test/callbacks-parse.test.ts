import { CallbackParseError, parseCallback, parseCallbackBody } from '../src/callbacks/parse';

const running = {
  Event: 'LivePullToPushRuning',
  EventTime: '1767225600',
  TaskId: 'task-1',
  TaskStatus: 1,
  TaskInfo: {},
};

describe('parseCallbackBody', () => {
  it('accepts both spellings of the running event, EventTime as string or number, TaskStatus as number or string', () => {
    for (const body of [
      running,
      { ...running, Event: 'LivePullToPushRunning' },
      { ...running, EventTime: 1767225600 },
      { ...running, TaskStatus: '1' },
    ]) {
      expect(parseCallbackBody(JSON.stringify(body))).toEqual({
        kind: 'running',
        eventTime: 1767225600,
        taskId: 'task-1',
        source: 'callback',
      });
    }
  });

  it('reads recovering, offline with its reason, and exit (name unconfirmed: by Event or exit fields)', () => {
    expect(parseCallbackBody(JSON.stringify({ ...running, Event: 'X', TaskStatus: 2 })).kind).toBe('recovering');
    expect(
      parseCallbackBody(
        JSON.stringify({ ...running, Event: 'X', TaskStatus: 3, TaskInvalidReason: 'PullStreamFailed' })
      )
    ).toMatchObject({ kind: 'offline', reason: 'PullStreamFailed' });
    expect(
      parseCallbackBody(
        JSON.stringify({ Event: 'LivePullToPushExit', EventTime: '5', TaskId: 't', TaskExitReason: 'OverEndTime' })
      )
    ).toMatchObject({ kind: 'exit', reason: 'OverEndTime' });
    expect(parseCallbackBody(JSON.stringify({ EventTime: 5, TaskId: 't', TaskExitTime: 5 })).kind).toBe('exit');
  });

  it.each([
    ['not json', 'body: not valid JSON'],
    ['[1,2]', 'body: must be a JSON object'],
    [JSON.stringify({ ...running, TaskId: undefined }), 'TaskId'],
    [JSON.stringify({ ...running, TaskId: '../../etc' }), 'TaskId'],
    [JSON.stringify({ ...running, EventTime: 'yesterday' }), 'EventTime'],
    [JSON.stringify({ ...running, EventTime: undefined }), 'EventTime'],
    [JSON.stringify({ ...running, TaskStatus: 7 }), 'TaskStatus'],
    [JSON.stringify({ EventTime: 1, TaskId: 't', Event: 'Something' }), 'cannot tell'],
    // A status callback's EventTime is confirmed: without it the event cannot be ordered.
    [JSON.stringify({ ...running, EventTime: undefined, TaskStatus: 3 }), 'EventTime'],
    [JSON.stringify({ ...running, TaskInvalidReason: 'x'.repeat(300) }), 'TaskInvalidReason'],
    // Its mere presence would mean exit: a wrong type must not end a relay.
    [JSON.stringify({ ...running, TaskExitTime: 'later' }), 'TaskExitTime'],
  ])('rejects %s with a reason naming the field', (body, reason) => {
    expect(() => parseCallbackBody(body)).toThrow(CallbackParseError);
    expect(() => parseCallbackBody(body)).toThrow(reason);
  });

  // Reference §3.3: "the name may be the same for every status change, TaskStatus decides what happened; never
  // refuse a callback because its Event disagrees with its TaskStatus".
  it('takes TaskStatus over a contradicting Event name, and notes the contradiction', () => {
    const parsed = parseCallback(
      JSON.stringify({ ...running, TaskStatus: 3, TaskInvalidReason: 'PushStreamFailed' }),
      9
    );
    expect(parsed.event).toMatchObject({ kind: 'offline', reason: 'PushStreamFailed', eventTime: 1767225600 });
    expect(parsed.notes.join()).toMatch(/contradicts TaskStatus 3/);
    expect(parseCallbackBody(JSON.stringify({ ...running, Event: 'LivePullToPushOffline', TaskStatus: 1 })).kind).toBe(
      'running'
    );
  });

  // Reference §3.4: the exit callback's fields are unconfirmed; TaskStatus -1 means exited.
  it('takes an exit callback without EventTime at TaskExitTime, else at the receive time', () => {
    const bare = { Event: 'LivePullToPushExit', TaskId: 't', TaskExitReason: 'OverEndTime' };
    expect(parseCallback(JSON.stringify(bare), 1_800_000_000).event).toMatchObject({
      kind: 'exit',
      eventTime: 1_800_000_000,
    });
    expect(parseCallback(JSON.stringify({ ...bare, TaskExitTime: 1_700_000_000 }), 1_800_000_000).event.eventTime).toBe(
      1_700_000_000
    );
    expect(parseCallbackBody(JSON.stringify({ TaskId: 't', TaskStatus: -1, EventTime: 5 })).kind).toBe('exit');
  });
});
