import type { RunCoordinator } from 'node-cron';
import type { Prisma } from '../db/client';
import { claimFire, completeFire, pruneFires } from '../db/scheduler-leases';
import type { Clock } from '../lib/clock';

/**
 * node-cron's RunCoordinator on the database: the replica that inserts the fire's row runs it, every
 * other replica sees the unique key taken and skips. A fire is never run twice, even by a replica that
 * restarts within the same slot; the next fire catches up, as every job is an idempotent sweep.
 */
export class DatabaseRunCoordinator implements RunCoordinator {
  constructor(
    private readonly prisma: Prisma,
    private readonly clock: Clock,
    readonly owner: string,
  ) {}

  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    return claimFire(this.prisma, { key, owner: this.owner, expiresAt: new Date(now.getTime() + Math.max(ttlMs, 60_000)), createdAt: now });
  }

  async onComplete(key: string): Promise<void> {
    await completeFire(this.prisma, key, this.owner, this.clock.now());
  }

  /** Forgets fires older than `days`; their keys can never come back, so nothing is lost. */
  async prune(days = 7): Promise<number> {
    const before = new Date(this.clock.now().getTime() - days * 86_400_000);
    return pruneFires(this.prisma, before);
  }
}
