import { join, sqltag as sql } from '@prisma/client/runtime/client';
import type { Connection as ConnectionRow } from '../generated/postgresql/client';
import type { ConnectionKind } from '../lib/provider-ids';
import type { Prisma, Tx } from './client';
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
 * and returns how many were written; one that changed status meanwhile is left alone. A plain statement:
 * Prisma would wrap a model `updateMany` in a transaction of its own.
 */
export async function recordProbeChecks(db: Client, connectionIds: string[], expectedStatus: ConnectionStatus, check: ProbeCheck, now: Date): Promise<number> {
  if (connectionIds.length === 0) return 0;
  const changes = [sql`"nextProbeAt" = ${check.nextProbeAt}`, sql`"updatedAt" = ${now}`];
  if (check.checkedAt) changes.push(sql`"lastCheckedAt" = ${check.checkedAt}`);
  if (check.outcome === 'success') changes.push(sql`"lastSuccessAt" = ${check.checkedAt ?? now}`, sql`"consecutiveFailures" = 0`);
  if (check.outcome === 'failure') changes.push(sql`"consecutiveFailures" = "consecutiveFailures" + 1`);
  return db.$executeRaw`UPDATE "Connection" SET ${join(changes)} WHERE "id" IN (${join(connectionIds)}) AND "status" = ${expectedStatus}`;
}

/**
 * The status engine's reads and writes of a connection, as plain statements: they run once per status
 * change, inside its transaction, where Prisma's model API costs two to three times as much CPU.
 */
export async function connectionRow(db: Client, id: string): Promise<ConnectionRow | null> {
  const [row] = await db.$queryRaw<ConnectionRow[]>`SELECT * FROM "Connection" WHERE "id" = ${id}`;
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
  const changes = [sql`"status" = ${write.status}`, sql`"reason" = ${write.reason}`, sql`"statusChangedAt" = ${write.statusChangedAt}`, sql`"updatedAt" = ${new Date()}`];
  if (write.disabledAt !== undefined) changes.push(sql`"disabledAt" = ${write.disabledAt}`);
  if (write.succeededAt) changes.push(sql`"consecutiveFailures" = 0`, sql`"lastSuccessAt" = ${write.succeededAt}`);
  const [row] = await db.$queryRaw<ConnectionRow[]>`
    UPDATE "Connection" SET ${join(changes)}
    WHERE "id" = ${expected.id} AND "status" = ${expected.status} AND "updatedAt" = ${expected.updatedAt}
    RETURNING *`;
  return row ?? null;
}

/** Only these are probed: an auth problem waits for a person, a disabled connection for an admin. */
const dueForProbe = (now: Date) => ({ status: { in: ['connected', 'degraded'] }, nextProbeAt: { lte: now } });

/** Keyset page of due connections on (nextProbeAt, id), most overdue first. */
export function dueConnectionPage(prisma: Prisma, now: Date, after: { nextProbeAt: Date; id: string } | undefined, take: number) {
  return prisma.connection.findMany({
    where: {
      ...dueForProbe(now),
      ...(after ? { OR: [{ nextProbeAt: { gt: after.nextProbeAt } }, { nextProbeAt: after.nextProbeAt, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ nextProbeAt: 'asc' }, { id: 'asc' }],
    take,
    select: { id: true, nextProbeAt: true },
  });
}

/**
 * Moves the next probe of rows that are still due to `until`, in one statement, so sweeps that overlap
 * (one outlasts its minute and another replica takes the next fire) never probe a connection twice: two
 * refreshes of one rotating refresh token would make the loser's look revoked. Every probe result
 * overwrites the claim; a replica that dies mid-sweep leaves its rows due again once `until` passes.
 */
export async function claimDueConnections(prisma: Prisma, ids: string[], now: Date, until: Date): Promise<Connection[]> {
  if (ids.length === 0) return [];
  const rows = await prisma.connection.updateManyAndReturn({ where: { id: { in: ids }, ...dueForProbe(now) }, data: { nextProbeAt: until } });
  return rows.map(toConnection);
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
