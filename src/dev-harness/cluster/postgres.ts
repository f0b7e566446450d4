/**
 * A PostgreSQL cluster of the cluster command's own: its own data folder, port and socket folder, so no other
 * PostgreSQL on the machine is touched. PostgreSQL refuses to run as root, so as root its programs run as `postgres`.
 * Local connections are trusted (the socket folder is ours); TCP ones need the `temporal` password.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ClusterError, type ClusterLayout } from './layout';
import { run } from './processes';

/** Credentials Temporal connects with (as in docker-compose.yml). */
export const POSTGRES_USER = { name: 'temporal', password: 'temporal' };

const CANDIDATE_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

const PROGRAMS = ['initdb', 'pg_ctl', 'psql'];

/** Folder holding initdb, pg_ctl and psql: POSTGRES_BIN_DIR, else on PATH, else Debian's /usr/lib/postgresql/<v>/bin. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    ...(env.POSTGRES_BIN_DIR ? [env.POSTGRES_BIN_DIR] : []),
    ...(env.PATH ?? '').split(path.delimiter),
    ...CANDIDATE_DIRS,
  ];
  const dir = candidates.find((d) => d && PROGRAMS.every((p) => fs.existsSync(path.join(d, p))));
  if (!dir) {
    throw new ClusterError(
      `no folder with PostgreSQL's ${PROGRAMS.join(', ')}: install PostgreSQL (Debian: apt-get install ` +
        'postgresql) or set POSTGRES_BIN_DIR to the folder that holds them'
    );
  }
  return dir;
}

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program, as `postgres` when we are root. */
function pg(layout: ClusterLayout, what: string, program: string, args: string[]): string {
  const binary = path.join(postgresBinDir(), program);
  return asRoot()
    ? run(what, 'runuser', ['-u', 'postgres', '--', binary, ...args], { cwd: os.tmpdir() })
    : run(what, binary, args, { cwd: os.tmpdir() });
}

/** Makes `dir` (and its parents up to the state folder) usable by the `postgres` user when we are root. */
function handToPostgres(layout: ClusterLayout, dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!asRoot()) return;
  run('chown', 'chown', ['-R', 'postgres:postgres', dir]);
  // postgres must be able to reach the folder: every parent gets search (x) permission, nothing more.
  for (let parent = path.dirname(dir); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    fs.chmodSync(parent, fs.statSync(parent).mode | 0o001);
    if (parent === path.dirname(layout.stateDir)) break;
  }
}

export function postgresLogFile(layout: ClusterLayout): string {
  return path.join(layout.logDir, 'postgres.log');
}

function pgCtl(layout: ClusterLayout, what: string, args: string[]): string {
  return pg(layout, what, 'pg_ctl', ['-D', layout.postgresDataDir, ...args]);
}

export function postgresRunning(layout: ClusterLayout): boolean {
  if (!fs.existsSync(path.join(layout.postgresDataDir, 'PG_VERSION'))) return false;
  try {
    pgCtl(layout, 'pg_ctl status', ['status']);
    return true;
  } catch {
    return false;
  }
}

/** initdb once; then (re)start on the layout's port with the socket in our own folder. Waits until it accepts. */
export function startPostgres(layout: ClusterLayout): void {
  const fresh = !fs.existsSync(path.join(layout.postgresDataDir, 'PG_VERSION'));
  handToPostgres(layout, path.dirname(layout.postgresDataDir));
  handToPostgres(layout, layout.postgresSocketDir);
  fs.mkdirSync(layout.logDir, { recursive: true });
  const logFile = postgresLogFile(layout);
  if (!fs.existsSync(logFile)) fs.writeFileSync(logFile, '');
  if (asRoot()) run('chown', 'chown', ['postgres:postgres', logFile]);
  if (fresh) {
    fs.rmSync(layout.postgresDataDir, { recursive: true, force: true });
    pg(layout, 'initdb', 'initdb', [
      '-D',
      layout.postgresDataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
    ]);
  }
  if (!postgresRunning(layout)) {
    const options = `-p ${layout.postgresPort} -k ${layout.postgresSocketDir} -c listen_addresses=127.0.0.1`;
    try {
      pgCtl(layout, 'pg_ctl start', ['-w', '-t', '120', '-l', logFile, '-o', options, 'start']);
    } catch (err) {
      throw new ClusterError(`${(err as Error).message}\nPostgreSQL's log: ${logFile}`);
    }
  }
  createTemporalRole(layout);
}

/** psql as the superuser over our own socket (trusted). */
export function psql(layout: ClusterLayout, what: string, sql: string): string {
  return pg(layout, what, 'psql', [
    '-h',
    layout.postgresSocketDir,
    '-p',
    String(layout.postgresPort),
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-tAc',
    sql,
  ]);
}

function createTemporalRole(layout: ClusterLayout): void {
  const { name, password } = POSTGRES_USER;
  psql(
    layout,
    `create role ${name}`,
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN ` +
      `CREATE ROLE ${name} LOGIN CREATEDB PASSWORD '${password}'; END IF; END $$;`
  );
}

/** Fast shutdown (connections closed, no crash recovery needed at the next start). */
export function stopPostgres(layout: ClusterLayout): 'stopped' | 'not running' {
  if (!postgresRunning(layout)) return 'not running';
  pgCtl(layout, 'pg_ctl stop', ['-w', '-t', '60', '-m', 'fast', 'stop']);
  return 'stopped';
}

export function restartPostgres(layout: ClusterLayout): void {
  stopPostgres(layout);
  startPostgres(layout);
}
