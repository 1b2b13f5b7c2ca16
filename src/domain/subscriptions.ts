import { deleteSubscription, findSubscription, upsertSubscription, type ChannelSubscription } from '../db/subscriptions';
import type { Prisma } from '../db/client';
import type { Clock } from '../lib/clock';
import { timeHasPassed } from './local-time';

/** Which channels get the daily digest, at what local time, and whether quietly. */

export interface SubscriptionRequest {
  teamId: string;
  channelId: string;
  /** HH:MM, already validated. */
  localTime: string;
  /** An IANA zone Intl accepts, already validated. */
  timezone: string;
  quiet: boolean;
  userId: string;
}

export interface SubscriptionOutcome {
  subscription: ChannelSubscription;
  created: boolean;
  /** Local date of the first digest this subscription will get. */
  firstDigestDate: 'today' | 'tomorrow';
}

/**
 * Creates or changes a channel's subscription. When the chosen time has already passed today, today
 * counts as done: subscribing at 15:00 for 09:00 must not post a "morning" digest right away.
 */
export async function subscribe(deps: { prisma: Prisma; clock: Clock }, request: SubscriptionRequest): Promise<SubscriptionOutcome> {
  const today = timeHasPassed(deps.clock.now(), request.timezone, request.localTime);
  const existing = await findSubscription(deps.prisma, request.teamId, request.channelId);
  const previous = existing?.lastDigestDate ?? null;
  const lastDigestDate = today.passed && (previous === null || previous < today.date) ? today.date : previous;
  const fields = { localTime: request.localTime, timezone: request.timezone, quiet: request.quiet, lastDigestDate };
  const subscription = await upsertSubscription(deps.prisma, { teamId: request.teamId, channelId: request.channelId, createdBy: request.userId }, fields);
  return {
    subscription,
    created: !existing,
    firstDigestDate: lastDigestDate !== null && lastDigestDate >= today.date ? 'tomorrow' : 'today',
  };
}

/** True when the channel was subscribed. */
export async function unsubscribe(prisma: Prisma, teamId: string, channelId: string): Promise<boolean> {
  return deleteSubscription(prisma, teamId, channelId);
}
