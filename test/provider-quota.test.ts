/**
 * The pieces of the fleet-wide provider quota that decide alone: the lease a worker checks before each call, the
 * reading of the server's record that keeps it, and the provider client refusing to send without it.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';

import { LiveClient } from '../src/provider/client';
import { ProviderQuotaLease, QuotaLeaseNotHeld } from '../src/provider-quota/lease';
import { createQuotaOwnerActivities, ownerRecord, QUOTA_OWNER_STEPPED_DOWN } from '../src/provider-quota/owner';
import {
  CONFIRM_EVERY_MS,
  HEARTBEAT_THROTTLE_MS,
  HEARTBEAT_TIMEOUT_MS,
  MAX_UNCONFIRMED_MS,
  QUIET_PERIOD_MS,
  RETRY_INTERVAL_MS,
} from '../src/shared/quota-owner-timings';

describe('ProviderQuotaLease', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('refuses calls until it is taken, and after it is released', async () => {
    const time = clock();
    const lease = new ProviderQuotaLease({ now: time.now, maxUnconfirmedMs: 2_000 });
    await expect(lease.admit()).rejects.toThrow(QuotaLeaseNotHeld);
    await expect(lease.admit()).rejects.toThrow('does not own the provider quota');
    lease.take();
    await expect(lease.admit()).resolves.toBeUndefined();
    lease.release();
    expect(lease.held).toBe(false);
    await expect(lease.admit()).rejects.toThrow(QuotaLeaseNotHeld);
  });

  it('holds calls once unconfirmed for maxUnconfirmedMs, until a confirmation lets them go', async () => {
    const time = clock();
    const lease = new ProviderQuotaLease({ now: time.now, maxUnconfirmedMs: 2_000, maxWaitMs: 60_000 });
    lease.take();
    time.advance(2_000);
    expect(lease.valid).toBe(true);
    time.advance(1);
    expect(lease.valid).toBe(false);
    expect(lease.held).toBe(true);
    let admitted = false;
    const waiting = lease.admit().then(() => (admitted = true));
    await new Promise((r) => setImmediate(r));
    expect(admitted).toBe(false);
    lease.confirm();
    await waiting;
    expect(admitted).toBe(true);
    expect(lease.valid).toBe(true);
  });

  it('refuses a held call when ownership ends while it waits', async () => {
    const time = clock();
    const lease = new ProviderQuotaLease({ now: time.now, maxUnconfirmedMs: 2_000, maxWaitMs: 60_000 });
    lease.take();
    time.advance(5_000);
    const waiting = lease.admit();
    lease.release();
    await expect(waiting).rejects.toThrow('does not own the provider quota');
  });

  it('refuses a held call when no confirmation comes within maxWaitMs', async () => {
    const time = clock();
    const lease = new ProviderQuotaLease({ now: time.now, maxUnconfirmedMs: 2_000, maxWaitMs: 20 });
    lease.take();
    time.advance(5_000);
    await expect(lease.admit()).rejects.toThrow('could not confirm it still owns the provider quota for 20 ms');
  });

  it('a confirmation that arrives after a release does not take the lease back', async () => {
    const lease = new ProviderQuotaLease();
    lease.take();
    lease.release();
    lease.confirm();
    expect(lease.held).toBe(false);
    await expect(lease.admit()).rejects.toThrow(QuotaLeaseNotHeld);
  });
});

describe('ownerRecord', () => {
  const { PENDING_ACTIVITY_STATE_STARTED, PENDING_ACTIVITY_STATE_SCHEDULED, PENDING_ACTIVITY_STATE_CANCEL_REQUESTED } =
    temporal.api.enums.v1.PendingActivityState;
  const me = { runId: 'run-1', activityId: '1', attempt: 3 };
  const running = { activityId: '1', attempt: 3, state: PENDING_ACTIVITY_STATE_STARTED };

  it('is current while the server runs this attempt of this run', () => {
    expect(ownerRecord({ runId: 'run-1', pending: [running] }, me)).toBe('current');
    const cancelRequested = { ...running, state: PENDING_ACTIVITY_STATE_CANCEL_REQUESTED };
    expect(ownerRecord({ runId: 'run-1', pending: [cancelRequested] }, me)).toBe('current');
  });

  it.each([
    ['a later attempt runs (this one timed out)', { runId: 'run-1', pending: [{ ...running, attempt: 4 }] }],
    [
      'the retry waits to be scheduled',
      { runId: 'run-1', pending: [{ ...running, state: PENDING_ACTIVITY_STATE_SCHEDULED }] },
    ],
    ['no activity is pending (terminated, or this one completed)', { runId: 'run-1', pending: [] }],
    ['another run is the latest', { runId: 'run-2', pending: [running] }],
    ['another activity of the run', { runId: 'run-1', pending: [{ ...running, activityId: '2' }] }],
  ])('is superseded when %s', (_why, described) => {
    expect(ownerRecord(described, me)).toBe('superseded');
  });
});

describe('election timings', () => {
  it("keep an unconfirmed owner's last call a full quota window before the next owner's first", () => {
    // Worst case for an owner cut off at p = 0 (see src/shared/quota-owner-timings.ts).
    const lastCallOfOldOwner = MAX_UNCONFIRMED_MS;
    const firstCallOfNextOwner = -HEARTBEAT_THROTTLE_MS + HEARTBEAT_TIMEOUT_MS + RETRY_INTERVAL_MS + QUIET_PERIOD_MS;
    expect(firstCallOfNextOwner - lastCallOfOldOwner).toBeGreaterThanOrEqual(2 * 1000);
    // Confirmations come often enough that a healthy owner never lapses between two of them.
    expect(MAX_UNCONFIRMED_MS).toBeGreaterThanOrEqual(3 * CONFIRM_EVERY_MS);
  });
});

describe('LiveClient with a call guard', () => {
  it('does not send a call the guard refuses, and says why', async () => {
    const lease = new ProviderQuotaLease();
    let sent = 0;
    // Nothing listens on port 9: a sent call would fail with a connection error instead.
    const client = new LiveClient({
      accessKeyId: 'id',
      accessKeySecret: 'secret',
      region: 'cn-shanghai',
      endpoint: 'http://127.0.0.1:9',
      timeoutMs: 1_000,
      quotaPerSecond: 10,
      callGuard: lease,
      onCall: () => sent++,
    });
    try {
      await expect(client.describeLivePullToPush({ TaskId: 'task-1' })).rejects.toThrow(QuotaLeaseNotHeld);
      expect(sent).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe('holdProviderQuota (mock activity environment)', () => {
  const RUN_ID = '00000000-0000-0000-0000-000000000000';
  /** A client whose describe answers with the owner's record: this attempt running, or `superseded`. */
  function fakeClient(record: () => 'current' | 'superseded'): Client {
    const describeWorkflowExecution = async () => ({
      workflowExecutionInfo: { execution: { runId: RUN_ID } },
      pendingActivities: [
        {
          activityId: 'test',
          attempt: record() === 'current' ? 1 : 2,
          state: temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
        },
      ],
    });
    return {
      withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
      workflowService: { describeWorkflowExecution },
    } as unknown as Client;
  }

  async function hold(record: () => 'current' | 'superseded', stopAfterMs?: number, stopping?: AbortSignal) {
    const lease = new ProviderQuotaLease();
    const events: string[] = [];
    const activities = createQuotaOwnerActivities({
      client: fakeClient(record),
      lease,
      startProviderWorkers: async () => {
        events.push(`started (lease ${lease.valid ? 'valid' : 'not valid'})`);
        return async () => {
          events.push(`stopped (lease ${lease.held ? 'held' : 'released'})`);
        };
      },
      stopping,
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 10_000 });
    if (stopAfterMs !== undefined) setTimeout(() => env.cancel('WORKER_SHUTDOWN'), stopAfterMs);
    const outcome = await env.run(activities.holdProviderQuota, { workflowTaskQueue: 'q' }).then(
      () => 'completed',
      (err: unknown) => err
    );
    return { outcome, events, lease };
  }

  it('on shutdown: stops its provider workers after releasing the lease, and fails so another worker is elected', async () => {
    const { outcome, events, lease } = await hold(() => 'current', 2_500);
    expect(events).toEqual(['started (lease valid)', 'stopped (lease released)']);
    expect(lease.held).toBe(false);
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    expect((outcome as ApplicationFailure).type).toBe(QUOTA_OWNER_STEPPED_DOWN);
    expect((outcome as ApplicationFailure).message).toContain('cancelled');
  }, 20_000);

  it('when its worker starts stopping: steps down at once, without waiting for the SDK to cancel it', async () => {
    const stopping = new AbortController();
    setTimeout(() => stopping.abort(), 2_500);
    // No env.cancel: the SDK cancels running activities only after the worker's shutdown grace time.
    const { outcome, events, lease } = await hold(() => 'current', undefined, stopping.signal);
    expect(events).toEqual(['started (lease valid)', 'stopped (lease released)']);
    expect(lease.held).toBe(false);
    expect((outcome as ApplicationFailure).type).toBe(QUOTA_OWNER_STEPPED_DOWN);
    expect((outcome as ApplicationFailure).message).toContain('worker stopping');
  }, 20_000);

  it('when the server names another attempt: steps down and fails', async () => {
    let calls = 0;
    const { outcome, events } = await hold(() => (++calls <= 2 ? 'current' : 'superseded'));
    expect(events).toEqual(['started (lease valid)', 'stopped (lease released)']);
    expect((outcome as ApplicationFailure).type).toBe(QUOTA_OWNER_STEPPED_DOWN);
    expect((outcome as ApplicationFailure).message).toContain('superseded');
  }, 20_000);

  it('does not start polling when another attempt already runs', async () => {
    const { outcome, events } = await hold(() => 'superseded');
    expect(events).toEqual([]);
    expect((outcome as ApplicationFailure).message).toContain('superseded');
  }, 20_000);
});
