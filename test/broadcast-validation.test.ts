/** The whole-request validation the client and the workflow share: fields it does not know are violations too. */
import { createActivities, type ActivityDeps } from '../src/activities';
import { validateBroadcastRequest } from '../src/broadcast/validation';
import type { RelaySpec } from '../src/shared/broadcast';
import { isoSeconds } from '../src/shared/time';

const now = new Date('2026-11-22T12:00:00Z');
const options = { defaultRegion: 'cn-shanghai', now };
const relay = {
  SourceType: 'live',
  SourceProtocol: 'rtmp',
  SourceUrls: ['rtmp://source.example.com/live/a'],
  DstUrl: 'rtmp://ingest.example.com/app/a',
  StartTime: '2026-11-22T13:00:00Z',
  EndTime: '2026-11-22T14:00:00Z',
};

describe('validateBroadcastRequest', () => {
  it('accepts a complete request and fills in the defaults', () => {
    const { violations, normalized } = validateBroadcastRequest({ relay, leadTimeSeconds: 60 }, options);
    expect(violations).toEqual([]);
    expect(normalized).toMatchObject({ leadTimeSeconds: 60, relay: { Region: 'cn-shanghai' } });
  });

  it('names every unknown field instead of ignoring it (a typo would leave a default in force)', () => {
    const { violations } = validateBroadcastRequest({ relay: { ...relay, RetryCont: 5 }, leadTime: 60 }, options);
    expect(violations).toEqual([
      expect.stringMatching(/^leadTime: unknown field \(known: flavour, relay, legacy, leadTimeSeconds/),
      expect.stringMatching(/^relay\.RetryCont: unknown field \(known: Region, StartTime/),
    ]);
  });

  it('names a __proto__ key like any other unknown field, and states the rule for label keys', () => {
    const withProto = JSON.parse(`{"__proto__":{"admin":true},"relay":${JSON.stringify(relay)}}`) as unknown;
    expect(validateBroadcastRequest(withProto, options).violations).toEqual([
      expect.stringMatching(/^__proto__: unknown field/),
    ]);
    expect(validateBroadcastRequest({ relay, labels: { ['k'.repeat(65)]: 'v' } }, options).violations).toEqual([
      'labels: keys must be 1 to 64 characters',
    ]);
  });

  it('refuses the fields the relay sets itself', () => {
    const { violations } = validateBroadcastRequest(
      { relay: { ...relay, TaskName: 'mine', CallbackUrl: 'http://evil.example.com/' } },
      options
    );
    expect(violations).toEqual([
      'relay.TaskName: set by the relay from the broadcast ID; not accepted in a request',
      'relay.CallbackUrl: set by the relay to its callback service; not accepted in a request',
    ]);
  });

  it('carries each problem as its field and rule, also a field holding ": " (a label key)', () => {
    const { fieldViolations, violations } = validateBroadcastRequest(
      { relay: { ...relay, DstUrl: 'http://ingest.example.com/app/a' }, labels: { 'note: x': 'v'.repeat(257) } },
      options
    );
    expect(fieldViolations).toEqual([
      { field: 'labels.note: x', rule: 'must be ≤ 256 characters' },
      { field: 'relay.DstUrl', rule: expect.any(String) },
    ]);
    expect(violations).toEqual(fieldViolations.map(({ field, rule }) => `${field}: ${rule}`));
  });

  it("gives the workflow's validation activity the lines alone, the shape recorded histories hold", async () => {
    const { validateBroadcast } = createActivities({ defaultRegion: 'cn-shanghai' } as ActivityDeps);
    // The activity validates against the real clock.
    const inAnHour = {
      ...relay,
      StartTime: isoSeconds(Date.now() + 3_600_000),
      EndTime: isoSeconds(Date.now() + 7_200_000),
    } as RelaySpec;
    const valid = await validateBroadcast({ relay: inAnHour, leadTimeSeconds: 60 });
    expect(Object.keys(valid)).toEqual(['violations', 'normalized']);
    expect(valid.violations).toEqual([]);
    const invalid = await validateBroadcast({ relay: { ...inAnHour, DstUrl: 'http://x/a' } });
    expect(Object.keys(invalid)).toEqual(['violations']);
    expect(invalid.violations).toEqual([expect.stringMatching(/^relay\.DstUrl: /)]);
  });

  it('checks the legacy flavour the same way', () => {
    const legacy = {
      DomainName: 'live.example.com',
      AppName: 'app',
      StreamName: 's',
      SourceUrl: 'rtmp://source.example.com/live/a',
      StartTime: '2026-11-22T13:00:00Z',
      EndTime: '2026-11-22T14:00:00Z',
    };
    expect(validateBroadcastRequest({ flavour: 'legacy', legacy }, options).violations).toEqual([]);
    expect(
      validateBroadcastRequest({ flavour: 'legacy', legacy: { ...legacy, Stream: 'x' } }, options).violations
    ).toEqual([expect.stringMatching(/^legacy\.Stream: unknown field/)]);
  });
});
