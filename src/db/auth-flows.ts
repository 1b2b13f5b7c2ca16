import type { Prisma } from './client';
import { sqltag as sql } from '@prisma/client/runtime/client';
import { pruneInPages } from './prune';

/** Single-use links, OAuth states and forms live ten minutes; used or expired, they are kept a while for support. */
export function pruneAuthFlows(prisma: Prisma, before: Date): Promise<number> {
  return pruneInPages(prisma, 'AuthFlow', 'tokenHash', sql`"expiresAt" < ${before}`);
}
