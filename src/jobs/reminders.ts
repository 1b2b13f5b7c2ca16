import type { Prisma } from '../db/client';
import { countReminder, incidentsDueForReminder, type ReminderCandidate } from '../db/incidents';
import { inTransaction } from '../db/transaction';
import { enqueueReminder } from '../domain/notifications';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Scheduler } from './scheduler';

/**
 * Reminders in the thread of an alert nobody has fixed: the first once the outage is `afterMinutes` old,
 * then every `everyMinutes`, at most `max` times, never while snoozed. Each reminder is a compare-and-swap
 * on the incident's reminder count plus an outbox row keyed by that count, so replicas and restarts
 * can't remind twice.
 */

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
    const page = await incidentsDueForReminder(deps.prisma, { after, take: batchSize }, { now, oldEnough, quietSince, max: settings.max });
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
  incident: ReminderCandidate,
  now: Date,
): Promise<boolean> {
  const number = incident.reminderCount + 1;
  return inTransaction(prisma, async (tx) => {
    if (!(await countReminder(tx, incident, number, now))) return false;
    return enqueueReminder(tx, incident, number, now);
  });
}

export function registerRemindersJob(scheduler: Scheduler, deps: ReminderJobDeps): void {
  scheduler.schedule('reminders', '* * * * *', () => runReminders(deps));
}
