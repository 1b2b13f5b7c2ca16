import { randomUUID } from 'node:crypto';
import type { Prisma, Tx } from '../db/client';
import { connectionRow, swapStatus, toConnection, type Connection, type ConnectionStatus } from '../db/connections';
import { recordAudit, type Actor } from '../db/audit';
import { burstLeadFor, insertOpenIncident, openIncidentOf, recentlyClosedIncident, updateIncident } from '../db/incidents';
import { WriteConflictError } from '../db/errors';
import { parseJson } from '../db/json';
import { markProcessed } from '../db/processed-keys';
import { inTransaction } from '../db/transaction';
import type { Clock } from '../lib/clock';
import type { CountKey, DisconnectReason } from '../providers/definition';
import type { Catalog } from '../providers/catalog';
import { backfillStreams, impactOf } from './impact';
import { enqueueAlertSync, enqueueWebhookEvent, notify, requestHomeRefresh } from './notifications';

/**
 * The only code that changes a connection's status. Each change is one transaction: the status and
 * reason, an audit event with the actor, the incident opened, reopened or closed with its impact
 * snapshot, and the outbox rows for Slack and the data platform. One open incident per connection is
 * guaranteed by a unique key (Incident.openKey), so concurrent changes can't open two.
 */

export interface StatusChange {
  connectionId: string;
  status: ConnectionStatus;
  reason?: DisconnectReason | null;
  actor: Actor;
  occurredAt: Date;
  counts?: Partial<Record<CountKey, number>>;
  /** Makes a replayed request a no-op: recorded in the same transaction as the change. */
  dedupeKey?: string;
}

export interface StatusEngineDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
  /** `burstWindowSeconds` 0: every drop gets an alert of its own. */
  settings: { flapWindowMinutes: number; outboundWebhook: boolean; burstWindowSeconds?: number };
}

export interface ChangeOutcome {
  changed: boolean;
  /** The dedupe key was seen before: nothing was done. */
  duplicate?: boolean;
  /** The event happened before the connection's last change: recorded, nothing changed. */
  stale?: boolean;
  connection: Connection;
  incidentId?: string;
  effect?: 'opened' | 'reopened' | 'closed' | 'counts_updated';
}

export class UnknownConnectionError extends Error {
  constructor(readonly connectionId: string) {
    super(`No connection with id ${connectionId}`);
    this.name = 'UnknownConnectionError';
  }
}

export async function changeStatus(deps: StatusEngineDeps, change: StatusChange): Promise<ChangeOutcome> {
  return inTransaction(deps.prisma, (tx) => applyStatusChange(deps, tx, change));
}

