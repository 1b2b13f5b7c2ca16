import type { Prisma } from './client';

/**
 * Slack takes about one message per second per channel. Every replica reserves its turn here before it
 * posts, so alerts, digests and reminders from any number of processes keep to that together. One
 * upsert reserves the next free slot and moves it on by `gapMs`; integer milliseconds keep the
 * arithmetic the same on SQLite and PostgreSQL.
 */
export async function reserveChannelSlot(prisma: Prisma, channelKey: string, nowMs: number, gapMs: number): Promise<number> {
  const rows = await prisma.$queryRaw<{ nextAtMs: bigint | number }[]>`
    INSERT INTO "ChannelPace" ("channelKey", "nextAtMs") VALUES (${channelKey}, ${BigInt(nowMs + gapMs)})
    ON CONFLICT ("channelKey") DO UPDATE SET "nextAtMs" =
      CASE WHEN "ChannelPace"."nextAtMs" + ${BigInt(gapMs)} > excluded."nextAtMs" THEN "ChannelPace"."nextAtMs" + ${BigInt(gapMs)} ELSE excluded."nextAtMs" END
    RETURNING "nextAtMs"`;
  return Number(rows[0]!.nextAtMs) - gapMs;
}
