import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import type { Prisma, Tx } from './client';
import type { DatabaseTarget } from './database-url';

/**
 * Straight to the database driver, for the statements on the hot paths (an alert's status change and
 * delivery, every probe of a sweep, a click and its thread reply): Prisma 6.19 builds every query, raw ones
 * too, in its WebAssembly query compiler and passes it through its adapter, which prepares it again each
 * time, about 0.25 ms of CPU per statement on SQLite and 0.4 ms on PostgreSQL; here each statement is
 * prepared once per connection and costs a tenth of that. Inside a Prisma transaction `sqlOf(tx)` runs
 * them on the transaction's own connection. Prisma still owns the schema, the migrations and every
 * other query.
 *
 * One SQL text serves both databases: parameters are `$1`, `$2`… (PostgreSQL's positional parameters,
 * SQLite's named ones). Dates are written and read the way Prisma stores them, so rows written here and
 * through Prisma compare and read the same: SQLite keeps `2026-12-01T10:00:00.000+00:00` text, PostgreSQL
 * `timestamp(3)` in UTC.
 */

export type SqlValue = string | number | boolean | null | Date;

export interface Statements {
  /** Runs a statement and returns how many rows it changed. */
  execute(sql: string, params: SqlValue[]): Promise<number>;
  /** Runs a statement that returns rows (a SELECT, or RETURNING); date columns come back as Dates. */
  query<T>(sql: string, params: SqlValue[]): Promise<T[]>;
}

export interface Driver extends Statements {
  /** For the rare clause one database has and the other lacks (PostgreSQL's row locks). */
  kind: DatabaseTarget['kind'];
  /**
   * For writes whose loss in a database crash costs nothing (a probe's claim or lock, its bookkeeping:
   * the connection is probed again): on PostgreSQL their commits don't wait for the WAL flush, about a
   * millisecond each (synchronous_commit off). A later durable commit still flushes them first.
   */
  relaxed: Statements;
  close(): Promise<void>;
}

/** `$first, $first+1, …` for `count` values, as in `IN (…)`. */
export function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

const drivers = new WeakMap<object, Driver>();

/** The driver of the database `prisma` was opened on (by openDatabase). */
export function driverOf(prisma: Prisma): Driver {
  const driver = drivers.get(prisma);
  if (!driver) throw new Error('this Prisma client was not opened by openDatabase, so it has no driver');
  return driver;
}

/**
 * Statements for `db`: inside a transaction opened by `openTransaction` (src/db/transaction.ts), on that
 * transaction's own connection, so they see and commit with what Prisma wrote in it; outside, the driver's.
 */
export function sqlOf(db: Prisma | Tx): Statements {
  return transactionStatements.get(db) ?? driverOf(db as Prisma);
}

const transactionStatements = new WeakMap<object, Statements>();
const opening = new AsyncLocalStorage<(statements: Statements) => void>();

/**
 * Runs `open`, which starts a Prisma interactive transaction and calls `bind` with its client first thing:
 * the adapter (patched by `catchTransactions`) hands over the connection it began the transaction on.
 */
export async function openTransaction<T>(open: (bind: (tx: Tx) => void) => Promise<T>): Promise<T> {
  let caught: Statements | undefined;
  return opening.run(
    (statements) => (caught = statements),
    () =>
      open((tx) => {
        if (!caught) throw new Error('the transaction began on a connection the driver did not see (was the client opened by openDatabase?)');
        transactionStatements.set(tx, caught);
      }),
  );
}

interface TransactionStarter {
  startTransaction(...args: unknown[]): Promise<{ client: unknown }>;
}

/**
 * Patches a Prisma adapter factory so that each transaction it starts tells `openTransaction` its connection
 * (both adapters keep it as the transaction's `client`: better-sqlite3's one Database, a pg PoolClient).
 */
export async function catchTransactions<F extends { connect(): Promise<unknown> }>(factory: F, kind: DatabaseTarget['kind']): Promise<F> {
  const pgTypes = kind === 'postgresql' ? (await import('pg')).types : undefined;
  const statementsOn = (client: unknown): Statements =>
    pgTypes ? pgStatements(pgTypes, (config) => (client as PoolClient).query(config)) : sqliteStatements(() => client as BetterSqlite3.Database);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = (await connect()) as TransactionStarter;
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args) => {
      const transaction = await start(...args);
      opening.getStore()?.(statementsOn(transaction.client));
      return transaction;
    };
    return adapter;
  };
  return factory;
}

/** Called by openDatabase; the driver connects on its first statement. */
export async function attachDriver(prisma: Prisma, target: DatabaseTarget): Promise<Driver> {
  const driver = target.kind === 'sqlite' ? await sqliteDriver(target.file) : await postgresDriver(target.connectionString, target.schema);
  drivers.set(prisma, driver);
  return driver;
}

