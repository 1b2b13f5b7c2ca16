import net from 'node:net';
import { createConnection } from 'mysql2';
import { Client, DatabaseError } from 'pg';
import { z } from 'zod';
import { DomainError, err, ok, type Result } from '../lib/errors';
import type { DatabaseHostAllowList } from '../config';
import { dialableAddress, type HostLookup } from './database-hosts';
import { failure, oneLine } from './failures';
import type { AccountIdentity, OAuthFailure, OAuthFailureKind } from './types';

/**
 * Checks account-detail credentials (PostgreSQL, MySQL/MariaDB) the only way that proves them: it logs
 * in, runs `select 1` and logs out. The whole check has one budget, `timeoutMs`, covering DNS, TCP, TLS,
 * authentication, the query and the goodbye. This module creates the TCP socket itself and hands it to the
 * driver, so it can destroy it whatever state the driver is in: destroying the raw socket also ends a TLS
 * session running over it. No check leaves a promise pending or a socket open.
 *
 * Refusals are classified by the servers' documented codes, not their messages:
 *   PostgreSQL: Appendix A "PostgreSQL Error Codes", https://www.postgresql.org/docs/current/errcodes-appendix.html
 *   MariaDB: "MariaDB Error Code Reference", https://mariadb.com/docs/server/reference/error-codes/mariadb-error-code-reference
 *   MySQL: "Server Error Message Reference", https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
 * - needs_reauth, token_revoked: the password, or the user it belongs to, is not accepted. A changed
 *   password is what these servers have instead of a revoked token.
 * - needs_reauth, admin_changed: the server's rules keep this account out of this database: the database
 *   is gone, the CONNECT privilege or the database grant was removed, login was disabled, or no pg_hba.conf
 *   line or host grant admits Reconnect. Someone changed something on the database side.
 *   Retrying helps neither of the two; a person has to enter details that work.
 * - transient, third_party_outage: no answer (refused, unresolvable, silent, hung up), a failed TLS
 *   handshake, or a server out of connection slots.
 * - transient, internal: the details require TLS and the server offers none; the detail says what to change.
 * - transient, unknown: any other error, retried rather than alerted on.
 */

export type DatabaseEngine = 'postgresql' | 'mysql';

export type DatabaseTls = 'disable' | 'require' | 'verify-full';

export interface DatabaseCredentials {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** require: encrypted, certificate not checked (libpq's sslmode=require); verify-full: chain and host name checked against the system CAs. */
  tls: DatabaseTls;
}

export interface DatabaseCheckInput {
  engine: DatabaseEngine;
  credentials: DatabaseCredentials;
  /** Internal hosts the operator lets integrations reach (DATABASE_CONNECT_HOSTS); everything else must be public. */
  allowedHosts: DatabaseHostAllowList;
  /** For the whole check; defaults to DEFAULT_DATABASE_CHECK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Tests answer for names that public DNS doesn't have. */
  lookup?: HostLookup;
}

/** The host is one this server doesn't dial; `detail` names it and why, for the person who typed it. */
export interface HostNotAllowed {
  kind: 'host_not_allowed';
  detail: string;
}

export const DEFAULT_DATABASE_CHECK_TIMEOUT_MS = 5000;

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
/** Underscores appear in real internal names (Docker Compose services); a scheme, port, path or `@` can't. */
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

/**
 * The details as a person enters them, for the edge to validate. The host is a name or an address and
 * nothing else: pg would take a host starting with `/` as a Unix socket, which on a trust-configured
 * machine is a superuser login. Lengths are bounds above every engine's limit, not the engines' rules.
 */
export const databaseCredentialsSchema = z.object({
  host: z
    .string()
    .max(253)
    .refine((host) => net.isIP(host) !== 0 || HOSTNAME.test(host), 'a host name or IP address, without scheme, port or path'),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1).max(128).regex(NO_CONTROL_CHARACTERS),
  user: z.string().min(1).max(128).regex(NO_CONTROL_CHARACTERS),
  password: z.string().max(1024),
  tls: z.enum(['disable', 'require', 'verify-full']),
}) satisfies z.ZodType<DatabaseCredentials>;

const ENGINE_NAMES: Record<DatabaseEngine, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL' };
const TIMED_OUT = Symbol('timed out');

