import type { Prisma } from '../db/client';
import { claimWarning, closeWarning, credentialsExpiringBefore, EXPIRY_MOVED, openWarningsPage, type ExpiryCandidate } from '../db/expiry-warnings';
import { inTransaction } from '../db/transaction';
import { enqueueExpiryWarning } from '../domain/notifications';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Scheduler } from './scheduler';

/**
 * Heads-ups before a known hard expiry (LinkedIn's 365-day refresh token, Meta's ~60-day user token,
 * Google's 7 days in Testing…): when a credential comes within one of EXPIRY_WARNING_DAYS of its expiry,
 * the connection's channel gets one warning with a Reauthorize button. The warning row's open key
 * (connection, threshold) makes each threshold warn once across replicas and restarts, and across
 * refreshes: LinkedIn restates the time left with each one (`refresh_token_expires_in`, in seconds from
 * its own clock), so one expiry comes back milliseconds or seconds apart. An expiry that moved by
 * SAME_EXPIRY_MS or more is another one, and the warnings about the old one are closed first.
 */

export interface ExpiryWarningDeps {
  prisma: Prisma;
  clock: Clock;
  logger: Logger;
  /** Days before the expiry, any order. */
  thresholds: readonly number[];
  batchSize?: number;
}

const DAY_MS = 24 * 60 * 60_000;

/** Restatements of one expiry differ by seconds; one that moved by a day or more is another expiry. */
const SAME_EXPIRY_MS = DAY_MS;


export async function runExpiryWarnings(deps: ExpiryWarningDeps): Promise<{ warned: number }> {
  const ascending = [...deps.thresholds].sort((a, b) => a - b);
  const widest = ascending.at(-1);
  if (widest === undefined) return { warned: 0 };
  const now = deps.clock.now();
  const until = new Date(now.getTime() + widest * DAY_MS);
  const batchSize = deps.batchSize ?? 200;
  await closeMovedWarnings(deps.prisma, now, batchSize);
  let warned = 0;
  let after = '';
  for (;;) {
    const page = await credentialsExpiringBefore(deps.prisma, now, until, batchSize, after);
    for (const candidate of page) {
      // The nearest threshold only: a credential first seen 2 days out gets the 3-day warning, not the 14-day one too.
      const daysLeft = (candidate.hardExpiresAt.getTime() - now.getTime()) / DAY_MS;
      const threshold = ascending.find((days) => daysLeft <= days);
      if (threshold !== undefined && (await warn(deps.prisma, candidate, threshold, now))) warned += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < batchSize) break;
    after = last.connectionId;
  }
  return { warned };
}

/**
 * Closes the open warnings whose expiry no longer holds. Gone or later (the credential was replaced
 * outside Slack, or renewed, as a refresh renews Microsoft's idle window): the message says it was
 * renewed ahead of its expiry. Earlier (the provider now states less time): that would be wrong, so
 * the row is only closed, and the nearer expiry gets its own warning from the pass that follows.
 */
async function closeMovedWarnings(prisma: Prisma, now: Date, batchSize: number): Promise<void> {
  let after = '';
  for (;;) {
    const page = await openWarningsPage(prisma, batchSize, after);
    for (const warning of page) {
      const current = warning.currentExpiresAt;
      if (current && Math.abs(current.getTime() - warning.hardExpiresAt.getTime()) < SAME_EXPIRY_MS) continue;
      await inTransaction(prisma, async (tx) => {
        if (!(await closeWarning(tx, warning.id, now, EXPIRY_MOVED))) return;
        if (!current || current > warning.hardExpiresAt) await enqueueExpiryWarning(tx, warning, 'closed');
      });
    }
    const last = page.at(-1);
    if (!last || page.length < batchSize) return;
    after = last.id;
  }
}

async function warn(prisma: Prisma, candidate: ExpiryCandidate, thresholdDays: number, now: Date): Promise<boolean> {
  return inTransaction(prisma, async (tx) => {
    const id = await claimWarning(tx, { ...candidate, thresholdDays, createdAt: now });
    if (!id) return false;
    await enqueueExpiryWarning(tx, { id, teamId: candidate.teamId, connectionId: candidate.connectionId }, 'post');
    return true;
  });
}

export function registerExpiryWarningsJob(scheduler: Scheduler, deps: ExpiryWarningDeps): void {
  scheduler.schedule('expiry-warnings', '7 * * * *', () => runExpiryWarnings(deps));
}