async function sqliteDriver(file: string): Promise<Driver> {
  const { default: Database } = await import('better-sqlite3');
  let db: BetterSqlite3.Database | undefined;
  const open = () => {
    if (!db) {
      // No busy timeout: better-sqlite3 would wait for the lock synchronously, stopping the event loop that
      // the Prisma transaction holding the lock needs in order to finish. `unlocked` waits asynchronously.
      db = new Database(file, { timeout: 0 });
      db.pragma('synchronous = NORMAL');
    }
    return db;
  };
  const statements = sqliteStatements(open);
  return {
    kind: 'sqlite',
    ...statements,
    // Commits already wait for no sync under WAL with synchronous=NORMAL.
    relaxed: statements,
    async close() {
      db?.close();
      db = undefined;
    },
  };
}

type PreparedSqlite = { statement: BetterSqlite3.Statement; dates: string[] };
const sqlitePrepared = new WeakMap<BetterSqlite3.Database, Map<string, PreparedSqlite>>();

/** Statements on one better-sqlite3 connection, each prepared once for as long as the connection lives. */
function sqliteStatements(connection: () => BetterSqlite3.Database): Statements {
  const prepared = (sql: string) => {
    const db = connection();
    let cache = sqlitePrepared.get(db);
    if (!cache) sqlitePrepared.set(db, (cache = new Map()));
    let entry = cache.get(sql);
    if (!entry) {
      // Prisma's adapter turns on BigInts for its connection; these statements read plain numbers.
      const statement = db.prepare(sql).safeIntegers(false);
      const dates = statement.reader ? statement.columns().filter((column) => column.type === 'DATETIME').map((column) => column.name) : [];
      entry = { statement, dates };
      cache.set(sql, entry);
    }
    return entry;
  };
  const bind = (params: SqlValue[]) => Object.fromEntries(params.map((value, i) => [String(i + 1), sqliteValue(value)]));
  return {
    async execute(sql, params) {
      return unlocked(() => prepared(sql).statement.run(bind(params)).changes);
    },
    async query<T>(sql: string, params: SqlValue[]) {
      const { statement, dates } = prepared(sql);
      const rows = await unlocked(() => statement.all(bind(params)) as Record<string, unknown>[]);
      for (const row of rows) for (const column of dates) if (typeof row[column] === 'string') row[column] = new Date(row[column]);
      return rows as T[];
    },
  };
}

/** As long as Prisma's connection waits for a writer (src/db/client.ts). */
const SQLITE_BUSY_WAIT_MS = 10_000;

/** Runs a statement, trying again while another connection holds the lock: between tries the event loop runs. */
async function unlocked<T>(run: () => T): Promise<T> {
  const giveUpAt = Date.now() + SQLITE_BUSY_WAIT_MS;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return run();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/** Prisma's SQLite text for a date; anything else as it is (booleans as 0/1, like Prisma). */
function sqliteValue(value: SqlValue): string | number | null {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** `timestamp without time zone`, which Prisma's DateTime columns are and which hold UTC. */
const TIMESTAMP_OID = 1114;

async function postgresDriver(connectionString: string, schema: string): Promise<Driver> {
  const pg = await import('pg');
  const pools = new Map<'durable' | 'relaxed', Pool>();
  const open = (kind: 'durable' | 'relaxed') => {
    let pool = pools.get(kind);
    if (!pool) {
      pool = new pg.Pool({
        connectionString,
        // Few: these statements are short, and Prisma's pool holds the rest of the work.
        max: 4,
        connectionTimeoutMillis: 10_000,
        options: `-c search_path="${schema}"${kind === 'relaxed' ? ' -c synchronous_commit=off' : ''}`,
      });
      // An idle connection the server dropped (a restart): the pool replaces it at the next statement,
      // which fails like any query during an outage (src/db/errors.ts reads it).
      pool.on('error', () => undefined);
      pools.set(kind, pool);
    }
    return pool;
  };
  const on = (kind: 'durable' | 'relaxed') => pgStatements(pg.types, (config) => open(kind).query(config));
  return {
    kind: 'postgresql',
    ...on('durable'),
    relaxed: on('relaxed'),
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      pools.clear();
    },
  };
}

type PgTypes = typeof import('pg').types;
type PgRun = (config: QueryConfig) => Promise<QueryResult>;

/** A named statement is parsed once per connection and then only bound and executed. */
const pgNames = new Map<string, string>();
function pgName(sql: string): string {
  let name = pgNames.get(sql);
  if (!name) {
    name = `reconnect_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    pgNames.set(sql, name);
  }
  return name;
}

/** Statements through `run` (a pool, or the one connection of a transaction), dates read as UTC. */
function pgStatements(types: PgTypes, run: PgRun): Statements {
  // Per statement, as Prisma's connections parse dates their own way.
  const parsers = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === TIMESTAMP_OID ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : types.getTypeParser(oid, format)) as PgTypes['getTypeParser'],
  };
  const query = (sql: string, params: SqlValue[]) =>
    run({ name: pgName(sql), text: sql, values: params.map((value) => (value instanceof Date ? value.toISOString() : value)), types: parsers });
  return {
    async execute(sql, params) {
      return (await query(sql, params)).rowCount ?? 0;
    },
    async query<T>(sql: string, params: SqlValue[]) {
      return (await query(sql, params)).rows as T[];
    },
  };
}
