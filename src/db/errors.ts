/**
 * The one place that reads database errors: unreachable (answer 503, retry later), a lost race (run the
 * transaction again), a duplicate key, and, at start-up, a database that can't be opened at all.
 */

/**
 * Whether an error means "the database can't be reached right now" (server down, restarting, connection
 * dropped) rather than a bad query or a bug. The difference matters to callers: the same request may
 * succeed in a few seconds, so HTTP answers 503 and the sender retries, instead of a 500 that says "our
 * fault, don't bother".
 *
 * The shapes were read off a real PostgreSQL 15 being stopped and started under the app
 * (test/faults/postgres-restart.test.ts), through Prisma 6.19 and @prisma/adapter-pg:
 * - a query when nothing listens: PrismaClientKnownRequestError P1001 ("Can't reach database server"),
 *   or, for raw queries, P2010 whose `meta.driverAdapterError.cause.kind` is `DatabaseNotReachable`;
 * - a query running while the server shuts down: P2010 with the server's SQLSTATE 57P01 in
 *   `meta.driverAdapterError.cause.code`;
 * - the pg driver's own errors (a socket that closed without a goodbye, or pg used directly, as the
 *   migration runner does): `code` ECONNREFUSED and friends, or only a message ("Connection terminated").
 */

/** Prisma's codes for a server it can't reach, that timed out connecting, or that closed the connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017']);

/** @prisma/adapter-pg's names for socket failures (its mapSocketError). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/** Node's socket errors: nothing listens, the peer went away, or the network can't reach it. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs (postgresql.org/docs/15/errcodes-appendix.html): the connection exceptions of class
 * 08 but 08P01 (a protocol violation is a bug, not an outage), 57P01 admin_shutdown (fast or smart stop),
 * 57P02 crash_shutdown (another backend crashed), 57P03 cannot_connect_now (starting up, shutting down, in
 * recovery).
 */
const SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);

/** What the pg driver says when the socket closes under a query, with no code attached. */
const MESSAGES = /Connection terminated|Can't reach database server|Server has closed the connection|the database system is (starting up|shutting down|in recovery mode)/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  originalCode?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  // Prisma wraps the adapter's error, which wraps the driver's: look a few levels down, never forever.
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 8) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const candidate = current as ErrorLike;
    if (matches(candidate)) return true;
    pending.push(candidate.cause, candidate.meta?.driverAdapterError);
  }
  return false;
}

function matches(error: ErrorLike): boolean {
  const codes = [error.code, error.originalCode].filter((code): code is string => typeof code === 'string');
  if (codes.some((code) => PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATES.has(code))) return true;
  if (typeof error.kind === 'string' && ADAPTER_KINDS.has(error.kind)) return true;
  // A validation error's message quotes the query's arguments, which could contain any words.
  if (error.name === 'PrismaClientValidationError') return false;
  return typeof error.message === 'string' && MESSAGES.test(error.message);
}

/**
 * A duplicate key: a raw statement's adapter error says UniqueConstraintViolation (both databases); the
 * codes are Prisma's for a model query (P2002) and the drivers' own for a statement through
 * src/db/driver.ts (PostgreSQL's SQLSTATE 23505, better-sqlite3's SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY).
 */
export function isUniqueViolation(error: unknown): boolean {
  const known = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
  return known?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation' || (typeof known?.code === 'string' && UNIQUE_CODES.has(known.code));
}

const UNIQUE_CODES = new Set(['P2002', '23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** A compare-and-swap inside a transaction found the row changed by a concurrent writer. */
export class WriteConflictError extends Error {
  constructor(what: string) {
    super(`${what} changed concurrently`);
    this.name = 'WriteConflictError';
  }
}

/** Prisma's write conflict and transaction timeout, PostgreSQL's serialization failure and deadlock. */
const CONFLICT_CODES = new Set(['P2034', 'P1008', '40001', '40P01']);

/**
 * A concurrent writer won a race (a unique violation, a write conflict or deadlock on PostgreSQL, a busy
 * SQLite file): running the transaction again, reading afresh, settles it.
 */
export function isLostRace(error: unknown): boolean {
  if (error instanceof WriteConflictError || isUniqueViolation(error)) return true;
  const code = (error as { code?: string } | null)?.code;
  if (code && CONFLICT_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /SQLITE_BUSY|database is locked|could not serialize|deadlock detected|write conflict/i.test(message);
}

/** At start-up: the database can't be opened (unreachable, wrong credentials, no such database or file). */
export function isOpeningError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = error instanceof Error ? error.message : '';
  return (
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', '28P01', '28000', '3D000', 'SQLITE_CANTOPEN'].includes(code) ||
    /timeout|connect/i.test(message)
  );
}
