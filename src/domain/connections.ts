import { z } from 'zod';
import type { Prisma } from '../db/client';
import { findConnection, insertConnection, listConnections, toConnection, updateConnectionFields, type Connection } from '../db/connections';
import { saveSecrets, type CredentialFacts, type Secrets } from '../db/credentials';
import { recordAudit, type Actor } from '../db/audit';
import { isUniqueViolation } from '../db/errors';
import { inTransaction } from '../db/transaction';
import { DomainError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { KeyRing } from '../lib/key-ring';
import { checkConnectionOptions, type Catalog } from '../providers/catalog';
import type { ProviderDefinition } from '../providers/definition';
import { changeStatus, type StatusEngineDeps } from './status-engine';
import { enqueueWebhookEvent } from './notifications';

/** Registering, changing and disabling connections: shared by the admin API and the CLI. */

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'expected a Slack user id such as U012ABCDEF');
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,20}$/, 'expected a Slack channel id such as C012ABCDEF');

const credentialsSchema = z
  .object({
    accessToken: z.string().min(1).max(8000).optional(),
    refreshToken: z.string().min(1).max(8000).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    apiKey: z.string().min(1).max(8000).optional(),
    /** Account details of a form-based integration (a database's host, user, password…). */
    fields: z.record(z.string().max(64), z.string().max(1024)).optional(),
  })
  .strict();

export const newConnectionSchema = z
  .object({
    teamId: z.string().regex(/^[TE][A-Z0-9]{2,20}$/, 'expected a Slack team id such as T012ABCDEF'),
    provider: z.string().min(1),
    name: z.string().trim().min(1).max(80),
    externalAccountId: z.string().trim().min(1).max(200),
    channelId: slackChannelId.optional(),
    owners: z.array(slackUserId).max(20).default([]),
    options: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).default({}),
    credentials: credentialsSchema.optional(),
  })
  .strict();

export const connectionPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    channelId: slackChannelId.nullable().optional(),
    owners: z.array(slackUserId).max(20).optional(),
    options: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).optional(),
    credentials: credentialsSchema.optional(),
    /** Re-enables a disabled connection. */
    enabled: z.literal(true).optional(),
  })
  .strict();

export type ConnectionPatch = z.infer<typeof connectionPatchSchema>;

export interface ConnectionDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
}

export async function createConnection(
  deps: ConnectionDeps,
  input: z.infer<typeof newConnectionSchema>,
  actor: Actor,
  facts: CredentialFacts = {},
): Promise<Connection> {
  const provider = deps.catalog.get(input.provider);
  if (!provider) {
    throw new DomainError('bad_request', `Unknown provider "${input.provider}".`, {
      fields: { provider: [`expected one of: ${deps.catalog.list().map((p) => p.id).join(', ')}`] },
    });
  }
  assertOptions(provider, input.options);
  const now = deps.clock.now();
  try {
    return await inTransaction(deps.prisma, async (tx) => {
      const connection = await insertConnection(tx, { ...input, kind: provider.kind }, now);
      if (input.credentials) await saveSecrets(tx, deps.keyRing, connection, input.credentials as Secrets, facts);
      await recordAudit(tx, { teamId: connection.teamId, connectionId: connection.id, action: 'connection_created', toStatus: connection.status, actor, at: now });
      if (deps.engine.settings.outboundWebhook) await enqueueWebhookEvent(tx, connection, 'connection.created', now);
      return connection;
    }, 1);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DomainError('conflict', `This workspace already has a ${provider.name} connection for account ${input.externalAccountId}.`);
    }
    throw error;
  }
}

function assertOptions(provider: ProviderDefinition, options: Record<string, unknown>): void {
  const problems = checkConnectionOptions(provider, options);
  if (problems.length > 0) {
    throw new DomainError('bad_request', 'Invalid connection options.', { fields: { options: problems } });
  }
}

export async function updateConnection(deps: ConnectionDeps, id: string, patch: ConnectionPatch, actor: Actor): Promise<Connection> {
  const existing = await requireConnection(deps.prisma, id);
  const provider = deps.catalog.get(existing.provider);
  if (provider && patch.options) assertOptions(provider, { ...existing.options, ...patch.options });
  const now = deps.clock.now();
  await inTransaction(deps.prisma, async (tx) => {
    await updateConnectionFields(tx, id, {
      name: patch.name,
      channelId: patch.channelId,
      owners: patch.owners,
      options: patch.options ? { ...existing.options, ...patch.options } : undefined,
    });
    if (patch.credentials) await saveSecrets(tx, deps.keyRing, existing, patch.credentials as Secrets);
    await recordAudit(tx, {
      teamId: existing.teamId,
      connectionId: id,
      action: 'connection_updated',
      actor,
      detail: { fields: Object.keys(patch).filter((key) => key !== 'credentials'), credentialsReplaced: Boolean(patch.credentials) },
      at: now,
    });
  });
  if (patch.enabled && existing.status === 'disabled') {
    await changeStatus(deps.engine, { connectionId: id, status: 'connected', actor, occurredAt: now });
  }
  return requireConnection(deps.prisma, id);
}

export async function disableConnection(deps: ConnectionDeps, id: string, actor: Actor): Promise<Connection> {
  await requireConnection(deps.prisma, id);
  const outcome = await changeStatus(deps.engine, { connectionId: id, status: 'disabled', actor, occurredAt: deps.clock.now() });
  return outcome.connection;
}

export async function requireConnection(prisma: Prisma, id: string): Promise<Connection> {
  const connection = await findConnection(prisma, id);
  if (!connection) throw new DomainError('not_found', `No connection with id ${id}.`);
  return connection;
}

export { listConnections, toConnection };
