import { performance } from 'node:perf_hooks';
import { recordProbeChecks, type Connection, type ConnectionStatus, type ProbeCheck } from '../../db/connections';
import type { SealedCredential } from '../../db/credentials';
import { minutesFrom, startOfMinute } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import type { DisconnectReason } from '../../providers/definition';
import { changeStatus } from '../status-engine';
import { checkCredentials } from './check';
import type { ProbeDeps, ProbeOutcome, ProbeResult, Verdict } from './types';

/**
 * Recording a check: the probe bookkeeping on the connection (when it was checked, the failures in a row,
 * the next probe with backoff) and, when the answer means it, a status change through the status engine.
 * Only `needs_reauth` asks a person to reauthorize; transient failures count up, back off and show the
 * connection as degraded after a few in a row.
 */

const PROBE_ACTOR = { type: 'probe' } as const;

/**
 * `credential` is the connection's credential already read (by a sweep), or undefined to read it here;
 * `healthy` collects a sweep's healthy results to record them together.
 */
export async function probeAndRecord(deps: ProbeDeps, connection: Connection, credential?: SealedCredential | null, healthy?: HealthyChecks): Promise<Verdict> {
  const started = performance.now();
  const verdict = await checkCredentials(deps, connection, credential);
  timeCheck(deps.metrics, connection, verdict.result, (performance.now() - started) / 1000);
  deps.answered?.();
  if (verdict.result === 'ok' && connection.status === 'connected' && healthy) await healthy.add(connection.id);
  else await recordVerdict(deps, connection, verdict);
  countResult(deps.metrics, connection, verdict.result);
  logVerdict(deps.logger, connection, verdict);
  return verdict;
}

/**
 * A healthy connection that is still healthy is by far a sweep's most common result, and its bookkeeping
 * is the same for all: it is written for many at once. If the process dies first, those connections are
 * merely probed again once the sweep's claim on them runs out.
 */
export class HealthyChecks {
  private ids: string[] = [];

  constructor(
    private readonly deps: ProbeDeps,
    private readonly batchSize: number,
  ) {}

  async add(connectionId: string): Promise<void> {
    this.ids.push(connectionId);
    if (this.ids.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    const ids = this.ids;
    this.ids = [];
    const now = this.deps.clock.now();
    const check: ProbeCheck = { checkedAt: now, outcome: 'success', nextProbeAt: nextProbeTime(now, this.deps.settings.intervalMinutes) };
    try {
      await recordProbeChecks(this.deps.prisma, ids, 'connected', check, now);
    } catch (error) {
      this.deps.logger.error('probe results not recorded; those connections will be probed again', { connections: ids.length, error });
    }
  }
}

async function recordVerdict(deps: ProbeDeps, connection: Connection, verdict: Verdict): Promise<void> {
  const now = deps.clock.now();
  const { intervalMinutes, degradedAfterFailures } = deps.settings;
  switch (verdict.result) {
    case 'skipped':
      // Not a check, but probing again every minute would only repeat the same warning.
      await recordCheck(deps, connection, { nextProbeAt: nextProbeTime(now, intervalMinutes) });
      return;
    case 'ok': {
      const recorded = await recordCheck(deps, connection, { checkedAt: now, outcome: 'success', nextProbeAt: nextProbeTime(now, intervalMinutes) });
      if (recorded && connection.status === 'degraded') await changeStatusByProbe(deps, connection, 'connected', null, now);
      return;
    }
    case 'transient': {
      const failures = connection.consecutiveFailures + 1;
      const recorded = await recordCheck(deps, connection, {
        checkedAt: now,
        outcome: 'failure',
        nextProbeAt: new Date(now.getTime() + backoffMs(failures, intervalMinutes)),
      });
      if (recorded && connection.status === 'connected' && failures >= degradedAfterFailures) {
        await changeStatusByProbe(deps, connection, 'degraded', verdict.failure.reason ?? 'third_party_outage', now);
      }
      return;
    }
    case 'needs_reauth': {
      const recorded = await recordCheck(deps, connection, { checkedAt: now, nextProbeAt: nextProbeTime(now, intervalMinutes) });
      if (recorded) await changeStatusByProbe(deps, connection, 'authorization_required', verdict.failure.reason ?? 'unknown', now);
      return;
    }
  }
}

/**
 * Writes the probe's bookkeeping only if the status is still the one the probe started from. When
 * something else changed it meanwhile (an ingest event, a reauthorization, an admin), this probe's
 * result is stale: nothing is written, and the connection is probed again when it next comes due (after
 * a sweep, once the sweep's claim on it runs out).
 */
async function recordCheck(deps: ProbeDeps, connection: Connection, check: ProbeCheck): Promise<boolean> {
  return (await recordProbeChecks(deps.prisma, [connection.id], connection.status, check, deps.clock.now())) === 1;
}

async function changeStatusByProbe(
  deps: ProbeDeps,
  connection: Connection,
  status: ConnectionStatus,
  reason: DisconnectReason | null,
  at: Date,
): Promise<void> {
  await changeStatus(deps.engine, { connectionId: connection.id, status, reason, actor: PROBE_ACTOR, occurredAt: at });
}

/**
 * `minutes` after the minute `now` falls in. Sweeps fire on the minute and run a little after it; counted
 * from `now` itself, a connection would come due just after the fire one interval later and wait for the
 * next one, a minute late every time.
 */
export function nextProbeTime(now: Date, minutes: number): Date {
  return minutesFrom(startOfMinute(now), minutes);
}

/**
 * 2, 4, 8… minutes after each failure in a row, ±20 % so the connections of a provider that was down
 * don't all come back to it in the same second; never longer than a healthy connection's interval.
 */
function backoffMs(failures: number, intervalMinutes: number): number {
  const jittered = 2 ** Math.min(failures, 16) * 60_000 * (0.8 + Math.random() * 0.4);
  return Math.round(Math.min(intervalMinutes * 60_000, jittered));
}

export function countResult(metrics: Metrics, connection: Connection, result: ProbeResult | 'error'): void {
  metrics.inc('reconnect_probe_results_total', { provider: connection.provider, result }, 1, 'Connection probes by result');
}

/** The check itself (reading the credential, the provider's answer, storing rotated tokens), not the recording. */
function timeCheck(metrics: Metrics, connection: Connection, result: ProbeResult, seconds: number): void {
  metrics.observe('reconnect_probe_duration_seconds', { provider: connection.provider, result }, seconds, "Connection probes' checks by provider and result");
}

export function explain(verdict: Verdict): Pick<ProbeOutcome, 'reason' | 'detail' | 'skip'> {
  if (verdict.result === 'ok') return {};
  if (verdict.result === 'skipped') return { detail: verdict.detail, skip: verdict.skip };
  return { ...(verdict.failure.reason ? { reason: verdict.failure.reason } : {}), detail: verdict.failure.detail };
}

function logVerdict(logger: Logger, connection: Connection, verdict: Verdict): void {
  const fields = { connectionId: connection.id, provider: connection.provider, ...explain(verdict) };
  switch (verdict.result) {
    case 'ok':
      logger.debug('probe ok', fields);
      return;
    case 'needs_reauth':
      logger.info('probe: the connection needs reauthorization', fields);
      return;
    case 'transient':
      logger.info('probe failed, will retry', { ...fields, consecutiveFailures: connection.consecutiveFailures + 1 });
      return;
    case 'skipped':
      if (verdict.misconfigured) logger.warn('probe skipped', fields);
      else logger.debug('probe skipped', fields);
  }
}
