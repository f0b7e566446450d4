/**
 * A flood of hostile callbacks does not flood the log: the first rejections of each window are logged, the rest are
 * counted into one summary record. The limiter with a fake clock; the service over real HTTP (no Temporal server:
 * a bad token is refused before any signal).
 */
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';

import { startCallbackService } from '../src/callbacks/service';
import { configureLogging, LogCollector } from '../src/observability/logging';
import { RateLimitedLog } from '../src/observability/rate-limited-log';

describe('rate-limited log', () => {
  it('writes the first `limit` of a window, then one summary by kind when the window ends', () => {
    let now = 0;
    const summaries: unknown[] = [];
    const log = new RateLimitedLog({
      limit: 3,
      windowMs: 60_000,
      now: () => now,
      summarize: (held, total) => summaries.push({ held, total }),
    });
    const admitted = Array.from({ length: 10 }, (_, i) => log.admit(i % 2 ? 'bad-token' : 'malformed'));
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(summaries).toEqual([]);
    now = 59_999;
    log.roll();
    expect(summaries).toEqual([]);
    now = 60_000;
    expect(log.admit('bad-token')).toBe(true); // a new window: written again, after the summary of the last
    expect(summaries).toEqual([{ held: { 'bad-token': 4, malformed: 3 }, total: 7 }]);
    log.flush();
    expect(summaries).toHaveLength(1); // nothing held back in this window: no summary
  });
});

describe('callback service under a flood of bad tokens', () => {
  const collector = new LogCollector();
  beforeAll(() => configureLogging({ format: 'json', level: 'INFO', destination: collector }));
  afterAll(() => configureLogging({ destination: process.stdout }));

  it('logs the first rejections of the window and one summary with the count of the rest', async () => {
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const service = await startCallbackService({
      port: 0,
      secret: 'callback-secret-for-flood-test',
      client,
      rejectionLog: { limit: 5, windowMs: 3_600_000 },
    });
    const FLOOD = 300;
    try {
      for (let i = 0; i < FLOOD; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            const res = await request(`${service.url}/callbacks/v1/some-broadcast/not-the-token`, {
              method: 'POST',
              body: '{}',
            });
            await res.body.dump();
            expect(res.statusCode).toBe(403);
          })
        );
      }
    } finally {
      await service.close();
    }
    const records = collector.records().filter((r) => r.component === 'callbacks');
    expect(records.filter((r) => r.message === 'callback rejected')).toHaveLength(5);
    expect(records.filter((r) => r.message === 'callback rejections not logged')).toEqual([
      expect.objectContaining({ level: 'WARN', notLogged: FLOOD - 5, byOutcome: `bad-token=${FLOOD - 5}` }),
    ]);
    expect(service.counts['bad-token']).toBe(FLOOD); // every one still counted (and in the metrics)
  });
});
