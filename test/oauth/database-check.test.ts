import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { mysqlSkipReason, mysqlUrl } from '../support/mariadb';
import { Client, type ClientConfig } from 'pg';
import { DomainError, type Result } from '../../src/lib/errors';
import {
  checkDatabaseCredentials,
  databaseCredentialsSchema,
  type DatabaseCheckInput,
  type DatabaseCredentials,
  type DatabaseEngine,
  type HostNotAllowed,
} from '../../src/oauth/database-check';
import type { DatabaseHostAllowList } from '../../src/config';
import type { AccountIdentity, OAuthFailure } from '../../src/oauth/types';
import { privatePostgresSkipReason, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { waitFor } from '../support/wait';

/**
 * Against real servers. The shared PostgreSQL on 5432 trusts every TCP connection from 127.0.0.1
 * (pg_hba.conf: `host all all 127.0.0.1 trust`), so no password is ever wrong there; the password cases run
 * on a private PostgreSQL server of this file's own, whose pg_hba.conf asks for scram-sha-256 from every
 * role but the admin. MariaDB checks passwords for every account, so those cases run on the shared server
 * with a user and database of this run's own.
 */

const RUN = `${process.env.RECONNECT_TEST_RUN ?? 'local'}_${process.pid}`.toLowerCase();
const NAME = `reconnect_check_${RUN}`;
const secret = () => `pw-${randomBytes(12).toString('hex')}`;

type CheckResult = Result<AccountIdentity, OAuthFailure | HostNotAllowed>;

function failureOf(result: CheckResult): OAuthFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  if (result.error.kind === 'host_not_allowed') throw new Error(`expected the server's answer, got a refusal to dial: ${result.error.detail}`);
  return result.error;
}

/**
 * The test servers run on this machine (or on the hosts the test environment names), which a check dials
 * only when DATABASE_CONNECT_HOSTS allows it; 10.255.255.1 is the non-routable address of the timeout case.
 */
