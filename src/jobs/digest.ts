import type { Prisma } from '../db/client';
import { enqueueMany } from '../db/outbox';
import { advanceDigestDate, subscriptionsBehind } from '../db/subscriptions';
import { inTransaction } from '../db/transaction';
import { OUTBOX_KINDS } from '../domain/notifications';
import { localClock, minutesOfDay } from '../domain/local-time';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
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
    const page = await subscriptionsBehind(deps.prisma, latestLocalDate, { after, take: pageSize });
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
      const won = await advanceDigestDate(tx, group.map((digest) => digest.subscription.id), subscription.lastDigestDate, localDate);
      enqueued += await enqueueMany(
        tx,
        won.map(({ teamId, channelId }) => ({
          kind: OUTBOX_KINDS.digestPost,
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
