import { randomUUID } from 'node:crypto';
import { sqltag as sql } from '@prisma/client/runtime/client';
import type { AuditEvent } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { sqlOf } from './driver';
import { pruneInPages } from './prune';

export type ActorType = 'probe' | 'webhook' | 'user' | 'system' | 'admin' | 'data_platform';

export interface Actor {
  type: ActorType;
  /** Slack user id for `user`, the event id for `webhook`, the token's name for `admin`, the key's name for `data_platform`. */
  id?: string;
}

export interface AuditEntry {
  teamId: string;
  connectionId?: string;
  incidentId?: string | null;
  action: string;
  fromStatus?: string;
  toStatus?: string;
  reason?: string | null;
  actor: Actor;
  detail?: Record<string, unknown>;
  at: Date;
}

/** A plain insert: every status change and action writes one, and a model create costs about three times as much. */
export async function recordAudit(db: Prisma | Tx, entry: AuditEntry): Promise<void> {
  await sqlOf(db).execute(
    `INSERT INTO "AuditEvent" ("id", "teamId", "connectionId", "incidentId", "action", "fromStatus", "toStatus", "reason", "actorType", "actorId", "detail", "createdAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [randomUUID(), entry.teamId, entry.connectionId ?? null, entry.incidentId ?? null, entry.action, entry.fromStatus ?? null,
      entry.toStatus ?? null, entry.reason ?? null, entry.actor.type, entry.actor.id ?? null, JSON.stringify(entry.detail ?? {}), entry.at],
  );
}

export async function auditTrail(db: Prisma, where: { connectionId?: string; incidentId?: string }, take = 20) {
  return db.auditEvent.findMany({ where, orderBy: { createdAt: 'desc' }, take });
}

export function pruneAudit(prisma: Prisma, before: Date): Promise<number> {
  return pruneInPages(prisma, 'AuditEvent', 'id', sql`"createdAt" < ${before}`);
}

export type { AuditEvent };

export interface StatusChange {
  connectionId: string;
  at: Date;
  fromStatus: string | null;
  toStatus: string | null;
}

/** Status changes of these connections since `since`, oldest first (the health strips). */
export async function statusChangesSince(db: Prisma, connectionIds: string[], since: Date): Promise<StatusChange[]> {
  if (connectionIds.length === 0) return [];
  const rows = await db.auditEvent.findMany({
    where: { action: 'status_changed', connectionId: { in: connectionIds }, createdAt: { gte: since } },
    orderBy: { createdAt: 'asc' },
    select: { connectionId: true, createdAt: true, fromStatus: true, toStatus: true },
  });
  return rows.map((row) => ({ connectionId: row.connectionId!, at: row.createdAt, fromStatus: row.fromStatus, toStatus: row.toStatus }));
}
