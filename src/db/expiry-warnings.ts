import type { ExpiryWarning } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { randomUUID } from 'node:crypto';

/** `closedBy` of a warning whose expiry no longer holds (the provider restated a later one, or none). */
export const EXPIRY_MOVED = 'expiry_moved';

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

/** The value of `openKey` while a warning is open. */
const openKeyOf = (connectionId: string, thresholdDays: number) => `${connectionId}|${thresholdDays}`;

/**
 * Inserts the warning unless this threshold of this connection has an open warning already (made by this
 * replica or another, for this expiry or one restated a little differently): the unique open key decides,
 * without aborting the caller's transaction as a failed insert would on PostgreSQL. Returns the new
 * row's id, or null.
 */
export async function claimWarning(db: Client, warning: { connectionId: string; teamId: string; channelId: string | null; hardExpiresAt: Date; thresholdDays: number; createdAt: Date }): Promise<string | null> {
  const id = randomUUID();
  const openKey = openKeyOf(warning.connectionId, warning.thresholdDays);
  const inserted = await db.$executeRaw`
    INSERT INTO "ExpiryWarning" ("id", "connectionId", "teamId", "hardExpiresAt", "thresholdDays", "channelId", "createdAt", "openKey")
    VALUES (${id}, ${warning.connectionId}, ${warning.teamId}, ${warning.hardExpiresAt}, ${warning.thresholdDays}, ${warning.channelId}, ${warning.createdAt}, ${openKey})
    ON CONFLICT ("openKey") DO NOTHING`;
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
  await db.expiryWarning.updateMany({ where: { id: { in: open.map((row) => row.id) } }, data: { closedAt: at, closedBy: by, openKey: null } });
  return open.map((row) => row.id);
}

/** Closes one open warning; false when it was closed already (by another replica). */
export async function closeWarning(db: Client, id: string, at: Date, by: string): Promise<boolean> {
  const { count } = await db.expiryWarning.updateMany({ where: { id, closedAt: null }, data: { closedAt: at, closedBy: by, openKey: null } });
  return count === 1;
}

export interface OpenWarning {
  id: string;
  connectionId: string;
  teamId: string;
  /** The expiry the warning was made for. */
  hardExpiresAt: Date;
  /** The connection's credential's hard expiry now; null when none is known (or the credential is gone). */
  currentExpiresAt: Date | null;
}

/** A page of open warnings, by id, each with the hard expiry its connection's credential states now. */
export async function openWarningsPage(db: Client, take: number, after: string): Promise<OpenWarning[]> {
  const warnings = await db.expiryWarning.findMany({
    where: { closedAt: null, id: { gt: after } },
    orderBy: { id: 'asc' },
    take,
    select: { id: true, connectionId: true, teamId: true, hardExpiresAt: true },
  });
  if (warnings.length === 0) return [];
  const credentials = await db.credential.findMany({
    where: { connectionId: { in: [...new Set(warnings.map((warning) => warning.connectionId))] } },
    select: { connectionId: true, hardExpiresAt: true },
  });
  const current = new Map(credentials.map((credential) => [credential.connectionId, credential.hardExpiresAt]));
  return warnings.map((warning) => ({ ...warning, currentExpiresAt: current.get(warning.connectionId) ?? null }));
}
