import { randomUUID } from 'node:crypto';
import type { Incident } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';

/**
 * The incident reads and writes on the hot paths (every status change, every posted alert), as plain
 * statements: Prisma's model API costs two to three times as much CPU, and wraps an `updateMany` in a
 * transaction of its own.
 */

type Client = Prisma | Tx;

/** The connection's latest incident closed at or after `since`, which a new drop reopens (flap suppression). */
export async function recentlyClosedIncident(db: Client, connectionId: string, since: Date): Promise<Incident | null> {
  const [row] = await db.$queryRaw<Incident[]>`
    SELECT * FROM "Incident"
    WHERE "connectionId" = ${connectionId} AND "state" = 'closed' AND "closedAt" >= ${since}
    ORDER BY "closedAt" DESC LIMIT 1`;
  return row ?? null;
}

export interface NewIncident {
  connectionId: string;
  teamId: string;
  reason: string | null;
  openedAt: Date;
  channelId: string | null;
  /** JSON */
  counts: string;
  /** JSON */
  impact: string;
}

/** Opens an incident; `openKey` (unique) makes a second open incident for the connection fail. */
export async function insertOpenIncident(db: Client, incident: NewIncident): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await db.$executeRaw`
    INSERT INTO "Incident" ("id", "connectionId", "teamId", "openKey", "state", "reason", "openedAt", "lastDroppedAt", "channelId",
                            "counts", "impact", "reopenCount", "reminderCount", "createdAt", "updatedAt")
    VALUES (${id}, ${incident.connectionId}, ${incident.teamId}, ${incident.connectionId}, 'open', ${incident.reason}, ${incident.openedAt},
            ${incident.openedAt}, ${incident.channelId}, ${incident.counts}, ${incident.impact}, 0, 0, ${now}, ${now})`;
  return id;
}

/** Where the alert went, recorded once: later renders update that message in place. */
export async function recordAlertPosted(db: Client, incidentId: string, posted: { channelId: string; messageTs: string | null }, now: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE "Incident" SET "channelId" = ${posted.channelId}, "messageTs" = ${posted.messageTs}, "deliveryError" = NULL, "updatedAt" = ${now}
    WHERE "id" = ${incidentId} AND "messageTs" IS NULL`;
}
