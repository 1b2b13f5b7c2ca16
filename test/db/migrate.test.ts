import { spawn } from 'node:child_process';
import path from 'node:path';
import { migrate, loadMigrations } from '../../src/db/migrate';
import { parseDatabaseUrl } from '../../src/db/database-url';
import { openDatabase, DatabaseUnavailableError } from '../../src/db/client';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';

describe('migrations', () => {
  for (const { kind, skip } of databaseKinds()) {
    (skip ? describe.skip : describe)(`on ${kind}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      it('apply once and are idempotent', async () => {
        const url = freshDatabaseUrl(kind);
        try {
          const first = await migrate(parseDatabaseUrl(url));
          expect(first.applied).toEqual(loadMigrations(kind).map((m) => m.name));
          const second = await migrate(parseDatabaseUrl(url));
          expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
        } finally {
          await dropDatabase(url);
        }
      });

      it('two processes migrating one empty database at once both succeed and apply each migration once', async () => {
        const url = freshDatabaseUrl(kind);
        try {
          const runs = await Promise.all([runMigrateProcess(url), runMigrateProcess(url)]);
          for (const run of runs) expect(run.code).toBe(0);
          const appliedCounts = runs.map((run) => JSON.parse(run.stdout).applied.length).sort();
          expect(appliedCounts).toEqual([0, loadMigrations(kind).length]);
          const db = await openDatabase(url, { migrate: false });
          const rows = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT COUNT(*) AS n FROM _reconnect_migrations');
          expect(Number(rows[0]!.n)).toBe(loadMigrations(kind).length);
          await db.close();
        } finally {
          await dropDatabase(url);
        }
      });
    });
  }

  it('an unreachable Postgres fails fast with a clear error naming the database, not a stack', async () => {
    const started = Date.now();
    const error = await openDatabase('postgres://nobody@127.0.0.1:1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(/Cannot reach the database \(PostgreSQL 127\.0\.0\.1:1\/x/);
    expect((error as Error).message).toMatch(/DATABASE_URL/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a migration that changed after it was applied', async () => {
    const url = freshDatabaseUrl('sqlite');
    try {
      await migrate(parseDatabaseUrl(url));
      const db = await openDatabase(url, { migrate: false });
      await db.prisma.$executeRawUnsafe(`UPDATE _reconnect_migrations SET checksum = 'x'`);
      await db.close();
      await expect(migrate(parseDatabaseUrl(url))).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await dropDatabase(url);
    }
  });
});

/** Runs the real migration code in its own Node process, as a second replica starting up would. */
function runMigrateProcess(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const loader = path.join(__dirname, '..', 'support', 'run-migrate.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [loader, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
