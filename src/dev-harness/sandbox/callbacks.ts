/**
 * Delivers task callbacks as the reference describes them: JSON POSTs to the task's CallbackUrl with `EventTime` as
 * a string of Unix seconds. Unconfirmed facts are our choices: the Recovering/Offline/Exit event names, the exit
 * callback's fields (Describe's TaskExitReason/TaskExitTime), TaskStatus as a JSON number, the TaskInfo keys beyond
 * TaskId/StartTime (Describe's set), the `application/json` content type, any 2xx meaning delivered, and the retry
 * policy for failed deliveries (3 retries, 1 s / 2 s / 4 s divided by the time scale). Our callback service accepts
 * the other plausible forms (both running spellings, TaskStatus as a string) — lenient in, strict out.
 */
import { request } from 'undici';

import type { FaultConfig } from './faults';
import type { SandboxTask } from './tasks';

export interface Delivery {
  taskId: string;
  event: string;
  url: string;
  attempt: number;
  status?: number;
  error?: string;
  at: string;
}

export class CallbackSender {
  readonly deliveries: Delivery[] = [];
  private readonly held = new Map<string, () => void>();
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: {
      runningEvent: 'LivePullToPushRunning' | 'LivePullToPushRuning';
      timeScale: number;
      faults: () => FaultConfig;
      random: () => number;
    }
  ) {}

  private info(task: SandboxTask) {
    return {
      TaskId: task.TaskId,
      TaskName: task.TaskName,
      StartTime: task.StartTime,
      EndTime: task.EndTime,
      SourceType: task.SourceType,
      SourceProtocol: task.SourceProtocol,
      SourceUrls: task.SourceUrls,
      DstUrl: task.DstUrl,
    };
  }

  stateChanged(task: SandboxTask, state: string): void {
    const event = state === 'Running' ? this.options.runningEvent : `LivePullToPush${state}`;
    this.send(task, event, {
      Event: event,
      EventTime: String(Math.floor(Date.now() / 1000)),
      TaskId: task.TaskId,
      TaskInfo: this.info(task),
      TaskStatus: task.status,
      ...(task.status === 3 ? { TaskInvalidReason: task.invalidReason ?? 'UnknownError' } : {}),
    });
  }

  exited(task: SandboxTask): void {
    this.send(task, 'LivePullToPushExit', {
      Event: 'LivePullToPushExit',
      EventTime: String(task.exitTime),
      TaskId: task.TaskId,
      TaskInfo: this.info(task),
      TaskExitReason: task.exitReason,
      TaskExitTime: task.exitTime,
    });
  }

  private send(task: SandboxTask, event: string, body: object): void {
    const url = task.CallbackUrl;
    if (!url) return;
    const faults = this.options.faults();
    const random = this.options.random;
    if (faults.callbackDropRate && random() < faults.callbackDropRate) {
      this.deliveries.push({
        taskId: task.TaskId,
        event,
        url,
        attempt: 0,
        error: 'dropped (fault)',
        at: new Date().toISOString(),
      });
      return;
    }
    const copies = faults.callbackDuplicateRate && random() < faults.callbackDuplicateRate ? 2 : 1;
    const go = () => {
      for (let i = 0; i < copies; i++) this.deliver(task.TaskId, event, url, JSON.stringify(body), 1);
    };
    const dispatch = () => {
      const held = this.held.get(task.TaskId);
      if (held) {
        this.held.delete(task.TaskId);
        go();
        held(); // the held, older callback arrives after this newer one
      } else if (faults.callbackReorder && event !== 'LivePullToPushExit') {
        this.held.set(task.TaskId, go);
      } else {
        go();
      }
    };
    this.after(faults.callbackDelayMs ?? 0, dispatch);
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.pending.add(timer);
  }

  private deliver(taskId: string, event: string, url: string, body: string, attempt: number): void {
    const record: Delivery = { taskId, event, url, attempt, at: new Date().toISOString() };
    this.deliveries.push(record);
    request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    })
      .then(async (res) => {
        record.status = res.statusCode;
        await res.body.dump();
        if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
      })
      .catch((err: Error) => {
        record.error = err.message;
        if (attempt <= 3)
          this.after((1000 * 2 ** (attempt - 1)) / this.options.timeScale, () =>
            this.deliver(taskId, event, url, body, attempt + 1)
          );
      });
  }

  close(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    this.held.clear();
  }
}
