import { randomUUID } from 'node:crypto';
import type { Prisma, Tx } from '../db/client';
import { anyRecentHomeViewer } from '../db/home-viewers';
import { enqueue } from '../db/outbox';
import type { StreamId } from '../providers/definition';

/**
 * Every kind of outbox row, in one place: what the domain asks the Slack side (and the data platform)
 * to do. The domain only names intents; one delivery module per kind under `src/slack/delivery/` (and
 * `src/http/outbound-webhook.ts` for the webhook) turns them into calls, rendering the current state.
 */
export const OUTBOX_KINDS = {
  /** Post the incident's alert, or update it in place when it was posted already; payload `{ incidentId }`. */
  alertSync: 'alert.sync',
  /** A short reply in the alert's thread; payload `{ incidentId, ...ThreadEvent }`. */
  alertThread: 'alert.thread',
  /** A reminder in the alert's thread; payload `{ incidentId, number }`. */
  alertReminder: 'alert.reminder',
  /** Republish App Home for the team's recent viewers; payload `{ teamId }`. */
  homeRefresh: 'home.refresh',
  /** A scheduled digest post; payload `{ teamId, channelId, localDate }`. */
  digestPost: 'digest.post',
  /** A heads-up before a credential's hard expiry, or its update once renewed; payload `{ warningId }`. */
  expiryWarning: 'expiry.warning',
  /** A short message in a channel (a connection was created there); payload `{ teamId, channelId, notice }`. */
  channelNotice: 'channel.notice',
  /** A status event to the data platform (`connection.*`); payload: the webhook body. */
  webhookEvent: 'webhook.event',
  /** Rows written by earlier versions, which sent `connection.reauthorized` only; delivered the same way. */
  webhookReauthorized: 'webhook.reauthorized',
} as const;

/** Posts an expiry warning, or updates it after a renewal; one connection's in order. */
export function enqueueExpiryWarning(tx: Prisma | Tx, warning: { id: string; teamId: string; connectionId: string }, step: 'post' | 'closed'): Promise<boolean> {
  return enqueue(tx, {
    kind: OUTBOX_KINDS.expiryWarning,
    idempotencyKey: `expiry:${warning.id}:${step}`,
    orderKey: `expiry:${warning.connectionId}`,
    teamId: warning.teamId,
    payload: { warningId: warning.id },
  });
}

export type ChannelNotice =
  | { kind: 'connected'; userId: string; connectionName: string; providerName: string; account: string }
  /** The person who just signed in holds as many grants as the provider keeps: the next sign-in ends the oldest. */
  | { kind: 'grant_limit'; userId: string; providerName: string; signedInAs: string; grants: number; limit: number; connectionNames: string[] };

export function enqueueChannelNotice(tx: Prisma | Tx, teamId: string, channelId: string, key: string, notice: ChannelNotice): Promise<boolean> {
  return enqueue(tx, { kind: OUTBOX_KINDS.channelNotice, idempotencyKey: `notice:${key}`, teamId, payload: { teamId, channelId, notice } });
}

export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.authorization_required',
  'connection.degraded',
  'connection.reauthorized',
  'connection.disabled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

interface WebhookSubject {
  id: string;
  teamId: string;
  provider: string;
  externalAccountId: string;
  status: string;
  reason: string | null;
}

/**
 * One status event for the data platform, never with a secret. The key makes a retried transaction
 * enqueue it once; `eventId` is fixed in the row, so the receiver's retries carry the same one.
 */
export async function enqueueWebhookEvent(
  tx: Prisma | Tx,
  connection: WebhookSubject,
  type: WebhookEventType,
  at: Date,
  extra: { incidentId?: string; outage?: { from: string; to?: string }; backfill?: string[] } = {},
): Promise<void> {
  const { incidentId, ...rest } = extra;
  await enqueue(tx, {
    kind: OUTBOX_KINDS.webhookEvent,
    idempotencyKey: `webhook:${type}:${connection.id}:${at.toISOString()}`,
    // A receiver must see a connection's events in the order they happened, across replicas and retries.
    orderKey: `webhook:${connection.id}`,
    teamId: connection.teamId,
    ...(incidentId ? { incidentId } : {}),
    payload: {
      type,
      eventId: randomUUID(),
      occurredAt: at.toISOString(),
      connectionId: connection.id,
      provider: connection.provider,
      externalAccountId: connection.externalAccountId,
      status: connection.status,
      reason: connection.reason,
      ...rest,
    },
  });
}

