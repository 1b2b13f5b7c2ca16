import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../src/db/client';
import type { DatabaseKind } from '../../src/db/database-url';

/**
 * Every test that touches the database runs once on SQLite and once on Postgres. Each test database is
 * new: a temporary SQLite file, or a Postgres schema named for this run, so runs never collide.
 */

let counter = 0;

export interface TestDatabase extends Database {
  url: string;
}

export function freshDatabaseUrl(kind: DatabaseKind): string {
  counter += 1;
  const id = `${process.env.RECONNECT_TEST_RUN ?? 'local'}_${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${counter}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconnect-test-'));
    return `file:${path.join(dir, 'test.db')}`;
  }
  const base = new URL(process.env.RECONNECT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  base.searchParams.set('schema', `t_${id}`.toLowerCase());
  return base.toString();
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const url = freshDatabaseUrl(kind);
  const db = await openDatabase(url, { poolSize: 5 });
  return {
    ...db,
    url,
    close: async () => {
      await db.close();
      await dropDatabase(url);
    },
  };
}

export async function dropDatabase(url: string): Promise<void> {
  if (url.startsWith('file:')) {
    fs.rmSync(path.dirname(url.slice('file:'.length)), { recursive: true, force: true });
    return;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const client = new Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The databases this run covers; Postgres is left out (and reported) only when unreachable outside CI. */
export function databaseKinds(): { kind: DatabaseKind; skip?: string }[] {
  const skip = process.env.RECONNECT_TEST_PG_SKIP;
  return [{ kind: 'sqlite' }, { kind: 'postgresql', skip: skip ? skip : undefined }];
}

/**
 * `describe` once per database, with a fresh database per test file and block (`db()` inside tests).
 * Tables are emptied between tests so each starts clean.
 */
export function describeEachDatabase(name: string, body: (db: () => TestDatabase, kind: DatabaseKind) => void): void {
  for (const { kind, skip } of databaseKinds()) {
    const block = skip ? describe.skip : describe;
    block(`${name} [${kind}${skip ? ` skipped: ${skip}` : ''}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(kind);
      });
      afterEach(async () => {
        if (database) await truncateAll(database);
      });
      afterAll(async () => {
        await database?.close();
      });
      body(() => {
        if (!database) throw new Error('test database not ready');
        return database;
      }, kind);
    });
  }
}

const TABLES = [
  'LanguageSetting',
  'OutboxMessage',
  'ExpiryWarning',
  'ChannelPace',
  'AuditEvent',
  'Incident',
  'Credential',
  'Connection',
  'ProcessedKey',
  'AuthFlow',
  'ChannelSubscription',
  'SchedulerLease',
  'Installation',
  'HomeViewer',
];

export async function truncateAll(db: Database): Promise<void> {
  for (const table of TABLES) await db.prisma.$executeRawUnsafe(`DELETE FROM "${table}"`);
}
