import { alertMessageOf } from '../../db/incidents';
import type { ClaimedMessage } from '../../db/outbox';
import { alertOrderKey, type ThreadEvent } from '../../domain/notifications';
import type { DeliveryOutcome } from '../../jobs/outbox-dispatcher';
import { threadText } from '../blocks/thread';
import { waitForChannelTurn } from '../pacing';
import { callSlack, type DeliveryDeps } from './alert';
import { channelTranslator } from '../people';

/**
 * Delivers `alert.thread`, in the thread of the alert showing the incident (a burst member's: its lead's).
 * The outbox hands it over once every earlier row of that alert is done, so the alert is posted by now,
 * or failed for good and there is no thread to reply in.
 */
export async function postThreadReply(deps: DeliveryDeps, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const incidentId = String(message.payload.incidentId);
  const alert = await alertMessageOf(deps.prisma, incidentId);
  if (!alert) return { status: 'failed', error: 'incident not found' };
  const { channelId, messageTs } = alert;
  if (!messageTs || !channelId) {
    // A member's reply enqueued by an earlier version is ordered on the member alone: its lead may still be on its way.
    if (message.orderKey !== alertOrderKey(alert.alertId) && !alert.deliveryError) return { status: 'retry', error: 'waiting for the burst alert to be posted' };
    return { status: 'failed', error: `alert was never posted${alert.deliveryError ? `: ${alert.deliveryError}` : ''}` };
  }
  const client = await deps.clients.forTeam(alert.teamId);
  if (!client) return { status: 'failed', error: 'workspace not installed' };
  const t = await channelTranslator(deps.prisma, alert.teamId, channelId);
  const text = threadText(t, message.payload as unknown as ThreadEvent);
  return callSlack(deps, incidentId, async () => {
    await waitForChannelTurn(deps.prisma, alert.teamId, channelId);
    const posted = await client.chat.postMessage({ channel: channelId, thread_ts: messageTs, text });
    return { status: 'sent', result: { posted: posted.ts } };
  });
}
