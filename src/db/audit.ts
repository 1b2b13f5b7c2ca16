import type { Prisma, Tx } from './client';

export type ActorType = 'probe' | 'webhook' | 'user' | 'system' | 'admin';

export interface Actor {
  type: ActorType;
  /** Slack user id for `user`, the event id for `webhook`, the token's name for `admin`. */
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

export async function recordAudit(db: Prisma | Tx, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      teamId: entry.teamId,
      connectionId: entry.connectionId ?? null,
      incidentId: entry.incidentId ?? null,
      action: entry.action,
      fromStatus: entry.fromStatus ?? null,
      toStatus: entry.toStatus ?? null,
      reason: entry.reason ?? null,
      actorType: entry.actor.type,
      actorId: entry.actor.id ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
      createdAt: entry.at,
    },
  });
}

export async function auditTrail(db: Prisma, where: { connectionId?: string; incidentId?: string }, take = 20) {
  return db.auditEvent.findMany({ where, orderBy: { createdAt: 'desc' }, take });
}
