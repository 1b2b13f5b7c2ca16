import { z } from 'zod';
import type { Prisma } from '../db/client';
import { findConnectionByAccount } from '../db/connections';
import { changeStatus, UnknownConnectionError, type StatusEngineDeps } from '../domain/status-engine';
import { DomainError } from '../lib/errors';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../lib/signature';
import { DISCONNECT_REASONS } from '../providers/definition';
import { readBody, sendJson, type RequestContext } from './router';
import { parseJsonBody } from './validation';

/**
 * POST /api/v1/connection-events: the data platform reports a connection's status (docs/CONTRACT.md).
 * Order matters: size, then signature, then shape, then the connection; every refusal happens before
 * anything is written, and a repeated eventId is accepted without doing anything twice.
 */

const countsSchema = z
  .object({
    queuedTouchpoints: z.number().int().nonnegative().optional(),
    adsCreated: z.number().int().nonnegative().optional(),
  })
  .strict();

const ingestEventSchema = z
  .object({
    eventId: z.string().min(1).max(200),
    connectionId: z.string().min(1).max(100).optional(),
    provider: z.string().min(1).max(50).optional(),
    externalAccountId: z.string().min(1).max(200).optional(),
    status: z.enum(['authorization_required', 'connected', 'degraded']),
    reason: z.enum(DISCONNECT_REASONS).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
    counts: countsSchema.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    const byAccount = event.provider !== undefined || event.externalAccountId !== undefined;
    if (event.connectionId && byAccount) {
      ctx.addIssue({ code: 'custom', path: ['connectionId'], message: 'give either connectionId or provider + externalAccountId, not both' });
    } else if (!event.connectionId && !(event.provider && event.externalAccountId)) {
      ctx.addIssue({ code: 'custom', path: ['connectionId'], message: 'required (or provider + externalAccountId)' });
    }
  });

export type IngestEvent = z.infer<typeof ingestEventSchema>;

export interface IngestDeps {
  prisma: Prisma;
  engine: StatusEngineDeps;
  secret: string | undefined;
  now: () => Date;
}

export function ingestHandler(deps: IngestDeps) {
  return async ({ req, res }: RequestContext): Promise<void> => {
    if (!deps.secret) throw new DomainError('unavailable', 'Ingest is disabled: set INGEST_SECRET to enable it.');
    const raw = await readBody(req);
    const failure = verifySignature(
      deps.secret,
      { timestamp: header(req.headers[TIMESTAMP_HEADER]), signature: header(req.headers[SIGNATURE_HEADER]) },
      raw,
      deps.now(),
    );
    if (failure) throw new DomainError('unauthorized', 'Invalid or stale signature.');

    const event = parseJsonBody(raw, ingestEventSchema, 'event');

    const connectionIds = await resolveConnections(deps.prisma, event);
    if (connectionIds.length === 0) throw notFound();

    const results = [];
    for (const connectionId of connectionIds) {
      const outcome = await changeStatus(deps.engine, {
        connectionId,
        status: event.status,
        reason: event.reason,
        actor: { type: 'webhook', id: event.eventId },
        occurredAt: new Date(event.occurredAt),
        counts: event.counts,
        dedupeKey: `ingest:${event.eventId}:${connectionId}`,
      }).catch((error: unknown) => {
        throw error instanceof UnknownConnectionError ? notFound() : error;
      });
      results.push({ connectionId, status: outcome.connection.status, duplicate: outcome.duplicate ?? false, incidentId: outcome.incidentId ?? null });
    }
    sendJson(res, 202, { accepted: true, eventId: event.eventId, results });
  };
}

/** An id is checked by the status change itself (one read fewer on the hot path); an account is looked up. */
async function resolveConnections(prisma: Prisma, event: IngestEvent): Promise<string[]> {
  if (event.connectionId) return [event.connectionId];
  const connections = await findConnectionByAccount(prisma, { provider: event.provider!, externalAccountId: event.externalAccountId! });
  return connections.map((connection) => connection.id);
}

const notFound = () => new DomainError('not_found', 'No connection matches this event.');

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
