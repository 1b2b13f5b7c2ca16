import type { Prisma } from '../../db/client';
import { anyDueForProbe, claimDueConnections, renewProbeClaims, type Connection, type ProbeClaim } from '../../db/connections';
import { findSealedCredentials, type SealedCredential } from '../../db/credentials';
import { KeyedLimiter } from '../../lib/semaphore';
import { countResult, HealthyChecks, probeAndRecord } from './record';
import type { ProbeDeps, ProbeResult, SweepCounts, SweepOptions } from './types';

/**
 * The sweep: every due connection, most overdue first, within the overall and per-provider limits.
 * Every replica sweeps at the same time, each claiming a page of due connections at a time in the
 * database, so replicas add probes per second and none probes a connection another holds.
 */

const DEFAULT_PAGE_SIZE = 200;
/** How long a sweep waits before it claims again when another replica's claim held everything it went for. */
const CONTENDED_RETRY_MS = 10;

/** Probes every due connection, most overdue first, within the overall and per-provider limits. */
export async function runProbeSweep(deps: ProbeDeps, options: SweepOptions = {}): Promise<SweepCounts> {
  const counts: SweepCounts = { probed: 0, ok: 0, needsReauth: 0, transient: 0, skipped: 0, errors: 0 };
  const limiter = new KeyedLimiter(deps.settings.concurrency, deps.settings.perProviderConcurrency);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const pending = new Set<Promise<void>>();
  // Wakes the loop below when a probe finishes; racing all pending probes instead would register a
  // reaction on each of them for every probe started.
  let finished: (() => void) | undefined;
  const claim: ProbeClaim = { by: deps.replica, at: deps.clock.now() };
  const healthy = new HealthyChecks(deps, pageSize);
  const lease = new SweepLease(deps, claim);
  try {
    for await (const page of claimedPages(deps, claim, lease, pageSize, options.limit ?? Infinity)) {
      for (const { connection, credential } of page) {
        // The limits are on what providers see: a probe's slot goes to the next one once its provider has
        // answered, and its answer is recorded meanwhile.
        const task: Promise<void> = limiter
          .run(connection.provider, (answered) => probeInSweep({ ...deps, answered }, connection, credential, healthy, counts))
          .finally(() => {
            pending.delete(task);
            finished?.();
          });
        pending.add(task);
        // Claim ahead by at most a page: a large backlog never sits in memory, and other replicas get the rest.
        while (pending.size >= pageSize) await new Promise<void>((resolve) => (finished = resolve));
      }
    }
    await Promise.all(pending);
    await healthy.flush();
  } finally {
    lease.stop();
  }
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

/**
 * The sweep's hold on what it claimed, renewed every third of PROBE_LEASE_SECONDS while it runs, so a
 * slow provider never lets another replica take a connection mid-probe, while a replica that died
 * leaves its connections to the next sweep within one lease.
 */
class SweepLease {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: ProbeDeps,
    private readonly claim: ProbeClaim,
  ) {
    this.timer = setInterval(() => void this.renew(), (deps.settings.leaseSeconds * 1000) / 3);
    this.timer.unref();
  }

  until(): Date {
    return new Date(this.deps.clock.now().getTime() + this.deps.settings.leaseSeconds * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    try {
      await renewProbeClaims(this.deps.prisma, this.claim, this.until());
    } catch (error) {
      // The next renewal tries again; the lease still has two thirds of its time.
      this.deps.logger.warn('probe claims not renewed', { error });
    }
  }
}

interface DueConnection {
  connection: Connection;
  credential: SealedCredential | null;
}

/**
 * Claims the due connections a page at a time (see claimDueConnections), each page's credentials read
 * in one query. Due means due when the sweep started, so connections probed meanwhile never come back.
 */
async function* claimedPages(deps: ProbeDeps, claim: ProbeClaim, lease: SweepLease, pageSize: number, limit: number): AsyncGenerator<DueConnection[]> {
  const prisma: Prisma = deps.prisma;
  let taken = 0;
  while (taken < limit) {
    const take = Math.min(pageSize, limit - taken);
    const claimed = await claimDueConnections(prisma, claim, { dueBy: claim.at, now: deps.clock.now(), leaseUntil: lease.until(), take });
    if (claimed.length === 0) {
      // Nothing left, or another replica's claim held the rows this one went for: it commits in a moment.
      if (!(await anyDueForProbe(prisma, claim.at, deps.clock.now()))) return;
      await new Promise((resolve) => setTimeout(resolve, CONTENDED_RETRY_MS));
      continue;
    }
    const credentials = await findSealedCredentials(prisma, claimed.map((connection) => connection.id));
    yield claimed.map((connection) => ({ connection, credential: credentials.get(connection.id) ?? null }));
    taken += claimed.length;
  }
}
