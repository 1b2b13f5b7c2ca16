import { loadSecrets, releaseRefreshLock, replaceSecretsIfVersion, takeRefreshLock, type Secrets, type StoredSecrets } from '../db/credentials';
import type { Prisma } from '../db/client';
import type { Connection } from '../db/connections';
import type { Clock } from '../lib/clock';
import { err, ok, type Result } from '../lib/errors';
import type { KeyRing } from '../lib/key-ring';
import type { Logger } from '../lib/logger';
import { refreshAccessToken, type ClientCredentials, type HttpOptions, type OAuthFailure, type TokenSet } from '../oauth';
import type { ProviderDefinition } from '../providers/definition';

/**
 * One refresh of a stored credential, by the probe or the credentials API: under the credential row's
 * lock, so across replicas and callers a rotating provider (Salesforce, Microsoft) never sees one
 * refresh token twice; then the provider's answer, and the rotated tokens stored before anything else
 * can fail (rotating providers invalidate the refresh token presented as soon as they answer).
 */

export interface RefreshDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  logger: Logger;
}

/** Re-encryption or another writer can bump the credential version between our read and write. */
const STORE_ATTEMPTS = 3;

/** How long a lock holder may take before another caller may refresh instead: one refresh and its retries. */
export const REFRESH_LOCK_MS = 30_000;

/** Another caller holds the lock and is refreshing this credential now. */
export const REFRESH_BUSY = 'busy' as const;

export async function refreshStored(
  deps: RefreshDeps,
  connection: Connection,
  provider: ProviderDefinition,
  client: ClientCredentials,
  stored: StoredSecrets,
  http: HttpOptions,
  by: 'probe' | 'credentials_api',
): Promise<Result<TokenSet, OAuthFailure> | typeof REFRESH_BUSY> {
  const now = deps.clock.now();
  if (!(await takeRefreshLock(deps.prisma, connection.id, now, new Date(now.getTime() + REFRESH_LOCK_MS)))) return REFRESH_BUSY;
  try {
    // The lock may have been free because another caller just refreshed: their tokens are the current ones.
    const latest = (await loadSecrets(deps.prisma, deps.keyRing, connection)) ?? stored;
    if (latest.secrets.refreshToken !== stored.secrets.refreshToken && latest.secrets.accessToken) return ok(tokenSetOf(latest.secrets));
    const refreshed = await refreshAccessToken({ provider, client, refreshToken: latest.secrets.refreshToken!, ...http });
    if (!refreshed.ok) return err(refreshed.error);
    await storeRefreshedTokens(deps, connection, latest, refreshed.value, by);
    return ok(refreshed.value);
  } finally {
    await releaseRefreshLock(deps.prisma, connection.id);
  }
}

function tokenSetOf(secrets: Secrets): TokenSet {
  return {
    accessToken: secrets.accessToken!,
    ...(secrets.refreshToken ? { refreshToken: secrets.refreshToken } : {}),
    ...(secrets.expiresAt ? { expiresAt: new Date(secrets.expiresAt) } : {}),
  };
}

/**
 * When the compare-and-swap loses to a writer that kept our old refresh token (re-encryption), we write
 * again on top of theirs; when it loses to one that stored a different token (a reauthorization, another
 * replica's refresh), theirs is the newer grant and ours is dropped.
 */
async function storeRefreshedTokens(deps: RefreshDeps, connection: Connection, used: StoredSecrets, tokens: TokenSet, by: 'probe' | 'credentials_api'): Promise<void> {
  // Only the credentials API's refreshes are recorded: the probe skips a grant one of them just proved.
  const refreshed = { ...(by === 'credentials_api' ? { at: deps.clock.now() } : {}), ...(tokens.hardExpiry ? { hardExpiry: tokens.hardExpiry } : {}) };
  let base = used;
  for (let attempt = 0; attempt < STORE_ATTEMPTS; attempt += 1) {
    if (await replaceSecretsIfVersion(deps.prisma, deps.keyRing, connection, base.version, withTokens(base.secrets, tokens), refreshed)) return;
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
