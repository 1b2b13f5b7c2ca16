import { randomUUID } from 'node:crypto';
import { sqltag as sql } from '@prisma/client/runtime/client';
import type { OutboxMessage as OutboxRow } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { driverOf, placeholders, sqlOf, type SqlValue } from './driver';
import { pruneInPages } from './prune';

/**
 * Transactional outbox. Rows are written in the same transaction as the state change that needs them
 * and delivered at least once under a lease; the idempotency key makes enqueueing the same step twice a
 * no-op. Claiming is one conditional update per batch (see claim), which works the same on SQLite and
 * Postgres: two claimers can never both win a row, and a crashed claimer's lease simply runs out.
 */

export interface OutboxItem {
  kind: string;
  idempotencyKey: string;
  teamId?: string | null;
  incidentId?: string | null;
  payload: Record<string, unknown>;
  availableAt?: Date;
  /** Rows with the same key are delivered one at a time, in the order they were enqueued. */
  orderKey?: string | null;
}

export interface ClaimedMessage {
  id: string;
  kind: string;
  idempotencyKey: string;
  teamId: string | null;
  incidentId: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
  orderKey: string | null;
}

/**
 * Wakes whoever delivers the outbox once new rows are visible to other connections: right after the
 * statement when it ran on the client itself (autocommit), after the commit when it ran in a transaction
 * of `inTransaction`. Every write path enqueues through here, so no handler needs to remember to wake the
 * dispatcher, and a wake-up never runs before the rows it is for can be claimed.
 */
const listeners = new WeakMap<object, Set<() => void>>();
const enqueuedIn = new WeakSet<object>();

export function onOutboxCommit(prisma: Prisma, listener: () => void): () => void {
  const set = listeners.get(prisma) ?? new Set<() => void>();
  listeners.set(prisma, set);
  set.add(listener);
  return () => set.delete(listener);
}

function notify(prisma: object): void {
  for (const listener of listeners.get(prisma) ?? []) listener();
}

/** Called by `inTransaction` once `tx` has committed. */
export function transactionCommitted(prisma: Prisma, tx: Tx): void {
  if (enqueuedIn.has(tx)) notify(prisma);
}

/**
 * Returns true when this call created the row, false when the key was already enqueued.
 */
export async function enqueue(db: Prisma | Tx, item: OutboxItem): Promise<boolean> {
  return (await enqueueMany(db, [item])) === 1;
}

/**
 * Enqueues several rows in one `INSERT ... ON CONFLICT DO NOTHING` (the same SQL on SQLite and Postgres)
 * and returns how many were new. Enqueueing sits on every hot write path, and a model upsert per row
 * costs Prisma's query compiler about three times as much as this whole statement.
 */
export async function enqueueMany(db: Prisma | Tx, items: OutboxItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const now = new Date();
  let inserted = 0;
  const statements = sqlOf(db);
  const unordered = items.filter((item) => !item.orderKey);
  if (unordered.length > 0) {
    const params: SqlValue[] = [];
    const rows = unordered.map((item) => {
      params.push(randomUUID(), item.idempotencyKey, item.kind, item.teamId ?? null, item.incidentId ?? null, JSON.stringify(item.payload), item.availableAt ?? now, now);
      return `(${placeholders(params.length - 7, 6)}, 'pending', 0, ${placeholders(params.length - 1, 2)})`;
    });
    inserted += await statements.execute(
      `INSERT INTO "OutboxMessage" ("id", "idempotencyKey", "kind", "teamId", "incidentId", "payload", "state", "attempts", "availableAt", "createdAt")
       VALUES ${rows.join(', ')}
       ON CONFLICT ("idempotencyKey") DO NOTHING`,
      params,
    );
  }
  // An ordered row takes the next number of its key. Two transactions numbering the same key at once
  // collide on the unique (orderKey, seq) index; inTransaction runs the loser again, now seeing the winner.
  for (const item of items.filter((candidate) => candidate.orderKey)) {
    inserted += await statements.execute(
      `INSERT INTO "OutboxMessage" ("id", "idempotencyKey", "kind", "teamId", "incidentId", "payload", "state", "attempts", "availableAt", "createdAt", "orderKey", "seq")
       SELECT $1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, COALESCE((SELECT MAX("seq") FROM "OutboxMessage" WHERE "orderKey" = $9), 0) + 1
       ON CONFLICT ("idempotencyKey") DO NOTHING`,
      [randomUUID(), item.idempotencyKey, item.kind, item.teamId ?? null, item.incidentId ?? null, JSON.stringify(item.payload), item.availableAt ?? now, now, item.orderKey!],
    );
  }
  if (inserted > 0) {
    if (listeners.has(db)) notify(db);
    else enqueuedIn.add(db);
  }
  return inserted;
}

/**
 * Claims up to `limit` due rows in one statement, the same SQL on SQLite and Postgres: pick the oldest
 * due candidates, then update only those still pending and unleased. Under concurrent claimers that
 * condition is evaluated on the row as the winner left it (Postgres re-checks a row it waited for; SQLite
 * runs one writer at a time), so a row is never claimed twice. One plain statement matters here: it runs
 * for every delivery, and the model API took two queries and a transaction of its own.
 */