export async function checkDatabaseCredentials(input: DatabaseCheckInput): Promise<Result<AccountIdentity, OAuthFailure | HostNotAllowed>> {
  const parsed = databaseCredentialsSchema.safeParse(input.credentials);
  if (!parsed.success) {
    // Field names only: the values may hold the password.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new DomainError('bad_request', `The database details are not valid (${fields}).`);
  }
  const credentials = parsed.data;
  const timeoutMs = input.timeoutMs ?? DEFAULT_DATABASE_CHECK_TIMEOUT_MS;
  const socket = new net.Socket();
  let timer: NodeJS.Timeout | undefined;
  // The drivers' connect timeouts, set to the same length, are a backstop: this one also covers the query and
  // the goodbye, and being started first it fires first, so a timeout is reported as one.
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, TIMED_OUT);
  });
  const dialled = async (): Promise<HostNotAllowed | undefined> => {
    const address = await dialableAddress(credentials.host, input.allowedHosts, input.lookup);
    if (!address.ok) return { kind: 'host_not_allowed', detail: address.error };
    await PROBES[input.engine](credentials, address.value, socket, timeoutMs);
    return undefined;
  };
  try {
    const outcome = await Promise.race([dialled(), deadline]);
    if (outcome === TIMED_OUT) return err(failureOf(input.engine, credentials, TIMED_OUT, timeoutMs));
    if (outcome) return err(outcome);
    return ok(identityOf(input.engine, credentials));
  } catch (error) {
    return err(failureOf(input.engine, credentials, error, timeoutMs));
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** Logs in at `address`, the checked address of `credentials.host`; TLS still verifies the host as typed. */
type Probe = (credentials: DatabaseCredentials, address: string, socket: net.Socket, timeoutMs: number) => Promise<void>;

const PROBES: Record<DatabaseEngine, Probe> = { postgresql: probePostgres, mysql: probeMysql };

const PG_TLS = { disable: false, require: { rejectUnauthorized: false }, 'verify-full': { rejectUnauthorized: true } } as const;

async function probePostgres(credentials: DatabaseCredentials, address: string, socket: net.Socket, timeoutMs: number): Promise<void> {
  // pg connects the stream to `host` and checks the certificate against it unless `servername` says
  // otherwise; an address gets no SNI (RFC 6066), a name keeps it.
  const named = net.isIP(credentials.host) === 0;
  const client = new Client({
    host: address,
    port: credentials.port,
    database: credentials.database,
    user: credentials.user,
    // As a function: pg replaces an empty password string with PGPASSWORD or ~/.pgpass, which would send
    // the operator's password to a host a user named.
    password: () => credentials.password,
    ssl: credentials.tls !== 'disable' && named ? { ...PG_TLS[credentials.tls], servername: credentials.host } : PG_TLS[credentials.tls],
    stream: () => socket,
    connectionTimeoutMillis: timeoutMs,
  });
  // Once connected, pg reports a dead socket as an 'error' event, fatal to the process if nobody listens;
  // the pending query fails with the same error.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('select 1');
  await client.end();
}

const MYSQL_TLS = {
  disable: undefined,
  require: { rejectUnauthorized: false },
  // mysql2 checks the chain with rejectUnauthorized but the host name only with verifyIdentity.
  'verify-full': { rejectUnauthorized: true, verifyIdentity: true },
} as const;

function probeMysql(credentials: DatabaseCredentials, address: string, socket: net.Socket, timeoutMs: number): Promise<void> {
  // mysql2 takes TLS's server name from `host` and leaves connecting to the stream.
  const connection = createConnection({
    host: credentials.host,
    port: credentials.port,
    database: credentials.database,
    user: credentials.user,
    password: credentials.password,
    ssl: MYSQL_TLS[credentials.tls],
    stream: () => socket.connect(credentials.port, address),
    connectTimeout: timeoutMs,
    // The server is whoever the user named; it gets no chance to ask for a local file.
    flags: ['-LOCAL_FILES'],
  });
  // An error outside a command is emitted on the connection, fatal to the process if nobody listens;
  // a handshake error reaches the queued query's callback anyway.
  connection.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    connection.query('select 1', (queryError) => {
      if (queryError) return reject(queryError);
      connection.end((endError) => (endError ? reject(endError) : resolve()));
    });
  });
}

function hostPort(credentials: DatabaseCredentials): string {
  return net.isIPv6(credentials.host) ? `[${credentials.host}]:${credentials.port}` : `${credentials.host}:${credentials.port}`;
}

/** Host names and IPv6 hex digits are case-insensitive; the id is lowercased there so the same account compares equal. */
function identityOf(engine: DatabaseEngine, credentials: DatabaseCredentials): AccountIdentity {
  const where = hostPort({ ...credentials, host: credentials.host.toLowerCase() });
  return {
    id: `${engine}://${credentials.user}@${where}/${credentials.database}`,
    label: `${credentials.user}@${credentials.host}/${credentials.database}`,
  };
}

interface Verdict {
  classification: OAuthFailure['classification'];
  reason: NonNullable<OAuthFailure['reason']>;
  says: string;
}

const CREDENTIALS_REFUSED: Verdict = { classification: 'needs_reauth', reason: 'token_revoked', says: 'refused the credentials' };
const ACCESS_REFUSED: Verdict = { classification: 'needs_reauth', reason: 'admin_changed', says: 'refused access' };
const BUSY: Verdict = { classification: 'transient', reason: 'third_party_outage', says: 'cannot take the connection now' };
const OTHER_ERROR: Verdict = { classification: 'transient', reason: 'unknown', says: 'answered with an error' };

