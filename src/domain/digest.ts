import { healthStrips } from './health-strip';
import type { Prisma } from '../db/client';
import { incidentsClosedBetween, openIncidentsOfTeam } from '../db/incidents';
import { parseJson } from '../db/json';
import type { Catalog } from '../providers/catalog';
import type { CountKey } from '../providers/definition';
import { impactOf, type ImpactLine } from './impact';
import { loadWorkspaceConnections, statusCounts, type StatusCounts } from './overview';

/** The daily digest's content for one workspace: what is broken, for how long, and what came back. */

const DAY_MS = 86_400_000;

export interface DigestIncident {
  incidentId: string;
  connectionName: string;
  providerName: string;
  openedAt: Date;
  ageMinutes: number;
  impact: ImpactLine[];
  losingData: boolean;
}

export interface DigestReconnection {
  connectionName: string;
  providerName: string;
  closedAt: Date;
  outageMinutes: number;
}

export interface Digest {
  counts: StatusCounts;
  /** Each live connection's last 7 local days (health-strip.ts), worst week first. */
  strips: { connectionName: string; strip: string }[];
  /** Data being lost first, then the oldest. */
  openIncidents: DigestIncident[];
  /** Reconnected in the 24 hours before `now`, most recent first. */
  reconnected: DigestReconnection[];
  now: Date;
}

export async function digestFor(prisma: Prisma, catalog: Catalog, teamId: string, now: Date, timeZone = 'UTC'): Promise<Digest> {
  const connections = await loadWorkspaceConnections(prisma, catalog, teamId);
  const byId = new Map(connections.map((connection) => [connection.id, connection]));

  const open = await openIncidentsOfTeam(prisma, teamId);
  const openIncidents: DigestIncident[] = [];
  for (const incident of open) {
    const connection = byId.get(incident.connectionId);
    const provider = connection && catalog.get(connection.provider);
    if (!connection || !provider) continue;
    const impact = impactOf({
      provider,
      options: connection.options,
      outage: { from: incident.openedAt },
      counts: parseJson<Partial<Record<CountKey, number>>>(incident.counts, {}),
      now,
    });
    openIncidents.push({
      incidentId: incident.id,
      connectionName: connection.name,
      providerName: provider.name,
      openedAt: incident.openedAt,
      ageMinutes: minutesBetween(incident.openedAt, now),
      impact,
      losingData: impact.some((line) => line.effect === 'lost'),
    });
  }
  openIncidents.sort((a, b) => Number(b.losingData) - Number(a.losingData) || a.openedAt.getTime() - b.openedAt.getTime());

  const closed = await incidentsClosedBetween(prisma, teamId, new Date(now.getTime() - DAY_MS), now);
  const reconnected: DigestReconnection[] = [];
  for (const incident of closed) {
    // Connections that are gone (disabled) didn't come back; the listing skips them too.
    const connection = byId.get(incident.connectionId);
    if (!connection || !incident.closedAt) continue;
    reconnected.push({
      connectionName: connection.name,
      providerName: connection.providerName,
      closedAt: incident.closedAt,
      outageMinutes: minutesBetween(incident.openedAt, incident.closedAt),
    });
  }

  const byStrip = await healthStrips(prisma, connections, now, timeZone);
  const strips = connections
    .map((connection) => ({ connectionName: connection.name, strip: byStrip.get(connection.id) ?? '' }))
    .sort((a, b) => stripSeverity(b.strip) - stripSeverity(a.strip) || a.connectionName.localeCompare(b.connectionName));
  return { counts: statusCounts(connections), strips, openIncidents, reconnected, now };
}

/** Red days count most, then yellow ones: the connections that had the worst week come first. */
export function stripSeverity(strip: string): number {
  return [...strip].reduce((sum, square) => sum + (square === '🟥' ? 100 : square === '🟨' ? 1 : 0), 0);
}

function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
}
