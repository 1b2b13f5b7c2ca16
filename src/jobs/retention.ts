import { pruneAudit } from '../db/audit';
import { pruneAuthFlows } from '../db/auth-flows';
import type { Prisma } from '../db/client';
import { pruneFinishedOutbox } from '../db/outbox';
import { pruneProcessedKeys } from '../db/processed-keys';
import type { Clock } from '../lib/clock';
import type { Scheduler } from './scheduler';

/**
 * Keeps the tables that grow with every event from growing for ever: once a day (one replica per fire),
 * rows past their age go, a page at a time, each through an index on the column it is aged by.
 * Pending outbox rows, connections, incidents and credentials are never pruned.
 */

export interface RetentionDeps {
  prisma: Prisma;
  clock: Clock;
  settings: { days: number; auditDays: number };
}

export async function runRetention(deps: RetentionDeps): Promise<Record<string, number>> {
  const now = deps.clock.now().getTime();
  const before = new Date(now - deps.settings.days * 86_400_000);
  return {
    processedKeys: await pruneProcessedKeys(deps.prisma, before),
    outbox: await pruneFinishedOutbox(deps.prisma, before),
    authFlows: await pruneAuthFlows(deps.prisma, before),
    audit: await pruneAudit(deps.prisma, new Date(now - deps.settings.auditDays * 86_400_000)),
  };
}

export function registerRetention(scheduler: Scheduler, deps: RetentionDeps): void {
  scheduler.schedule('retention', '41 3 * * *', () => runRetention(deps));
}
