import type { Prisma } from './client';
import { driverOf } from './driver';

/**
 * Slack takes about one message per second per channel. Every replica reserves its turn here before it
 * posts, so alerts, digests and reminders from any number of processes keep to that together. One
 * upsert reserves the next free slot and moves it on by `gapMs`; integer milliseconds keep the
 * arithmetic the same on SQLite and PostgreSQL.
 */
export async function reserveChannelSlot(prisma: Prisma, channelKey: string, nowMs: number, gapMs: number): Promise<number> {
  // Through the driver: every post runs it. PostgreSQL's bigint comes back as text.
  const rows = await driverOf(prisma).query<{ nextAtMs: string | number }>(
    `INSERT INTO "ChannelPace" ("channelKey", "nextAtMs") VALUES ($1, $2)
     ON CONFLICT ("channelKey") DO UPDATE SET "nextAtMs" =
       CASE WHEN "ChannelPace"."nextAtMs" + $3 > excluded."nextAtMs" THEN "ChannelPace"."nextAtMs" + $3 ELSE excluded."nextAtMs" END
     RETURNING "nextAtMs"`,
    [channelKey, nowMs + gapMs, gapMs],
  );
  return Number(rows[0]!.nextAtMs) - gapMs;
}
