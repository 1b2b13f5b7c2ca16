import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { Prisma } from './client';
import type { DatabaseTarget, PostgresTarget, SqliteTarget } from './database-url';

/**
 * Applies the committed migrations in prisma/<database>/migrations, each once, in order, in one
 * transaction, recorded in `_reconnect_migrations`. We run them ourselves because Prisma's JS engine
 * cannot run `migrate deploy` on Postgres (prisma/orm#27403), and its native engine is a download that
 * locked-down and offline installs can't make. Concurrent starts are safe: Postgres serialises on an advisory lock,
 * SQLite on BEGIN IMMEDIATE.
 */

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const MIGRATIONS_TABLE = '_reconnect_migrations';
// Any constant works; it only has to be the same in every replica.
const ADVISORY_LOCK_ID = 727_001;

function migrationsDir(kind: DatabaseTarget['kind']): string {
  // Compiled code runs from dist/src/db, sources from src/db: find the project root either way.
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'prisma', 'models.prisma'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('prisma/models.prisma not found above ' + __dirname);
    dir = parent;
  }
  return path.join(dir, 'prisma', kind, 'migrations');
}

export function loadMigrations(kind: DatabaseTarget['kind']): Migration[] {
  const dir = migrationsDir(kind);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export async function migrate(target: DatabaseTarget): Promise<MigrationResult> {
  return target.kind === 'sqlite' ? migrateSqlite(target) : migratePostgres(target);
}

function checkRecorded(recorded: Map<string, string>, migrations: Migration[]): Migration[] {
  for (const migration of migrations) {
    const checksum = recorded.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new Error(`Migration ${migration.name} was changed after it was applied; add a new migration instead.`);
    }
  }
  return migrations.filter((migration) => !recorded.has(migration.name));
}

function migrateSqlite(target: SqliteTarget): MigrationResult {
  if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true });
  const db = new Database(target.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    const migrations = loadMigrations('sqlite');
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const rows = db.prepare(`SELECT name, checksum FROM ${MIGRATIONS_TABLE}`).all() as { name: string; checksum: string }[];
      const pending = checkRecorded(new Map(rows.map((row) => [row.name, row.checksum])), migrations);
      const record = db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`);
      for (const migration of pending) {
        db.exec(migration.sql);
        record.run(migration.name, migration.checksum, new Date().toISOString());
      }
      db.exec('COMMIT');
      return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.close();
  }
}

async function migratePostgres(target: PostgresTarget): Promise<MigrationResult> {
  const client = new Client({ connectionString: target.connectionString, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const migrations = loadMigrations('postgresql');
    const schema = `"${target.schema}"`;
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_ID]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${MIGRATIONS_TABLE}`);
      const pending = checkRecorded(new Map(rows.map((row) => [row.name, row.checksum])), migrations);
      for (const migration of pending) {
        await client.query(migration.sql.replace(/^CREATE SCHEMA IF NOT EXISTS "public";$/m, ''));
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum) VALUES ($1, $2)`, [migration.name, migration.checksum]);
      }
      await client.query('COMMIT');
      return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}

/** Throws unless the database answers and the migrations table is there (readiness). */
export async function assertMigrated(prisma: Prisma): Promise<void> {
  await prisma.$queryRawUnsafe('SELECT 1 FROM _reconnect_migrations LIMIT 1');
}
