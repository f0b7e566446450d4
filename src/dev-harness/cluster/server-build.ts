/**
 * The pinned Temporal server and its SQL schema tool, built from the Go module proxy once and cached outside the
 * clone (a fresh clone, e.g. CI's, reuses them): `<cache>/temporal-<version>_<go version>_<os>-<arch>/` holds
 * `bin/temporal-server`, `bin/temporal-sql-tool` (the names docker images use, so deploy/compose's scripts run
 * unchanged) and the module's `schema/` (copied: a module-cache clean must not take it away).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ClusterError } from './layout';
import { lastLines, run } from './processes';

/** The server version docker-compose.yml pins (temporalio/server). v1.30.0 is retracted; the proxy's list omits v1.30.1. */
export const TEMPORAL_SERVER_VERSION = '1.30.1';
const MODULE = 'go.temporal.io/server';

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** `schema/postgresql/v12` of the module. */
  postgresSchemaDir: string;
  binDir: string;
  /** `go version` that built them. */
  goVersion: string;
  /** True when this call compiled them. */
  built: boolean;
}

interface BuildStamp {
  temporal: string;
  go: string;
  builtAt: string;
  buildSeconds: number;
}

function findGo(env: NodeJS.ProcessEnv): string {
  if (env.GO) return env.GO;
  for (const dir of [...(env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    const candidate = path.join(dir, 'go');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new ClusterError(
    'no Go toolchain: install Go (1.24+) or set GO to the go binary; it builds the Temporal server'
  );
}

function goEnv(go: string, names: string[]): string[] {
  return run('go env', go, ['env', ...names]).split('\n');
}

/** The user's cache dir for builds (CLUSTER_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, then broadcast-relay). */
export function buildCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLUSTER_CACHE_DIR) return path.resolve(env.CLUSTER_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'broadcast-relay', 'temporal-server');
}

function layoutOf(dir: string, built: boolean, stamp?: BuildStamp): ServerBinaries {
  return {
    goVersion: stamp?.go ?? 'unknown',
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    binDir: path.join(dir, 'bin'),
    built,
  };
}

function complete(dir: string): BuildStamp | undefined {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, 'build.json'), 'utf8')) as BuildStamp;
    const binaries = layoutOf(dir, false);
    const present = [binaries.server, binaries.sqlTool, binaries.postgresSchemaDir].every((f) => fs.existsSync(f));
    return present ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns the cached build, or builds it (minutes when cold). Builds in a scratch folder renamed into place, so an
 * interrupted build never looks complete.
 */
export function ensureServerBinaries(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}
): ServerBinaries {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
  const go = findGo(env);
  const [goVersion = 'unknown', goos = os.platform(), goarch = os.arch()] = goEnv(go, ['GOVERSION', 'GOOS', 'GOARCH']);
  const root = buildCacheRoot(env);
  const dir = path.join(root, `temporal-${TEMPORAL_SERVER_VERSION}_${goVersion}_${goos}-${goarch}`);
  const stamp = complete(dir);
  if (stamp) return layoutOf(dir, false, stamp);

  fs.mkdirSync(root, { recursive: true });
  const scratch = `${dir}.tmp-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  const goBin = path.join(scratch, 'gobin');
  log(
    `building Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with ${goVersion} into ${dir} ` +
      '(once per machine: 5–6 min on 2 cores)'
  );
  const started = Date.now();
  try {
    const buildEnv = { ...env, GOBIN: goBin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
    const packages = ['cmd/server', 'cmd/tools/sql'].map((p) => `${MODULE}/${p}@v${TEMPORAL_SERVER_VERSION}`);
    const build = spawnSync(go, ['install', '-trimpath', '-ldflags=-s -w', ...packages], {
      env: buildEnv,
      cwd: os.tmpdir(),
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (build.status !== 0) {
      throw new ClusterError(
        `go install of ${MODULE}@v${TEMPORAL_SERVER_VERSION} failed:\n${lastLines(build.stderr, 20)}`
      );
    }
    const info = JSON.parse(
      run('go mod download', go, ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], {
        env: buildEnv,
        cwd: os.tmpdir(),
      })
    ) as { Dir?: string };
    if (!info.Dir) throw new ClusterError(`go mod download did not report where ${MODULE} is`);
    fs.mkdirSync(path.join(scratch, 'bin'), { recursive: true });
    fs.renameSync(path.join(goBin, 'server'), path.join(scratch, 'bin', 'temporal-server'));
    fs.renameSync(path.join(goBin, 'sql'), path.join(scratch, 'bin', 'temporal-sql-tool'));
    fs.rmSync(goBin, { recursive: true, force: true });
    fs.cpSync(path.join(info.Dir, 'schema'), path.join(scratch, 'schema'), { recursive: true });
    // The module cache is read-only; the copy need not be.
    run('chmod schema', 'chmod', ['-R', 'u+w', path.join(scratch, 'schema')]);
    const buildSeconds = Math.round((Date.now() - started) / 1000);
    const newStamp: BuildStamp = {
      temporal: TEMPORAL_SERVER_VERSION,
      go: goVersion,
      builtAt: new Date().toISOString(),
      buildSeconds,
    };
    fs.writeFileSync(path.join(scratch, 'build.json'), `${JSON.stringify(newStamp, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(scratch, dir);
    log(`built in ${buildSeconds} s`);
    return { ...layoutOf(dir, true, newStamp) };
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}
