import type { WebClient } from '@slack/web-api';
import type { Config } from '../../config';
import type { ClaimedMessage } from '../../db/outbox';
import { retryWhileUnavailable } from '../../db/while-unavailable';
import { burstMembers, recordAlertPosted, recordDeliveryError, type BurstMember } from '../../db/incidents';
import { credentialFacts } from '../../db/credentials';
import { loadIncidentState, type IncidentDeps, type IncidentState } from '../../domain/incidents';
import { enqueueAlertSync } from '../../domain/notifications';
import { burstMessage, type BurstEntry } from '../blocks/burst';
import type { DeliveryOutcome } from '../../jobs/outbox-dispatcher';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import { alertMessage } from '../blocks/alert';
import type { SlackClients } from '../clients';
import { slackFailure } from '../call-outcome';
import { waitForChannelTurn } from '../pacing';
import { channelTranslator } from '../people';
import type { T } from '../blocks/messages';

/**
 * Delivers `alert.sync`: renders the incident's state at send time, posts the alert the first time and
 * updates it in place after. Where it was posted (channel + ts) is recorded before anything else can
 * update it.
 */

/**
 * Message metadata on every alert (docs.slack.dev/messaging/message-metadata). `chat.postMessage` has no
 * idempotency key, so a retry after an attempt that may have reached Slack looks for this in the
 * channel's history (`conversations.history` with `include_all_metadata`) and adopts what it finds.
 */
export const ALERT_EVENT_TYPE = 'reconnect_alert';

export interface DeliveryDeps extends IncidentDeps {
  config: Config;
  clients: SlackClients;
  logger: Logger;
  metrics: Metrics;
}

export async function syncAlert(deps: DeliveryDeps, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const state = await loadIncidentState(deps, String(message.payload.incidentId));
  if (!state) return { status: 'failed', error: 'incident not found' };
  const { incident, connection, provider } = state;
  // A burst's member has no alert of its own: its lead's lists it. Syncs are addressed to the lead when
  // enqueued; a row naming a member was enqueued by an earlier version, and goes to the lead's order now.
  if (incident.burstOf) {
    await enqueueAlertSync(deps.prisma, incident, `member:${message.id}`);
    return { status: 'sent', result: { redirected: incident.burstOf } };
  }
  const members = state.burstMembers > 0 ? await burstMembers(deps.prisma, incident.id) : [];
  const client = await deps.clients.forTeam(incident.teamId);
  if (!client) return { status: 'failed', error: 'workspace not installed' };
  const channel = incident.channelId ?? deps.config.slackDefaultChannel ?? null;
  if (!channel) return recordPermanent(deps, incident.id, 'no alert channel: set one on the connection or the workspace');

  const t = await channelTranslator(deps.prisma, incident.teamId, channel);
  const rendered = members.length ? await renderBurst(deps, t, state, members) : alertMessage(t, {
    incidentId: incident.id,
    connectionName: connection.name,
    providerName: provider.name,
    kind: connection.kind,
    externalAccountId: connection.externalAccountId,
    reason: state.reason,
    openedAt: incident.openedAt,
    closedAt: incident.closedAt,
    closedBy: incident.closedBy,
    state: incident.state === 'open' ? 'open' : 'closed',
    connectionStatus: connection.status,
    owners: connection.owners,
    impact: state.impact,
    acknowledgedBy: incident.acknowledgedBy,
    snoozedUntil: incident.snoozedUntil,
    reauthStartedBy: incident.reauthStartedBy,
    reopenCount: incident.reopenCount,
    now: deps.clock.now(),
  });

  let where = incident.messageTs && incident.channelId ? { channelId: incident.channelId, messageTs: incident.messageTs } : null;
  // Attempt 2 or later of a first post: the earlier attempt may have reached Slack before its replica died.
  if (!where && message.attempts > 1) {
    const adopted = await findPostedAlert(deps, client, channel, incident.id, incident.createdAt);
    if (adopted) {
      where = { channelId: channel, messageTs: adopted };
      await retryWhileUnavailable(() => recordAlertPosted(deps.prisma, incident.id, where!, deps.clock.now()));
      deps.logger.info('adopted an alert an earlier attempt had posted', { incidentId: incident.id });
    }
  } else if (where && members.some((member) => member.messageTs === null)) {
    // A member that joined while the lead was being posted: its row committed after the post was recorded.
    const posted = where;
    await retryWhileUnavailable(() => recordAlertPosted(deps.prisma, incident.id, posted, deps.clock.now()));
  }
  if (where) {
    const { channelId, messageTs } = where;
    return callSlack(deps, incident.id, async () => {
      await client.chat.update({ channel: channelId, ts: messageTs, text: rendered.text, blocks: rendered.blocks });
      return { status: 'sent', result: { updated: messageTs } };
    });
  }
  let posted: { channel?: string; ts?: string } | undefined;
  const outcome = await callSlack(deps, incident.id, async () => {
    await waitForChannelTurn(deps.prisma, incident.teamId, channel);
    posted = await client.chat.postMessage({
      channel,
      text: rendered.text,
      blocks: rendered.blocks,
      unfurl_links: false,
      metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { incident_id: incident.id } },
    });
    return { status: 'sent', result: { posted: posted.ts } };
  });
  if (!posted) return outcome;
  deps.metrics.inc('reconnect_alerts_posted_total', { provider: connection.provider }, 1, 'Alerts posted to Slack');
  // The alert is in Slack now: where it went must be recorded, or the next render would post it again.
  const postedAt = { channelId: posted.channel ?? channel, messageTs: posted.ts ?? null };
  await retryWhileUnavailable(() => recordAlertPosted(deps.prisma, incident.id, postedAt, deps.clock.now()));
  return outcome;
}

