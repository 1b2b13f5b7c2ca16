import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient as PostgresClient } from '../generated/postgresql/client';
import { describeDatabase, parseDatabaseUrl, type DatabaseKind, type DatabaseTarget } from './database-url';
import { attachDriver, catchTransactions } from './driver';
import { isOpeningError } from './errors';
import { migrate, type MigrationResult } from './migrate';

/**
 * Both generated clients expose the same models (prisma/models.prisma is their one source), so the rest
 * of the code uses the Postgres client's type for either.
 */
export type Prisma = PostgresClient;
export type Tx = Parameters<Parameters<Prisma['$transaction']>[0]>[0];

export interface Database {
  prisma: Prisma;
  kind: DatabaseKind;
  target: DatabaseTarget;
  description: string;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(description: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot reach the database (${description}): ${why}. Check DATABASE_URL and that the server is running.`);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface OpenOptions {
  /** Apply pending migrations first (the default; `npm start` relies on it). */
  migrate?: boolean;
  poolSize?: number;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database & { migrations?: MigrationResult }> {
  const target = parseDatabaseUrl(url);
  const description = describeDatabase(target);
  let migrations: MigrationResult | undefined;
  if (options.migrate !== false) {
    try {
      migrations = await migrate(target);
    } catch (error) {
      if (isOpeningError(error)) throw new DatabaseUnavailableError(description, error);
      throw error;
    }
  }
  const prisma = await createClient(target, options.poolSize ?? 10);
  try {
    await prisma.$queryRawUnsafe('SELECT 1');
    // WAL (set by the migration runner) with synchronous=NORMAL syncs at checkpoints, not at every commit:
    // durable when the process dies, only a power loss can drop the last commits. better-sqlite3 waits
    // for a sync on the event loop, so syncing each commit would stall every request behind it.
    if (target.kind === 'sqlite') await prisma.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  } catch (error) {
    await prisma.$disconnect().catch(() => undefined);
    throw new DatabaseUnavailableError(description, error);
  }
  const driver = await attachDriver(prisma, target);
  const close = async () => {
    await prisma.$disconnect();
    await driver.close();
  };
  return { prisma, kind: target.kind, target, description, migrations, close };
}

/**
 * Only the configured database's client and adapter are loaded: each client carries its own query
 * compiler, and a process that loaded both would hold about 10 MB more for nothing.
 */
async function createClient(target: DatabaseTarget, poolSize: number): Promise<Prisma> {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true });
    const [{ PrismaBetterSQLite3 }, { PrismaClient: SqliteClient }] = await Promise.all([import('@prisma/adapter-better-sqlite3'), import('../generated/sqlite/client')]);
    const adapter = await catchTransactions(new PrismaBetterSQLite3({ url: target.file, timeout: 10_000 }), 'sqlite');
    return new SqliteClient({ adapter }) as unknown as Prisma;
  }
  const [{ PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([import('@prisma/adapter-pg'), import('../generated/postgresql/client')]);
  const adapter = await catchTransactions(new PrismaPg(
    {
      connectionString: target.connectionString,
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      // Raw queries resolve unqualified names in the configured schema too (each test run uses its own).
      options: `-c search_path="${target.schema}"`,
    },
    { schema: target.schema },
  ), 'postgresql');
  return new PostgresClient({ adapter });
}
