import { createHash, randomBytes } from 'node:crypto';
import { createAuthFlow } from '../db/auth-flows';
import type { Prisma } from '../db/client';
import { findConnection, type Connection } from '../db/connections';
import { recordAudit } from '../db/audit';
import type { Clock } from '../lib/clock';
import type { Catalog } from '../providers/catalog';
import { markReauthStarted } from './incidents';

/**
 * The first step of reauthorizing: who may, and a single-use link bound to that user, workspace and
 * connection, valid for minutes. Only a hash of the link's token is stored.
 */

export interface ReauthDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
  publicUrl: string;
  linkTtlMinutes: number;
  allowedUsers: string[];
}

export type ReauthStart =
  | { outcome: 'link'; url: string; connection: Connection; expiresAt: Date; method: 'oauth2' | 'api_key' | 'credentials_form' }
  | { outcome: 'refused'; connection: Connection; allowed: string[] }
  | { outcome: 'not_found' };

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function startReauthorization(
  deps: ReauthDeps,
  input: { connectionId: string; teamId: string; userId: string; incidentId?: string; dedupeKey: string; isAdmin: () => Promise<boolean>; language?: string },
): Promise<ReauthStart> {
  const connection = await findConnection(deps.prisma, input.connectionId);
  if (!connection || connection.teamId !== input.teamId || connection.status === 'disabled') return { outcome: 'not_found' };
  const now = deps.clock.now();
  const permitted =
    connection.owners.length === 0 ||
    connection.owners.includes(input.userId) ||
    deps.allowedUsers.includes(input.userId) ||
    (await input.isAdmin());
  if (!permitted) {
    await recordAudit(deps.prisma, {
      teamId: connection.teamId,
      connectionId: connection.id,
      incidentId: input.incidentId,
      action: 'reauth_refused',
      actor: { type: 'user', id: input.userId },
      at: now,
    });
    return { outcome: 'refused', connection, allowed: [...connection.owners, ...deps.allowedUsers] };
  }
  const provider = deps.catalog.require(connection.provider);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + deps.linkTtlMinutes * 60_000);
  await createAuthFlow(deps.prisma, {
    tokenHash: hashToken(token),
    purpose: 'reauth_link',
    teamId: connection.teamId,
    userId: input.userId,
    connectionId: connection.id,
    provider: connection.provider,
    expiresAt,
    createdAt: now,
    language: input.language ?? null,
  });
  if (input.incidentId) await markReauthStarted(deps, input.incidentId, input.userId, input.dedupeKey);
  return {
    outcome: 'link',
    url: `${deps.publicUrl}/oauth/start?t=${token}`,
    connection,
    expiresAt,
    method: provider.auth.type,
  };
}
