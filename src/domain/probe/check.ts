import { loadSecrets, openCredential, replaceSecretsIfVersion, type SealedCredential, type Secrets, type StoredSecrets } from '../../db/credentials';
import type { Connection } from '../../db/connections';
import type { Result } from '../../lib/errors';
import { checkApiKey, fetchIdentity, refreshAccessToken, type AccountIdentity, type HttpOptions, type OAuthFailure, type TokenSet } from '../../oauth';
import type { ProviderDefinition } from '../../providers/definition';
import type { ProbeDeps, Verdict } from './types';

/**
 * The check: asks the provider whether the stored credentials still work (a token refresh where the
 * provider issues refresh tokens, else the identity or API-key endpoint), stores rotated tokens, and
 * says what it found. Nothing here changes a status.
 */

/** Re-encryption or another writer can bump the credential version between our read and write. */
const STORE_ATTEMPTS = 3;

export async function checkCredentials(deps: ProbeDeps, connection: Connection, credential?: SealedCredential | null): Promise<Verdict> {
  if (connection.status === 'disabled') return skipped('the connection is disabled');
  if (!deps.catalog.get(connection.provider)) return skipped(`provider ${connection.provider} is not configured`, true);
  const provider = deps.catalog.forConnection(connection);
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
  const client = deps.settings.clientFor(provider.id);
  if (provider.auth.refreshable && secrets.refreshToken) {
    if (!client) return skipped(`no OAuth client configured for ${provider.id}, so its tokens can't be refreshed`, true);
    const refreshed = await refreshAccessToken({ provider, client, refreshToken: secrets.refreshToken, ...http });
    if (!refreshed.ok) return failed(refreshed.error);
    await storeRefreshedTokens(deps, connection, stored, refreshed.value);
    return { result: 'ok' };
  }
  if (!secrets.accessToken) return skipped('no stored access token');
  return verdictOf(await fetchIdentity({ provider, accessToken: secrets.accessToken, ...(client ? { client } : {}), ...http }));
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
    if (await replaceSecretsIfVersion(deps.prisma, deps.keyRing, connection, base.version, withTokens(base.secrets, tokens), tokens.hardExpiry)) return;
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

function verdictOf(answer: Result<AccountIdentity, OAuthFailure>): Verdict {
  return answer.ok ? { result: 'ok' } : failed(answer.error);
}

function failed(failure: OAuthFailure): Verdict {
  return { result: failure.classification, failure };
}

function skipped(detail: string, misconfigured = false): Verdict {
  return { result: 'skipped', detail, misconfigured };
}