async function renderBurst(deps: DeliveryDeps, t: T, lead: IncidentState, members: readonly BurstMember[]) {
  const leadSigner = (await credentialFacts(deps.prisma, lead.connection.id))?.signedInAs ?? null;
  const entries: BurstEntry[] = [
    { incidentId: lead.incident.id, connectionName: lead.connection.name, providerName: lead.provider.name, externalAccountId: lead.connection.externalAccountId, open: lead.incident.state === 'open', signedInAs: leadSigner },
    ...members.map((member) => ({
      incidentId: member.id,
      connectionName: member.connection.name,
      providerName: deps.catalog.get(member.connection.provider)?.name ?? member.connection.provider,
      externalAccountId: member.connection.externalAccountId,
      open: member.state === 'open',
      signedInAs: member.connection.credential?.signedInAs ?? null,
    })),
  ];
  return burstMessage(t, { entries, openedAt: lead.incident.openedAt, command: deps.config.slackCommand });
}

/**
 * The ts of this incident's alert if an earlier attempt posted it. Reads the channel's messages since the
 * incident was created (newest first, up to 10 pages of 200). A failed lookup (no `channels:history`
 * scope, say) means posting again: at least once rather than never.
 */
async function findPostedAlert(deps: DeliveryDeps, client: WebClient, channel: string, incidentId: string, since: Date): Promise<string | null> {
  try {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const history = await client.conversations.history({
        channel,
        oldest: String(Math.floor(since.getTime() / 1000) - 60),
        include_all_metadata: true,
        limit: 200,
        cursor,
      });
      for (const candidate of history.messages ?? []) {
        const metadata = candidate.metadata as { event_type?: string; event_payload?: { incident_id?: unknown } } | undefined;
        if (metadata?.event_type === ALERT_EVENT_TYPE && metadata.event_payload?.incident_id === incidentId && candidate.ts) return candidate.ts;
      }
      cursor = history.response_metadata?.next_cursor || undefined;
      if (!history.has_more || !cursor) return null;
    }
  } catch (thrown) {
    deps.logger.warn('could not look for an alert posted by an earlier attempt; posting it', { incidentId, error: slackFailure(thrown).error });
  }
  return null;
}

/** Maps Slack's answers to delivery outcomes: 429 → retry at Retry-After; permanent → recorded on the incident. */
export async function callSlack(deps: DeliveryDeps, incidentId: string, call: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  try {
    return await call();
  } catch (thrown) {
    const failure = slackFailure(thrown);
    if (failure.retryAfterMs !== undefined) {
      deps.metrics.inc('reconnect_slack_rate_limited_total', {}, 1, 'Slack answers with HTTP 429');
      return { status: 'retry', afterMs: failure.retryAfterMs, error: failure.error };
    }
    deps.metrics.inc('reconnect_slack_errors_total', { error: failure.error }, 1, 'Slack API errors');
    if (failure.permanent) return recordPermanent(deps, incidentId, failure.error);
    return { status: 'retry', error: `slack: ${failure.error}` };
  }
}

/** Records why the alert can't be delivered and tells the owners directly, once per error. */
async function recordPermanent(deps: DeliveryDeps, incidentId: string, error: string): Promise<DeliveryOutcome> {
  if (await recordDeliveryError(deps.prisma, incidentId, error)) await notifyOwnersDirectly(deps, incidentId, error);
  return { status: 'failed', error };
}

async function notifyOwnersDirectly(deps: DeliveryDeps, incidentId: string, error: string): Promise<void> {
  const state = await loadIncidentState(deps, incidentId);
  if (!state) return;
  const client = await deps.clients.forTeam(state.incident.teamId);
  if (!client) return;
  // A message to each owner: the workspace's language, since the channel's could not be reached.
  const t = await channelTranslator(deps.prisma, state.incident.teamId, null);
  const text = t.t('alert.ownersDm', { name: state.connection.name, provider: state.provider.name, error, command: deps.config.slackCommand });
  for (const owner of state.connection.owners) {
    // Posting to a user id lands in the app's DM with that person.
    await client.chat.postMessage({ channel: owner, text }).catch((dmError: unknown) => deps.logger.warn('owner DM failed', { owner, error: dmError }));
  }
}
