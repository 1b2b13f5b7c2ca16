import { findIncident } from '../../db/incidents';
import type { ClaimedMessage } from '../../db/outbox';
import type { ThreadEvent } from '../../domain/notifications';
import type { DeliveryOutcome } from '../../jobs/outbox-dispatcher';
import { threadText } from '../blocks/thread';
import { waitForChannelTurn } from '../pacing';
import { callSlack, type DeliveryDeps } from './alert';
import { channelTranslator } from '../people';

/**
 * Delivers `alert.thread`. The outbox hands it over only once every earlier row of its incident is done,
 * so the alert is posted by now, or failed for good and there is no thread to reply in.
 */
export async function postThreadReply(deps: DeliveryDeps, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const incident = await findIncident(deps.prisma, String(message.payload.incidentId));
  if (!incident) return { status: 'failed', error: 'incident not found' };
  const { channelId, messageTs } = incident;
  if (!messageTs || !channelId) return { status: 'failed', error: `alert was never posted${incident.deliveryError ? `: ${incident.deliveryError}` : ''}` };
  const client = await deps.clients.forTeam(incident.teamId);
  if (!client) return { status: 'failed', error: 'workspace not installed' };
  const t = await channelTranslator(deps.prisma, incident.teamId, channelId);
  const text = threadText(t, message.payload as unknown as ThreadEvent);
  return callSlack(deps, incident.id, async () => {
    await waitForChannelTurn(deps.prisma, incident.teamId, channelId);
    const posted = await client.chat.postMessage({ channel: channelId, thread_ts: messageTs, text });
    return { status: 'sent', result: { posted: posted.ts } };
  });
}
