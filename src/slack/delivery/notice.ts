import { z } from 'zod';
import type { Prisma } from '../../db/client';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import { noticeText } from '../blocks/notice';
import { deliverWithSlack } from '../call-outcome';
import type { SlackClients } from '../clients';
import { waitForChannelTurn } from '../pacing';
import { channelTranslator } from '../people';

/** Delivers `channel.notice`: one short message in a channel, paced with everything else posted there. */

const noticePayload = z.object({
  teamId: z.string().min(1),
  channelId: z.string().min(1),
  notice: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('connected'), userId: z.string(), connectionName: z.string(), providerName: z.string(), account: z.string() }),
    z.object({
      kind: z.literal('grant_limit'),
      userId: z.string(),
      providerName: z.string(),
      signedInAs: z.string(),
      grants: z.number(),
      limit: z.number(),
      connectionNames: z.array(z.string()),
    }),
  ]),
});

export function noticeHandler(deps: { prisma: Prisma; clients: SlackClients }): DeliveryHandler {
  return async (message) => {
    const { teamId, channelId, notice } = noticePayload.parse(message.payload);
    const client = await deps.clients.forTeam(teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    const t = await channelTranslator(deps.prisma, teamId, channelId);
    return deliverWithSlack(async () => {
      await waitForChannelTurn(deps.prisma, teamId, channelId);
      const posted = await client.chat.postMessage({ channel: channelId, text: noticeText(t, notice) });
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
