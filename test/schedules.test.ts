/**
 * Recurring broadcasts on a real server. The time-skipping test server does not implement Schedules (checked below),
 * so these run on the dev server: the occurrences the server will fire over several weeks (a daylight-saving change
 * included) through `describe().info.nextActionTimes`, a firing through `trigger()` starting the broadcast with the
 * right ID and window (stub provider activities), and the client script's `schedule` commands in-process.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ScheduleNotFoundError, type ScheduleHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import type { Activities } from '../src/activities';
import { createScheduleActivities } from '../src/activities/schedule-broadcasts';
import { main } from '../src/client';
import { nextOccurrences } from '../src/schedules/calendar';
import { createBroadcastSchedule, type ScheduleView } from '../src/schedules/client';
import { validateSchedule, type ScheduleDeclaration, type ScheduleDefinition } from '../src/schedules/definition';
import { occurrenceWindow } from '../src/schedules/occurrence';
import type { BroadcastStatus } from '../src/shared/broadcast';
import { BroadcastStartKey } from '../src/shared/search-attributes';
import { isoSeconds } from '../src/shared/time';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import type { scheduledBroadcastWorkflow } from '../src/workflows/schedule-occurrence';
import { statusQuery } from '../src/workflows/messages';

import { historyOf } from './helpers/histories';
import { eventually, StubProvider, withStubWorkers } from './helpers/stub-relay';
import { createDevEnv, createTimeSkippingEnv } from '../testkit/temporal';

jest.setTimeout(120_000);

const iso = (ms: number) => isoSeconds(ms);
const SOURCE = 'rtmp://studio-b.example/live/main';
const DST = 'rtmp://ingest.partner.example/live/show';
const template = { relay: { SourceType: 'live', SourceProtocol: 'rtmp', SourceUrls: [SOURCE], DstUrl: DST } };

function definitionOf(declaration: Partial<ScheduleDeclaration> & { scheduleId: string }): ScheduleDefinition {
  const { violations, definition } = validateSchedule(
    { days: 'FRI', times: ['20:00'], timeZone: 'Europe/Berlin', duration: '2h', template, ...declaration },
    { defaultRegion: 'cn-shanghai' }
  );
  if (!definition) throw new Error(violations.join('\n'));
  return definition;
}

/** The broadcast workflows plus the schedule's start activity, against a stub provider. */
class ScheduleStub extends StubProvider {
  constructor(private readonly env: TestWorkflowEnvironment) {
    super();
  }
  override activities(): Partial<Activities> {
    const schedules = createScheduleActivities({ client: this.env.client, defaultRegion: 'cn-shanghai' });
    return { ...super.activities(), ...schedules } as Partial<Activities>;
  }
}

it('the time-skipping test server does not implement Schedules (hence the dev server below)', async () => {
  const env = await createTimeSkippingEnv();
  try {
    const created = env.client.schedule.create({
      scheduleId: 'probe',
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledBroadcastWorkflow', taskQueue: 'probe', args: [] },
    });
    await expect(created).rejects.toMatchObject({ cause: { code: 12 } }); // gRPC UNIMPLEMENTED
  } finally {
    await env.teardown();
  }
});

