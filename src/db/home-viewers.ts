import type { Prisma, Tx } from './client';
import { sqlOf } from './driver';

/**
 * Every read and write of the HomeViewer table: who looked at App Home lately. Their Home tab is
 * republished when a status changes, so a page left open stays current without republishing for the
 * whole workspace.
 */

type Client = Prisma | Tx;

const HOME_VIEWER_DAYS = 30;

const viewerCutoff = (now: Date) => new Date(now.getTime() - HOME_VIEWER_DAYS * 86_400_000);

export async function recordHomeVisit(db: Client, teamId: string, userId: string, at: Date, language: string): Promise<void> {
  await db.homeViewer.upsert({
    where: { teamId_userId: { teamId, userId } },
    create: { teamId, userId, lastOpenedAt: at, language },
    update: { lastOpenedAt: at, language },
  });
}

export function recentHomeViewers(db: Client, teamId: string, now: Date): Promise<{ userId: string; language: string | null }[]> {
  return db.homeViewer.findMany({
    where: { teamId, lastOpenedAt: { gte: viewerCutoff(now) } },
    orderBy: { lastOpenedAt: 'desc' },
    select: { userId: true, language: true },
  });
}

/** A plain query: it runs in every status change's transaction. */
export async function anyRecentHomeViewer(db: Client, teamId: string, now: Date): Promise<boolean> {
  const viewers = await sqlOf(db).query<unknown>('SELECT 1 FROM "HomeViewer" WHERE "teamId" = $1 AND "lastOpenedAt" >= $2 LIMIT 1', [teamId, viewerCutoff(now)]);
  return viewers.length > 0;
}
