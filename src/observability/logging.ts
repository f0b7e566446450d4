/**
 * Structured logs: one JSON object per line (`time`, `level`, `message`, then fields such as `component`,
 * `workflowId`, `runId`, `taskId`, `activityType`, `campaignId`), or a human line per record when LOG_FORMAT=text.
 * Every record passes through the Redactor (./redaction.ts) first, so no secret reaches the output.
 *
 * One destination per process: `configureLogging()` sets it (stdout by default; a collector or any writable in
 * tests and scans), and every logger — `getLogger(component)`, the SDK's Runtime logger from `sdkLogger()`, the
 * `[relay]` banner — writes there. Loggers read the configuration when they write, so one made before
 * `configureLogging()` still follows it.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { DefaultLogger, makeTelemetryFilterString, type LogEntry, type TelemetryOptions } from '@temporalio/worker';

import { Redactor } from './redaction';

export type LogFormat = 'json' | 'text';
/** What LOG_FORMAT may say: a format, or `auto` — text on a terminal, JSON when piped or collected. */
export type LogFormatSetting = LogFormat | 'auto';
export type LogFields = Record<string, unknown>;

/** Where lines go: process.stdout, a file stream, a LogCollector — anything with `write(string)`. */
export interface LogDestination {
  write(chunk: string): unknown;
  /** True for a terminal (process.stdout on a TTY): `auto` then writes text. */
  isTTY?: boolean;
}

export interface LoggingOptions {
  /** `auto` is resolved against the destination when configured. @default 'json' */
  format?: LogFormatSetting;
  /** Records below this level are dropped. @default 'INFO' */
  level?: LogLevel;
  /** @default process.stdout */
  destination?: LogDestination;
  /** Values masked wherever they appear (provider secret, callback secret, encryption keys); added to earlier ones. */
  secrets?: readonly (string | undefined)[];
}

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
/** The record's own keys: a field with one of these names is kept as `field.<name>` instead of overwriting it. */
const RESERVED = new Set(['time', 'level', 'message']);

interface LoggingState {
  format: LogFormat;
  level: LogLevel;
  destination: LogDestination;
  redactor: Redactor;
}

const state: LoggingState = {
  format: 'json',
  level: 'INFO',
  destination: process.stdout,
  redactor: new Redactor(),
};

/**
 * Sets the process's log format, level and destination (each only when given) and adds secret values. Secret values
 * are never forgotten: whatever registered one, every later record is masked.
 */
export function configureLogging(options: LoggingOptions): void {
  state.destination = options.destination ?? state.destination;
  state.format = resolveLogFormat(options.format ?? state.format, state.destination);
  state.level = options.level ?? state.level;
  state.redactor.addSecrets(options.secrets ?? []);
}

/** `auto`: text for a person at a terminal, JSON (one record per line) for a pipe, a file or a collector. */
export function resolveLogFormat(format: LogFormatSetting, destination: LogDestination): LogFormat {
  if (format !== 'auto') return format;
  return destination.isTTY === true ? 'text' : 'json';
}

/** Adds values to mask, e.g. a key pair chosen after start-up or an encryption key once it is loaded. */
export function registerSecrets(...values: (string | undefined)[]): void {
  state.redactor.addSecrets(values);
}

export function logFormat(): LogFormat {
  return state.format;
}

function formatText(time: string, level: LogLevel, message: string, fields: LogFields): string {
  const pairs = Object.entries(fields).map(
    ([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`
  );
  return `${time} ${level.padEnd(5)} ${message}${pairs.length > 0 ? ` ${pairs.join(' ')}` : ''}\n`;
}

/** Redacts and writes one record, whatever the level (callers filter). */
function emit(level: LogLevel, message: string, fields: LogFields, time: Date): void {
  const { redactor } = state;
  const clean = redactor.redactFields(fields);
  const text = redactor.redactText(message);
  const iso = time.toISOString();
  if (state.format === 'text') {
    state.destination.write(formatText(iso, level, text, clean));
    return;
  }
  const record: LogFields = { time: iso, level, message: text };
  for (const [key, value] of Object.entries(clean)) record[RESERVED.has(key) ? `field.${key}` : key] = value;
  state.destination.write(`${JSON.stringify(record)}\n`);
}

function enabled(level: LogLevel): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(state.level);
}

/** A logger that adds its fields to every record; implements the SDK's Logger interface. */
export class RelayLogger implements Logger {
  constructor(private readonly fields: LogFields = {}) {}

  child(fields: LogFields): RelayLogger {
    return new RelayLogger({ ...this.fields, ...fields });
  }

  log(level: LogLevel, message: string, meta?: LogMetadata, time = new Date()): void {
    if (enabled(level)) emit(level, message, { ...this.fields, ...meta }, time);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** A logger whose records carry `component` (and any other fields given). */
export function getLogger(component: string, fields: LogFields = {}): RelayLogger {
  return new RelayLogger({ component, ...fields });
}

/**
 * The start-up/shutdown lines a person reads (`[relay] Temporal Web UI: …`). Text mode prints them exactly so;
 * json mode writes one INFO record per line with `message` = the line. Printed at any LOG_LEVEL, as before.
 */
export function bannerPrinter(prefix: string): (text: string) => void {
  return (text) => {
    for (const line of text.split('\n')) {
      if (state.format === 'text') state.destination.write(`[${prefix}] ${line}\n`);
      else emit('INFO', line, { component: prefix }, new Date());
    }
  };
}

/**
 * The SDK's log attributes as record fields: `workflowRunId` becomes `runId` (as in workflow records),
 * `sdkComponent` becomes `component`, and the activity task token — a capability to complete the activity —
 * is dropped.
 */
export function flattenSdkMeta(meta: LogMetadata | undefined): LogFields {
  if (!meta) return {};
  const { sdkComponent, workflowRunId, taskToken: _taskToken, ...rest } = meta as LogFields;
  return {
    component: sdkComponent,
    ...(workflowRunId !== undefined && rest.runId === undefined ? { runId: workflowRunId } : {}),
    ...rest,
  };
}

/**
 * The logger for `Runtime.install({ logger })`: workflow, activity, worker and (when forwarded) core records, with
 * the SDK's context attributes (workflowId, runId, activityType, …) flattened into the record.
 */
export function sdkLogger(): DefaultLogger {
  // TRACE here: the level is applied when writing, so configureLogging() can still change it.
  return new DefaultLogger('TRACE', (entry: LogEntry) => {
    if (!enabled(entry.level)) return;
    emit(entry.level, entry.message, flattenSdkMeta(entry.meta), new Date(Number(entry.timestampNanos / 1_000_000n)));
  });
}

/**
 * `telemetryOptions.logging` for Runtime.install: the Rust core's warnings go through the same records (and the same
 * redaction) instead of straight to stderr in their own format.
 */
export function coreLogForwarding(): NonNullable<TelemetryOptions['logging']> {
  return { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) };
}

/** An in-memory destination: `configureLogging({ destination: collector })`, then read what was logged. */
export class LogCollector implements LogDestination {
  private chunks: string[] = [];

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  /** Everything written, as one string (what a secret scan should search). */
  text(): string {
    return this.chunks.join('');
  }

  lines(): string[] {
    return this.text()
      .split('\n')
      .filter((line) => line.length > 0);
  }

  /** The lines parsed as JSON records (json format only); throws on a line that is not JSON. */
  records(): LogFields[] {
    return this.lines().map((line) => JSON.parse(line) as LogFields);
  }

  clear(): void {
    this.chunks = [];
  }
}
