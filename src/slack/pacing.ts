import type { Prisma } from '../db/client';
import { reserveChannelSlot } from '../db/channel-pace';

/** Slack allows about one message per second per channel (docs.slack.dev/apis/web-api/rate-limits). */
const CHANNEL_GAP_MS = 1000;

/** Waits for this channel's next turn, shared with every other replica through the database. */
export async function waitForChannelTurn(prisma: Prisma, teamId: string, channelId: string): Promise<void> {
  const now = Date.now();
  const slot = await reserveChannelSlot(prisma, `${teamId}:${channelId}`, now, CHANNEL_GAP_MS);
  if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
}
