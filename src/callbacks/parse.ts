/**
 * Parses a provider pull-to-push callback body into a TaskEvent.
 *
 * Lenient on input where the reference is unconfirmed: the running event comes spelled both
 * `LivePullToPushRunning` (field table) and `LivePullToPushRuning` (official sample); `EventTime` is Unix seconds as a
 * string in the sample, so numbers and strings are both taken; `TaskStatus` may be a number or a numeric string; the
 * exit event's name is unconfirmed, so any Event containing "Exit", TaskStatus -1, or TaskExitReason/TaskExitTime means
 * exit. `TaskStatus` decides a status callback's kind; the `Event` name is a hint (a contradiction is noted, not
 * refused: the name may be the same for every status change).
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

export interface ParsedCallback {
  event: TaskEvent;
  /** What was accepted leniently (an Event name contradicting TaskStatus, a missing exit time): for the log. */
  notes: string[];
}

/**
 * Parses a callback body. `receivedAtSec` (Unix seconds) stands in for an exit callback's missing `EventTime`: the
 * exit callback's fields are unconfirmed, and an exit must not be refused for lack of a time.
 */
export function parseCallback(raw: string, receivedAtSec: number): ParsedCallback {
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
  const notes: string[] = [];

  const taskId = fields.TaskId;
  if (typeof taskId !== 'string' || !TASK_ID.test(taskId)) {
    throw new CallbackParseError('TaskId: required, 1-64 letters, digits, _ or -');
  }
  const eventName = optionalString(fields, 'Event');
  const status = integer(fields.TaskStatus, 'TaskStatus');
  if (status !== undefined && !(status in TASK_STATUS_KINDS)) {
    throw new CallbackParseError('TaskStatus: must be one of -1, 0, 1, 2, 3');
  }
  const exitReason = optionalString(fields, 'TaskExitReason');
  // Its presence alone means exit, so a value of the wrong type is refused rather than read as an exit.
  const exitTime = integer(fields.TaskExitTime, 'TaskExitTime');
  const fromName = eventName ? EVENT_KINDS[eventName.toLowerCase()] : undefined;
  const fromStatus = status !== undefined ? TASK_STATUS_KINDS[status] : undefined;
  const isExit =
    fromStatus === 'exit' || /exit/i.test(eventName ?? '') || exitReason !== undefined || exitTime !== undefined;
  // TaskStatus decides: the reference says Event may be one fixed name for every status change.
  const kind: TaskEventKind | undefined = isExit ? 'exit' : (fromStatus ?? fromName);
  if (!kind) throw new CallbackParseError('Event/TaskStatus: cannot tell which task event this is');
  if (fromName && fromStatus && fromName !== fromStatus && !isExit) {
    notes.push(`Event ${eventName} contradicts TaskStatus ${status}: TaskStatus taken`);
  }

  let eventTime = integer(fields.EventTime, 'EventTime');
  if (eventTime === undefined && kind === 'exit') {
    eventTime = exitTime ?? receivedAtSec;
    notes.push(`no EventTime: ${exitTime !== undefined ? 'TaskExitTime' : 'the receive time'} taken`);
  }
  if (eventTime === undefined || eventTime < 0) throw new CallbackParseError('EventTime: required Unix seconds');

  const reason = isExit ? exitReason : optionalString(fields, 'TaskInvalidReason');
  return { event: { kind, eventTime, taskId, source: 'callback', ...(reason ? { reason } : {}) }, notes };
}

/** The event of a callback body received now. */
export function parseCallbackBody(raw: string, receivedAtSec = Math.floor(Date.now() / 1000)): TaskEvent {
  return parseCallback(raw, receivedAtSec).event;
}
