/**
 * The running state of one relay workflow around its lifecycle: the inbox of provider events, the answers owed to
 * user updates, and the status board; plus the signal, query and update handlers that feed it.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';

import { FailureTypes, type BroadcastState, type BroadcastStatus, type TaskEvent } from '../../shared/broadcast';
import {
  cancelUpdate,
  holdSignal,
  rescheduleUpdate,
  restartUpdate,
  sourceUpdate,
  statusQuery,
  stopUpdate,
  taskEventSignal,
} from '../messages';

import { apply, isFinal, refuseUserRequest, type Input, type Lifecycle, type Reply, type UserAsk } from './lifecycle';
import { StatusBoard } from './status-board';

/** What a run hands to the next one at continue-as-new. */
export interface CarriedRelay {
  lifecycle: Lifecycle;
  inbox: TaskEvent[];
  nextRequestId: number;
}

export class RelayRun {
  lifecycle: Lifecycle | undefined;
  readonly inbox: TaskEvent[];
  readonly board: StatusBoard;
  readonly pendingReplies = new Map<number, (reply: Reply) => void>();
  nextRequestId: number;
  /** Bumped by every input: a wait re-evaluates when it changes. */
  wakes = 0;

  constructor(
    campaignId: string | undefined,
    carried: CarriedRelay | undefined,
    private readonly now: () => number,
    private readonly provisional: () => BroadcastStatus,
    /** States the status board does not write to the BroadcastState search attribute (StatusBoard `unlisted`). */
    unlisted: readonly BroadcastState[] = []
  ) {
    this.lifecycle = carried?.lifecycle;
    this.inbox = carried?.inbox ?? [];
    this.nextRequestId = carried?.nextRequestId ?? 1;
    this.board = new StatusBoard(campaignId, carried?.lifecycle.status.transitionCount ?? 0, unlisted);
  }

  get status(): BroadcastStatus {
    return this.lifecycle?.status ?? this.provisional();
  }

  /** Starts following `lifecycle` (after validation), showing its first transition. */
  begin(lifecycle: Lifecycle): void {
    this.lifecycle = lifecycle;
    this.dispatch({ type: 'tick' });
  }

  dispatch(input: Input): void {
    if (!this.lifecycle) return;
    for (const reply of apply(this.lifecycle, input, this.now())) this.pendingReplies.get(reply.requestId)?.(reply);
    this.board.reflect(this.lifecycle.status);
    this.wakes++;
  }

  /** Applies the events that arrived since the last call, oldest first. */
  drainInbox(): void {
    for (const event of this.inbox.splice(0).sort((a, b) => a.eventTime - b.eventTime)) {
      this.dispatch({ type: 'event', event });
    }
  }

  /** Hands a user's ask to the lifecycle and waits for its answer: the status, or the real reason it failed. */
  async ask(ask: UserAsk): Promise<BroadcastStatus> {
    // An update can arrive while the request is being validated: it is answered once the lifecycle exists.
    await condition(() => this.lifecycle !== undefined);
    const id = this.nextRequestId++;
    const reply = new Promise<Reply>((resolve) => this.pendingReplies.set(id, resolve));
    this.dispatch({ type: 'user', request: { ...ask, id } });
    const { error } = await reply;
    this.pendingReplies.delete(id);
    if (error) throw ApplicationFailure.nonRetryable(error.message, error.type);
    return this.status;
  }

  /**
   * Update validator: refuses, before it enters history, an ask the lifecycle would refuse now. It reads the workflow
   * clock itself, not the decision clock: that one stays on the time read before validation until the first wait ends,
   * which can be hours after the update arrives (a reschedule to an EndTime already past was accepted). Validators
   * do not run on replay and issue no command, and the only time rule (EndTime in the future) refuses more at a later
   * time, so an update this accepts the handler accepts too.
   */
  refuse(ask: UserAsk): void {
    if (!this.lifecycle) return; // still validating its request: the lifecycle answers the ask when it exists
    const reason = refuseUserRequest(this.lifecycle, ask, Date.now());
    if (reason) throw ApplicationFailure.nonRetryable(reason, FailureTypes.invalidUpdate);
  }

  get isFinal(): boolean {
    return this.lifecycle !== undefined && isFinal(this.lifecycle);
  }

  registerHandlers(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(taskEventSignal, (event) => void this.inbox.push(event));
    setHandler(holdSignal, (held) => this.dispatch({ type: 'hold', held }));
    setHandler(stopUpdate, () => this.ask({ kind: 'stop' }), { validator: () => this.refuse({ kind: 'stop' }) });
    setHandler(restartUpdate, () => this.ask({ kind: 'restart' }), {
      validator: () => this.refuse({ kind: 'restart' }),
    });
    setHandler(rescheduleUpdate, (changes) => this.ask({ kind: 'reschedule', changes }), {
      validator: (changes) => this.refuse({ kind: 'reschedule', changes }),
    });
    setHandler(sourceUpdate, ({ to }) => this.ask({ kind: 'source', to }), {
      validator: ({ to }) => this.refuse({ kind: 'source', to }),
    });
    setHandler(
      cancelUpdate,
      async ({ reason }) => {
        await condition(() => this.lifecycle !== undefined);
        this.dispatch({ type: 'cancel', reason: reason ?? 'cancelled by request' });
        await condition(() => this.isFinal);
        return this.status;
      },
      {
        validator: (_input) => {
          const l = this.lifecycle;
          if (l && (isFinal(l) || l.ending)) {
            throw ApplicationFailure.nonRetryable(`broadcast already ${l.status.state}`, FailureTypes.invalidUpdate);
          }
        },
      }
    );
  }
}
