import { randomUUID } from 'node:crypto';
import { Prisma as Schema } from '../generated/postgresql/browser';
import type { Connection as ConnectionRow, Incident } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { driverOf, sqlOf, type SqlValue } from './driver';

/**
 * Every read and write of the Incident table. Those on the hot paths (every status change, posted alert,
 * thread reply and click) are plain statements: Prisma's model API costs two to three times as much CPU,
 * grows its query compiler's memory with every new query shape, and wraps an `updateMany` in a
 * transaction of its own.
 */

type Client = Prisma | Tx;

/** The connection's latest incident closed at or after `since`, which a new drop reopens (flap suppression). */
export async function recentlyClosedIncident(db: Client, connectionId: string, since: Date): Promise<Incident | null> {
  const [row] = await sqlOf(db).query<Incident>(
    `SELECT * FROM "Incident" WHERE "connectionId" = $1 AND "state" = 'closed' AND "closedAt" >= $2 ORDER BY "closedAt" DESC LIMIT 1`,
    [connectionId, since],
  );
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
  /** The burst's lead incident, when this drop joins one. */
  burstOf?: string;
  /** The lead's alert, when it was posted already. */
  messageTs?: string | null;
}

/** Opens an incident; `openKey` (unique) makes a second open incident for the connection fail. */
export async function insertOpenIncident(db: Client, incident: NewIncident): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await sqlOf(db).execute(
    `INSERT INTO "Incident" ("id", "connectionId", "teamId", "openKey", "state", "reason", "openedAt", "lastDroppedAt", "channelId",
                             "counts", "reopenCount", "reminderCount", "createdAt", "updatedAt", "burstOf", "messageTs")
     VALUES ($1, $2, $3, $2, 'open', $4, $5, $5, $6, $7, 0, 0, $8, $8, $9, $10)`,
    [id, incident.connectionId, incident.teamId, incident.reason, incident.openedAt, incident.channelId, incident.counts, now, incident.burstOf ?? null, incident.messageTs ?? null],
  );
  return id;
}

/**
 * The first incident of a burst this drop belongs to: opened in the same workspace and channel within
 * the window, by another connection, leading no other burst, and with the burst still open.
 */
export async function burstLeadFor(db: Client, drop: { teamId: string; channelId: string | null; connectionId: string; since: Date; at: Date }): Promise<Incident | null> {
  // One statement, as every drop with a burst window runs it; a channel of null matches null, as Prisma's would.
  const [lead] = await sqlOf(db).query<Incident>(
    `SELECT * FROM "Incident" AS "lead"
     WHERE "teamId" = $1 AND ("channelId" = $2 OR ("channelId" IS NULL AND $2 IS NULL)) AND "burstOf" IS NULL AND "connectionId" <> $3
       AND "openedAt" >= $4 AND "openedAt" <= $5
       AND ("state" = 'open' OR EXISTS (SELECT 1 FROM "Incident" AS "member" WHERE "member"."burstOf" = "lead"."id" AND "member"."state" = 'open'))
     ORDER BY "openedAt" LIMIT 1`,
    [drop.teamId, drop.channelId, drop.connectionId, drop.since, drop.at],
  );
  return lead ?? null;
}

export interface BurstMember {
  id: string;
  state: string;
  messageTs: string | null;
  connection: { name: string; provider: string; externalAccountId: string; credential: { signedInAs: string | null } | null };
}

/** The incidents that joined this lead's burst, oldest first, with what their alert row shows: one statement, run for every alert. */
export async function burstMembers(db: Client, leadId: string): Promise<BurstMember[]> {
  const rows = await sqlOf(db).query<{ id: string; state: string; messageTs: string | null; name: string; provider: string; externalAccountId: string; signedInAs: string | null; hasCredential: number | boolean }>(
    `SELECT "member"."id", "member"."state", "member"."messageTs", "connection"."name", "connection"."provider", "connection"."externalAccountId",
            "credential"."signedInAs", "credential"."connectionId" IS NOT NULL AS "hasCredential"
     FROM "Incident" AS "member"
     JOIN "Connection" AS "connection" ON "connection"."id" = "member"."connectionId"
     LEFT JOIN "Credential" AS "credential" ON "credential"."connectionId" = "member"."connectionId"
     WHERE "member"."burstOf" = $1
     ORDER BY "member"."openedAt", "member"."id"`,
    [leadId],
  );
  return rows.map((row) => ({
    id: row.id,
    state: row.state,
    messageTs: row.messageTs,
    connection: { name: row.name, provider: row.provider, externalAccountId: row.externalAccountId, credential: row.hasCredential ? { signedInAs: row.signedInAs } : null },
  }));
}

