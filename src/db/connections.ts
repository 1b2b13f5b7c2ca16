import type { Connection as ConnectionRow } from '../generated/postgresql/client';
import type { ConnectionKind } from '../lib/provider-ids';
import type { Prisma, Tx } from './client';
import { driverOf, placeholders, sqlOf, type SqlValue } from './driver';
import { parseJson } from './json';

export type ConnectionStatus = 'connected' | 'authorization_required' | 'degraded' | 'disabled';

/** A connection as the rest of the app sees it: JSON columns parsed, never any credential. */
export interface Connection {
  id: string;
  teamId: string;
  provider: string;
  kind: ConnectionKind;
  name: string;
  externalAccountId: string;
  channelId: string | null;
  owners: string[];
  options: Record<string, unknown>;
  status: ConnectionStatus;
  reason: string | null;
  statusChangedAt: Date;
  lastCheckedAt: Date | null;
  lastSuccessAt: Date | null;
  nextProbeAt: Date;
  consecutiveFailures: number;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toConnection(row: ConnectionRow): Connection {
  return {
    ...row,
    kind: row.kind as ConnectionKind,
    status: row.status as ConnectionStatus,
    owners: parseJson<string[]>(row.owners, []),
    options: parseJson<Record<string, unknown>>(row.options, {}),
  };
}

export interface NewConnection {
  teamId: string;
  provider: string;
  kind: ConnectionKind;
  name: string;
  externalAccountId: string;
  channelId?: string | null;
  owners?: string[];
  options?: Record<string, unknown>;
}

type Client = Prisma | Tx;

export async function insertConnection(db: Client, input: NewConnection, now: Date): Promise<Connection> {
  const row = await db.connection.create({
    data: {
      teamId: input.teamId,
      provider: input.provider,
      kind: input.kind,
      name: input.name,
      externalAccountId: input.externalAccountId,
      channelId: input.channelId ?? null,
      owners: JSON.stringify(input.owners ?? []),
      options: JSON.stringify(input.options ?? {}),
      statusChangedAt: now,
      nextProbeAt: now,
      createdAt: now,
    },
  });
  return toConnection(row);
}

/** The workspaces owning these connections, for the interaction tenancy check. */
export async function connectionTeams(db: Client, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.connection.findMany({ where: { id: { in: ids } }, select: { teamId: true } });
  return rows.map((row) => row.teamId);
}

export async function findConnection(db: Client, id: string): Promise<Connection | null> {
  const row = await db.connection.findUnique({ where: { id } });
  return row ? toConnection(row) : null;
}

export async function findConnectionByAccount(
  db: Client,
  where: { provider: string; externalAccountId: string; teamId?: string },
): Promise<Connection[]> {
  const rows = await db.connection.findMany({ where, orderBy: { createdAt: 'asc' } });
  return rows.map(toConnection);
}

export async function listConnections(
  db: Client,
  where: { teamId?: string; provider?: string; includeDisabled?: boolean } = {},
): Promise<Connection[]> {
  const rows = await db.connection.findMany({
    where: {
      teamId: where.teamId,
      provider: where.provider,
      ...(where.includeDisabled ? {} : { status: { not: 'disabled' } }),
    },
    orderBy: [{ teamId: 'asc' }, { name: 'asc' }],
  });
  return rows.map(toConnection);
}

/** What one probe found, for the connection's bookkeeping. */
export interface ProbeCheck {
  nextProbeAt: Date;
  /** Set when the provider was asked (not for a skipped probe). */
  checkedAt?: Date;
  outcome?: 'success' | 'failure';
}

/**
 * Records probe bookkeeping for connections still in `expectedStatus` (a sweep batches the healthy ones)
 * and returns how many were written; one that changed status meanwhile is left alone, held until the
 * sweep's lease runs out. Through the driver (src/db/driver.ts): a sweep runs it for every probe.
 */
export async function recordProbeChecks(prisma: Prisma, connectionIds: string[], expectedStatus: ConnectionStatus, check: ProbeCheck, now: Date): Promise<number> {
  if (connectionIds.length === 0) return 0;
  // Recorded, the connection is no longer held: its next probe is due when nextProbeAt says.
  const params: SqlValue[] = [check.nextProbeAt, now];
  const changes = ['"nextProbeAt" = $1', '"probeLeaseUntil" = NULL', '"updatedAt" = $2'];
  if (check.checkedAt) {
    params.push(check.checkedAt);
    changes.push(`"lastCheckedAt" = $${params.length}`);
  }
  if (check.outcome === 'success') {
    params.push(check.checkedAt ?? now);
    changes.push(`"lastSuccessAt" = $${params.length}`, '"consecutiveFailures" = 0');
  }
  if (check.outcome === 'failure') changes.push('"consecutiveFailures" = "consecutiveFailures" + 1');
  params.push(expectedStatus, ...connectionIds);
  const sql = `UPDATE "Connection" SET ${changes.join(', ')} WHERE "status" = $${params.length - connectionIds.length} AND "id" IN (${placeholders(params.length - connectionIds.length + 1, connectionIds.length)})`;
  // Relaxed (src/db/driver.ts): bookkeeping a database crash loses means the connection is probed again.
  return driverOf(prisma).relaxed.execute(sql, params);
}

/**
 * The status engine's reads and writes of a connection, as plain statements: they run once per status
 * change, inside its transaction, where Prisma's model API costs two to three times as much CPU.
 */
export async function connectionRow(db: Client, id: string): Promise<ConnectionRow | null> {
  const [row] = await sqlOf(db).query<ConnectionRow>('SELECT * FROM "Connection" WHERE "id" = $1', [id]);
  return row ?? null;
}

export interface StatusWrite {
  status: ConnectionStatus;
  reason: string | null;
  statusChangedAt: Date;
  /** Set when disabling, null when enabling again; left alone when undefined. */
  disabledAt?: Date | null;
  /** Set when the connection works again: failures reset, last success recorded. */
  succeededAt?: Date;
}

/** Writes `write` only if the row is still as `expected` was read; returns the row after, or null. */
export async function swapStatus(db: Client, expected: Pick<ConnectionRow, 'id' | 'status' | 'updatedAt'>, write: StatusWrite): Promise<ConnectionRow | null> {
  const params: SqlValue[] = [expected.id, expected.status, expected.updatedAt, write.status, write.reason, write.statusChangedAt, new Date()];
  const changes = ['"status" = $4', '"reason" = $5', '"statusChangedAt" = $6', '"updatedAt" = $7'];
  if (write.disabledAt !== undefined) {
    params.push(write.disabledAt);
    changes.push(`"disabledAt" = $${params.length}`);
  }
  if (write.succeededAt) {
    params.push(write.succeededAt);
    changes.push('"consecutiveFailures" = 0', `"lastSuccessAt" = $${params.length}`);
  }
  const [row] = await sqlOf(db).query<ConnectionRow>(
    `UPDATE "Connection" SET ${changes.join(', ')} WHERE "id" = $1 AND "status" = $2 AND "updatedAt" = $3 RETURNING *`,
    params,
  );
  return row ?? null;
}

/**
 * Due for a probe: connected or degraded (an auth problem waits for a person, a disabled connection for
 * an admin), its next probe come by the parameter `dueBy`, and held by no sweep at the parameter `now`.
 */
const dueForProbe = (dueBy: string, now: string) =>
  `"status" IN ('connected', 'degraded') AND "nextProbeAt" <= ${dueBy} AND ("probeLeaseUntil" IS NULL OR "probeLeaseUntil" < ${now})`;

/** One sweep's claim: who sweeps (a replica) and when the sweep started, which tells its claims apart. */
export interface ProbeClaim {
  by: string;
  at: Date;
}

/**
 * Claims up to `take` connections due by `dueBy`, most overdue first, for this sweep until `leaseUntil`,
 * in one statement, and returns them. Every replica sweeps at once, and two sweeps never both win a
 * connection: on PostgreSQL the candidates are locked as they are picked and those another claim holds
 * are skipped (two claims locking overlapping pages in different orders would deadlock, and waiting for
 * the first to commit would only find its rows taken); SQLite runs one writer at a time. The due
 * condition is checked again on the claimed row either way. A sweep whose candidates were all held by
 * another's claim comes back empty-handed while connections are still due; anyDueForProbe tells it to
 * look again. The sweep's statements go through the driver (src/db/driver.ts): they run for every page
 * and every probe.
 */
export async function claimDueConnections(prisma: Prisma, claim: ProbeClaim, window: { dueBy: Date; now: Date; leaseUntil: Date; take: number }): Promise<Connection[]> {
  const driver = driverOf(prisma);
  const due = dueForProbe('$4', '$5');
  const skipHeld = driver.kind === 'postgresql' ? ' FOR UPDATE SKIP LOCKED' : '';
  // Relaxed (src/db/driver.ts): a claim a database crash loses leaves the connection due, to be claimed again.
  // Picked once, in a materialized CTE: as a subquery of the UPDATE, PostgreSQL may run a locking
  // SELECT again for other rows and claim more than `take`.
  const rows = await driver.relaxed.query<ConnectionRow>(
    `WITH "picked" AS MATERIALIZED (SELECT "id" FROM "Connection" WHERE ${due} ORDER BY "nextProbeAt", "id" LIMIT $6${skipHeld})
     UPDATE "Connection" SET "probeClaimedBy" = $1, "probeClaimedAt" = $2, "probeLeaseUntil" = $3
     WHERE "id" IN (SELECT "id" FROM "picked") AND ${due}
     RETURNING *`,
    [claim.by, claim.at, window.leaseUntil, window.dueBy, window.now, window.take],
  );
  return rows.sort((a, b) => a.nextProbeAt.getTime() - b.nextProbeAt.getTime() || (a.id < b.id ? -1 : 1)).map(toConnection);
}

export async function anyDueForProbe(prisma: Prisma, dueBy: Date, now: Date): Promise<boolean> {
  const rows = await driverOf(prisma).query<unknown>(`SELECT 1 FROM "Connection" WHERE ${dueForProbe('$1', '$2')} LIMIT 1`, [dueBy, now]);
  return rows.length > 0;
}

/** Extends this sweep's hold on the connections it claimed and has not recorded yet; returns how many. */
export async function renewProbeClaims(prisma: Prisma, claim: ProbeClaim, leaseUntil: Date): Promise<number> {
  return driverOf(prisma).relaxed.execute(
    `UPDATE "Connection" SET "probeLeaseUntil" = $1 WHERE "probeLeaseUntil" IS NOT NULL AND "probeClaimedBy" = $2 AND "probeClaimedAt" = $3`,
    [leaseUntil, claim.by, claim.at],
  );
}

/** The credentials just proved to work (a completed reauthorization): the failure count starts over. */
export async function recordCredentialsWork(db: Client, id: string, now: Date): Promise<Connection> {
  return toConnection(await db.connection.update({ where: { id }, data: { consecutiveFailures: 0, lastSuccessAt: now, lastCheckedAt: now } }));
}

/** What an admin may change on a connection; undefined fields stay as they are, a null channel clears it. */
export async function updateConnectionFields(
  db: Client,
  id: string,
  fields: { name?: string; channelId?: string | null; owners?: string[]; options?: Record<string, unknown> },
): Promise<void> {
  await db.connection.update({
    where: { id },
    data: {
      name: fields.name,
      channelId: fields.channelId,
      owners: fields.owners ? JSON.stringify(fields.owners) : undefined,
      options: fields.options ? JSON.stringify(fields.options) : undefined,
    },
  });
}
