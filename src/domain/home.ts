import { randomUUID } from 'node:crypto';
import type { Prisma, Tx } from '../db/client';
import { enqueue } from '../db/outbox';
import { OUTBOX_KINDS } from './notifications';

/**
 * Who looks at App Home, and the request to republish it when a status changes. Viewers are remembered
 * for a while so the page someone left open stays current without republishing for the whole workspace.
 */

export const HOME_VIEWER_DAYS = 30;

const viewerCutoff = (now: Date) => new Date(now.getTime() - HOME_VIEWER_DAYS * 86_400_000);

export async function recordHomeVisit(prisma: Prisma, teamId: string, userId: string, at: Date): Promise<void> {
  await prisma.homeViewer.upsert({
    where: { teamId_userId: { teamId, userId } },
    create: { teamId, userId, lastOpenedAt: at },
    update: { lastOpenedAt: at },
  });
}

export async function recentHomeViewers(prisma: Prisma, teamId: string, now: Date): Promise<string[]> {
  const viewers = await prisma.homeViewer.findMany({
    where: { teamId, lastOpenedAt: { gte: viewerCutoff(now) } },
    orderBy: { lastOpenedAt: 'desc' },
    select: { userId: true },
  });
  return viewers.map((viewer) => viewer.userId);
}

/**
 * Enqueued in the status change's transaction; each change gets its own row, later rows supersede earlier
 * ones. Skipped when nobody opened App Home lately: there is no page to keep current, and a workspace
 * that never looks at it shouldn't pay a Slack call per status change.
 */
export async function requestHomeRefresh(tx: Prisma | Tx, teamId: string, at: Date): Promise<void> {
  // A plain query: it runs in every status change's transaction.
  const viewers = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "HomeViewer" WHERE "teamId" = ${teamId} AND "lastOpenedAt" >= ${viewerCutoff(at)} LIMIT 1`;
  if (viewers.length === 0) return;
  await enqueue(tx, {
    kind: OUTBOX_KINDS.homeRefresh,
    idempotencyKey: `home:${teamId}:${randomUUID()}`,
    teamId,
    payload: { teamId },
    availableAt: at,
  });
}

/**
 * True when a newer refresh for the same team is still waiting: it will render the same (or newer)
 * state, so a burst of status changes republishes once instead of once per change.
 */
export async function homeRefreshSuperseded(prisma: Prisma, message: { id: string; teamId: string | null; createdAt: Date }): Promise<boolean> {
  if (!message.teamId) return false;
  const newer = await prisma.outboxMessage.count({
    where: { kind: OUTBOX_KINDS.homeRefresh, teamId: message.teamId, state: 'pending', createdAt: { gt: message.createdAt }, id: { not: message.id } },
  });
  return newer > 0;
}
