import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Prisma } from '../db/client';
import type { ClaimedMessage } from '../db/outbox';
import { retryWhileUnavailable } from '../db/while-unavailable';
import { recordAlertPosted } from '../db/incident-rows';
import { loadIncidentState, type IncidentDeps } from '../domain/incidents';
import { OUTBOX_KINDS, type ThreadEvent } from '../domain/notifications';
import type { DeliveryHandler, DeliveryOutcome } from '../jobs/outbox-dispatcher';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { alertMessage } from './blocks/alert';
import { threadText } from './blocks/thread';
import type { SlackClients } from './clients';
import { slackFailure } from './call-outcome';

/**
 * Outbox handlers that talk to Slack. Each renders from the incident's state at send time, so a retried
 * or late row always shows the latest truth, and posting is recorded (channel + ts) before anything
 * else can update it.
 */

const KIND_LABELS: Record<string, string> = { ad_platform: 'ad platform', crm: 'CRM', integration: 'integration' };

interface DeliveryDeps extends IncidentDeps {
  config: Config;
  clients: SlackClients;
  logger: Logger;
  metrics: Metrics;
}

export function slackDeliveryHandlers(deps: DeliveryDeps): Record<string, DeliveryHandler> {
  const pacer = new ChannelPacer();
  return {
    [OUTBOX_KINDS.alertSync]: (message) => syncAlert(deps, pacer, message),
    [OUTBOX_KINDS.alertThread]: (message) => postThreadReply(deps, pacer, message),
  };
}

async function syncAlert(deps: DeliveryDeps, pacer: ChannelPacer, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const state = await loadIncidentState(deps, String(message.payload.incidentId));
  if (!state) return { status: 'failed', error: 'incident not found' };
  const { incident, connection, provider } = state;
  const client = await deps.clients.forTeam(incident.teamId);
  if (!client) return { status: 'failed', error: 'workspace not installed' };
  const channel = incident.channelId ?? (await defaultChannel(deps.prisma, deps.config, incident.teamId));
  if (!channel) return recordPermanent(deps, incident.id, 'no alert channel: set one on the connection or the workspace');

  const rendered = alertMessage({
    incidentId: incident.id,
    connectionName: connection.name,
    providerName: provider.name,
    kindLabel: KIND_LABELS[connection.kind] ?? connection.kind,
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

  if (incident.messageTs && incident.channelId) {
    const { channelId, messageTs } = incident;
    return callSlack(deps, incident.id, async () => {
      await client.chat.update({ channel: channelId, ts: messageTs, text: rendered.text, blocks: rendered.blocks });
      return { status: 'sent', result: { updated: messageTs } };
    });
  }
  let posted: { channel?: string; ts?: string } | undefined;
  const outcome = await callSlack(deps, incident.id, async () => {
    await pacer.wait(channel);
    posted = await client.chat.postMessage({ channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
    return { status: 'sent', result: { posted: posted.ts } };
  });
  if (!posted) return outcome;
  deps.metrics.inc('reconnect_alerts_posted_total', { provider: connection.provider }, 1, 'Alerts posted to Slack');
  // The alert is in Slack now: where it went must be recorded, or the next render would post it again.
  const where = { channelId: posted.channel ?? channel, messageTs: posted.ts ?? null };
  await retryWhileUnavailable(() => recordAlertPosted(deps.prisma, incident.id, where, deps.clock.now()));
  return outcome;
}

async function postThreadReply(deps: DeliveryDeps, pacer: ChannelPacer, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const incident = await deps.prisma.incident.findUnique({ where: { id: String(message.payload.incidentId) } });
  if (!incident) return { status: 'failed', error: 'incident not found' };
  if (!incident.messageTs || !incident.channelId) {
    // The alert itself failed for good: there is no thread to reply in.
    if (incident.deliveryError) return { status: 'failed', error: `alert was never posted: ${incident.deliveryError}` };
    return { status: 'retry', afterMs: 1000, error: 'alert not posted yet' };
  }
  const client = await deps.clients.forTeam(incident.teamId);
  if (!client) return { status: 'failed', error: 'workspace not installed' };
  const text = threadText(message.payload as unknown as ThreadEvent);
  return callSlack(deps, incident.id, async () => {
    await pacer.wait(incident.channelId!);
    const posted = await client.chat.postMessage({ channel: incident.channelId!, thread_ts: incident.messageTs!, text });
    return { status: 'sent', result: { posted: posted.ts } };
  });
}

/** Maps Slack's answers to delivery outcomes: 429 → retry at Retry-After; permanent → recorded on the incident. */
async function callSlack(deps: DeliveryDeps, incidentId: string, call: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
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
  const { count } = await deps.prisma.incident.updateMany({ where: { id: incidentId, deliveryError: null }, data: { deliveryError: error } });
  if (count === 1) await notifyOwnersDirectly(deps, incidentId, error);
  return { status: 'failed', error };
}

async function notifyOwnersDirectly(deps: DeliveryDeps, incidentId: string, error: string): Promise<void> {
  const state = await loadIncidentState(deps, incidentId);
  if (!state) return;
  const client = await deps.clients.forTeam(state.incident.teamId);
  if (!client) return;
  const text =
    `🔑 *${state.connection.name}* (${state.provider.name}) needs reauthorization, but I couldn't post the alert in ` +
    `its channel (\`${error}\`). Invite me to the channel or pick another one; until then, use \`${deps.config.slackCommand} reauth ${state.connection.name}\`.`;
  for (const owner of state.connection.owners) {
    await sendDm(client, owner, text).catch((dmError: unknown) => deps.logger.warn('owner DM failed', { owner, error: dmError }));
  }
}

/** Posting to a user id lands in the app's DM with that person. */
async function sendDm(client: WebClient, userId: string, text: string): Promise<void> {
  await client.chat.postMessage({ channel: userId, text });
}

async function defaultChannel(prisma: Prisma, config: Config, teamId: string): Promise<string | null> {
  const workspace = await prisma.workspace.findUnique({ where: { teamId } });
  return workspace?.defaultChannelId ?? config.slackDefaultChannel ?? null;
}

/** Slack allows about one message per second per channel (api.slack.com/docs/rate-limits). */
export class ChannelPacer {
  private readonly next = new Map<string, number>();

  constructor(private readonly gapMs = 1000) {}

  async wait(channel: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next.get(channel) ?? 0);
    this.next.set(channel, at + this.gapMs);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
