import type { IncomingMessage } from 'node:http';
import type { Connection } from '../db/connections';
import {
  connectionPatchSchema,
  createConnection,
  disableConnection,
  listConnections,
  newConnectionSchema,
  requireConnection,
  updateConnection,
  type ConnectionDeps,
} from '../domain/connections';
import { DomainError } from '../lib/errors';
import { constantTimeEqual } from '../lib/signature';
import { readBody, sendJson, type Router } from './router';
import { parseJsonBody } from './validation';

/** The admin API (docs/CONTRACT.md): register and manage connections without Slack. */

export function connectionJson(connection: Connection) {
  return {
    id: connection.id,
    teamId: connection.teamId,
    provider: connection.provider,
    kind: connection.kind,
    name: connection.name,
    externalAccountId: connection.externalAccountId,
    channelId: connection.channelId,
    owners: connection.owners,
    options: connection.options,
    status: connection.status,
    reason: connection.reason,
    statusChangedAt: connection.statusChangedAt.toISOString(),
    lastCheckedAt: connection.lastCheckedAt?.toISOString() ?? null,
    lastSuccessAt: connection.lastSuccessAt?.toISOString() ?? null,
    createdAt: connection.createdAt.toISOString(),
  };
}

const ADMIN_ACTOR = { type: 'admin' as const, id: 'admin-api' };

export function mountAdminApi(router: Router, deps: ConnectionDeps & { adminToken: string | undefined }): void {
  const guard = (req: IncomingMessage) => {
    if (!deps.adminToken) throw new DomainError('unavailable', 'The admin API is disabled: set ADMIN_TOKEN to enable it.');
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!token || !constantTimeEqual(token, deps.adminToken)) throw new DomainError('unauthorized', 'Missing or wrong bearer token.');
  };

  router.add('POST', '/api/v1/connections', async ({ req, res }) => {
    guard(req);
    const input = parseJsonBody(await readBody(req), newConnectionSchema);
    sendJson(res, 201, connectionJson(await createConnection(deps, input, ADMIN_ACTOR)));
  });

  router.add('GET', '/api/v1/connections', async ({ req, res, url }) => {
    guard(req);
    const connections = await listConnections(deps.prisma, {
      teamId: url.searchParams.get('teamId') ?? undefined,
      provider: url.searchParams.get('provider') ?? undefined,
      includeDisabled: url.searchParams.get('includeDisabled') === 'true',
    });
    sendJson(res, 200, { connections: connections.map(connectionJson) });
  });

  router.add('GET', '/api/v1/connections/:id', async ({ req, res, params }) => {
    guard(req);
    sendJson(res, 200, connectionJson(await requireConnection(deps.prisma, params.id!)));
  });

  router.add('PATCH', '/api/v1/connections/:id', async ({ req, res, params }) => {
    guard(req);
    const patch = parseJsonBody(await readBody(req), connectionPatchSchema);
    sendJson(res, 200, connectionJson(await updateConnection(deps, params.id!, patch, ADMIN_ACTOR)));
  });

  router.add('DELETE', '/api/v1/connections/:id', async ({ req, res, params }) => {
    guard(req);
    sendJson(res, 200, connectionJson(await disableConnection(deps, params.id!, ADMIN_ACTOR)));
  });
}
