import type { Prisma } from '../../db/client';
import { claimDueConnections, dueConnectionPage, type Connection } from '../../db/connections';
import { findSealedCredentials, type SealedCredential } from '../../db/credentials';
import { KeyedLimiter } from '../../lib/semaphore';
import { countResult, HealthyChecks, nextProbeTime, probeAndRecord } from './record';
import type { ProbeDeps, ProbeResult, SweepCounts, SweepOptions } from './types';

/** The sweep: every due connection, most overdue first, within the overall and per-provider limits. */

const DEFAULT_PAGE_SIZE = 200;

/** Probes every due connection, most overdue first, within the overall and per-provider limits. */
export async function runProbeSweep(deps: ProbeDeps, options: SweepOptions = {}): Promise<SweepCounts> {
  const counts: SweepCounts = { probed: 0, ok: 0, needsReauth: 0, transient: 0, skipped: 0, errors: 0 };
  const limiter = new KeyedLimiter(deps.settings.concurrency, deps.settings.perProviderConcurrency);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const pending = new Set<Promise<void>>();
  const now = deps.clock.now();
  const claimUntil = nextProbeTime(now, Math.max(1, deps.settings.intervalMinutes));
  const healthy = new HealthyChecks(deps, pageSize);
  for await (const { connection, credential } of dueConnections(deps.prisma, now, claimUntil, pageSize, options.limit ?? Infinity)) {
    const task: Promise<void> = limiter
      .run(connection.provider, () => probeInSweep(deps, connection, credential, healthy, counts))
      .finally(() => pending.delete(task));
    pending.add(task);
    // Read ahead by at most a page, so a large backlog never sits in memory at once.
    if (pending.size >= pageSize) await Promise.race(pending);
  }
  await Promise.all(pending);
  await healthy.flush();
  return counts;
}

async function probeInSweep(
  deps: ProbeDeps,
  connection: Connection,
  credential: SealedCredential | null,
  healthy: HealthyChecks,
  counts: SweepCounts,
): Promise<void> {
  counts.probed += 1;
  try {
    const verdict = await probeAndRecord(deps, connection, credential, healthy);
    counts[COUNT_FIELD[verdict.result]] += 1;
  } catch (error) {
    counts.errors += 1;
    countResult(deps.metrics, connection, 'error');
    deps.logger.error('probe failed', { connectionId: connection.id, provider: connection.provider, error });
  }
}

const COUNT_FIELD: Record<ProbeResult, Exclude<keyof SweepCounts, 'probed' | 'errors'>> = {
  ok: 'ok',
  needs_reauth: 'needsReauth',
  transient: 'transient',
  skipped: 'skipped',
};

interface DueConnection {
  connection: Connection;
  credential: SealedCredential | null;
}

/**
 * Keyset paging on (nextProbeAt, id), so rows probed meanwhile leave the window without shifting pages.
 * Each page is claimed before it is probed (see claimDueConnections), and its credentials are read in one query.
 */
async function* dueConnections(prisma: Prisma, now: Date, claimUntil: Date, pageSize: number, limit: number): AsyncGenerator<DueConnection> {
  let after: { nextProbeAt: Date; id: string } | undefined;
  let taken = 0;
  while (taken < limit) {
    const take = Math.min(pageSize, limit - taken);
    const page = await dueConnectionPage(prisma, now, after, take);
    const claimed = await claimDueConnections(prisma, page.map((row) => row.id), now, claimUntil);
    const credentials = claimed.length ? await findSealedCredentials(prisma, claimed.map((connection) => connection.id)) : new Map<string, SealedCredential>();
    for (const connection of claimed) yield { connection, credential: credentials.get(connection.id) ?? null };
    taken += claimed.length;
    const last = page[page.length - 1];
    if (!last || page.length < take) return;
    after = last;
  }
}