/**
 * Where the alert went, recorded once: later renders update that message in place. A burst's members are
 * shown in the lead's alert, so it is recorded as theirs too; run again for a member that joined while the
 * lead was being posted (its insert committed after this statement had run).
 */
export async function recordAlertPosted(db: Client, incidentId: string, posted: { channelId: string; messageTs: string | null }, now: Date): Promise<void> {
  await sqlOf(db).execute(
    `UPDATE "Incident" SET "channelId" = $2, "messageTs" = $3, "deliveryError" = NULL, "updatedAt" = $4 WHERE ("id" = $1 OR "burstOf" = $1) AND "messageTs" IS NULL`,
    [incidentId, posted.channelId, posted.messageTs, now],
  );
}

export interface AlertMessage {
  teamId: string;
  /** The incident whose alert it is: the burst's lead for a member. */
  alertId: string;
  channelId: string | null;
  messageTs: string | null;
  deliveryError: string | null;
}

/**
 * Where the incident's alert is in Slack. A member's is read from its lead, the one row that is sure to
 * have it once posted: the member's own copy lags when it joined while the lead was being posted.
 */
export async function alertMessageOf(db: Client, incidentId: string): Promise<AlertMessage | null> {
  // Every thread reply reads it: one statement, the incident joined to the lead (or itself) that shows it.
  const [row] = await sqlOf(db).query<AlertMessage>(
    `SELECT "incident"."teamId", "alert"."id" AS "alertId", "alert"."channelId", "alert"."messageTs", "alert"."deliveryError"
     FROM "Incident" AS "incident" JOIN "Incident" AS "alert" ON "alert"."id" = COALESCE("incident"."burstOf", "incident"."id")
     WHERE "incident"."id" = $1`,
    [incidentId],
  );
  return row ?? null;
}

export type { Incident };

/** The columns people and the status engine change on an incident (state, acknowledgement, snooze, counts…). */
export type IncidentChanges = Partial<
  Pick<
    Incident,
    | 'state' | 'openKey' | 'reason' | 'closedAt' | 'closedBy' | 'lastDroppedAt' | 'reopenCount' | 'impact' | 'counts'
    | 'acknowledgedBy' | 'acknowledgedAt' | 'snoozedUntil' | 'reauthStartedBy' | 'reauthStartedAt'
  >
>;

const INCIDENT_COLUMNS = new Set<string>(Object.values(Schema.IncidentScalarFieldEnum));

/** Every click (acknowledge, snooze, reauthorize) reads the incident in its transaction. */
export async function findIncident(db: Client, id: string): Promise<Incident | null> {
  const [row] = await sqlOf(db).query<Incident>(`SELECT * FROM "Incident" WHERE "id" = $1`, [id]);
  return row ?? null;
}

/** The connection's columns under a prefix, for reading them beside the incident's in one statement. */
const CONNECTION_COLUMNS = Object.values(Schema.ConnectionScalarFieldEnum);
const CONNECTION_SELECT = CONNECTION_COLUMNS.map((column) => `"connection"."${column}" AS "connection.${column}"`).join(', ');

/**
 * The incident, its connection and how many incidents joined its burst (its alert lists them), in one
 * prepared statement: it runs for every alert delivered and every click answered.
 */
export async function findIncidentWithConnection(db: Client, id: string): Promise<{ incident: Incident; connection: ConnectionRow; burstMembers: number } | null> {
  const [row] = await sqlOf(db).query<Record<string, unknown>>(
    `SELECT "Incident".*, (SELECT COUNT(*) FROM "Incident" AS "member" WHERE "member"."burstOf" = "Incident"."id") AS "burstMemberCount", ${CONNECTION_SELECT}
     FROM "Incident" JOIN "Connection" AS "connection" ON "connection"."id" = "Incident"."connectionId"
     WHERE "Incident"."id" = $1`,
    [id],
  );
  if (!row) return null;
  const { burstMemberCount, ...columns } = row;
  const incident: Record<string, unknown> = {};
  const connection: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(columns)) {
    if (name.startsWith('connection.')) connection[name.slice('connection.'.length)] = value;
    else incident[name] = value;
  }
  return { incident: incident as unknown as Incident, connection: connection as unknown as ConnectionRow, burstMembers: Number(burstMemberCount) };
}