export async function claim(prisma: Prisma, options: { owner: string; now: Date; leaseMs: number; limit: number }): Promise<ClaimedMessage[]> {
  const { now, owner, limit } = options;
  const claimable = `"state" = 'pending' AND ("leaseUntil" IS NULL OR "leaseUntil" < $1)`;
  // Only the head of each order key: a row waits while an earlier row of its key is pending, whether
  // due, leased by another replica or rescheduled after a 429, and spends none of its attempts waiting.
  // The limit is written into the text: SQLite plans a bound LIMIT again at every run.
  const rows = await driverOf(prisma).query<OutboxRow>(
    `UPDATE "OutboxMessage" SET "attempts" = "attempts" + 1, "leaseOwner" = $2, "leaseUntil" = $3
     WHERE "id" IN (
         SELECT "id" FROM "OutboxMessage" AS "candidate"
         WHERE ${claimable} AND "availableAt" <= $1
           AND ("orderKey" IS NULL OR NOT EXISTS (
             SELECT 1 FROM "OutboxMessage" AS "earlier"
             WHERE "earlier"."orderKey" = "candidate"."orderKey" AND "earlier"."seq" < "candidate"."seq" AND "earlier"."state" = 'pending'))
         ORDER BY "availableAt", "createdAt" LIMIT ${Math.trunc(limit)})
       AND ${claimable}
     RETURNING *`,
    [now, owner, new Date(now.getTime() + options.leaseMs)],
  );
  return rows
    .sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime())
    .map(toClaimed);
}

function toClaimed(row: OutboxRow): ClaimedMessage {
  return {
    id: row.id,
    kind: row.kind,
    idempotencyKey: row.idempotencyKey,
    teamId: row.teamId,
    incidentId: row.incidentId,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    createdAt: row.createdAt,
    orderKey: row.orderKey,
  };
}

/**
 * Only the lease holder may finish a row; a replica whose lease ran out and was taken over can't. These
 * run once per delivered row, so they are plain statements: Prisma wraps a model `updateMany` in a
 * transaction of its own (three round trips instead of one).
 */
const HELD = '"id" = $1 AND "leaseOwner" = $2 AND "attempts" = $3';
const held = (message: ClaimedMessage, owner: string): SqlValue[] => [message.id, owner, message.attempts];

/**
 * Marks the row sent; says whether it was still this owner's to finish, and whether a row of its order
 * key now waits (the dispatcher claims again only then: one statement fewer for every alert).
 */
export async function markSent(prisma: Prisma, message: ClaimedMessage, owner: string, now: Date, result?: unknown): Promise<{ marked: boolean; nextWaiting: boolean }> {
  const rows = await driverOf(prisma).query<{ waiting: number | string }>(
    `UPDATE "OutboxMessage" SET "state" = 'sent', "sentAt" = $4, "leaseUntil" = NULL, "lastError" = NULL, "result" = $5 WHERE ${HELD}
     RETURNING (SELECT COUNT(*) FROM "OutboxMessage" AS "next" WHERE "next"."orderKey" = "OutboxMessage"."orderKey" AND "next"."id" <> "OutboxMessage"."id" AND "next"."state" = 'pending') AS "waiting"`,
    [...held(message, owner), now, result === undefined ? null : JSON.stringify(result)],
  );
  return { marked: rows.length === 1, nextWaiting: Number(rows[0]?.waiting ?? 0) > 0 };
}

export async function reschedule(prisma: Prisma, message: ClaimedMessage, owner: string, at: Date, error: string): Promise<void> {
  await driverOf(prisma).execute(
    `UPDATE "OutboxMessage" SET "availableAt" = $4, "leaseUntil" = NULL, "leaseOwner" = NULL, "lastError" = $5 WHERE ${HELD}`,
    [...held(message, owner), at, error.slice(0, 500)],
  );
}

export async function markFailed(prisma: Prisma, message: ClaimedMessage, owner: string, error: string): Promise<void> {
  await driverOf(prisma).execute(`UPDATE "OutboxMessage" SET "state" = 'failed', "leaseUntil" = NULL, "lastError" = $4 WHERE ${HELD}`, [
    ...held(message, owner),
    error.slice(0, 500),
  ]);
}

/** Gives leased rows back at shutdown so another replica sends them without waiting for the lease. */
export async function releaseLeases(prisma: Prisma, owner: string): Promise<number> {
  const { count } = await prisma.outboxMessage.updateMany({
    where: { leaseOwner: owner, state: 'pending' },
    data: { leaseOwner: null, leaseUntil: null },
  });
  return count;
}

export async function outboxStats(prisma: Prisma, now: Date): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const depth = await prisma.outboxMessage.count({ where: { state: 'pending' } });
  const oldest = await prisma.outboxMessage.findFirst({ where: { state: 'pending' }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
  return { depth, oldestAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.createdAt.getTime()) / 1000) : 0 };
}

/** Delivered and given-up rows older than `before`; pending rows are never pruned. */
export function pruneFinishedOutbox(prisma: Prisma, before: Date): Promise<number> {
  return pruneInPages(prisma, 'OutboxMessage', 'id', sql`"state" IN ('sent', 'failed') AND "createdAt" < ${before}`);
}

/** True when a row of the same kind and team, enqueued after this one, is still waiting. */
export async function newerPendingRow(prisma: Prisma, message: { id: string; kind: string; teamId: string | null; createdAt: Date }): Promise<boolean> {
  if (!message.teamId) return false;
  const newer = await prisma.outboxMessage.count({
    where: { kind: message.kind, teamId: message.teamId, state: 'pending', createdAt: { gt: message.createdAt }, id: { not: message.id } },
  });
  return newer > 0;
}
