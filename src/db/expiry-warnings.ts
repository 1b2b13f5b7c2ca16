import type { ExpiryWarning } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { randomUUID } from 'node:crypto';

/** Every read and write of the ExpiryWarning table: the heads-ups before a credential's hard expiry. */

type Client = Prisma | Tx;

export type { ExpiryWarning };

export interface ExpiryCandidate {
  connectionId: string;
  teamId: string;
  channelId: string | null;
  hardExpiresAt: Date;
  hardExpiryKind: string | null;
}

/** Live connections whose credential dies whatever happens before `until`. */
export async function credentialsExpiringBefore(db: Client, now: Date, until: Date, take: number, after: string): Promise<ExpiryCandidate[]> {
  const rows = await db.credential.findMany({
    where: { hardExpiresAt: { gt: now, lte: until }, connectionId: { gt: after }, connection: { status: { not: 'disabled' } } },
    orderBy: { connectionId: 'asc' },
    take,
    select: { connectionId: true, hardExpiresAt: true, hardExpiryKind: true, connection: { select: { teamId: true, channelId: true } } },
  });
  return rows.map((row) => ({
    connectionId: row.connectionId,
    teamId: row.connection.teamId,
    channelId: row.connection.channelId,
    hardExpiresAt: row.hardExpiresAt!,
    hardExpiryKind: row.hardExpiryKind,
  }));
}

/**
 * Inserts the warning unless this threshold of this expiry was warned about already (by this replica or
 * another): the unique key decides, without aborting the caller's transaction as a failed insert would
 * on PostgreSQL. Returns the new row's id, or null.
 */
export async function claimWarning(db: Client, warning: { connectionId: string; teamId: string; channelId: string | null; hardExpiresAt: Date; thresholdDays: number; createdAt: Date }): Promise<string | null> {
  const id = randomUUID();
  const inserted = await db.$executeRaw`
    INSERT INTO "ExpiryWarning" ("id", "connectionId", "teamId", "hardExpiresAt", "thresholdDays", "channelId", "createdAt")
    VALUES (${id}, ${warning.connectionId}, ${warning.teamId}, ${warning.hardExpiresAt}, ${warning.thresholdDays}, ${warning.channelId}, ${warning.createdAt})
    ON CONFLICT ("connectionId", "hardExpiresAt", "thresholdDays") DO NOTHING`;
  return inserted === 1 ? id : null;
}

export function findWarning(db: Client, id: string): Promise<ExpiryWarning | null> {
  return db.expiryWarning.findUnique({ where: { id } });
}

export async function recordWarningPosted(db: Client, id: string, channelId: string, messageTs: string): Promise<void> {
  await db.expiryWarning.update({ where: { id }, data: { channelId, messageTs } });
}

/** Closes the connection's open warnings; returns their ids, so their messages can say so. */
export async function closeWarnings(db: Client, connectionId: string, at: Date, by: string): Promise<string[]> {
  const open = await db.expiryWarning.findMany({ where: { connectionId, closedAt: null }, select: { id: true } });
  if (open.length === 0) return [];
  await db.expiryWarning.updateMany({ where: { id: { in: open.map((row) => row.id) } }, data: { closedAt: at, closedBy: by } });
  return open.map((row) => row.id);
}
