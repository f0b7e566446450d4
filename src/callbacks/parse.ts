/**
 * Parses a provider pull-to-push callback body into a TaskEvent.
 *
 * Lenient on input where the reference is unconfirmed: the running event comes spelled both
 * `LivePullToPushRunning` (field table) and `LivePullToPushRuning` (official sample); `EventTime` is Unix seconds as a
 * string in the sample, so numbers and strings are both taken; `TaskStatus` may be a number or a numeric string; the
 * exit event's name is unconfirmed, so any Event containing "Exit", or TaskExitReason/TaskExitTime, means exit.
 * Strict on output: every TaskEvent has a known kind, an integer event time and a well-formed TaskId.
 */
import { TASK_STATUS_KINDS, type TaskEvent, type TaskEventKind } from '../shared/broadcast';

export class CallbackParseError extends Error {
  override readonly name = 'CallbackParseError';
}

const EVENT_KINDS: Record<string, TaskEventKind> = {
  livepulltopushrunning: 'running',
  livepulltopushruning: 'running',
  livepulltopushrecovering: 'recovering',
  livepulltopushoffline: 'offline',
  livepulltopushexit: 'exit',
};

const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;

function integer(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new CallbackParseError(`${field}: must be an integer (number or numeric string)`);
  return n;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 256) throw new CallbackParseError(`${field}: must be a short string`);
  return value;
}

export function parseCallbackBody(raw: string): TaskEvent {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new CallbackParseError('body: not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CallbackParseError('body: must be a JSON object');
  }
  const fields = body as Record<string, unknown>;

  const taskId = fields.TaskId;
  if (typeof taskId !== 'string' || !TASK_ID.test(taskId)) {
    throw new CallbackParseError('TaskId: required, 1-64 letters, digits, _ or -');
  }
  const eventTime = integer(fields.EventTime, 'EventTime');
  if (eventTime === undefined || eventTime < 0) throw new CallbackParseError('EventTime: required Unix seconds');

  const eventName = optionalString(fields, 'Event');
  const status = integer(fields.TaskStatus, 'TaskStatus');
  if (status !== undefined && !(status in TASK_STATUS_KINDS)) {
    throw new CallbackParseError('TaskStatus: must be one of -1, 0, 1, 2, 3');
  }
  const exitReason = optionalString(fields, 'TaskExitReason');
  // Its presence alone means exit, so a value of the wrong type is refused rather than read as an exit.
  const exitTime = integer(fields.TaskExitTime, 'TaskExitTime');
  const isExit = /exit/i.test(eventName ?? '') || exitReason !== undefined || exitTime !== undefined;
  const fromName = eventName ? EVENT_KINDS[eventName.toLowerCase()] : undefined;
  const fromStatus = status !== undefined ? TASK_STATUS_KINDS[status] : undefined;
  const kind: TaskEventKind | undefined = isExit ? 'exit' : (fromStatus ?? fromName);
  if (!kind) throw new CallbackParseError('Event/TaskStatus: cannot tell which task event this is');
  if (fromName && fromStatus && fromName !== fromStatus && !isExit) {
    throw new CallbackParseError(`Event ${eventName} contradicts TaskStatus ${status}`);
  }
  const reason = isExit ? exitReason : optionalString(fields, 'TaskInvalidReason');
  return { kind, eventTime, taskId, source: 'callback', ...(reason ? { reason } : {}) };
}
