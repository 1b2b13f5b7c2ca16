import { loadSecrets, openCredential, type SealedCredential, type StoredSecrets } from '../../db/credentials';
import type { Connection } from '../../db/connections';
import type { Result } from '../../lib/errors';
import { checkApiKey, fetchIdentity, type AccountIdentity, type HttpOptions, type OAuthFailure } from '../../oauth';
import { REFRESH_BUSY, refreshStored } from '../credential-refresh';
import { verifyForm } from '../credential-forms';
import type { ProviderDefinition } from '../../providers/definition';
import type { ProbeDeps, SkipReason, Verdict } from './types';

/**
 * The check: asks the provider whether the stored credentials still work (a token refresh where the
 * provider issues refresh tokens, else the identity or API-key endpoint), stores rotated tokens, and
 * says what it found. Nothing here changes a status.
 */

export async function checkCredentials(deps: ProbeDeps, connection: Connection, credential?: SealedCredential | null): Promise<Verdict> {
  if (connection.status === 'disabled') return skipped('disabled', 'the connection is disabled');
  if (!deps.catalog.get(connection.provider)) return skipped('provider_unknown', `provider ${connection.provider} is not configured`, true);
  const provider = deps.catalog.forConnection(connection);
  const stored =
    credential === undefined ? await loadSecrets(deps.prisma, deps.keyRing, connection) : credential && openCredential(deps.keyRing, connection, credential);
  if (!stored) return skipped('no_credentials', 'no stored credentials');
  const verdict = await checkStored(deps, connection, provider, stored);
  if (verdict.result !== 'needs_reauth') return verdict;
  // A reauthorization (or another replica's refresh) can replace the credentials while this probe uses
  // the old ones, which then look revoked; only the newest credentials can prove reauthorization is needed.
  const latest = await loadSecrets(deps.prisma, deps.keyRing, connection);
  return latest && latest.version !== stored.version ? checkStored(deps, connection, provider, latest) : verdict;
}

/** With scheduled probes off, how recent an API refresh must be to stand in for a `/reconnect check`. */
const RECENT_REFRESH_MINUTES_WITHOUT_PROBES = 15;

async function checkStored(deps: ProbeDeps, connection: Connection, provider: ProviderDefinition, stored: StoredSecrets): Promise<Verdict> {
  const { secrets } = stored;
  const http: HttpOptions = { allowInsecureHttp: deps.settings.allowInsecureHttp, timeoutMs: deps.settings.timeoutMs, clock: deps.clock };
  if (provider.auth.type === 'api_key') {
    if (!secrets.apiKey) return skipped('no_api_key', 'no stored API key');
    return verdictOf(await checkApiKey({ provider, apiKey: secrets.apiKey, ...http }));
  }
  if (provider.auth.type === 'credentials_form') {
    if (!secrets.fields) return skipped('no_account_details', 'no stored account details');
    const checked = await verifyForm(provider, secrets.fields, { ...http, databaseHosts: deps.settings.databaseHosts });
    if (checked.ok) return { result: 'ok' };
    if (checked.error.kind === 'refused') return failed(checked.error.failure);
    // Not the database's answer: the host is one this server doesn't dial (any more), an operator's call.
    if (checked.error.kind === 'not_allowed') return skipped('host_not_allowed', `the stored host ${checked.error.host} is not one this server dials (DATABASE_CONNECT_HOSTS)`, true);
    return skipped('incomplete_details', `stored account details are incomplete (${checked.error.fields.join(', ')})`, true);
  }
  const client = deps.settings.clientFor(provider.id);
  if (provider.auth.refreshable && secrets.refreshToken) {
    if (!client) return skipped('no_oauth_client', `no OAuth client configured for ${provider.id}, so its tokens can't be refreshed`, true);
    // The credentials API refreshed it since the last probe: that refresh already proved the grant works.
    const recentMs = (deps.settings.intervalMinutes || RECENT_REFRESH_MINUTES_WITHOUT_PROBES) * 60_000;
    if (stored.refreshedAt && stored.refreshedAt.getTime() > deps.clock.now().getTime() - recentMs) {
      return { result: 'ok' };
    }
    const refreshed = await refreshStored(deps, connection, provider, client, stored, http, 'probe');
    // Someone else is refreshing it this moment; the next sweep looks again.
    if (refreshed === REFRESH_BUSY) return skipped('refresh_busy', 'another caller is refreshing this credential');
    return refreshed.ok ? { result: 'ok' } : failed(refreshed.error);
  }
  if (!secrets.accessToken) return skipped('no_access_token', 'no stored access token');
  return verdictOf(await fetchIdentity({ provider, accessToken: secrets.accessToken, ...(client ? { client } : {}), ...http }));
}

function verdictOf(answer: Result<AccountIdentity, OAuthFailure>): Verdict {
  return answer.ok ? { result: 'ok' } : failed(answer.error);
}

function failed(failure: OAuthFailure): Verdict {
  return { result: failure.classification, failure };
}

function skipped(skip: SkipReason, detail: string, misconfigured = false): Verdict {
  return { result: 'skipped', skip, detail, misconfigured };
}
