/**
 * The client script: `npm run client -- broadcast …`, `campaign …`, `schedule …`, `list`. Human output by default,
 * `--json` for scripts. Exit codes: 0 ok, 1 the operation failed, 2 bad input or configuration.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Command, CommanderError } from 'commander';

import { BroadcastAlreadyExistsError } from './broadcast/start';
import { InvalidBroadcastRequestError } from './broadcast/validation';
import { CampaignFinishedError } from './campaign/submit';
import { addBroadcastCommands } from './cli/broadcast-commands';
import { addCampaignCommands, InvalidCampaignFileError } from './cli/campaign-commands';
import { addListCommand } from './cli/list-command';
import { addScheduleCommands } from './cli/schedule-commands';
import { EXIT, UsageError } from './cli/common';
import { ConfigError } from './config/settings';
import { InvalidScheduleError } from './schedules/definition';

export function buildProgram(): Command {
  const program = new Command('client').description('Broadcast relay client').exitOverride();
  addBroadcastCommands(program);
  addCampaignCommands(program);
  addScheduleCommands(program);
  addListCommand(program);
  return program;
}

const BAD_INPUT = [
  UsageError,
  ConfigError,
  InvalidBroadcastRequestError,
  InvalidCampaignFileError,
  InvalidScheduleError,
];

function messageFor(err: unknown): string {
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow's own failure (its message and stable type), not the wrapper's "Activity task failed".
    const cause = err.cause as { message?: string; type?: string } | undefined;
    return `update rejected: ${cause?.message ?? err.message}${cause?.type ? ` (${cause.type})` : ''}`;
  }
  if (err instanceof WorkflowNotFoundError) {
    return `not found: no broadcast or campaign with id "${err.workflowId}" in this namespace`;
  }
  if (err instanceof ScheduleNotFoundError)
    return `not found: no schedule with id "${err.scheduleId}" in this namespace`;
  if (err instanceof BroadcastAlreadyExistsError || err instanceof CampaignFinishedError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    const exitCode = BAD_INPUT.some((type) => err instanceof type) ? EXIT.badInput : EXIT.failed;
    // With --json, scripts get the error as JSON too (on stderr: stdout stays what a success would print).
    if (argv.includes('--json')) {
      const violations =
        err instanceof InvalidBroadcastRequestError || err instanceof InvalidScheduleError
          ? { violations: err.violations }
          : {};
      process.stderr.write(`${JSON.stringify({ error: messageFor(err), exitCode, ...violations })}\n`);
    } else process.stderr.write(`error: ${messageFor(err)}\n`);
    return exitCode;
  }
}

if (require.main === module) {
  // Exit only once stdout has drained: piped, it is asynchronous, and exiting at once cut large --json output at 128 KiB.
  void main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
}
