import { z } from 'zod';
import type { Prisma } from '../db/client';
import { enqueue } from '../db/outbox';
import { inTransaction } from '../db/transaction';
import { DIGEST_POST_KIND, digestFor } from '../domain/digest';
import { localClock, minutesOfDay } from '../domain/local-time';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Catalog } from '../providers/catalog';
import { digestMessage } from '../slack/blocks/digest';
import { deliverWithSlack } from '../slack/call-outcome';
import type { SlackClients } from '../slack/clients';
import { ChannelPacer } from '../slack/delivery';
import type { DeliveryHandler } from './outbox-dispatcher';
import type { Scheduler } from './scheduler';

/**
 * Daily digests. Every minute, each subscription whose local time has come today and whose last digest
 * was for an earlier local day gets one outbox row. The row and the new `lastDigestDate` commit together,
 * behind a compare-and-swap on the old date and an idempotency key per channel and local day, so two
 * replicas, a retried run or a restart never make a second digest for the same day.
 */

export interface DigestJobDeps {
  prisma: Prisma;
  clock: Clock;
  logger: Logger;
  /** Delivers what the run enqueued now rather than at the dispatcher's next poll. */
  kick?: () => void;
  batchSize?: number;
}

export interface DigestRun {
  enqueued: number;
  failed: number;
}

/** UTC+14 (Kiribati) is the furthest ahead any zone gets: no local date is later than this. */
const MAX_UTC_OFFSET_MS = 14 * 3_600_000;

export async function runDigests(deps: DigestJobDeps): Promise<DigestRun> {
  const now = deps.clock.now();
  const latestLocalDate = new Date(now.getTime() + MAX_UTC_OFFSET_MS).toISOString().slice(0, 10);
  const run: DigestRun = { enqueued: 0, failed: 0 };
  let after = '';
  for (;;) {
    const page = await deps.prisma.channelSubscription.findMany({
      where: { id: { gt: after }, OR: [{ lastDigestDate: null }, { lastDigestDate: { lt: latestLocalDate } }] },
      orderBy: { id: 'asc' },
      take: deps.batchSize ?? 500,
    });
    for (const subscription of page) {
      try {
        if (await enqueueIfDue(deps.prisma, subscription, now)) run.enqueued += 1;
      } catch (error) {
        run.failed += 1;
        deps.logger.error('digest could not be scheduled', { subscriptionId: subscription.id, error });
      }
    }
    const last = page[page.length - 1];
    if (!last || page.length < (deps.batchSize ?? 500)) break;
    after = last.id;
  }
  if (run.enqueued > 0) deps.kick?.();
  return run;
}

interface SubscriptionRow {
  id: string;
  teamId: string;
  channelId: string;
  localTime: string;
  timezone: string;
  lastDigestDate: string | null;
}

async function enqueueIfDue(prisma: Prisma, subscription: SubscriptionRow, now: Date): Promise<boolean> {
  const local = localClock(now, subscription.timezone);
  if (local.minutes < minutesOfDay(subscription.localTime)) return false;
  if (subscription.lastDigestDate !== null && subscription.lastDigestDate >= local.date) return false;
  return inTransaction(prisma, async (tx) => {
    const { count } = await tx.channelSubscription.updateMany({
      where: { id: subscription.id, lastDigestDate: subscription.lastDigestDate },
      data: { lastDigestDate: local.date },
    });
    if (count !== 1) return false;
    return enqueue(tx, {
      kind: DIGEST_POST_KIND,
      idempotencyKey: `digest:${subscription.teamId}:${subscription.channelId}:${local.date}`,
      teamId: subscription.teamId,
      payload: { teamId: subscription.teamId, channelId: subscription.channelId, localDate: local.date },
      availableAt: now,
    });
  });
}

export function registerDigestJob(scheduler: Scheduler, deps: DigestJobDeps): void {
  scheduler.schedule('digests', '* * * * *', () => runDigests(deps));
}

const digestPayload = z.object({ teamId: z.string().min(1), channelId: z.string().min(1), localDate: z.string() });

export interface DigestDeliveryDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
  clients: SlackClients;
}

/** Renders at send time, so a digest delivered late still tells the current truth. */
export function digestPostHandler(deps: DigestDeliveryDeps): DeliveryHandler {
  const pacer = new ChannelPacer();
  return async (message) => {
    const { teamId, channelId } = digestPayload.parse(message.payload);
    const subscription = await deps.prisma.channelSubscription.findUnique({ where: { teamId_channelId: { teamId, channelId } } });
    if (!subscription) return { status: 'sent', result: { skipped: 'unsubscribed' } };
    const rendered = digestMessage(await digestFor(deps.prisma, deps.catalog, teamId, deps.clock.now()), { quiet: subscription.quiet });
    if (!rendered) return { status: 'sent', result: { skipped: 'quiet' } };
    const client = await deps.clients.forTeam(teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    return deliverWithSlack(async () => {
      await pacer.wait(channelId);
      const posted = await client.chat.postMessage({ channel: channelId, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
