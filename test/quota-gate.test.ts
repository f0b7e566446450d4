/** The provider quota gate: a slot frees a full window after its call's answer, callers are served in order. */
import { QuotaGate } from '../src/provider/quota-gate';

describe('QuotaGate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Lets resolved promises run without moving the fake clock. */
  const settle = () => jest.advanceTimersByTimeAsync(0);

  it('lets `limit` calls through at once and holds the next until a window after an answer', async () => {
    const gate = new QuotaGate({ limit: 3, windowMs: 1000, marginMs: 10 });
    const releases = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()]);
    let fourth = false;
    const waiting = gate.acquire().then((release) => {
      fourth = true;
      return release;
    });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(fourth).toBe(false); // no answer yet: a slow call keeps its slot

    releases[1]?.();
    await jest.advanceTimersByTimeAsync(1_009);
    expect(fourth).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(fourth).toBe(true);
    (await waiting)();
  });

  it('serves waiting callers first come, first served, and counts a double release once', async () => {
    const gate = new QuotaGate({ limit: 1, marginMs: 0 });
    const first = await gate.acquire();
    const order: string[] = [];
    const b = gate.acquire().then((release) => (order.push('b'), release));
    const c = gate.acquire().then((release) => (order.push('c'), release));
    first();
    first();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual(['b']);
    (await b)();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual(['b', 'c']);
    (await c)();
    await settle();
  });

  it('refuses a limit that is not a positive integer, naming it', () => {
    expect(() => new QuotaGate({ limit: 0 })).toThrow(/limit must be a positive integer, got 0/);
    expect(() => new QuotaGate({ limit: 2.5 })).toThrow(/limit/);
  });
});
