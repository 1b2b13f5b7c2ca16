import { z } from 'zod';
import { loadIncidentState, type IncidentDeps } from '../../domain/incidents';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import { reminderText } from '../blocks/reminder';
import { deliverWithSlack } from '../call-outcome';
import type { SlackClients } from '../clients';
import { waitForChannelTurn } from '../pacing';
import { channelTranslator } from '../people';

/** Delivers `alert.reminder` (enqueued by the reminders job) in the alert's thread. */

const reminderPayload = z.object({ incidentId: z.string().min(1) });

/**
 * Posts the reminder in the alert's thread. An incident fixed or snoozed between the run and the
 * delivery gets no reminder: the row is done, with the reason as its result.
 */
export function reminderHandler(deps: IncidentDeps & { clients: SlackClients }): DeliveryHandler {
  return async (message) => {
    const state = await loadIncidentState(deps, reminderPayload.parse(message.payload).incidentId);
    if (!state) return { status: 'failed', error: 'incident not found' };
    const { incident, connection } = state;
    const now = deps.clock.now();
    if (incident.state !== 'open') return { status: 'sent', result: { skipped: 'closed' } };
    if (incident.snoozedUntil && incident.snoozedUntil > now) return { status: 'sent', result: { skipped: 'snoozed' } };
    const { channelId, messageTs } = incident;
    if (!channelId || !messageTs) return { status: 'failed', error: 'alert was never posted' };
    const client = await deps.clients.forTeam(incident.teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    const t = await channelTranslator(deps.prisma, incident.teamId, channelId);
    const text = reminderText(t, {
      connectionName: connection.name,
      owners: connection.owners,
      affectedMinutes: Math.floor((now.getTime() - incident.openedAt.getTime()) / 60_000),
      impact: state.impact,
    });
    return deliverWithSlack(async () => {
      await waitForChannelTurn(deps.prisma, incident.teamId, channelId);
      const posted = await client.chat.postMessage({ channel: channelId, thread_ts: messageTs, text });
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
