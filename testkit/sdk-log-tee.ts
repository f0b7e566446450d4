/**
 * A copy of every line the Temporal SDK logs in this process from now on (worker, workflow and activity records), for
 * the secret scan of a test stack. A tee on the runtime logger's output function: whatever the logger writes to
 * (the console, or the project's structured log set up by ./log-capture.ts), it still does.
 */
import { Runtime, type LogEntry } from '@temporalio/worker';

import type { ScannedText } from './secret-scan';

export interface SdkLogTee {
  text(): ScannedText;
  stop(): void;
}

type TeeableLogger = { logFunction?: (entry: LogEntry) => void };

export function teeSdkLog(): SdkLogTee {
  const lines: string[] = [];
  // DefaultLogger (the SDK's default and the project's sdkLogger()) writes every record through `logFunction`.
  const logger = Runtime.instance().logger as TeeableLogger;
  const original = logger.logFunction;
  if (!original)
    throw new Error('the Temporal runtime logger has no logFunction to tee: the secret scan would miss its log');
  const tee = (entry: LogEntry) => {
    lines.push(`${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}`);
    original(entry);
  };
  logger.logFunction = tee;
  return {
    text: () => ({ source: 'log (Temporal SDK)', text: lines.join('\n') }),
    stop: () => {
      if (logger.logFunction === tee) logger.logFunction = original;
    },
  };
}
