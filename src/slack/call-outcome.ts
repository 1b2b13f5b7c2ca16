import type { DeliveryOutcome } from '../jobs/outbox-dispatcher';

/**
 * How an outbox handler reports a Slack call that threw: a 429 comes back at Retry-After (clients reject
 * rate-limited calls instead of pausing the process), answers that retrying can't fix fail for good,
 * anything else retries with the dispatcher's backoff.
 */

/** Slack's answers that no retry can fix (docs.slack.dev method pages, "Errors"). */
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'invalid_auth',
  'token_revoked',
  'not_authed',
  'missing_scope',
  'msg_too_long',
  'invalid_blocks',
  'invalid_arguments',
  'no_text',
  'user_not_found',
]);

export interface SlackFailure {
  /** The Slack error code (`not_in_channel`), `ratelimited`, or the client's code. */
  error: string;
  permanent: boolean;
  retryAfterMs?: number;
}

export function slackFailure(thrown: unknown): SlackFailure {
  const e = thrown as { code?: string; retryAfter?: number; data?: { error?: string } } | null;
  if (e?.code === 'slack_webapi_rate_limited_error') {
    return { error: 'ratelimited', permanent: false, retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  const error = e?.data?.error ?? e?.code ?? (thrown instanceof Error ? thrown.message : 'unknown');
  return { error, permanent: e?.code === 'slack_webapi_platform_error' && PERMANENT_ERRORS.has(error) };
}

export async function deliverWithSlack(call: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  try {
    return await call();
  } catch (thrown) {
    const failure = slackFailure(thrown);
    if (failure.retryAfterMs !== undefined) return { status: 'retry', afterMs: failure.retryAfterMs, error: failure.error };
    if (failure.permanent) return { status: 'failed', error: failure.error };
    return { status: 'retry', error: `slack: ${failure.error}` };
  }
}
