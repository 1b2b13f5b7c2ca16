import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { signedHeaders } from '../lib/signature';
import type { DeliveryHandler } from '../jobs/outbox-dispatcher';

/** Sends `connection.reauthorized` to the data platform, signed like the ingest webhook. */
export function webhookDeliveryHandler(deps: {
  config: { url: string; secret: string } | undefined;
  clock: Clock;
  logger: Logger;
  timeoutMs?: number;
}): DeliveryHandler {
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
      return { status: 'retry', error: `webhook unreachable: ${(error as Error).name}` };
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { status: 'sent', result: { httpStatus: response.status } };
    const retryAfter = Number(response.headers.get('retry-after'));
    if (response.status === 429 || response.status >= 500) {
      return { status: 'retry', afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined, error: `webhook answered ${response.status}` };
    }
    return { status: 'failed', error: `webhook answered ${response.status}` };
  };
}
