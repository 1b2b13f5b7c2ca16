import { raw, type Sql } from '@prisma/client/runtime/client';
import type { Prisma } from './client';

/**
 * Deletes rows matching `where` a page at a time, the same SQL on both databases, so a large backlog never
 * holds one long transaction (or SQLite's single writer) while requests wait. Table and key names are
 * constants of the table modules, never input.
 */
export async function pruneInPages(prisma: Prisma, table: string, key: string, where: Sql, pageSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await prisma.$executeRaw`
      DELETE FROM ${raw(`"${table}"`)} WHERE ${raw(`"${key}"`)} IN (SELECT ${raw(`"${key}"`)} FROM ${raw(`"${table}"`)} WHERE ${where} LIMIT ${pageSize})`;
    total += deleted;
    if (deleted < pageSize) return total;
  }
}
