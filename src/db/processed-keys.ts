import type { Prisma, Tx } from './client';
import { sqltag as sql } from '@prisma/client/runtime/client';
import { sqlOf } from './driver';
import { pruneInPages } from './prune';

/**
 * Keys of requests already handled (ingest event ids, Slack action timestamps), so a replay does nothing.
 * `ON CONFLICT DO NOTHING` tells a first sighting from a replay in one statement on both databases, and
 * unlike a failed insert it leaves a Postgres transaction usable. Called inside the transaction that does
 * the work, a rollback forgets the key with it.
 */
export async function markProcessed(db: Prisma | Tx, key: string, at: Date): Promise<boolean> {
  const inserted = await sqlOf(db).execute('INSERT INTO "ProcessedKey" ("key", "createdAt") VALUES ($1, $2) ON CONFLICT ("key") DO NOTHING', [key, at]);
  return inserted === 1;
}

/** Replays are refused long before this (signatures are valid for five minutes); the keys can go. */
export function pruneProcessedKeys(prisma: Prisma, before: Date): Promise<number> {
  return pruneInPages(prisma, 'ProcessedKey', 'key', sql`"createdAt" < ${before}`);
}
