import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one signer/verifier for Reconnect's webhooks, inbound (ingest) and outbound
 * (`connection.reauthorized`): `v1=` + hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + raw body),
 * timestamp in unix seconds (docs/CONTRACT.md). Timestamps more than five minutes away in either
 * direction are refused: Bolt accepts future ones, Slack's Python SDK doesn't, and neither should we.
 */

export const TIMESTAMP_HEADER = 'x-reconnect-timestamp';
export const SIGNATURE_HEADER = 'x-reconnect-signature';
export const MAX_SKEW_SECONDS = 300;

export function signBody(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`v1:${timestamp}:`);
  mac.update(rawBody);
  return `v1=${mac.digest('hex')}`;
}

export function signedHeaders(secret: string, rawBody: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { 'X-Reconnect-Timestamp': String(timestamp), 'X-Reconnect-Signature': signBody(secret, timestamp, rawBody) };
}

export type VerifyFailure = 'missing' | 'stale' | 'mismatch';

export function verifySignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: Buffer | string,
  now: Date,
): VerifyFailure | null {
  if (!headers.timestamp || !headers.signature) return 'missing';
  if (!/^\d{1,12}$/.test(headers.timestamp)) return 'stale';
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > MAX_SKEW_SECONDS) return 'stale';
  return constantTimeEqual(signBody(secret, timestamp, rawBody), headers.signature) ? null : 'mismatch';
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
