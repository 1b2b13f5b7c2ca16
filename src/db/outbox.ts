import { randomUUID } from 'node:crypto';
import type { OutboxMessage as OutboxRow } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';

/**
 * Transactional outbox. Rows are written in the same transaction as the state change that needs them
 * and delivered at least once under a lease; the idempotency key makes enqueueing the same step twice a
 * no-op. Claiming is a compare-and-swap on (id, attempts), which works the same on SQLite and Postgres:
 * two claimers can never both win a row, and a crashed claimer's lease simply runs out.
 */

export interface OutboxItem {
  kind: string;
  idempotencyKey: string;
  teamId?: string | null;
  incidentId?: string | null;
  payload: Record<string, unknown>;
  availableAt?: Date;
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
}

/** Returns true when this call created the row, false when the key was already enqueued. */
export async function enqueue(db: Prisma | Tx, item: OutboxItem): Promise<boolean> {
  const id = randomUUID();
  const row = await db.outboxMessage.upsert({
    where: { idempotencyKey: item.idempotencyKey },
    create: {
      id,
      idempotencyKey: item.idempotencyKey,
      kind: item.kind,
      teamId: item.teamId ?? null,
      incidentId: item.incidentId ?? null,
      payload: JSON.stringify(item.payload),
      ...(item.availableAt ? { availableAt: item.availableAt } : {}),
    },
    update: {},
    select: { id: true },
  });
  return row.id === id;
}

export async function claim(prisma: Prisma, options: { owner: string; now: Date; leaseMs: number; limit: number }): Promise<ClaimedMessage[]> {
  const candidates = await prisma.outboxMessage.findMany({
    where: {
      state: 'pending',
      availableAt: { lte: options.now },
      OR: [{ leaseUntil: null }, { leaseUntil: { lt: options.now } }],
    },
    orderBy: [{ availableAt: 'asc' }, { createdAt: 'asc' }],
    take: options.limit,
  });
  const claimed: ClaimedMessage[] = [];
  for (const row of candidates) {
    const { count } = await prisma.outboxMessage.updateMany({
      where: { id: row.id, attempts: row.attempts, state: 'pending' },
      data: { attempts: row.attempts + 1, leaseOwner: options.owner, leaseUntil: new Date(options.now.getTime() + options.leaseMs) },
    });
    if (count === 1) claimed.push(toClaimed(row, row.attempts + 1));
  }
  return claimed;
}

function toClaimed(row: OutboxRow, attempts: number): ClaimedMessage {
  return {
    id: row.id,
    kind: row.kind,
    idempotencyKey: row.idempotencyKey,
    teamId: row.teamId,
    incidentId: row.incidentId,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts,
    createdAt: row.createdAt,
  };
}

/** Only the lease holder may finish a row; a replica whose lease ran out and was taken over can't. */
const held = (message: ClaimedMessage, owner: string) => ({ id: message.id, leaseOwner: owner, attempts: message.attempts });

export async function markSent(prisma: Prisma, message: ClaimedMessage, owner: string, now: Date, result?: unknown): Promise<boolean> {
  const { count } = await prisma.outboxMessage.updateMany({
    where: held(message, owner),
    data: { state: 'sent', sentAt: now, leaseUntil: null, lastError: null, result: result === undefined ? null : JSON.stringify(result) },
  });
  return count === 1;
}

export async function reschedule(prisma: Prisma, message: ClaimedMessage, owner: string, at: Date, error: string): Promise<void> {
  await prisma.outboxMessage.updateMany({
    where: held(message, owner),
    data: { availableAt: at, leaseUntil: null, leaseOwner: null, lastError: error.slice(0, 500) },
  });
}

export async function markFailed(prisma: Prisma, message: ClaimedMessage, owner: string, error: string): Promise<void> {
  await prisma.outboxMessage.updateMany({
    where: held(message, owner),
    data: { state: 'failed', leaseUntil: null, lastError: error.slice(0, 500) },
  });
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
