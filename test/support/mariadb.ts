import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The MySQL/MariaDB server this machine kind runs (root, no password), for the database integration tests. */

export const mysqlUrl = new URL(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');

/**
 * Decided while jest collects the tests, which can't wait for a connection: a child process tries one.
 * Under CI=true an unreachable server fails the run, as for PostgreSQL in global-setup.
 */
export function mysqlSkipReason(): string | undefined {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const c = require('mysql2').createConnection({ uri: process.argv[1], connectTimeout: 3000 });
       c.query('select 1', (e) => { process.stdout.write(e ? e.message : ''); c.destroy(); process.exit(e ? 1 : 0); });`,
      mysqlUrl.toString(),
    ],
    { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) return undefined;
  const reason = `MySQL/MariaDB at ${mysqlUrl.host} unreachable (${probe.stdout.trim() || probe.error?.message || `exit ${probe.status}`})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires the MySQL tests.`);
  return reason;
}

