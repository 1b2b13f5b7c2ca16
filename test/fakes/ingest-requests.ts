import { signBody } from '../../src/lib/signature';
import { TEST_SECRETS } from '../support/test-app';

/** Sends a body to the ingest webhook signed as the data platform would (or deliberately not). */
export async function postIngest(
  baseUrl: string,
  body: unknown,
  options: { secret?: string; timestamp?: number; signature?: string; raw?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${baseUrl}/api/v1/connection-events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Reconnect-Timestamp': String(timestamp),
      'X-Reconnect-Signature': options.signature ?? signBody(options.secret ?? TEST_SECRETS.ingest, timestamp, raw),
    },
    body: raw,
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function adminRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_SECRETS.admin,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Row counts of every table that a refused request must leave untouched. */
export async function tableCounts(prisma: import('../../src/db/client').Prisma): Promise<Record<string, number>> {
  return {
    connections: await prisma.connection.count(),
    incidents: await prisma.incident.count(),
    outbox: await prisma.outboxMessage.count(),
    audit: await prisma.auditEvent.count(),
    processed: await prisma.processedKey.count(),
    credentials: await prisma.credential.count(),
  };
}
