/**
 * What the domain asks the Slack side (and the data platform) to do, as outbox rows. The domain only
 * names intents; `src/slack/` turns them into Block Kit from the incident's current state.
 */
export const OUTBOX_KINDS = {
  /** Post the incident's alert, or update it in place when it was posted already. */
  alertSync: 'alert.sync',
  /** A short reply in the alert's thread. */
  alertThread: 'alert.thread',
  /** `connection.reauthorized` to the data platform. */
  webhookReauthorized: 'webhook.reauthorized',
} as const;

export type ThreadEvent =
  | { event: 'reopened' }
  | { event: 'acknowledged'; userId: string }
  | { event: 'snoozed'; userId: string; until: string }
  | { event: 'reauth_started'; userId: string }
  | { event: 'reauth_failed'; userId?: string; why: string }
  | { event: 'wrong_account'; userId?: string; expected: string; actual: string }
  | { event: 'reconnected'; by?: string; actorType: string; durationMinutes: number; /** Labels of the streams being recovered. */ backfill: string[] }
  | { event: 'disabled' };
