import type { DatabaseHostAllowList } from '../../config';
import type { Prisma } from '../../db/client';
import type { Connection } from '../../db/connections';
import type { Clock } from '../../lib/clock';
import type { KeyRing } from '../../lib/key-ring';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import type { ClientCredentials, OAuthFailure } from '../../oauth';
import type { Catalog } from '../../providers/catalog';
import type { DisconnectReason } from '../../providers/definition';
import type { StatusEngineDeps } from '../status-engine';

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
  /** How long a sweep holds what it claimed unless it renews the hold. */
  leaseSeconds: number;
  /** Transient failures in a row after which a connection shows as degraded. */
  degradedAfterFailures: number;
  allowInsecureHttp: boolean;
  /** Internal hosts a database integration may reach (DATABASE_CONNECT_HOSTS); checked again at every probe. */
  databaseHosts: DatabaseHostAllowList;
  /** The OAuth client registered with a provider; refreshing a token needs it. */
  clientFor(providerId: string): ClientCredentials | undefined;
}

export interface ProbeDeps {
  prisma: Prisma;
  /** This replica's name in the connections its sweeps claim. */
  replica: string;
  clock: Clock;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
  logger: Logger;
  metrics: Metrics;
  settings: ProbeSettings;
  /** In a sweep: the provider has answered this probe, so its slot may go to the next one while the answer is recorded. */
  answered?: () => void;
}

export type ProbeResult = 'ok' | 'needs_reauth' | 'transient' | 'skipped';

export interface ProbeOutcome {
  result: ProbeResult;
  reason?: DisconnectReason;
  /** Why it failed or was skipped; safe to log and show, never a credential. */
  detail?: string;
  /** Why it was skipped, for the words people read (the catalogs' `skip.*`). */
  skip?: SkipReason;
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

export type Verdict =
  | { result: 'ok' }
  | { result: 'needs_reauth' | 'transient'; failure: OAuthFailure }
  | { result: 'skipped'; skip: SkipReason; detail: string; misconfigured: boolean };

export type SkipReason =
  | 'disabled'
  | 'provider_unknown'
  | 'no_credentials'
  | 'no_api_key'
  | 'no_account_details'
  | 'incomplete_details'
  | 'host_not_allowed'
  | 'no_oauth_client'
  | 'refresh_busy'
  | 'no_access_token';
