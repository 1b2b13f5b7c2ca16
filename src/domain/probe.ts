import type { Prisma } from '../db/client';
import { findConnection, recordProbeChecks, toConnection, type Connection, type ConnectionStatus, type ProbeCheck } from '../db/connections';
import {
  findSealedCredentials,
  loadSecrets,
  openCredential,
  replaceSecretsIfVersion,
  type SealedCredential,
  type Secrets,
  type StoredSecrets,
} from '../db/credentials';
import { minutesFrom, startOfMinute, type Clock } from '../lib/clock';
import type { KeyRing } from '../lib/key-ring';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import {
  checkApiKey,
  fetchIdentity,
  refreshAccessToken,
  type AccountIdentity,
  type ClientCredentials,
  type HttpOptions,
  type OAuthFailure,
  type TokenSet,
} from '../oauth';
import type { Catalog } from '../providers/catalog';
import type { DisconnectReason, ProviderDefinition } from '../providers/definition';
import type { Result } from '../lib/errors';
import { requireConnection } from './connections';
import { changeStatus, type StatusEngineDeps } from './status-engine';

/**
 * The probe: asks each due connection's provider whether its credentials still work (a token refresh
 * where the provider issues refresh tokens, else the identity or API-key endpoint) and turns the answer
 * into a status through the status engine. Only `needs_reauth` asks a person to reauthorize; transient
 * failures count up, back off and show the connection as degraded after a few in a row.
 */

export interface ProbeSettings {
  /** Minutes between probes of a healthy connection. */
  intervalMinutes: number;
  /** Probes in flight at once, across all providers. */
  concurrency: number;
  /** Probes in flight at once against one provider, to stay inside its rate limits. */
  perProviderConcurrency: number;
  /** Per outbound request. */
  timeoutMs: number;
  /** Transient failures in a row after which a connection shows as degraded. */
  degradedAfterFailures: number;
  allowInsecureHttp: boolean;
  /** The OAuth client registered with a provider; refreshing a token needs it. */
  clientFor(providerId: string): ClientCredentials | undefined;
}

export interface ProbeDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
  logger: Logger;
  metrics: Metrics;
  settings: ProbeSettings;
}

export type ProbeResult = 'ok' | 'needs_reauth' | 'transient' | 'skipped';

export interface ProbeOutcome {
  result: ProbeResult;
  reason?: DisconnectReason;
  /** Why it failed or was skipped; safe to log and show, never a credential. */
  detail?: string;
  /** The connection as stored after the probe was recorded. */
  connection: Connection;
}

export interface SweepOptions {
  /** Most connections probed in this run; the rest stay due for the next one. */
  limit?: number;
  /** Rows read per query. */
  pageSize?: number;
}

export interface SweepCounts {
  /** Due connections the sweep picked up; each is counted once more in one of the fields below. */
  probed: number;
  ok: number;
  needsReauth: number;
  transient: number;
  skipped: number;
  /** Rows whose probe threw (an unreadable credential, a database error): logged, the sweep goes on. */
  errors: number;
}

type Verdict =
  | { result: 'ok' }
  | { result: 'needs_reauth' | 'transient'; failure: OAuthFailure }
  | { result: 'skipped'; detail: string; misconfigured: boolean };

const PROBED_STATUSES: ConnectionStatus[] = ['connected', 'degraded'];
const dueFilter = (now: Date) => ({ status: { in: PROBED_STATUSES }, nextProbeAt: { lte: now } });
const PROBE_ACTOR = { type: 'probe' } as const;
const DEFAULT_PAGE_SIZE = 200;
/** Re-encryption or another writer can bump the credential version between our read and write. */
const STORE_ATTEMPTS = 3;

/** Probes one connection now, records the result and returns the connection as it is afterwards. */
export async function probeConnection(deps: ProbeDeps, connection: Connection): Promise<ProbeOutcome> {
  const verdict = await probeAndRecord(deps, connection);
  const after = (await findConnection(deps.prisma, connection.id)) ?? connection;
  return { result: verdict.result, ...explain(verdict), connection: after };
}

/** For `/reconnect check`: probes the connection whether or not it is due. */
export async function checkNow(deps: ProbeDeps, connectionId: string): Promise<ProbeOutcome> {
  return probeConnection(deps, await requireConnection(deps.prisma, connectionId));
}

