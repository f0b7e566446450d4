/**
 * One occurrence of a recurring broadcast: its window and its broadcast's workflow ID, computed from the time the
 * Schedule fired. Imported by workflow code, so: pure, no Node built-ins, no zod, no I/O.
 */
import type {
  BroadcastRequest,
  LegacyBroadcastRequest,
  LegacyPullSpec,
  RelayBroadcastRequest,
  RelaySpec,
} from '../shared/broadcast';
import { isoSeconds } from '../shared/time';

type Timeless<T> = Omit<T, 'StartTime' | 'EndTime'>;

/** The broadcast request every occurrence shares: everything but the window, which each occurrence sets. */
export type OccurrenceTemplate =
  | (Omit<RelayBroadcastRequest, 'relay'> & { relay: Timeless<RelaySpec> })
  | (Omit<LegacyBroadcastRequest, 'legacy'> & { legacy: Timeless<LegacyPullSpec> });

/** The fixed argument of a Schedule's action (no secrets: the same request fields a broadcast carries). */
export interface ScheduledOccurrenceInput {
  scheduleId: string;
  template: OccurrenceTemplate;
  durationSeconds: number;
  /** The Schedule fires this long before each occurrence starts (see fireLeadSecondsFor). */
  fireLeadSeconds: number;
  /** Task queue of the broadcasts. */
  taskQueue: string;
}

export interface OccurrenceWindow {
  StartTime: string;
  EndTime: string;
}

/** Margin on top of the broadcast's lead time: the occurrence workflow and its start activity take a moment. */
const FIRE_MARGIN_SECONDS = 60;

/**
 * How long before an occurrence the Schedule fires: the broadcast's lead time (its task is created that long before
 * StartTime) plus a margin, in whole minutes so the fire times stay on a minute calendar.
 */
export function fireLeadSecondsFor(leadTimeSeconds: number): number {
  return Math.ceil((leadTimeSeconds + FIRE_MARGIN_SECONDS) / 60) * 60;
}

/** The window of the occurrence the Schedule fired for at `firedAt` (its nominal time, also when it fires late). */
export function occurrenceWindow(
  firedAt: Date,
  input: Pick<ScheduledOccurrenceInput, 'fireLeadSeconds' | 'durationSeconds'>
): OccurrenceWindow {
  const start = firedAt.getTime() + input.fireLeadSeconds * 1000;
  return { StartTime: isoSeconds(start), EndTime: isoSeconds(start + input.durationSeconds * 1000) };
}

/** The workflow ID of an occurrence's broadcast: the schedule and the occurrence's start, a key a user can find. */
export function occurrenceBroadcastId(scheduleId: string, window: OccurrenceWindow): string {
  return `${scheduleId}/${window.StartTime}`;
}

/** The template with one occurrence's window: an ordinary broadcast request. */
export function requestForOccurrence(template: OccurrenceTemplate, window: OccurrenceWindow): BroadcastRequest {
  if (template.legacy) return { ...template, legacy: { ...template.legacy, ...window } } as LegacyBroadcastRequest;
  return { ...template, relay: { ...template.relay, ...window } } as RelayBroadcastRequest;
}