/** The same change inside a caller's transaction, for work that must commit together with it. */
export async function applyStatusChange(deps: StatusEngineDeps, tx: Tx, change: StatusChange): Promise<ChangeOutcome> {
  const now = deps.clock.now();
  // A data platform's clock can run ahead; an outage can't start in the future.
  const at = change.occurredAt > now ? now : change.occurredAt;
  const row = await connectionRow(tx, change.connectionId);
  if (!row) throw new UnknownConnectionError(change.connectionId);
  const before = toConnection(row);
  if (change.dedupeKey && !(await markProcessed(tx, change.dedupeKey, now))) {
    return { changed: false, duplicate: true, connection: before };
  }

  // Webhooks are retried and arrive out of order: an event from before the last change must not undo it
  // (a late `connected` would close an outage that is still losing data). Until its first change a
  // connection has only its registration time, and an outage may have begun before it was registered.
  const everChanged = before.statusChangedAt.getTime() !== before.createdAt.getTime();
  if (everChanged && at < before.statusChangedAt) {
    await recordAudit(tx, {
      teamId: before.teamId,
      connectionId: before.id,
      action: 'event_ignored',
      fromStatus: before.status,
      toStatus: change.status,
      reason: change.reason ?? null,
      actor: change.actor,
      detail: { why: 'older than the last status change', occurredAt: at.toISOString(), lastChangeAt: before.statusChangedAt.toISOString() },
      at: now,
    });
    return { changed: false, stale: true, connection: before };
  }
  if (before.status === 'disabled' && change.status !== 'disabled' && change.actor.type !== 'admin') {
    return { changed: false, connection: before };
  }
  if (before.status === change.status) {
    if (change.status === 'authorization_required' && change.counts) {
      const incidentId = await updateCounts(tx, before, change.counts);
      return { changed: false, connection: before, incidentId, effect: incidentId ? 'counts_updated' : undefined };
    }
    return { changed: false, connection: before };
  }
  // An auth problem outranks a transient one: only reauthorization (or disabling) ends it.
  if (before.status === 'authorization_required' && change.status === 'degraded') {
    return { changed: false, connection: before };
  }

  // Compare-and-swap on the status we read, so two concurrent changes can't both apply.
  const updated = await swapStatus(tx, row, {
    status: change.status,
    reason: change.status === 'connected' ? null : (change.reason ?? before.reason ?? 'unknown'),
    statusChangedAt: at,
    disabledAt: change.status === 'disabled' ? now : before.status === 'disabled' ? null : undefined,
    ...(change.status === 'connected' ? { succeededAt: now } : {}),
  });
  if (!updated) throw new WriteConflictError(`connection ${change.connectionId}`);
  const after = toConnection(updated);

  let outcome: ChangeOutcome = { changed: true, connection: after };
  if (change.status === 'authorization_required') {
    const opened = await openIncident(deps, tx, after, change, at);
    outcome = { ...outcome, incidentId: opened.incidentId, effect: opened.effect };
    if (deps.settings.outboundWebhook) {
      await enqueueWebhookEvent(tx, after, 'connection.authorization_required', at, { incidentId: opened.incidentId, outage: { from: opened.outageFrom.toISOString() } });
    }
  } else if (before.status === 'authorization_required' || change.status === 'disabled') {
    outcome = { ...outcome, ...(await closeIncident(deps, tx, after, change, at)) };
  }
  if (deps.settings.outboundWebhook && (change.status === 'degraded' || change.status === 'disabled')) {
    await enqueueWebhookEvent(tx, after, change.status === 'degraded' ? 'connection.degraded' : 'connection.disabled', at, outcome.incidentId ? { incidentId: outcome.incidentId } : {});
  }

  await recordAudit(tx, {
    teamId: after.teamId,
    connectionId: after.id,
    incidentId: outcome.incidentId,
    action: 'status_changed',
    fromStatus: before.status,
    toStatus: after.status,
    reason: after.reason,
    actor: change.actor,
    detail: change.counts ? { counts: change.counts } : {},
    at: now,
  });
  await requestHomeRefresh(tx, after.teamId, now);
  return outcome;
}

async function openIncident(
  deps: StatusEngineDeps,
  tx: Tx,
  connection: Connection,
  change: StatusChange,
  at: Date,
): Promise<{ incidentId: string; effect: 'opened' | 'reopened'; outageFrom: Date }> {
  const flapSince = new Date(at.getTime() - deps.settings.flapWindowMinutes * 60_000);
  const recent = await recentlyClosedIncident(tx, connection.id, flapSince);

  if (recent) {
    // Flap suppression: the same outage continues in the same message instead of a new alert.
    const counts = mergeCounts(parseJson(recent.counts, {}), change.counts);
    await updateIncident(tx, recent.id, {
      state: 'open',
      openKey: connection.id,
      closedAt: null,
      closedBy: null,
      reason: connection.reason,
      lastDroppedAt: at,
      reopenCount: recent.reopenCount + 1,
      counts: JSON.stringify(counts),
    });
    await notify(tx, recent, { event: 'reopened' });
    return { incidentId: recent.id, effect: 'reopened', outageFrom: recent.openedAt };
  }

  const counts = mergeCounts({}, change.counts);
  const windowMs = (deps.settings.burstWindowSeconds ?? 0) * 1000;
  // Several connections of one channel dropping together (one admin changed, one app revoked) share the
  // first one's alert, which lists them all; the first drop is posted at once, never held back.
  const lead = windowMs > 0
    ? await burstLeadFor(tx, { teamId: connection.teamId, channelId: connection.channelId, connectionId: connection.id, since: new Date(at.getTime() - windowMs), at })
    : null;
  const incidentId = await insertOpenIncident(tx, {
    connectionId: connection.id,
    teamId: connection.teamId,
    reason: connection.reason,
    openedAt: at,
    channelId: lead?.channelId ?? connection.channelId,
    counts: JSON.stringify(counts),
    ...(lead ? { burstOf: lead.id, messageTs: lead.messageTs } : {}),
  });
  await enqueueAlertSync(tx, { id: incidentId, teamId: connection.teamId, burstOf: lead?.id ?? null }, lead ? 'joined' : 'opened');
  return { incidentId, effect: 'opened', outageFrom: at };
}

