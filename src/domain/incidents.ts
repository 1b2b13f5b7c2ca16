import type { Prisma, Tx } from '../db/client';
import { toConnection, type Connection } from '../db/connections';
import { recordAudit, type Actor } from '../db/audit';
import { findIncident, findIncidentWithConnection, updateIncident, type Incident } from '../db/incidents';
import { parseJson } from '../db/json';
import { markProcessed } from '../db/processed-keys';
import { inTransaction } from '../db/transaction';
import { DomainError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { Catalog } from '../providers/catalog';
import type { CountKey, DisconnectReason, ProviderDefinition } from '../providers/definition';
import { impactOf, type ImpactLine } from './impact';
import { notify } from './notifications';

/** What people do to an incident from Slack: acknowledge, snooze, start reauthorizing; and reading it. */

export interface IncidentState {
  incident: Incident;
  connection: Connection;
  provider: ProviderDefinition;
  /** Live for an open incident (durations up to now), the closing snapshot for a closed one. */
  impact: ImpactLine[];
  reason: DisconnectReason | null;
  /** How many incidents joined this one's burst. */
  burstMembers: number;
}

export interface IncidentDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
}

export async function loadIncidentState(deps: IncidentDeps, incidentId: string): Promise<IncidentState | null> {
  const row = await findIncidentWithConnection(deps.prisma, incidentId);
  if (!row) return null;
  const { incident, burstMembers } = row;
  const connection = toConnection(row.connection);
  const provider = deps.catalog.require(connection.provider);
  const impact =
    incident.state === 'open'
      ? impactOf({
          provider,
          options: connection.options,
          outage: { from: incident.openedAt },
          counts: parseJson<Partial<Record<CountKey, number>>>(incident.counts, {}),
          now: deps.clock.now(),
        })
      : parseJson<ImpactLine[]>(incident.impact, []);
  return { incident, connection, provider, impact, reason: (incident.reason as DisconnectReason | null) ?? null, burstMembers };
}

/**
 * Runs one person's action once: the dedupe key (Slack's action_ts + user + action) is recorded in the
 * same transaction, so a replayed signed click changes nothing.
 */
async function onOpenIncident(
  deps: IncidentDeps,
  incidentId: string,
  dedupeKey: string,
  work: (tx: Tx, incident: Incident) => Promise<void>,
): Promise<'done' | 'duplicate' | 'closed'> {
  return inTransaction(deps.prisma, async (tx) => {
    if (!(await markProcessed(tx, dedupeKey, deps.clock.now()))) return 'duplicate';
    const incident = await findIncident(tx, incidentId);
    if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
    if (incident.state !== 'open') return 'closed';
    await work(tx, incident);
    return 'done';
  });
}

export async function acknowledge(deps: IncidentDeps, incidentId: string, userId: string, dedupeKey: string) {
  return onOpenIncident(deps, incidentId, dedupeKey, async (tx, incident) => {
    const now = deps.clock.now();
    await updateIncident(tx, incident.id, { acknowledgedBy: userId, acknowledgedAt: now });
    await audit(tx, incident, 'acknowledged', { type: 'user', id: userId }, now);
    await notify(tx, incident, { event: 'acknowledged', userId });
  });
}

export async function snooze(deps: IncidentDeps, incidentId: string, userId: string, minutes: number, dedupeKey: string) {
  return onOpenIncident(deps, incidentId, dedupeKey, async (tx, incident) => {
    const now = deps.clock.now();
    const until = new Date(now.getTime() + minutes * 60_000);
    await updateIncident(tx, incident.id, { snoozedUntil: until });
    await audit(tx, incident, 'snoozed', { type: 'user', id: userId }, now, { until: until.toISOString() });
    await notify(tx, incident, { event: 'snoozed', userId, until: until.toISOString() });
  });
}

export async function markReauthStarted(deps: IncidentDeps, incidentId: string, userId: string, dedupeKey: string) {
  return onOpenIncident(deps, incidentId, dedupeKey, async (tx, incident) => {
    const now = deps.clock.now();
    await updateIncident(tx, incident.id, { reauthStartedBy: userId, reauthStartedAt: now });
    await audit(tx, incident, 'reauth_started', { type: 'user', id: userId }, now);
    await notify(tx, incident, { event: 'reauth_started', userId });
  });
}

function audit(tx: Tx, incident: Incident, action: string, actor: Actor, at: Date, detail: Record<string, unknown> = {}) {
  return recordAudit(tx, { teamId: incident.teamId, connectionId: incident.connectionId, incidentId: incident.id, action, actor, detail, at });
}
