import { z } from 'zod';
import type { Prisma } from '../../db/client';
import { findSubscription } from '../../db/subscriptions';
import { digestFor, type Digest } from '../../domain/digest';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import type { Clock } from '../../lib/clock';
import type { Catalog } from '../../providers/catalog';
import { digestMessage } from '../blocks/digest';
import { deliverWithSlack } from '../call-outcome';
import type { SlackClients } from '../clients';
import { waitForChannelTurn } from '../pacing';
import { channelTranslator } from '../people';
import type { T } from '../blocks/messages';

/** Delivers `digest.post` (enqueued by the digest job). */

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
  return async (teamId: string, options: { quiet: boolean; timeZone: string; t: T }): Promise<RenderedDigest | null> => {
    const readAt = performance.now();
    for (const [key, entry] of recent) if (readAt - entry.readAt > reuseMs) recent.delete(key);
    // The strips' days are the channel's local days, so channels in other time zones read their own.
    const key = `${teamId}|${options.timeZone}`;
    let entry = recent.get(key);
    if (!entry) {
      entry = { readAt, digest: digestFor(deps.prisma, deps.catalog, teamId, deps.clock.now(), options.timeZone) };
      recent.set(key, entry);
      entry.digest.catch(() => recent.delete(key));
    }
    return digestMessage(options.t, await entry.digest, options);
  };
}

export function digestPostHandler(deps: DigestDeliveryDeps): DeliveryHandler {
  const render = digestRenderer(deps);
  return async (message) => {
    const { teamId, channelId } = digestPayload.parse(message.payload);
    const subscription = await findSubscription(deps.prisma, teamId, channelId);
    if (!subscription) return { status: 'sent', result: { skipped: 'unsubscribed' } };
    const t = await channelTranslator(deps.prisma, teamId, channelId);
    const rendered = await render(teamId, { quiet: subscription.quiet, timeZone: subscription.timezone, t });
    if (!rendered) return { status: 'sent', result: { skipped: 'quiet' } };
    const client = await deps.clients.forTeam(teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    return deliverWithSlack(async () => {
      await waitForChannelTurn(deps.prisma, teamId, channelId);
      const posted = await client.chat.postMessage({ channel: channelId, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