function allowing(...hosts: string[]): DatabaseHostAllowList {
  return {
    names: hosts.filter((host) => net.isIP(host) === 0),
    networks: hosts.filter((host) => net.isIP(host) !== 0).map((address) => ({ address, prefix: net.isIP(address) === 4 ? 32 : 128, family: net.isIP(address) === 4 ? 'ipv4' : 'ipv6' })),
  };
}
const TEST_HOSTS = allowing('127.0.0.1', '10.255.255.1', mysqlUrl.hostname, new URL(process.env.RECONNECT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test').hostname);
const checkAllowed = (input: Omit<DatabaseCheckInput, 'allowedHosts'>) => checkDatabaseCredentials({ ...input, allowedHosts: TEST_HOSTS });

/** The needs_reauth/transient verdict, and a detail that names the server and code but holds no secret. */
function expectFailure(result: CheckResult, expected: Partial<OAuthFailure>, mentions: string[], secrets: string[] = []): void {
  const failure = failureOf(result);
  expect(failure).toMatchObject(expected);
  for (const part of mentions) expect(failure.detail).toContain(part);
  for (const value of secrets) expect(JSON.stringify(failure)).not.toContain(value);
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

async function withChange(apply: () => Promise<unknown>, undo: () => Promise<unknown>, body: () => Promise<void>): Promise<void> {
  await apply();
  try {
    await body();
  } finally {
    await undo();
  }
}

const ENGINES: { engine: DatabaseEngine; name: string }[] = [
  { engine: 'postgresql', name: 'PostgreSQL' },
  { engine: 'mysql', name: 'MySQL' },
];

const someCredentials: DatabaseCredentials = { host: '127.0.0.1', port: 5432, database: 'app', user: 'app', password: 'hunter22', tls: 'disable' };

describe('databaseCredentialsSchema', () => {
  it.each(['db.example.com', 'db', 'my_db.internal', '127.0.0.1', '::1', 'DB.Example.COM.'])('accepts the host %s', (host) => {
    expect(databaseCredentialsSchema.safeParse({ ...someCredentials, host }).success).toBe(true);
  });

  it.each(['', 'postgres://db.example.com', 'db.example.com:5432', 'db.example.com/app', 'user@db.example.com', '/var/run/postgresql', '[::1]', 'db example.com', '-db.example.com'])(
    'refuses the host %j',
    (host) => {
      expect(databaseCredentialsSchema.safeParse({ ...someCredentials, host }).success).toBe(false);
    },
  );

  it.each([0, 65536, 5432.5, Number.NaN])('refuses the port %p', (port) => {
    expect(databaseCredentialsSchema.safeParse({ ...someCredentials, port }).success).toBe(false);
  });

  it('refuses an empty user or database, control characters and an unknown TLS mode', () => {
    for (const bad of [{ user: '' }, { database: '' }, { user: 'app\u0000' }, { tls: 'prefer' }]) {
      expect(databaseCredentialsSchema.safeParse({ ...someCredentials, ...bad }).success).toBe(false);
    }
    expect(databaseCredentialsSchema.safeParse({ ...someCredentials, password: '' }).success).toBe(true);
  });

  it('is enforced by the check too, naming the fields but never their values', async () => {
    const attempt = checkAllowed({ engine: 'postgresql', credentials: { ...someCredentials, host: `${someCredentials.password}@db/x`, port: 0 } });
    await expect(attempt).rejects.toThrow(DomainError);
    await expect(attempt).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('host, port') });
    await expect(attempt).rejects.not.toMatchObject({ message: expect.stringContaining(someCredentials.password) });
  });
});

describe.each(ENGINES)('$name without a working server', ({ engine, name }) => {
  const at = (host: string, port: number, timeoutMs?: number) =>
    checkAllowed({ engine, credentials: { ...someCredentials, host, port }, ...(timeoutMs ? { timeoutMs } : {}) });

  let server: net.Server | undefined;
  const serverSockets: net.Socket[] = [];
  let closedByPeer = 0;
  /** A local server that does `onConnection` with every connection, for faults no real server shows on demand. */
  async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
    server = net.createServer((socket) => {
      serverSockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => (closedByPeer += 1));
      // Reads and ignores what the client sends, so the client's close arrives as an end and a close.
      socket.resume();
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }
  afterEach(async () => {
    for (const socket of serverSockets.splice(0)) socket.destroy();
    closedByPeer = 0;
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('a closed port is transient and names the system error', async () => {
    expectFailure(await at('127.0.0.1', 1), { kind: 'network', classification: 'transient', reason: 'third_party_outage' }, [name, '127.0.0.1:1', 'ECONNREFUSED']);
  });

  it('a host that does not resolve is transient', async () => {
    expectFailure(await at('reconnect-check.invalid', 5432, 2000), { classification: 'transient', reason: 'third_party_outage' }, ['reconnect-check.invalid:5432']);
  });

  it('a server that accepts and never answers times out on time, and its socket is closed', async () => {
    const port = await listen(() => undefined);
    const { value, ms } = await timed(at('127.0.0.1', port, 300));
    expectFailure(value, { kind: 'network', classification: 'transient', reason: 'third_party_outage' }, [`127.0.0.1:${port}`, 'did not answer within 300 ms']);
    expect(ms).toBeLessThan(1000);
    await waitFor(() => serverSockets.length === 1 && closedByPeer === 1, 1000);
  });

  it('a server that hangs up is transient', async () => {
    const port = await listen((socket) => socket.end());
    expectFailure(await at('127.0.0.1', port), { kind: 'network', classification: 'transient', reason: 'third_party_outage' }, ['closed the connection']);
  });

  it('a non-routable address with a 300 ms budget is transient within a second', async () => {
    const { value, ms } = await timed(at('10.255.255.1', engine === 'postgresql' ? 5432 : 3306, 300));
    expect(failureOf(value)).toMatchObject({ classification: 'transient', reason: 'third_party_outage' });
    expect(ms).toBeLessThan(1000);
  });
});

describe.each(ENGINES)('$name: the hosts a check may dial (DATABASE_CONNECT_HOSTS)', ({ engine }) => {
  const NONE: DatabaseHostAllowList = { names: [], networks: [] };
  let server: net.Server;
  let port: number;
  let accepted = 0;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    // Stands in for a service on this machine: it counts who reaches it and hangs up.
    server = net.createServer((socket) => {
      accepted += 1;
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.resume();
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    accepted = 0;
  });

  /** A resolver for names public DNS doesn't have, as an internal zone or a rebinding attacker would answer. */
  const resolving = (answers: Record<string, string[]>) => async (hostname: string) =>
    (answers[hostname] ?? []).map((address) => ({ address, family: net.isIP(address) }));
  const at = (host: string, allowedHosts: DatabaseHostAllowList, lookup?: DatabaseCheckInput['lookup']) =>
    checkDatabaseCredentials({ engine, credentials: { ...someCredentials, host, port }, allowedHosts, ...(lookup ? { lookup } : {}), timeoutMs: 2000 });
  const refusal = (result: CheckResult) => {
    if (result.ok || result.error.kind !== 'host_not_allowed') throw new Error(`expected a refusal to dial, got ${JSON.stringify(result)}`);
    return result.error.detail;
  };

  it('127.0.0.1 is refused without the setting, and nothing is dialled', async () => {
    expect(refusal(await at('127.0.0.1', NONE))).toBe('127.0.0.1, a loopback address');
    expect(accepted).toBe(0);
  });

  it('a name resolving to a private address is refused, also when it resolves to a public one too', async () => {
    const lookup = resolving({ 'warehouse.corp.example': ['10.1.2.3'], 'mixed.example': ['203.0.113.7', '192.168.4.4'] });
    expect(refusal(await at('warehouse.corp.example', NONE, lookup))).toBe('warehouse.corp.example, which resolves to 10.1.2.3, a private address');
    expect(refusal(await at('mixed.example', NONE, lookup))).toBe('mixed.example, which resolves to 192.168.4.4, a private address');
    expect(refusal(await at('localhost', NONE))).toMatch(/^localhost, which resolves to (127\.0\.0\.1|::1), a loopback address$/);
    expect(accepted).toBe(0);
  });

  it.each([
    ['169.254.169.254', 'a link-local address (where cloud metadata endpoints live)'],
    ['fd00:ec2::254', 'a private address'],
    ['100.100.100.200', 'a shared (carrier-grade NAT) address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['64:ff9b::a9fe:a9fe', 'a link-local address (where cloud metadata endpoints live)'],
    ['fe80::1%lo', 'a link-local address (where cloud metadata endpoints live)'],
    ['0.0.0.0', 'a reserved address'],
    ['::', 'a reserved address'],
  ])('%s is refused: %s', async (host, label) => {
    expect(refusal(await at(host, NONE))).toBe(`${host}, ${label}`);
  });

  it('an allowed network or name is dialled, at the address that was checked', async () => {
    // Public DNS has no such names: reaching the server shows the check connected to the address it
    // checked, where a driver resolving the name again (a rebinding answer) would have gone elsewhere.
    const lookup = resolving({ 'db.rebinding.example': ['127.0.0.1'], 'pg.corp.example': ['127.0.0.1'] });
    const loopback = { names: [], networks: [{ address: '127.0.0.0', prefix: 8, family: 'ipv4' as const }] };
    expect(failureOf(await at('db.rebinding.example', loopback, lookup))).toMatchObject({ kind: 'network', detail: expect.stringContaining(`db.rebinding.example:${port}`) });
    expect(failureOf(await at('pg.corp.example', { names: ['*.corp.example'], networks: [] }, lookup))).toMatchObject({ kind: 'network' });
    expect(failureOf(await at('127.0.0.1', loopback))).toMatchObject({ kind: 'network' });
    expect(accepted).toBe(3);
    expect(refusal(await at('pg.other.example', { names: ['*.corp.example'], networks: [] }, resolving({ 'pg.other.example': ['127.0.0.1'] })))).toContain('a loopback address');
  });
});

/** pg_hba.conf for the private server: the admin is trusted, everyone else proves their password. */
const PRIVATE_HBA = ['local all all trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256'];

/** Writes a file through the server (COPY … TO), which may write its own data directory whoever runs the test. */
async function writeServerFile(admin: Client, file: string, lines: string[]): Promise<void> {
  await admin.query(`COPY (SELECT unnest(ARRAY[${lines.map((line) => admin.escapeLiteral(line)).join(', ')}])) TO ${admin.escapeLiteral(file)}`);
}

/** A self-signed certificate for 127.0.0.1, or why there is none. */
function selfSignedCertificate(): { cert: string; key: string } | { skip: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconnect-tls-'));
  try {
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', 'key.pem', '-out', 'cert.pem'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (made.status !== 0) return { skip: `openssl could not make a certificate (${made.error?.message ?? made.stderr.trim()})` };
    return { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const privateSkip = privatePostgresSkipReason();

(privateSkip ? describe.skip : describe)(`PostgreSQL, private server with scram-sha-256${privateSkip ? ` [skipped: ${privateSkip}]` : ''}`, () => {
  let server: PrivatePostgres;
  let admin: Client;
  const password = secret();
  const credentials = (overrides: Partial<DatabaseCredentials> = {}): DatabaseCredentials => ({
    host: '127.0.0.1',
    port: server.port,
    database: NAME,
    user: NAME,
    password,
    tls: 'disable',
    ...overrides,
  });
  const check = (overrides: Partial<DatabaseCredentials> = {}) => checkAllowed({ engine: 'postgresql', credentials: credentials(overrides) });
  const sql = (text: string) => admin.query(text);
  /** Connects over TCP, as the admin unless `config` says otherwise: true, or the error's SQLSTATE. */
  const attempt = async (config: Partial<ClientConfig>): Promise<true | string | undefined> => {
    const client = new Client({ host: '127.0.0.1', port: server.port, database: NAME, user: 'postgres', ...config });
    client.on('error', () => undefined);
    const outcome = await client.connect().then(
      () => true as const,
      (error: { code?: string }) => error.code,
    );
    await client.end().catch(() => undefined);
    return outcome;
  };
  const connects = async (config: Partial<ClientConfig>) => (await attempt(config)) === true;
  const passwordRefused = async () => (await attempt({ user: NAME, password: 'not-the-password' })) === '28P01';

  beforeAll(async () => {
    server = await startPrivatePostgres();
    admin = new Client({ connectionString: server.url() });
    await admin.connect();
    await sql(`CREATE ROLE ${NAME} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    await sql(`CREATE DATABASE ${NAME}`);
    const { rows } = await admin.query<{ hba_file: string }>('SHOW hba_file');
    await writeServerFile(admin, rows[0]!.hba_file, PRIVATE_HBA);
    await sql('SELECT pg_reload_conf()');
    // The postmaster rereads pg_hba.conf on its own time; the cases below need it read.
    await waitFor(passwordRefused, 10_000);
  }, 60_000);
  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await server?.destroy();
  }, 30_000);

  it('the right password: ok, with an id that names the account and not the password', async () => {
    expect(await check()).toEqual({
      ok: true,
      value: { id: `postgresql://${NAME}@127.0.0.1:${server.port}/${NAME}`, label: `${NAME}@127.0.0.1/${NAME}` },
    });
  });

  it('a wrong password: needs_reauth, token_revoked', async () => {
    const wrong = secret();
    expectFailure(
      await check({ password: wrong }),
      { kind: 'identity_failed', classification: 'needs_reauth', reason: 'token_revoked' },
      ['PostgreSQL', `127.0.0.1:${server.port}`, 'SQLSTATE 28P01'],
      [wrong, password],
    );
  });

  it('an unknown user looks like a wrong password, and a server echoing the secret is scrubbed', async () => {
    const both = secret();
    // The server quotes the user name in its message; here the user name is the password.
    expectFailure(await check({ user: both, password: both }), { classification: 'needs_reauth', reason: 'token_revoked' }, ['SQLSTATE 28P01', '[redacted]'], [both]);
  });

  it('a database that does not exist: needs_reauth, admin_changed', async () => {
    expectFailure(await check({ database: `${NAME}_gone` }), { classification: 'needs_reauth', reason: 'admin_changed' }, ['SQLSTATE 3D000'], [password]);
  });

  it('CONNECT on the database revoked: needs_reauth, admin_changed', async () => {
    await withChange(
      () => sql(`REVOKE CONNECT ON DATABASE ${NAME} FROM PUBLIC`),
      () => sql(`GRANT CONNECT ON DATABASE ${NAME} TO PUBLIC`),
      async () => {
        expectFailure(await check(), { classification: 'needs_reauth', reason: 'admin_changed' }, ['SQLSTATE 42501'], [password]);
      },
    );
  });

  it('login disabled for the role: needs_reauth, admin_changed', async () => {
    await withChange(
      () => sql(`ALTER ROLE ${NAME} NOLOGIN`),
      () => sql(`ALTER ROLE ${NAME} LOGIN`),
      async () => {
        expectFailure(await check(), { classification: 'needs_reauth', reason: 'admin_changed' }, ['SQLSTATE 28000'], [password]);
      },
    );
  });

  it('after ALTER ROLE … PASSWORD the old password needs reauthorization and the new one works', async () => {
    const changed = secret();
    await withChange(
      () => sql(`ALTER ROLE ${NAME} PASSWORD ${admin.escapeLiteral(changed)}`),
      () => sql(`ALTER ROLE ${NAME} PASSWORD ${admin.escapeLiteral(password)}`),
      async () => {
        expectFailure(await check(), { classification: 'needs_reauth', reason: 'token_revoked' }, ['SQLSTATE 28P01'], [password, changed]);
        expect((await check({ password: changed })).ok).toBe(true);
      },
    );
  });

  it('tls: require against a server without TLS is transient, reason internal, and says why', async () => {
    expectFailure(await check({ tls: 'require' }), { classification: 'transient', reason: 'internal' }, ['does not offer TLS', 'tls: require']);
  });

  describe('with TLS on, using a self-signed certificate', () => {
    const certificate = selfSignedCertificate();
    const skip = 'skip' in certificate ? certificate.skip : undefined;

    beforeAll(async () => {
      if ('skip' in certificate) return;
      const { rows } = await admin.query<{ data_directory: string }>('SHOW data_directory');
      const dir = rows[0]!.data_directory;
      // PostgreSQL refuses a key others may read; the files belong to the server's OS user, like its data directory.
      const owner = fs.statSync(dir);
      for (const [name, pem] of [['reconnect-check.crt', certificate.cert], ['reconnect-check.key', certificate.key]] as const) {
        fs.writeFileSync(path.join(dir, name), pem, { mode: 0o600 });
        fs.chownSync(path.join(dir, name), owner.uid, owner.gid);
      }
      await sql(`ALTER SYSTEM SET ssl_cert_file = ${admin.escapeLiteral(path.join(dir, 'reconnect-check.crt'))}`);
      await sql(`ALTER SYSTEM SET ssl_key_file = ${admin.escapeLiteral(path.join(dir, 'reconnect-check.key'))}`);
      await sql('ALTER SYSTEM SET ssl = on');
      await sql('SELECT pg_reload_conf()');
      await waitFor(() => connects({ ssl: { rejectUnauthorized: false } }), 10_000);
    });
    afterAll(async () => {
      if ('skip' in certificate) return;
      await sql('ALTER SYSTEM RESET ssl');
      await sql('SELECT pg_reload_conf()');
    });

    (skip ? it.skip : it)(`tls: require encrypts without checking the certificate${skip ? ` [skipped: ${skip}]` : ''}`, async () => {
      expect((await check({ tls: 'require' })).ok).toBe(true);
    });

    (skip ? it.skip : it)(`tls: verify-full refuses a certificate no CA vouches for: transient${skip ? ` [skipped: ${skip}]` : ''}`, async () => {
      expectFailure(await check({ tls: 'verify-full' }), { classification: 'transient', reason: 'third_party_outage' }, ['DEPTH_ZERO_SELF_SIGNED_CERT'], [password]);
    });
  });
});

const sharedPgSkip = process.env.RECONNECT_TEST_PG_SKIP;
const sharedPgUrl = new URL(process.env.RECONNECT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

(sharedPgSkip ? describe.skip : describe)(`PostgreSQL, the shared test server${sharedPgSkip ? ` [skipped: ${sharedPgSkip}]` : ''}`, () => {
  const credentials = (overrides: Partial<DatabaseCredentials> = {}): DatabaseCredentials => ({
    host: sharedPgUrl.hostname,
    port: Number(sharedPgUrl.port || 5432),
    database: sharedPgUrl.pathname.slice(1),
    user: decodeURIComponent(sharedPgUrl.username),
    password: decodeURIComponent(sharedPgUrl.password),
    tls: 'disable',
    ...overrides,
  });
  const check = (overrides: Partial<DatabaseCredentials> = {}) => checkAllowed({ engine: 'postgresql', credentials: credentials(overrides) });

  it('the test credentials: ok', async () => {
    const { user, host, port, database } = credentials();
    expect(await check()).toEqual({ ok: true, value: { id: `postgresql://${user}@${host}:${port}/${database}`, label: `${user}@${host}/${database}` } });
  });

  it('a database that does not exist: needs_reauth, admin_changed', async () => {
    expectFailure(await check({ database: `${NAME}_missing` }), { classification: 'needs_reauth', reason: 'admin_changed' }, ['SQLSTATE 3D000']);
  });
});

const mysqlSkip = mysqlSkipReason();

(mysqlSkip ? describe.skip : describe)(`MySQL/MariaDB, the shared test server${mysqlSkip ? ` [skipped: ${mysqlSkip}]` : ''}`, () => {
  let admin: Connection;
  let tlsOffered = false;
  const password = secret();
  const host = mysqlUrl.hostname;
  const port = Number(mysqlUrl.port || 3306);
  /** The account as the server sees Reconnect's connections: from the address it connects to, over loopback. */
  const account = `'${NAME}'@'${host}'`;
  const credentials = (overrides: Partial<DatabaseCredentials> = {}): DatabaseCredentials => ({
    host,
    port,
    database: NAME,
    user: NAME,
    password,
    tls: 'disable',
    ...overrides,
  });
  const check = (overrides: Partial<DatabaseCredentials> = {}) => checkAllowed({ engine: 'mysql', credentials: credentials(overrides) });
  const sql = (text: string, values: unknown[] = []) => admin.query(text, values);

  beforeAll(async () => {
    admin = await createConnection({ uri: mysqlUrl.toString() });
    await sql(`DROP USER IF EXISTS ${account}`);
    await sql(`CREATE DATABASE IF NOT EXISTS \`${NAME}\``);
    await sql(`CREATE USER ${account} IDENTIFIED BY ?`, [password]);
    await sql(`GRANT ALL ON \`${NAME}\`.* TO ${account}`);
    const [rows] = await admin.query<({ have_ssl: string } & RowDataPacket)[]>('SELECT @@have_ssl AS have_ssl');
    tlsOffered = rows[0]?.have_ssl === 'YES';
  });
  afterAll(async () => {
    if (!admin) return;
    await sql(`DROP USER IF EXISTS ${account}`);
    await sql(`DROP DATABASE IF EXISTS \`${NAME}\``);
    await sql(`DROP DATABASE IF EXISTS \`${NAME}_2\``);
    await admin.end();
  });

  it('the right password: ok, with an id that names the account and not the password', async () => {
    expect(await check()).toEqual({ ok: true, value: { id: `mysql://${NAME}@${host}:${port}/${NAME}`, label: `${NAME}@${host}/${NAME}` } });
  });

  it('a wrong password: needs_reauth, token_revoked', async () => {
    const wrong = secret();
    expectFailure(
      await check({ password: wrong }),
      { kind: 'identity_failed', classification: 'needs_reauth', reason: 'token_revoked' },
      ['MySQL', `${host}:${port}`, 'error 1045'],
      [wrong, password],
    );
  });

  it('an unknown user looks like a wrong password, and a server echoing the secret is scrubbed', async () => {
    // MariaDB pretends an unknown user exists, with an authentication plugin picked at random, and answers
    // 1045 or 1698 depending on the plugin: ten users meet both answers in all but rare runs.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const both = secret();
      expectFailure(await check({ user: both, password: both }), { classification: 'needs_reauth', reason: 'token_revoked' }, ['refused the credentials', '[redacted]'], [both]);
    }
  });

  it('a database the account was never granted, existing or not: needs_reauth, admin_changed', async () => {
    // MariaDB answers 1044 rather than "unknown database" to an account without a grant on it, so it can't probe names.
    expectFailure(await check({ database: `${NAME}_missing` }), { classification: 'needs_reauth', reason: 'admin_changed' }, ['error 1044'], [password]);
  });

  it('a database that does not exist, for an account that may see all: needs_reauth, admin_changed', async () => {
    const rootCredentials = { user: decodeURIComponent(mysqlUrl.username), password: decodeURIComponent(mysqlUrl.password) };
    expectFailure(await check({ ...rootCredentials, database: `${NAME}_missing` }), { classification: 'needs_reauth', reason: 'admin_changed' }, ['error 1049']);
  });

  it('the grant on the database revoked: needs_reauth, admin_changed', async () => {
    const database = `${NAME}_2`;
    await sql(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    await sql(`GRANT ALL ON \`${database}\`.* TO ${account}`);
    expect((await check({ database })).ok).toBe(true);
    await sql(`REVOKE ALL ON \`${database}\`.* FROM ${account}`);
    expectFailure(await check({ database }), { classification: 'needs_reauth', reason: 'admin_changed' }, ['error 1044'], [password]);
  });

  it('after ALTER USER … IDENTIFIED BY the old password needs reauthorization and the new one works', async () => {
    const changed = secret();
    await withChange(
      () => sql(`ALTER USER ${account} IDENTIFIED BY ?`, [changed]),
      () => sql(`ALTER USER ${account} IDENTIFIED BY ?`, [password]),
      async () => {
        expectFailure(await check(), { classification: 'needs_reauth', reason: 'token_revoked' }, ['error 1045'], [password, changed]);
        expect((await check({ password: changed })).ok).toBe(true);
      },
    );
  });

  it('tls: require follows what the server offers', async () => {
    if (tlsOffered) {
      // MariaDB 11.4 and later make themselves a certificate no CA vouches for.
      expect((await check({ tls: 'require' })).ok).toBe(true);
      expect(failureOf(await check({ tls: 'verify-full' }))).toMatchObject({ classification: 'transient', reason: 'third_party_outage' });
    } else {
      expectFailure(await check({ tls: 'require' }), { classification: 'transient', reason: 'internal' }, ['does not offer TLS', 'tls: require']);
    }
  });
});
