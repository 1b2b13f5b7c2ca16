import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-app';

/**
 * A throwaway PostgreSQL server owned by one test, for faults that would break every other suite if done
 * to the shared server on 5432 (stopping it, restarting it). Data directory, socket and log live in one
 * temporary directory that `destroy()` removes. The server trades durability for speed (fsync off): its
 * data only has to survive a clean stop, never a power cut.
 *
 * initdb and postgres refuse to run as root, and tests here run as root, so the server runs as the
 * `postgres` OS user (which the Debian packages create) through runuser.
 */

const run = promisify(execFile);
const PG_LIB = '/usr/lib/postgresql';
const SERVER_USER = 'postgres';

/**
 * Why a private server can't run here, or undefined when it can. Under CI=true a missing server is a broken
 * machine, not a reason to skip, so it throws instead (the same policy as the shared server in global-setup).
 */
export function privatePostgresSkipReason(): string | undefined {
  const reason = unavailableBecause();
  if (reason && process.env.CI === 'true') throw new Error(`${reason}; CI=true requires the private PostgreSQL tests.`);
  return reason;
}

function unavailableBecause(): string | undefined {
  if (!findBinDir()) return `no PostgreSQL server binaries (initdb, pg_ctl) under ${PG_LIB}/<version>/bin`;
  if (isRoot()) {
    if (!fs.existsSync('/usr/sbin/runuser') && !fs.existsSync('/sbin/runuser')) return 'running as root without runuser to start PostgreSQL as another user';
    if (serverUserIds() === undefined) return `running as root and there is no "${SERVER_USER}" OS user to run PostgreSQL as`;
  }
  return undefined;
}

/** The newest installed major version's bin directory (e.g. /usr/lib/postgresql/15/bin). */
function findBinDir(): string | undefined {
  if (!fs.existsSync(PG_LIB)) return undefined;
  const versions = fs
    .readdirSync(PG_LIB)
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(PG_LIB, version, 'bin');
    if (['initdb', 'pg_ctl', 'postgres'].every((tool) => fs.existsSync(path.join(bin, tool)))) return bin;
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;

function serverUserIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

export interface PrivatePostgres {
  readonly port: number;
  readonly running: boolean;
  /** A connection URL for `database` (default `postgres`), with Prisma's `?schema=` when given. */
  url(options?: { database?: string; schema?: string }): string;
  /** Starts the server (again, after `stop()`) on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown: open sessions are terminated, as when an operator restarts the server. */
  stop(): Promise<void>;
  /** Stops the server if it runs and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
  /** The server's log so far, for failure messages. */
  log(): string;
}

/** initdb's a new cluster and starts it on a free port. Call `privatePostgresSkipReason()` first. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findBinDir();
  if (!bin) throw new Error(unavailableBecause());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reconnect-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'server.log');
  fs.mkdirSync(socketDir);
  if (isRoot()) {
    const ids = serverUserIds();
    if (!ids) throw new Error(unavailableBecause());
    for (const entry of [root, socketDir]) fs.chownSync(entry, ids.uid, ids.gid);
  }

  // As the server user, from a directory it may read (initdb complains about an unreadable cwd).
  const command = (tool: string, args: string[]): [string, string[]] =>
    isRoot() ? ['runuser', ['-u', SERVER_USER, '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  const options = { cwd: root, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' }, timeout: 90_000 };
  const asServer = (tool: string, args: string[]) => run(...command(tool, args), options);
  const explain = (what: string, error: unknown): Error => {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    return new Error(`private PostgreSQL: ${what} failed: ${(error as Error).message}\n${stderr}\n${readLog(logFile)}`);
  };

  try {
    await asServer('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw explain('initdb', error);
  }
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${socketDir}'`,
    // Speed over durability: the data only has to outlive a clean stop.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=40',
  ].join(' ');

  let running = false;
  let destroyed = false;
  // Present while a postmaster runs, even one whose start timed out before `running` was set.
  const postmasterRuns = () => fs.existsSync(path.join(dataDir, 'postmaster.pid'));
  // Should the test process die first, don't leave a server behind (synchronous: 'exit' can't wait).
  const stopAtExit = () => {
    if (!postmasterRuns()) return;
    try {
      execFileSync(...command('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']), { ...options, stdio: 'ignore' });
    } catch {
      // Nothing more to do while exiting.
    }
  };
  process.once('exit', stopAtExit);

  const server: PrivatePostgres = {
    port,
    get running() {
      return running;
    },
    url({ database = 'postgres', schema } = {}) {
      const url = new URL(`postgres://postgres@127.0.0.1:${port}/${database}`);
      if (schema) url.searchParams.set('schema', schema);
      return url.toString();
    },
    async start() {
      if (destroyed) throw new Error('private PostgreSQL: already destroyed');
      try {
        await asServer('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']);
      } catch (error) {
        throw explain('start', error);
      }
      running = true;
    },
    async stop() {
      if (!running) return;
      try {
        await asServer('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } catch (error) {
        throw explain('stop', error);
      }
      running = false;
    },
    async destroy() {
      if (destroyed) return;
      try {
        if (postmasterRuns()) await asServer('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      } finally {
        running = false;
        destroyed = true;
        process.removeListener('exit', stopAtExit);
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
    log: () => readLog(logFile),
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
