import { z } from 'zod';
import { findConnection } from '../../db/connections';
import { credentialFacts } from '../../db/credentials';
import { findWarning, recordWarningPosted } from '../../db/expiry-warnings';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import { expiryMessage } from '../blocks/expiry';
import { deliverWithSlack } from '../call-outcome';
import type { DeliveryDeps } from './alert';
import { waitForChannelTurn } from '../pacing';
import { channelTranslator } from '../people';

/** Delivers `expiry.warning`: posts the heads-up, or updates it once the credential was renewed. */

const payload = z.object({ warningId: z.string().min(1) });

export function expiryWarningHandler(deps: DeliveryDeps): DeliveryHandler {
  return async (message) => {
    const warning = await findWarning(deps.prisma, payload.parse(message.payload).warningId);
    if (!warning) return { status: 'failed', error: 'expiry warning not found' };
    const connection = await findConnection(deps.prisma, warning.connectionId);
    if (!connection) return { status: 'sent', result: { skipped: 'connection deleted' } };
    if (warning.closedAt && !warning.messageTs) return { status: 'sent', result: { skipped: 'renewed before the warning went out' } };
    const client = await deps.clients.forTeam(warning.teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    const channel = warning.channelId ?? deps.config.slackDefaultChannel;
    if (!channel) return { status: 'failed', error: 'no channel: set one on the connection or the workspace' };
    const facts = await credentialFacts(deps.prisma, connection.id);
    const t = await channelTranslator(deps.prisma, warning.teamId, channel);
    const rendered = expiryMessage(t, {
      connectionId: connection.id,
      connectionName: connection.name,
      providerName: deps.catalog.get(connection.provider)?.name ?? connection.provider,
      hardExpiresAt: warning.hardExpiresAt,
      hardExpiryKind: facts?.hardExpiryKind ?? null,
      owners: connection.owners,
      closedAt: warning.closedAt,
      closedBy: warning.closedBy,
      now: deps.clock.now(),
    });
    return deliverWithSlack(async () => {
      if (warning.messageTs) {
        await client.chat.update({ channel, ts: warning.messageTs, ...rendered });
        return { status: 'sent', result: { updated: warning.messageTs } };
      }
      await waitForChannelTurn(deps.prisma, warning.teamId, channel);
      const posted = await client.chat.postMessage({ channel, ...rendered });
      await recordWarningPosted(deps.prisma, warning.id, posted.channel ?? channel, posted.ts!);
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