/** Probes every due connection, most overdue first, within the overall and per-provider limits. */
export async function runProbeSweep(deps: ProbeDeps, options: SweepOptions = {}): Promise<SweepCounts> {
  const counts: SweepCounts = { probed: 0, ok: 0, needsReauth: 0, transient: 0, skipped: 0, errors: 0 };
  const limiter = new ProbeLimiter(deps.settings.concurrency, deps.settings.perProviderConcurrency);
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

/**
 * A healthy connection that is still healthy is by far a sweep's most common result, and its bookkeeping
 * is the same for all: it is written for many at once. If the process dies first, those connections are
 * merely probed again once the sweep's claim on them runs out.
 */
class HealthyChecks {
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
 * Each page is claimed before it is probed (see claimDue), and its credentials are read in one query.
 */
async function* dueConnections(prisma: Prisma, now: Date, claimUntil: Date, pageSize: number, limit: number): AsyncGenerator<DueConnection> {
  let after: { nextProbeAt: Date; id: string } | undefined;
  let taken = 0;
  while (taken < limit) {
    const take = Math.min(pageSize, limit - taken);
    const page = await prisma.connection.findMany({
      where: {
        ...dueFilter(now),
        ...(after ? { OR: [{ nextProbeAt: { gt: after.nextProbeAt } }, { nextProbeAt: after.nextProbeAt, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ nextProbeAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true, nextProbeAt: true },
    });
    const claimed = await claimDue(prisma, page.map((row) => row.id), now, claimUntil);
    const credentials = claimed.length ? await findSealedCredentials(prisma, claimed.map((connection) => connection.id)) : new Map<string, SealedCredential>();
    for (const connection of claimed) yield { connection, credential: credentials.get(connection.id) ?? null };
    taken += claimed.length;
    const last = page[page.length - 1];
    if (!last || page.length < take) return;
    after = last;
  }
}

/**
 * Moves the next probe of rows that are still due to `until`, in one statement, so sweeps that overlap
 * (one outlasts its minute and another replica takes the next fire) never probe a connection twice: two
 * refreshes of one rotating refresh token would make the loser's look revoked. Every probe result
 * overwrites the claim; a replica that dies mid-sweep leaves its rows due again once `until` passes.
 */
async function claimDue(prisma: Prisma, ids: string[], now: Date, until: Date): Promise<Connection[]> {
  if (ids.length === 0) return [];
  const rows = await prisma.connection.updateManyAndReturn({ where: { id: { in: ids }, ...dueFilter(now) }, data: { nextProbeAt: until } });
  return rows.map(toConnection);
}

/**
 * `credential` is the connection's credential already read (by a sweep), or undefined to read it here;
 * `healthy` collects a sweep's healthy results to record them together.
 */
async function probeAndRecord(deps: ProbeDeps, connection: Connection, credential?: SealedCredential | null, healthy?: HealthyChecks): Promise<Verdict> {
  const verdict = await checkCredentials(deps, connection, credential);
  if (verdict.result === 'ok' && connection.status === 'connected' && healthy) await healthy.add(connection.id);
  else await recordVerdict(deps, connection, verdict);
  countResult(deps.metrics, connection, verdict.result);
  logVerdict(deps.logger, connection, verdict);
  return verdict;
}

async function checkCredentials(deps: ProbeDeps, connection: Connection, credential?: SealedCredential | null): Promise<Verdict> {
  if (connection.status === 'disabled') return skipped('the connection is disabled');
  const provider = deps.catalog.get(connection.provider);
  if (!provider) return skipped(`provider ${connection.provider} is not configured`, true);
  const stored =
    credential === undefined ? await loadSecrets(deps.prisma, deps.keyRing, connection) : credential && openCredential(deps.keyRing, connection, credential);
  if (!stored) return skipped('no stored credentials');
  const verdict = await checkStored(deps, connection, provider, stored);
  if (verdict.result !== 'needs_reauth') return verdict;
  // A reauthorization (or another replica's refresh) can replace the credentials while this probe uses
  // the old ones, which then look revoked; only the newest credentials can prove reauthorization is needed.
  const latest = await loadSecrets(deps.prisma, deps.keyRing, connection);
  return latest && latest.version !== stored.version ? checkStored(deps, connection, provider, latest) : verdict;
}

async function checkStored(deps: ProbeDeps, connection: Connection, provider: ProviderDefinition, stored: StoredSecrets): Promise<Verdict> {
  const { secrets } = stored;
  const http: HttpOptions = { allowInsecureHttp: deps.settings.allowInsecureHttp, timeoutMs: deps.settings.timeoutMs, clock: deps.clock };
  if (provider.auth.type === 'api_key') {
    if (!secrets.apiKey) return skipped('no stored API key');
    return verdictOf(await checkApiKey({ provider, apiKey: secrets.apiKey, ...http }));
  }
  if (provider.auth.refreshable && secrets.refreshToken) {
    const client = deps.settings.clientFor(provider.id);
    if (!client) return skipped(`no OAuth client configured for ${provider.id}, so its tokens can't be refreshed`, true);
    const refreshed = await refreshAccessToken({ provider, client, refreshToken: secrets.refreshToken, ...http });
    if (!refreshed.ok) return failed(refreshed.error);
    await storeRefreshedTokens(deps, connection, stored, refreshed.value);
    return { result: 'ok' };
  }
  if (!secrets.accessToken) return skipped('no stored access token');
  return verdictOf(await fetchIdentity({ provider, accessToken: secrets.accessToken, ...http }));
}

/**
 * Rotating providers invalidate the refresh token presented as soon as they answer, so the new one must be stored.
 * When the compare-and-swap loses to a writer that kept our old refresh token (re-encryption), we write
 * again on top of theirs; when it loses to one that stored a different token (a reauthorization, another
 * replica's refresh), theirs is the newer grant and ours is dropped.
 */
async function storeRefreshedTokens(deps: ProbeDeps, connection: Connection, used: StoredSecrets, tokens: TokenSet): Promise<void> {
  let base = used;
  for (let attempt = 0; attempt < STORE_ATTEMPTS; attempt += 1) {
    if (await replaceSecretsIfVersion(deps.prisma, deps.keyRing, connection, base.version, withTokens(base.secrets, tokens))) return;
    const latest = await loadSecrets(deps.prisma, deps.keyRing, connection);
    if (!latest || latest.secrets.refreshToken !== used.secrets.refreshToken) {
      deps.logger.debug('refreshed tokens not stored: the credentials were replaced meanwhile', { connectionId: connection.id });
      return;
    }
    base = latest;
  }
  throw new Error(`refreshed tokens of connection ${connection.id} could not be stored after ${STORE_ATTEMPTS} attempts`);
}

function withTokens(secrets: Secrets, tokens: TokenSet): Secrets {
  const { expiresAt: _previousExpiry, ...rest } = secrets;
  return {
    ...rest,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt.toISOString() } : {}),
  };
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
function nextProbeTime(now: Date, minutes: number): Date {
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

function countResult(metrics: Metrics, connection: Connection, result: ProbeResult | 'error'): void {
  metrics.inc('reconnect_probe_results_total', { provider: connection.provider, result }, 1, 'Connection probes by result');
}

function verdictOf(answer: Result<AccountIdentity, OAuthFailure>): Verdict {
  return answer.ok ? { result: 'ok' } : failed(answer.error);
}

function failed(failure: OAuthFailure): Verdict {
  return { result: failure.classification, failure };
}

function skipped(detail: string, misconfigured = false): Verdict {
  return { result: 'skipped', detail, misconfigured };
}

function explain(verdict: Verdict): Pick<ProbeOutcome, 'reason' | 'detail'> {
  if (verdict.result === 'ok') return {};
  if (verdict.result === 'skipped') return { detail: verdict.detail };
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

/** Counting semaphore; a released slot passes straight to the longest waiter. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

class ProbeLimiter {
  private readonly overall: Semaphore;
  private readonly byProvider = new Map<string, Semaphore>();

  constructor(
    concurrency: number,
    private readonly perProvider: number,
  ) {
    this.overall = new Semaphore(concurrency);
  }

  run<T>(provider: string, work: () => Promise<T>): Promise<T> {
    // The provider's slot first: a probe queued behind its provider's limit must not hold an overall slot.
    return this.providerSlots(provider).run(() => this.overall.run(work));
  }

  private providerSlots(provider: string): Semaphore {
    let slots = this.byProvider.get(provider);
    if (!slots) {
      slots = new Semaphore(this.perProvider);
      this.byProvider.set(provider, slots);
    }
    return slots;
  }
}