/** The connection's open incident: `openKey` is its id while open. */
export async function openIncidentOf(db: Client, connectionId: string): Promise<Incident | null> {
  const [row] = await sqlOf(db).query<Incident>(`SELECT * FROM "Incident" WHERE "openKey" = $1`, [connectionId]);
  return row ?? null;
}

/** Changes the incident's columns (an unset change leaves its column alone); the incident must exist. */
export async function updateIncident(db: Client, id: string, changes: IncidentChanges): Promise<void> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  for (const [column] of entries) if (!INCIDENT_COLUMNS.has(column)) throw new Error(`Incident has no column ${column}`);
  const set = entries.map(([column], i) => `, "${column}" = $${i + 3}`).join('');
  const changed = await sqlOf(db).execute(`UPDATE "Incident" SET "updatedAt" = $2${set} WHERE "id" = $1`, [id, new Date(), ...entries.map(([, value]) => value as SqlValue)]);
  if (changed !== 1) throw new Error(`incident ${id} not found`);
}

/** Records why the alert can't be delivered, once: true for the call that recorded it. */
export async function recordDeliveryError(db: Client, id: string, error: string): Promise<boolean> {
  const changed = await sqlOf(db).execute(`UPDATE "Incident" SET "deliveryError" = $2, "updatedAt" = $3 WHERE "id" = $1 AND "deliveryError" IS NULL`, [id, error, new Date()]);
  return changed === 1;
}

/**
 * The workspaces owning these incidents, for the tenancy check in front of every click: it runs before
 * the ack, so through the driver (src/db/driver.ts), where Prisma's query compiler took most of a millisecond.
 */
export async function incidentTeams(prisma: Prisma, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await driverOf(prisma).query<{ teamId: string }>(`SELECT "teamId" FROM "Incident" WHERE "id" IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`, ids);
  return rows.map((row) => row.teamId);
}

export function openIncidentsOfTeam(db: Client, teamId: string): Promise<Incident[]> {
  return db.incident.findMany({ where: { teamId, state: 'open' }, orderBy: { openedAt: 'asc' } });
}

/** Incidents of the team closed in (from, to], newest first. */
export function incidentsClosedBetween(db: Client, teamId: string, from: Date, to: Date): Promise<Incident[]> {
  return db.incident.findMany({ where: { teamId, state: 'closed', closedAt: { gt: from, lte: to } }, orderBy: { closedAt: 'desc' } });
}

export interface ReminderCandidate {
  id: string;
  teamId: string;
  reminderCount: number;
  lastReminderAt: Date | null;
}

/**
 * A page (by id) of open, posted, unsnoozed incidents opened before `oldEnough` whose last reminder (or
 * opening) is before `quietSince` and that had fewer than `max` reminders.
 */
export function incidentsDueForReminder(
  db: Client,
  page: { after: string; take: number },
  due: { now: Date; oldEnough: Date; quietSince: Date; max: number },
): Promise<ReminderCandidate[]> {
  return db.incident.findMany({
    where: {
      id: { gt: page.after },
      state: 'open',
      messageTs: { not: null },
      // A burst is reminded of through its lead: one reminder per thread, not one per connection in it.
      burstOf: null,
      reminderCount: { lt: due.max },
      openedAt: { lte: due.oldEnough },
      AND: [
        { OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: due.now } }] },
        { OR: [{ lastReminderAt: { lte: due.quietSince } }, { lastReminderAt: null, openedAt: { lte: due.quietSince } }] },
      ],
    },
    orderBy: { id: 'asc' },
    take: page.take,
    select: { id: true, teamId: true, reminderCount: true, lastReminderAt: true },
  });
}

/** Counts the next reminder, if nobody counted it first (compare-and-swap on the count and its time). */
export async function countReminder(db: Client, incident: ReminderCandidate, number: number, at: Date): Promise<boolean> {
  const { count } = await db.incident.updateMany({
    where: { id: incident.id, state: 'open', reminderCount: incident.reminderCount, lastReminderAt: incident.lastReminderAt },
    data: { reminderCount: number, lastReminderAt: at },
  });
  return count === 1;
}