describe('broadcast schedules (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };
  let taskQueue: string;
  const handles: ScheduleHandle[] = [];

  beforeAll(async () => {
    env = await createDevEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.delete().catch(() => undefined)));
    await env?.teardown();
  });
  beforeEach(() => {
    taskQueue = `sched-${randomUUID()}`;
  });

  const create = async (definition: ScheduleDefinition) => {
    const handle = await createBroadcastSchedule(env.client, definition, { taskQueue });
    handles.push(handle);
    return handle;
  };

  it('fires a fire lead before every Friday 20:00 Europe/Berlin, across the 2027-03-28 change', async () => {
    const definition = definitionOf({ scheduleId: `friday-${randomUUID()}`, from: '2027-03-01T00:00:00Z' });
    const handle = await create(definition);
    const { info } = await handle.describe();
    const occurrences = info.nextActionTimes.map((fired) => occurrenceWindow(fired, definition).StartTime);
    expect(occurrences.length).toBeGreaterThanOrEqual(6);
    // The server's calendar and ours agree, week by week: 19:00Z in winter time, 18:00Z from April.
    const expected = nextOccurrences(definition.calendar, Date.parse('2027-03-01T00:00:00Z'), occurrences.length);
    expect(occurrences).toEqual(expected.map(iso));
    expect(occurrences.slice(3, 5)).toEqual(['2027-03-26T19:00:00Z', '2027-04-02T18:00:00Z']);
  });

  it('a firing (trigger) starts the ordinary broadcast named by the schedule and the occurrence, with its window', async () => {
    const scheduleId = `trigger-${randomUUID()}`;
    const definition = definitionOf({ scheduleId, days: 'daily', times: ['03:00'], timeZone: 'UTC' });
    const stub = new ScheduleStub(env);
    await withStubWorkers(env, bundle, taskQueue, stub, async () => {
      const handle = await create(definition);
      await handle.trigger();
      const [fired] = await eventually(
        async () => (await handle.describe()).info.recentActions,
        (actions) => actions.length === 1,
        'the triggered firing'
      );
      const firing = env.client.workflow.getHandle<typeof scheduledBroadcastWorkflow>(
        fired!.action.workflow.workflowId
      );
      const window = occurrenceWindow(fired!.scheduledAt, definition);
      const broadcastId = `${scheduleId}/${window.StartTime}`;
      expect(await firing.result()).toEqual({ workflowId: broadcastId, outcome: 'started' });
      await historyOf(firing, 'schedule-trigger'); // replay fixture (RECORD_HISTORIES=1)

      const broadcast = env.client.workflow.getHandle(broadcastId);
      const described = await broadcast.describe();
      expect(described.type).toBe('relayBroadcastWorkflowV2');
      expect(described.typedSearchAttributes.get(BroadcastStartKey)).toEqual(new Date(window.StartTime));
      const status: BroadcastStatus = await broadcast.query(statusQuery);
      expect({ start: status.startTime, end: status.endTime }).toEqual({
        start: window.StartTime,
        end: window.EndTime,
      });
      expect(Date.parse(window.EndTime) - Date.parse(window.StartTime)).toBe(2 * 3600_000);

      // Idempotent: the same occurrence started again (a retried activity) leaves the broadcast as it is.
      const again = await createScheduleActivities({
        client: env.client,
        defaultRegion: 'cn-shanghai',
      }).startScheduledBroadcast({
        workflowId: broadcastId,
        taskQueue,
        request: { ...template, relay: { ...template.relay, ...window } } as never,
      });
      expect(again).toEqual({ workflowId: broadcastId, outcome: 'existing' });
      await broadcast.terminate('test over');
    });
  });

  it('a late firing (backfill) gets the window of the occurrence it was due for, not of the moment it runs', async () => {
    // A daily occurrence that started three hours ago; its firing is replayed now, as the catch-up would.
    const startedAt = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
    const at = iso(startedAt).slice(11, 16);
    const stub = new ScheduleStub(env);
    await withStubWorkers(env, bundle, taskQueue, stub, async () => {
      const outcomes = [];
      for (const [name, duration] of [
        ['ended', '1h'],
        ['on-air', '5h'],
      ] as const) {
        const scheduleId = `late-${name}-${randomUUID()}`;
        const definition = definitionOf({ scheduleId, days: 'daily', times: [at], timeZone: 'UTC', duration });
        const handle = await create(definition);
        const firedAt = startedAt - definition.fireLeadSeconds * 1000;
        await handle.backfill([{ start: new Date(firedAt - 60_000), end: new Date(firedAt + 60_000) }]);
        const [fired] = await eventually(
          async () => (await handle.describe()).info.recentActions,
          (actions) => actions.length === 1,
          'the backfilled firing'
        );
        const firing = env.client.workflow.getHandle<typeof scheduledBroadcastWorkflow>(
          fired!.action.workflow.workflowId
        );
        outcomes.push(await firing.result());
      }
      const occurrence = iso(startedAt);
      expect(outcomes).toEqual([
        { workflowId: expect.stringMatching(new RegExp(`^late-ended-.*/${occurrence}$`)), outcome: 'window-passed' },
        { workflowId: expect.stringMatching(new RegExp(`^late-on-air-.*/${occurrence}$`)), outcome: 'started' },
      ]);
      const broadcast = env.client.workflow.getHandle(outcomes[1]!.workflowId);
      expect((await broadcast.query(statusQuery)).startTime).toBe(occurrence);
      await broadcast.terminate('test over');
    });
  });

  describe('client script, in-process', () => {
    const saved = { ...process.env };
    let out: string;
    let err: string;

    beforeEach(() => {
      process.env.TEMPORAL_ADDRESS = env.address;
      process.env.TEMPORAL_NAMESPACE = 'default';
      process.env.TEMPORAL_TASK_QUEUE = taskQueue;
      process.env.ALIYUN_REGION = 'cn-shanghai';
      process.env.TEMPORAL_UI_URL = 'http://ui.example:8233';
      out = '';
      err = '';
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    });
    afterEach(() => {
      jest.restoreAllMocks();
      process.env = { ...saved };
    });

    const createArgs = (id: string, ...extra: string[]) => [
      'schedule',
      'create',
      '--id',
      id,
      '--days',
      'FRI',
      '--at',
      '20:00',
      '--tz',
      'Europe/Berlin',
      '--duration',
      '2h',
      '--source',
      SOURCE,
      '--dst',
      DST,
      ...extra,
    ];
    const describeJson = async (id: string): Promise<ScheduleView> => {
      out = '';
      expect(await main(['schedule', 'describe', id, '--json'])).toBe(0);
      return JSON.parse(out) as ScheduleView;
    };

    it('create, list, describe, pause, unpause, delete', async () => {
      const id = `cli-${randomUUID()}`;
      handles.push(env.client.schedule.getHandle(id));
      expect(await main(createArgs(id, '--from', '2027-03-20T00:00:00Z', '--catch-up', 'skip'))).toBe(0);
      expect(out).toContain(`created schedule ${id}`);
      expect(out).toContain(`Web UI: http://ui.example:8233/namespaces/default/schedules/${id}`);

      const view = await describeJson(id);
      expect(view).toMatchObject({
        scheduleId: id,
        paused: false,
        calendar: 'FRIDAY 20:00 Europe/Berlin, 2h',
        destination: `pull-to-push → ${DST}`,
        catchUp: 'skip',
        overlap: 'ALLOW_ALL',
        fireLeadSeconds: 360,
      });
      expect(view.next.slice(0, 2)).toEqual([
        {
          StartTime: '2027-03-26T19:00:00Z',
          EndTime: '2027-03-26T21:00:00Z',
          broadcastId: `${id}/2027-03-26T19:00:00Z`,
        },
        {
          StartTime: '2027-04-02T18:00:00Z',
          EndTime: '2027-04-02T20:00:00Z',
          broadcastId: `${id}/2027-04-02T18:00:00Z`,
        },
      ]);

      out = '';
      expect(await main(['schedule', 'list', '--json'])).toBe(0);
      expect((JSON.parse(out) as ScheduleView[]).map((v) => v.scheduleId)).toContain(id);

      expect(await main(['schedule', 'pause', id, '--note', 'summer break'])).toBe(0);
      expect(await describeJson(id)).toMatchObject({ paused: true, note: 'summer break' });
      expect(await main(['schedule', 'unpause', id])).toBe(0);
      expect((await describeJson(id)).paused).toBe(false);

      expect(await main(['schedule', 'delete', id])).toBe(0);
      await expect(env.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });

    it('campaign start creates the schedules a campaign file declares, as <campaign>/<key>, once', async () => {
      const campaignId = `weekly-${randomUUID()}`;
      const file = path.join(os.tmpdir(), `${campaignId}.yaml`);
      fs.writeFileSync(
        file,
        [
          `campaign: ${campaignId}`,
          `defaults: { source: "${SOURCE}" }`,
          'schedules:',
          `  - { key: friday, days: FRI, at: "20:00", tz: Europe/Berlin, duration: 2h, dst: "${DST}" }`,
        ].join('\n')
      );
      const scheduleId = `${campaignId}/friday`;
      handles.push(env.client.schedule.getHandle(scheduleId));
      try {
        expect(await main(['campaign', 'start', file, '--json'])).toBe(0);
        expect(JSON.parse(out)).toMatchObject({
          campaignId,
          accepted: 0,
          schedules: { created: [scheduleId], existing: [] },
        });
        out = '';
        expect(await main(['campaign', 'start', file, '--json'])).toBe(0);
        expect(JSON.parse(out)).toMatchObject({ schedules: { created: [], existing: [scheduleId] } });
        expect(await describeJson(scheduleId)).toMatchObject({ calendar: 'FRIDAY 20:00 Europe/Berlin, 2h' });
      } finally {
        fs.rmSync(file, { force: true });
      }
    });

    it('refuses an overlapping schedule and a bad time zone, naming each rule, and creates nothing', async () => {
      const id = `refused-${randomUUID()}`;
      const code = await main(createArgs(id, '--at', '21:00', '--tz', 'Europe/Atlantis'));
      expect(code).toBe(2);
      expect(err).toContain('tz: "Europe/Atlantis" must be an IANA time zone');
      err = '';
      expect(await main(createArgs(id, '--at', '21:00'))).toBe(2);
      expect(err).toMatch(/duration: 2h must be shorter than the shortest gap between two occurrences \(1h, /);
      await expect(env.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
      err = '';
      expect(await main(createArgs(id, '--tz', 'Europe/Atlantis', '--json'))).toBe(2);
      expect(JSON.parse(err)).toMatchObject({ exitCode: 2, violations: [expect.stringMatching(/^tz: /)] });
      err = '';
      expect(await main(['schedule', 'pause', id])).toBe(1);
      expect(err).toBe(`error: not found: no schedule with id "${id}" in this namespace\n`);
    });
  });
});
