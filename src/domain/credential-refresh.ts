import { holdsRefreshLock, loadSecrets, openCredential, releaseRefreshLock, replaceSecretsIfVersion, takeRefreshLock, type Secrets, type StoredSecrets } from '../db/credentials';
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
 * can fail (rotating providers invalidate the refresh token presented as soon as they answer). A holder
 * slower than REFRESH_LOCK_MS loses the lock to the next caller, and both may then present one refresh
 * token: neither side's tokens are lost or put over newer ones, and neither side's refusal of a token
 * the other superseded is taken for a dead grant.
 */

export interface RefreshDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  logger: Logger;
  /** Called once the provider granted the refresh, before the tokens are stored (a sweep's provider slot goes on to the next probe). */
  answered?: () => void;
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
  const lock = await takeRefreshLock(deps.prisma, connection.id, now, new Date(now.getTime() + REFRESH_LOCK_MS));
  if (!lock) return REFRESH_BUSY;
  let held = true;
  try {
    // The lock may have been free because another caller just refreshed: their tokens are the current ones.
    let used = lock.credential.version === stored.version ? stored : openCredential(deps.keyRing, connection, lock.credential);
    if (used.secrets.refreshToken !== stored.secrets.refreshToken && used.secrets.accessToken) return ok(tokenSetOf(used.secrets));
    const present = (secrets: StoredSecrets) => refreshAccessToken({ provider, client, refreshToken: secrets.secrets.refreshToken!, ...http });
    let refreshed = await present(used);
    if (!refreshed.ok && refreshed.error.classification === 'needs_reauth' && (await holdsRefreshLock(deps.prisma, connection.id, lock.owner))) {
      // Refused because it was superseded while we presented it (by a reauthorization, or by a late
      // finisher whose lock we took over): the newest refresh token decides.
      const latest = await loadSecrets(deps.prisma, deps.keyRing, connection);
      if (latest?.secrets.refreshToken && latest.secrets.refreshToken !== used.secrets.refreshToken) {
        used = latest;
        refreshed = await present(used);
      }
    }
    if (refreshed.ok) {
      // Nothing more is asked of the provider: the caller's slot for it can go while the tokens are stored.
      deps.answered?.();
      const kept = await storeRefreshedTokens(deps, connection, used, refreshed.value, by, lock.owner);
      held = !kept.released;
      return ok(kept.tokens);
    }
    // Our lock ran out while the provider took its time, and the caller who took it over presented the
    // same refresh token: at a rotating provider the second to arrive is refused, which says nothing
    // about the grant. The holder's answer does; ours counts as "someone else is refreshing".
    if (!(await holdsRefreshLock(deps.prisma, connection.id, lock.owner))) return REFRESH_BUSY;
    return err(refreshed.error);
  } finally {
    if (held) await releaseRefreshLock(deps.prisma, connection.id, lock.owner);
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
 * Stores a refresh's tokens and returns the ones now stored. The provider has answered, and a rotating
 * one has already ended the refresh token we presented, so ours may be the only live tokens: they are
 * stored whenever nothing else was stored since we read the credential (the version compare-and-swap),
 * even if our lock ran out meanwhile. Dropping them then could lose the grant, and storing them can't
 * overwrite anything newer. A write since then that kept the tokens as they were (re-encryption) is
 * written over. Any other write stored a newer grant (a reauthorization) or a refresh of ours at least
 * as recent (the caller who took over our expired lock): ours are dropped and the caller gets theirs,
 * so a late finisher never puts older tokens over newer ones.
 */
async function storeRefreshedTokens(
  deps: RefreshDeps,
  connection: Connection,
  used: StoredSecrets,
  tokens: TokenSet,
  by: 'probe' | 'credentials_api',
  lockOwner: string,
): Promise<{ tokens: TokenSet; released: boolean }> {
  // Only the credentials API's refreshes are recorded: the probe skips a grant one of them just proved.
  const refreshed = { ...(by === 'credentials_api' ? { at: deps.clock.now() } : {}), ...(tokens.hardExpiry ? { hardExpiry: tokens.hardExpiry } : {}) };
  let base = used;
  for (let attempt = 0; attempt < STORE_ATTEMPTS; attempt += 1) {
    // Storing gives the lock back in the same statement: one write per refresh instead of two.
    if (await replaceSecretsIfVersion(deps.prisma, deps.keyRing, connection, base.version, withTokens(base.secrets, tokens), refreshed, lockOwner)) {
      return { tokens, released: true };
    }
    const latest = await loadSecrets(deps.prisma, deps.keyRing, connection);
    if (!latest || !sameTokens(latest.secrets, used.secrets)) {
      deps.logger.info('refreshed tokens not stored: newer ones were stored meanwhile', { connectionId: connection.id });
      return { tokens: latest?.secrets.accessToken ? tokenSetOf(latest.secrets) : tokens, released: false };
    }
    base = latest;
  }
  throw new Error(`refreshed tokens of connection ${connection.id} could not be stored after ${STORE_ATTEMPTS} attempts`);
}

function sameTokens(a: Secrets, b: Secrets): boolean {
  return a.accessToken === b.accessToken && a.refreshToken === b.refreshToken && a.expiresAt === b.expiresAt;
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
