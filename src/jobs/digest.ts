import { z } from 'zod';
import type { Prisma } from '../db/client';
import { enqueueMany } from '../db/outbox';
import { inTransaction } from '../db/transaction';
import { DIGEST_POST_KIND, digestFor, type Digest } from '../domain/digest';
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
  const pageSize = deps.batchSize ?? 500;
  const run: DigestRun = { enqueued: 0, failed: 0 };
  let after = '';
  for (;;) {
    const page = await deps.prisma.channelSubscription.findMany({
      where: { id: { gt: after }, OR: [{ lastDigestDate: null }, { lastDigestDate: { lt: latestLocalDate } }] },
      orderBy: { id: 'asc' },
      take: pageSize,
    });
    const due = page.flatMap((subscription) => dueDigest(subscription, now));
    try {
      run.enqueued += await enqueueDigests(deps.prisma, due, now);
    } catch {
      // One bad row must not hold back a page of digests: redo the page one subscription at a time.
      for (const digest of due) {
        try {
          run.enqueued += await enqueueDigests(deps.prisma, [digest], now);
        } catch (error) {
          run.failed += 1;
          deps.logger.error('digest could not be scheduled', { subscriptionId: digest.subscription.id, error });
        }
      }
    }
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) break;
    after = last.id;
  }
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

interface DueDigest {
  subscription: SubscriptionRow;
  localDate: string;
}

function dueDigest(subscription: SubscriptionRow, now: Date): DueDigest[] {
  const local = localClock(now, subscription.timezone);
  if (local.minutes < minutesOfDay(subscription.localTime)) return [];
  if (subscription.lastDigestDate !== null && subscription.lastDigestDate >= local.date) return [];
  return [{ subscription, localDate: local.date }];
}

/**
 * One transaction for a page: per (old date, new date) group, one compare-and-swap that returns the rows
 * it won, then one insert of their outbox rows. A row another replica advanced first is simply not
 * returned, and the idempotency key stops a second digest for a channel and day in any case.
 */
async function enqueueDigests(prisma: Prisma, due: DueDigest[], now: Date): Promise<number> {
  if (due.length === 0) return 0;
  const groups = new Map<string, DueDigest[]>();
  for (const digest of due) {
    const key = `${digest.subscription.lastDigestDate ?? ''}|${digest.localDate}`;
    groups.set(key, [...(groups.get(key) ?? []), digest]);
  }
  return inTransaction(prisma, async (tx) => {
    let enqueued = 0;
    for (const group of groups.values()) {
      const { subscription, localDate } = group[0]!;
      const won = await tx.channelSubscription.updateManyAndReturn({
        where: { id: { in: group.map((digest) => digest.subscription.id) }, lastDigestDate: subscription.lastDigestDate },
        data: { lastDigestDate: localDate },
        select: { teamId: true, channelId: true },
      });
      enqueued += await enqueueMany(
        tx,
        won.map(({ teamId, channelId }) => ({
          kind: DIGEST_POST_KIND,
          idempotencyKey: `digest:${teamId}:${channelId}:${localDate}`,
          teamId,
          payload: { teamId, channelId, localDate },
          availableAt: now,
        })),
      );
    }
    return enqueued;
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

type RenderedDigest = NonNullable<ReturnType<typeof digestMessage>>;

/**
 * Renders a workspace's digest at send time, so a digest delivered late still tells the current truth.
 * A workspace's channels are mostly subscribed at the same local time and go out in one burst, within
 * which the truth is the same: the digest is read once per workspace and reused for `reuseMs` (real
 * time, not the app clock, so it bounds staleness however the clock is set).
 */
export function digestRenderer(deps: Pick<DigestDeliveryDeps, 'prisma' | 'clock' | 'catalog'>, reuseMs = 2000) {
  const recent = new Map<string, { readAt: number; digest: Promise<Digest> }>();
  return async (teamId: string, options: { quiet: boolean }): Promise<RenderedDigest | null> => {
    const readAt = performance.now();
    for (const [team, entry] of recent) if (readAt - entry.readAt > reuseMs) recent.delete(team);
    let entry = recent.get(teamId);
    if (!entry) {
      entry = { readAt, digest: digestFor(deps.prisma, deps.catalog, teamId, deps.clock.now()) };
      recent.set(teamId, entry);
      entry.digest.catch(() => recent.delete(teamId));
    }
    return digestMessage(await entry.digest, options);
  };
}

export function digestPostHandler(deps: DigestDeliveryDeps): DeliveryHandler {
  const pacer = new ChannelPacer();
  const render = digestRenderer(deps);
  return async (message) => {
    const { teamId, channelId } = digestPayload.parse(message.payload);
    const subscription = await deps.prisma.channelSubscription.findUnique({ where: { teamId_channelId: { teamId, channelId } } });
    if (!subscription) return { status: 'sent', result: { skipped: 'unsubscribed' } };
    const rendered = await render(teamId, { quiet: subscription.quiet });
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