const POSTGRES_CODES: Record<string, Verdict> = {
  // invalid_password: a wrong password, and under password authentication an unknown role too.
  '28P01': CREDENTIALS_REFUSED,
  // invalid_authorization_specification: no pg_hba.conf line admits the connection, the role may not
  // log in (NOLOGIN), or (under trust) the role does not exist.
  '28000': ACCESS_REFUSED,
  // invalid_catalog_name: the database does not exist.
  '3D000': ACCESS_REFUSED,
  // insufficient_privilege: at connect time, the CONNECT privilege on the database is missing.
  '42501': ACCESS_REFUSED,
  // too_many_connections, including a role's CONNECTION LIMIT.
  '53300': BUSY,
};
/** Classes 08 (connection exception), 53 (insufficient resources) and 57 (operator intervention: starting up, shutting down). */
const POSTGRES_BUSY_CLASSES = new Set(['08', '53', '57']);

/** Numbers below 1800, which MySQL and MariaDB share. */
const MYSQL_ERRNOS: Record<number, Verdict> = {
  1045: CREDENTIALS_REFUSED, // ER_ACCESS_DENIED_ERROR: wrong password or unknown user
  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR: refused by a plugin that checks no password (unix_socket). MariaDB
  // also answers it for some unknown users, as it pretends they exist with a plugin picked at random.
  1698: CREDENTIALS_REFUSED,
  1044: ACCESS_REFUSED, // ER_DBACCESS_DENIED_ERROR: no grant on the database (also for one that doesn't exist)
  1049: ACCESS_REFUSED, // ER_BAD_DB_ERROR: unknown database
  1130: ACCESS_REFUSED, // ER_HOST_NOT_PRIVILEGED: no account for the host Reconnect connects from
  1040: BUSY, // ER_CON_COUNT_ERROR: too many connections
  1203: BUSY, // ER_TOO_MANY_USER_CONNECTIONS: the account's max_user_connections
};

const MAX_MESSAGE_CHARS = 200;

function failureOf(engine: DatabaseEngine, credentials: DatabaseCredentials, error: unknown, timeoutMs: number): OAuthFailure {
  const where = `${ENGINE_NAMES[engine]} at ${hostPort(credentials)}`;
  const make = (kind: OAuthFailureKind, verdict: Pick<Verdict, 'classification' | 'reason'>, detail: string) =>
    failure({ kind, secrets: [credentials.password] }, verdict.classification, verdict.reason, detail);
  const outage = { classification: 'transient', reason: 'third_party_outage' } as const;

  if (error === TIMED_OUT) return make('network', outage, `${where} did not answer within ${timeoutMs} ms`);
  if (error instanceof DatabaseError && error.code) {
    const verdict = POSTGRES_CODES[error.code] ?? (POSTGRES_BUSY_CLASSES.has(error.code.slice(0, 2)) ? BUSY : OTHER_ERROR);
    return make('identity_failed', verdict, `${where} ${verdict.says}: ${message(error)} (SQLSTATE ${error.code})`);
  }
  const { code, errno, syscall, sqlMessage } = (error ?? {}) as { code?: unknown; errno?: unknown; syscall?: unknown; sqlMessage?: unknown };
  if (typeof errno === 'number' && typeof sqlMessage === 'string') {
    const verdict = MYSQL_ERRNOS[errno] ?? OTHER_ERROR;
    // The number only: mysql2 names numbers by MySQL's list, which MariaDB's own numbers (1900 and up) don't follow.
    return make('identity_failed', verdict, `${where} ${verdict.says}: ${oneLine(sqlMessage, MAX_MESSAGE_CHARS)} (error ${errno})`);
  }
  if (isTlsNotOffered(error)) {
    return make(
      'identity_failed',
      { classification: 'transient', reason: 'internal' },
      `${where} does not offer TLS, which these details require (tls: ${credentials.tls}); enable TLS on the server or set tls to "disable"`,
    );
  }
  // A system error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…): the server never answered.
  if (typeof code === 'string' && typeof syscall === 'string') return make('network', outage, `${where} unreachable (${code})`);
  if (isHangUp(error)) return make('network', outage, `${where} closed the connection before the check finished`);
  // A failed TLS handshake: DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, mysql2's HANDSHAKE_SSL_ERROR…
  if (typeof code === 'string') return make('identity_failed', outage, `${where}: connection failed (${code}: ${message(error)})`);
  return make('identity_failed', OTHER_ERROR, `${where}: check failed (${message(error)})`);
}

/** pg gives this refusal no code, only a fixed message; mysql2 calls it HANDSHAKE_NO_SSL_SUPPORT. */
function isTlsNotOffered(error: unknown): boolean {
  if ((error as { code?: unknown } | undefined)?.code === 'HANDSHAKE_NO_SSL_SUPPORT') return true;
  return error instanceof Error && error.message === 'The server does not support SSL connections';
}

/** pg gives a lost connection no code either; mysql2 calls it PROTOCOL_CONNECTION_LOST. */
function isHangUp(error: unknown): boolean {
  if ((error as { code?: unknown } | undefined)?.code === 'PROTOCOL_CONNECTION_LOST') return true;
  return error instanceof Error && error.message === 'Connection terminated unexpectedly';
}

function message(error: unknown): string {
  return error instanceof Error ? oneLine(error.message, MAX_MESSAGE_CHARS) : 'unexpected error';
}
