import type { Prisma } from '../db/client';
import { findConnection, type Connection } from '../db/connections';
import { loadSecrets, type StoredSecrets } from '../db/credentials';
import { recordAudit } from '../db/audit';
import type { Clock } from '../lib/clock';
import { DomainError } from '../lib/errors';
import type { KeyRing } from '../lib/key-ring';
import type { Logger } from '../lib/logger';
import type { Catalog } from '../providers/catalog';
import type { DisconnectReason } from '../providers/definition';
import { REFRESH_BUSY, REFRESH_LOCK_MS, refreshStored } from './credential-refresh';
import type { ProbeSettings } from './probe';
import { changeStatus, type StatusEngineDeps } from './status-engine';

/**
 * The credentials API's domain: Reconnect is the only holder of a connection's refresh token, and the
 * data platform reads a fresh access token from it. A token that expires within REFRESH_MARGIN_MS is
 * refreshed first, by one caller at a time across replicas (a lock on the credential row) and within a
 * replica (one promise per connection), so a rotating provider never sees a refresh token twice and
 * everyone else reuses the result. A refresh that proves the grant dead is a detection like a probe's.
 */

export interface AccessTokenDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
  logger: Logger;
  settings: Pick<ProbeSettings, 'allowInsecureHttp' | 'timeoutMs' | 'clientFor'>;
}

export type AccessTokenAnswer =
  | { accessToken: string; tokenType: 'bearer'; expiresAt: string | null }
  | { apiKey: string }
  /** A form-based integration: the account details as last entered (a database's host, user, password…). */
  | { credentials: Record<string, string> };

/** The data platform's own refresh margin: a token handed out lives at least this long. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const WAIT_STEP_MS = 50;

export interface AccessTokens {
  /** A usable credential of the connection for the data platform's key `keyName`; every read is audited. */
  read(connectionId: string, keyName: string): Promise<AccessTokenAnswer>;
}

export function createAccessTokens(deps: AccessTokenDeps): AccessTokens {
  const inFlight = new Map<string, Promise<AccessTokenAnswer>>();

  async function read(connectionId: string, keyName: string): Promise<AccessTokenAnswer> {
    const connection = await findConnection(deps.prisma, connectionId);
    if (!connection) {
      deps.logger.info('access token refused: unknown connection', { key: keyName, connectionId });
      throw new DomainError('not_found', 'No such connection.');
    }
    let outcome = 'ok';
    try {
      if (connection.status === 'disabled') throw new DomainError('not_found', 'No such connection.');
      let shared = inFlight.get(connection.id);
      if (!shared) {
        shared = obtain(connection, keyName).finally(() => inFlight.delete(connection.id));
        inFlight.set(connection.id, shared);
      }
      return await shared;
    } catch (error) {
      outcome = error instanceof DomainError ? error.code : 'error';
      throw error;
    } finally {
      await recordAudit(deps.prisma, {
        teamId: connection.teamId,
        connectionId: connection.id,
        action: 'access_token_read',
        actor: { type: 'data_platform', id: keyName },
        detail: { outcome },
        at: deps.clock.now(),
      });
    }
  }

  async function obtain(initial: Connection, keyName: string): Promise<AccessTokenAnswer> {
    const deadline = deps.clock.now().getTime() + REFRESH_LOCK_MS + deps.settings.timeoutMs;
    let connection = initial;
    for (;;) {
      if (connection.status === 'authorization_required') throw needsReauthorization(connection);
      const stored = await loadSecrets(deps.prisma, deps.keyRing, connection);
      if (!stored) throw new DomainError('authorization_required', `${connection.name} has no stored credentials; connect it first.`);
      const { secrets } = stored;
      if (secrets.apiKey) return { apiKey: secrets.apiKey };
      if (secrets.fields) return { credentials: secrets.fields };
      if (!secrets.accessToken) throw new DomainError('authorization_required', `${connection.name} has no access token; reauthorize it.`);
      const now = deps.clock.now();
      if (isFresh(stored, now)) return tokenOf(stored);
      if (!secrets.refreshToken) {
        // Nothing to refresh it with (Meta's user tokens live about 60 days): it is handed out while it
        // works, and once it has expired this read is the detection, as a probe's would be.
        const expiresAt = new Date(secrets.expiresAt!);
        if (expiresAt > now) return tokenOf(stored);
        throw await detectDrop(connection, 'token_expired', keyName, expiresAt);
      }
      const answer = await refresh(connection, stored, keyName);
      if (answer !== REFRESH_BUSY) return answer;
      // Another replica is refreshing: its result is stored in a moment, and read on the next turn.
      if (now.getTime() > deadline) throw new DomainError('unavailable', 'The token is still being refreshed; retry shortly.');
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      connection = (await findConnection(deps.prisma, connection.id)) ?? connection;
    }
  }

  async function refresh(connection: Connection, stored: StoredSecrets, keyName: string): Promise<AccessTokenAnswer | typeof REFRESH_BUSY> {
    const provider = deps.catalog.forConnection(connection);
    const client = deps.settings.clientFor(provider.id);
    if (!client) throw new DomainError('unavailable', `${provider.name} sign-in is not configured on this server, so the token can't be refreshed.`);
    const http = { allowInsecureHttp: deps.settings.allowInsecureHttp, timeoutMs: deps.settings.timeoutMs, clock: deps.clock };
    const refreshed = await refreshStored(deps, connection, provider, client, stored, http, 'credentials_api');
    if (refreshed === REFRESH_BUSY) return refreshed;
    if (refreshed.ok) {
      const { accessToken, expiresAt } = refreshed.value;
      return { accessToken, tokenType: 'bearer', expiresAt: expiresAt?.toISOString() ?? null };
    }
    if (refreshed.error.classification === 'needs_reauth') throw await detectDrop(connection, refreshed.error.reason ?? 'unknown', keyName, deps.clock.now());
    throw new DomainError('unavailable', `${provider.name} did not refresh the token (${refreshed.error.detail}); retry shortly.`);
  }

  /**
   * The read found the grant dead: the status engine records it as it does a probe's finding (one
   * alert, the webhooks), and concurrent reads that find it too change nothing more. The outage starts
   * when it began (the data platform backfills from then), but never before the last status change,
   * which the engine would take for a late event and ignore.
   */
  async function detectDrop(connection: Connection, reason: DisconnectReason, keyName: string, since: Date): Promise<DomainError> {
    const changed = await changeStatus(deps.engine, {
      connectionId: connection.id,
      status: 'authorization_required',
      reason,
      actor: { type: 'data_platform', id: keyName },
      occurredAt: since > connection.statusChangedAt ? since : connection.statusChangedAt,
    });
    return needsReauthorization(changed.connection);
  }

  return { read };
}

function isFresh(stored: StoredSecrets, now: Date): boolean {
  const expiresAt = stored.secrets.expiresAt;
  return expiresAt === undefined || new Date(expiresAt).getTime() - now.getTime() > REFRESH_MARGIN_MS;
}

function tokenOf(stored: StoredSecrets): AccessTokenAnswer {
  return { accessToken: stored.secrets.accessToken!, tokenType: 'bearer', expiresAt: stored.secrets.expiresAt ?? null };
}

function needsReauthorization(connection: Connection): DomainError {
  return new DomainError('authorization_required', `${connection.name} needs reauthorization in Slack before it has a token again.`);
}
