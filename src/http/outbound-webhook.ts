import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { signedHeaders } from '../lib/signature';
import type { DeliveryHandler } from '../jobs/outbox-dispatcher';

/**
 * Sends `connection.*` events to the data platform, signed like the ingest webhook. Any answer but a 2xx
 * is retried with the outbox's backoff (a receiver that is being deployed answers 404 or 502 for a
 * while); every answer is counted by status class in /metrics.
 */
export function webhookDeliveryHandler(deps: {
  config: { url: string; secret: string } | undefined;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  timeoutMs?: number;
}): DeliveryHandler {
  const count = (answer: string) => deps.metrics.inc('reconnect_webhook_answers_total', { answer }, 1, 'Outbound webhook answers by status class (network: no answer)');
  return async (message) => {
    if (!deps.config) return { status: 'failed', error: 'OUTBOUND_WEBHOOK_URL is not configured' };
    const body = JSON.stringify(message.payload);
    let response: Response;
    try {
      response = await fetch(deps.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(deps.config.secret, body, deps.clock.now()) },
        body,
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      });
    } catch (error) {
      count('network');
      return { status: 'retry', error: `webhook unreachable: ${(error as Error).name}` };
    }
    await response.body?.cancel().catch(() => undefined);
    count(`${Math.floor(response.status / 100)}xx`);
    if (response.ok) return { status: 'sent', result: { httpStatus: response.status } };
    const retryAfter = Number(response.headers.get('retry-after'));
    return { status: 'retry', afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined, error: `webhook answered ${response.status}` };
  };
}