/** Why a sign-in failed: the provider said no, or the exchange itself failed; `detail` is the provider's words. */
export interface SignInFailure {
  kind: 'provider_error' | 'not_completed';
  detail: string;
}

/** Who signed in and what they can reach, when it isn't the connection's account. */
export type Reach =
  | { kind: 'org'; account: string }
  | { kind: 'list'; who: string | null; provider: string; accounts: string[]; more: number }
  | { kind: 'key' | 'details'; account: string };

export type ThreadEvent =
  | { event: 'reopened' }
  | { event: 'acknowledged'; userId: string }
  | { event: 'snoozed'; userId: string; until: string }
  | { event: 'reauth_started'; userId: string }
  | { event: 'reauth_failed'; userId?: string; failure: SignInFailure }
  | { event: 'wrong_account'; userId?: string; expected: string; reach: Reach }
  | { event: 'reconnected'; by?: string; actorType: string; durationMinutes: number; /** Ids of the streams being recovered. */ backfill: StreamId[] }
  | { event: 'disabled' };

/** An incident as its Slack messages need it: a burst's member is shown in its lead's alert, and replied to in its thread. */
export interface AlertSubject {
  id: string;
  teamId: string;
  burstOf: string | null;
}

/** The incident whose alert shows this one. */
const alertOf = (incident: AlertSubject) => incident.burstOf ?? incident.id;

/**
 * An alert's Slack messages leave the outbox one at a time, in the order they were enqueued, across
 * replicas: the alert is posted before anything updates it or replies in its thread. A burst's members
 * share their lead's order, so a member's reply waits for the lead's post even when it joined mid-post.
 */
export const alertOrderKey = (alertId: string) => `incident:${alertId}`;

/** Re-renders the alert showing the incident: posts it the first time, updates it in place after. */
export function enqueueAlertSync(tx: Prisma | Tx, incident: AlertSubject, step: string): Promise<boolean> {
  const alertId = alertOf(incident);
  return enqueue(tx, {
    kind: OUTBOX_KINDS.alertSync,
    idempotencyKey: `alert:${incident.id}:${step}`,
    teamId: incident.teamId,
    incidentId: alertId,
    orderKey: alertOrderKey(alertId),
    payload: { incidentId: alertId },
  });
}

/** Updates the alert in place and adds a thread reply; both render the incident's state at send time. */
export async function notify(tx: Prisma | Tx, incident: AlertSubject, thread: ThreadEvent): Promise<void> {
  const step = randomUUID();
  const alertId = alertOf(incident);
  await enqueueAlertSync(tx, incident, `${thread.event}:${step}`);
  await enqueue(tx, {
    kind: OUTBOX_KINDS.alertThread,
    idempotencyKey: `thread:${incident.id}:${thread.event}:${step}`,
    teamId: incident.teamId,
    incidentId: alertId,
    orderKey: alertOrderKey(alertId),
    payload: { incidentId: incident.id, ...thread },
  });
}

/** The `number`th reminder in the incident's thread; the key makes a second run for the same number a no-op. */
export function enqueueReminder(tx: Prisma | Tx, incident: { id: string; teamId: string }, number: number, at: Date): Promise<boolean> {
  return enqueue(tx, {
    kind: OUTBOX_KINDS.alertReminder,
    idempotencyKey: `reminder:${incident.id}:${number}`,
    teamId: incident.teamId,
    incidentId: incident.id,
    orderKey: alertOrderKey(incident.id),
    payload: { incidentId: incident.id, number },
    availableAt: at,
  });
}

/**
 * Republish App Home, enqueued in the status change's transaction; each change gets its own row, and a
 * newer row supersedes the older ones still waiting. Skipped when nobody opened App Home lately: there is
 * no page to keep current, and a workspace that never looks at it shouldn't pay a Slack call per change.
 */
export async function requestHomeRefresh(tx: Prisma | Tx, teamId: string, at: Date): Promise<void> {
  if (!(await anyRecentHomeViewer(tx, teamId, at))) return;
  await enqueue(tx, { kind: OUTBOX_KINDS.homeRefresh, idempotencyKey: `home:${teamId}:${randomUUID()}`, teamId, payload: { teamId }, availableAt: at });
}
