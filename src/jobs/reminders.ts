import { z } from 'zod';
import type { Prisma } from '../db/client';
import { enqueue } from '../db/outbox';
import { inTransaction } from '../db/transaction';
import { loadIncidentState, type IncidentDeps } from '../domain/incidents';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { reminderText } from '../slack/blocks/reminder';
import { deliverWithSlack } from '../slack/call-outcome';
import type { SlackClients } from '../slack/clients';
import { ChannelPacer } from '../slack/delivery';
import type { DeliveryHandler } from './outbox-dispatcher';
import type { Scheduler } from './scheduler';

/**
 * Reminders in the thread of an alert nobody has fixed: the first once the outage is `afterMinutes` old,
 * then every `everyMinutes`, at most `max` times, never while snoozed. Each reminder is a compare-and-swap
 * on the incident's reminder count plus an outbox row keyed by that count, so replicas and restarts
 * can't remind twice.
 */

/** Outbox kind: one reminder in the alert's thread; payload `{ incidentId, number }`. */
export const ALERT_REMINDER_KIND = 'alert.reminder';

export interface ReminderSettings {
  afterMinutes: number;
  everyMinutes: number;
  max: number;
}

export interface ReminderJobDeps {
  prisma: Prisma;
  clock: Clock;
  logger: Logger;
  settings: ReminderSettings;
  batchSize?: number;
}

export interface ReminderRun {
  enqueued: number;
  failed: number;
}

export async function runReminders(deps: ReminderJobDeps): Promise<ReminderRun> {
  const run: ReminderRun = { enqueued: 0, failed: 0 };
  const { settings } = deps;
  if (settings.max <= 0) return run;
  const now = deps.clock.now();
  const oldEnough = new Date(now.getTime() - settings.afterMinutes * 60_000);
  const quietSince = new Date(now.getTime() - settings.everyMinutes * 60_000);
  const batchSize = deps.batchSize ?? 200;
  let after = '';
  for (;;) {
    const page = await deps.prisma.incident.findMany({
      where: {
        id: { gt: after },
        state: 'open',
        messageTs: { not: null },
        reminderCount: { lt: settings.max },
        openedAt: { lte: oldEnough },
        AND: [
          { OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }] },
          { OR: [{ lastReminderAt: { lte: quietSince } }, { lastReminderAt: null, openedAt: { lte: quietSince } }] },
        ],
      },
      orderBy: { id: 'asc' },
      take: batchSize,
      select: { id: true, teamId: true, reminderCount: true, lastReminderAt: true },
    });
    for (const incident of page) {
      try {
        if (await remind(deps.prisma, incident, now)) run.enqueued += 1;
      } catch (error) {
        run.failed += 1;
        deps.logger.error('reminder could not be scheduled', { incidentId: incident.id, error });
      }
    }
    const last = page[page.length - 1];
    if (!last || page.length < batchSize) break;
    after = last.id;
  }
  return run;
}

async function remind(
  prisma: Prisma,
  incident: { id: string; teamId: string; reminderCount: number; lastReminderAt: Date | null },
  now: Date,
): Promise<boolean> {
  const number = incident.reminderCount + 1;
  return inTransaction(prisma, async (tx) => {
    const { count } = await tx.incident.updateMany({
      where: { id: incident.id, state: 'open', reminderCount: incident.reminderCount, lastReminderAt: incident.lastReminderAt },
      data: { reminderCount: number, lastReminderAt: now },
    });
    if (count !== 1) return false;
    return enqueue(tx, {
      kind: ALERT_REMINDER_KIND,
      idempotencyKey: `reminder:${incident.id}:${number}`,
      teamId: incident.teamId,
      incidentId: incident.id,
      payload: { incidentId: incident.id, number },
      availableAt: now,
    });
  });
}

export function registerRemindersJob(scheduler: Scheduler, deps: ReminderJobDeps): void {
  scheduler.schedule('reminders', '* * * * *', () => runReminders(deps));
}

const reminderPayload = z.object({ incidentId: z.string().min(1) });

/**
 * Posts the reminder in the alert's thread. An incident fixed or snoozed between the run and the
 * delivery gets no reminder: the row is done, with the reason as its result.
 */
export function reminderHandler(deps: IncidentDeps & { clients: SlackClients }): DeliveryHandler {
  const pacer = new ChannelPacer();
  return async (message) => {
    const state = await loadIncidentState(deps, reminderPayload.parse(message.payload).incidentId);
    if (!state) return { status: 'failed', error: 'incident not found' };
    const { incident, connection } = state;
    const now = deps.clock.now();
    if (incident.state !== 'open') return { status: 'sent', result: { skipped: 'closed' } };
    if (incident.snoozedUntil && incident.snoozedUntil > now) return { status: 'sent', result: { skipped: 'snoozed' } };
    const { channelId, messageTs } = incident;
    if (!channelId || !messageTs) return { status: 'failed', error: 'alert was never posted' };
    const client = await deps.clients.forTeam(incident.teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    const text = reminderText({
      connectionName: connection.name,
      owners: connection.owners,
      affectedMinutes: Math.floor((now.getTime() - incident.openedAt.getTime()) / 60_000),
      impact: state.impact,
    });
    return deliverWithSlack(async () => {
      await pacer.wait(channelId);
      const posted = await client.chat.postMessage({ channel: channelId, thread_ts: messageTs, text });
      return { status: 'sent', result: { posted: posted.ts } };
    });
  };
}