async function closeIncident(
  deps: StatusEngineDeps,
  tx: Tx,
  connection: Connection,
  change: StatusChange,
  at: Date,
): Promise<Pick<ChangeOutcome, 'incidentId' | 'effect'>> {
  const incident = await openIncidentOf(tx, connection.id);
  if (!incident) return {};
  // A reopened incident keeps its first drop as openedAt; the window it reports never runs backwards.
  at = at < incident.openedAt ? incident.openedAt : at;
  const provider = deps.catalog.require(connection.provider);
  const counts = parseJson(incident.counts, {});
  const lines = impactOf({ provider, options: connection.options, outage: { from: incident.openedAt, to: at }, counts, now: at });
  await updateIncident(tx, incident.id, { state: 'closed', openKey: null, closedAt: at, closedBy: change.actor.id ?? change.actor.type, impact: JSON.stringify(lines) });
  if (change.status === 'disabled') {
    await notify(tx, incident, { event: 'disabled' });
    return { incidentId: incident.id, effect: 'closed' };
  }
  const backfill = backfillStreams(lines);
  const durationMinutes = Math.max(0, Math.round((at.getTime() - incident.openedAt.getTime()) / 60_000));
  await notify(tx, incident, {
    event: 'reconnected',
    by: change.actor.type === 'user' ? change.actor.id : undefined,
    actorType: change.actor.type,
    durationMinutes,
    backfill: lines.filter((line) => line.effect !== 'lost').map((line) => line.streamId),
  });
  if (deps.settings.outboundWebhook) {
    await enqueueWebhookEvent(tx, connection, 'connection.reauthorized', at, {
      incidentId: incident.id,
      outage: { from: incident.openedAt.toISOString(), to: at.toISOString() },
      backfill,
    });
  }
  return { incidentId: incident.id, effect: 'closed' };
}

async function updateCounts(tx: Tx, connection: Connection, counts: Partial<Record<CountKey, number>>): Promise<string | undefined> {
  const incident = await openIncidentOf(tx, connection.id);
  if (!incident) return undefined;
  const before = parseJson<Partial<Record<CountKey, number>>>(incident.counts, {});
  const merged = mergeCounts(before, counts);
  if (JSON.stringify(merged) === JSON.stringify(before)) return incident.id;
  await updateIncident(tx, incident.id, { counts: JSON.stringify(merged) });
  await enqueueAlertSync(tx, incident, `counts:${randomUUID()}`);
  return incident.id;
}

/** Counts from the data platform are running totals for the outage: keep the largest seen. */
function mergeCounts(
  current: Partial<Record<CountKey, number>>,
  update: Partial<Record<CountKey, number>> | undefined,
): Partial<Record<CountKey, number>> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(update ?? {}) as [CountKey, number][]) {
    merged[key] = Math.max(merged[key] ?? 0, value);
  }
  return merged;
}
