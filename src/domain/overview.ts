import type { Prisma } from '../db/client';
import { listConnections, type Connection, type ConnectionStatus } from '../db/connections';
import { openIncidentsOfTeam } from '../db/incidents';
import type { Catalog } from '../providers/catalog';

/**
 * A workspace's connections as people look at them: the status command, App Home and the digest all
 * read this, so they agree on what needs attention and in which order.
 */

export interface WorkspaceConnection extends Connection {
  providerName: string;
  /** Set while the connection needs reauthorization: what the Reauthorize button acts on. */
  openIncidentId: string | null;
}

export type StatusCounts = Record<Exclude<ConnectionStatus, 'disabled'>, number> & { total: number };

/** Red keys before degraded ones: only reauthorization fixes the first, the second may recover alone. */
const ATTENTION_ORDER: Partial<Record<ConnectionStatus, number>> = { authorization_required: 0, degraded: 1 };

export async function loadWorkspaceConnections(prisma: Prisma, catalog: Catalog, teamId: string): Promise<WorkspaceConnection[]> {
  const connections = await listConnections(prisma, { teamId });
  const incidents = await openIncidentsOfTeam(prisma, teamId);
  const openByConnection = new Map(incidents.map((incident) => [incident.connectionId, incident.id]));
  return connections.map((connection) => ({
    ...connection,
    providerName: catalog.get(connection.provider)?.name ?? connection.provider,
    openIncidentId: openByConnection.get(connection.id) ?? null,
  }));
}

export function statusCounts(connections: readonly Pick<Connection, 'status'>[]): StatusCounts {
  const counts: StatusCounts = { total: 0, connected: 0, authorization_required: 0, degraded: 0 };
  for (const { status } of connections) {
    if (status === 'disabled') continue;
    counts[status] += 1;
    counts.total += 1;
  }
  return counts;
}

/** Connections that need someone: needing reauthorization first, then degraded; longest-broken first. */
export function needingAttention<T extends Pick<Connection, 'status' | 'statusChangedAt' | 'name'>>(connections: readonly T[]): T[] {
  return connections
    .filter((connection) => ATTENTION_ORDER[connection.status] !== undefined)
    .sort(
      (a, b) =>
        (ATTENTION_ORDER[a.status] ?? 0) - (ATTENTION_ORDER[b.status] ?? 0) ||
        a.statusChangedAt.getTime() - b.statusChangedAt.getTime() ||
        a.name.localeCompare(b.name),
    );
}
