import type { ChannelSubscription } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';

/** Every read and write of the ChannelSubscription table (daily digests per channel). */

type Client = Prisma | Tx;

export type { ChannelSubscription };

export function findSubscription(db: Client, teamId: string, channelId: string): Promise<ChannelSubscription | null> {
  return db.channelSubscription.findUnique({ where: { teamId_channelId: { teamId, channelId } } });
}

export interface SubscriptionFields {
  localTime: string;
  timezone: string;
  quiet: boolean;
  lastDigestDate: string | null;
}

export function upsertSubscription(
  db: Client,
  key: { teamId: string; channelId: string; createdBy: string },
  fields: SubscriptionFields,
): Promise<ChannelSubscription> {
  return db.channelSubscription.upsert({
    where: { teamId_channelId: { teamId: key.teamId, channelId: key.channelId } },
    create: { ...key, ...fields },
    update: fields,
  });
}

export async function deleteSubscription(db: Client, teamId: string, channelId: string): Promise<boolean> {
  const { count } = await db.channelSubscription.deleteMany({ where: { teamId, channelId } });
  return count > 0;
}

/** A page (by id) of subscriptions whose last digest is older than `latestLocalDate`, or that never had one. */
export function subscriptionsBehind(db: Client, latestLocalDate: string, page: { after: string; take: number }): Promise<ChannelSubscription[]> {
  return db.channelSubscription.findMany({
    where: { id: { gt: page.after }, OR: [{ lastDigestDate: null }, { lastDigestDate: { lt: latestLocalDate } }] },
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

/**
 * Moves these subscriptions' last digest date from `from` to `to`, only where it still is `from`
 * (compare-and-swap), and returns the ones this call moved: another replica's run can't move them twice.
 */
export function advanceDigestDate(db: Client, ids: string[], from: string | null, to: string): Promise<{ teamId: string; channelId: string }[]> {
  return db.channelSubscription.updateManyAndReturn({
    where: { id: { in: ids }, lastDigestDate: from },
    data: { lastDigestDate: to },
    select: { teamId: true, channelId: true },
  });
}

/** The zone of the workspace's first digest subscription, for pages all its people share. */
export async function workspaceTimeZone(db: Client, teamId: string): Promise<string | null> {
  const first = await db.channelSubscription.findFirst({ where: { teamId }, orderBy: { createdAt: 'asc' }, select: { timezone: true } });
  return first?.timezone ?? null;
}
