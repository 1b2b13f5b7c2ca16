import * as oauth from 'oauth4webapi';
import { systemClock, type Clock } from '../lib/clock';
import { err, ok, type Result } from '../lib/errors';
import type { OAuth2Auth, ProviderDefinition } from '../providers/definition';
import {
  authorizationServerFor,
  clientAuthFor,
  clientFor,
  oauth2AuthOf,
  requestOptions,
  timeoutOf,
  tokenRequestOptions,
} from './authorization-server';
import { classifiedFailure, failure, failureFromError, readErrorBody } from './failures';
import { lightFetch } from './http-client';
import type { ClientCredentials, HardExpiry, HttpOptions, OAuthFailure, TokenSet } from './types';

export interface RefreshInput extends HttpOptions {
  provider: ProviderDefinition;
  client: ClientCredentials;
  refreshToken: string;
}

export interface RevokeInput extends HttpOptions {
  provider: ProviderDefinition;
  client: ClientCredentials;
  /** A refresh token where there is one: revoking it ends the whole grant at most providers (RFC 7009 §2.1). */
  token: string;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Providers that rotate refresh tokens (Google on reauthorization, Salesforce, Slack, HubSpot…) invalidate
 * the old one when they answer, so the returned set always carries the newest refresh token and the caller
 * must store it before anything else can fail. The old one is kept only when the provider sent none.
 */
export async function refreshAccessToken(input: RefreshInput): Promise<Result<TokenSet, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  const as = authorizationServerFor(auth);
  const client = clientFor(input.client.clientId);
  try {
    const clientAuth = clientAuthFor(auth, input.client.clientSecret);
    const options = {
      ...tokenRequestOptions(input, auth),
      // Microsoft issues the token for the resource the scope names, and without one for Graph.
      ...(auth.refreshSendsScope ? { additionalParameters: { scope: auth.scopes.join(auth.scopeSeparator) } } : {}),
    };
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, input.refreshToken, options);
    const answer = await oauth.processRefreshTokenResponse(as, client, response);
    return ok(tokenSetFrom(answer, { auth, clock: input.clock, previousRefreshToken: input.refreshToken }));
  } catch (error) {
    const secrets = [input.refreshToken, input.client.clientSecret];
    return err(await failureFromError(error, { provider: input.provider, kind: 'refresh_failed', endpoint: 'token endpoint', timeoutMs: timeoutOf(input), secrets }));
  }
}

/** Ends a grant Reconnect must not keep, e.g. one a different account consented to. */
export async function revokeToken(input: RevokeInput): Promise<Result<void, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  const secrets = [input.token, input.client.clientSecret];
  const context = { provider: input.provider, kind: 'revoke_failed' as const, endpoint: 'revocation endpoint', timeoutMs: timeoutOf(input), secrets };
  if (!auth.revoke) {
    return err(failure(context, 'transient', 'internal', `provider ${input.provider.id} has no revocation endpoint`));
  }
  try {
    if (auth.revoke.style === 'delete') {
      const url = auth.revoke.url.replace('{token}', encodeURIComponent(input.token));
      oauth.checkProtocol(new URL(url), input.allowInsecureHttp !== true);
      const response = await lightFetch(url, { method: 'DELETE', signal: AbortSignal.timeout(context.timeoutMs) });
      if (!response.ok) return err(classifiedFailure({ httpStatus: response.status, body: await readErrorBody(response) }, context));
      return ok(undefined);
    }
    const as = authorizationServerFor(auth);
    const client = clientFor(input.client.clientId);
    const clientAuth = clientAuthFor(auth, input.client.clientSecret);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, input.token, requestOptions(input)));
    return ok(undefined);
  } catch (error) {
    return err(await failureFromError(error, context));
  }
}

interface TokenSetOptions {
  auth?: OAuth2Auth;
  clock?: Clock;
  previousRefreshToken?: string;
  /** The code exchange: the first consent, when expiries counted from it start. */
  firstConsent?: boolean;
  settings?: Record<string, string>;
}

export function tokenSetFrom(answer: oauth.TokenEndpointResponse, options: TokenSetOptions = {}): TokenSet {
  const now = (options.clock ?? systemClock).now().getTime();
  const refreshToken = answer.refresh_token ?? options.previousRefreshToken;
  const expiresAt = answer.expires_in !== undefined ? new Date(now + answer.expires_in * 1000) : undefined;
  const hardExpiry = options.auth ? hardExpiryOf(options.auth, answer, now, expiresAt, options) : undefined;
  return {
    accessToken: answer.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(answer.scope !== undefined ? { scope: answer.scope } : {}),
    ...(hardExpiry ? { hardExpiry } : {}),
  };
}

/** The earliest expiry the catalog's rules find in this answer; none means "as before" on a refresh. */
function hardExpiryOf(auth: OAuth2Auth, answer: oauth.TokenEndpointResponse, now: number, expiresAt: Date | undefined, options: TokenSetOptions): HardExpiry | undefined {
  const rules = auth.hardExpiry;
  const found: HardExpiry[] = [];
  const seconds = rules.refreshTokenExpiresIn ? answer[rules.refreshTokenExpiresIn] : undefined;
  if (typeof seconds === 'number' && seconds > 0) found.push({ at: new Date(now + seconds * 1000), kind: 'refresh_token' });
  if (rules.accessTokenExpiry && expiresAt) found.push({ at: expiresAt, kind: 'access_token' });
  if (rules.idleDays && answer.refresh_token !== undefined) found.push({ at: new Date(now + rules.idleDays * DAY_MS), kind: 'idle' });
  if (rules.testingDays && options.firstConsent && options.settings?.publishingStatus === 'testing') {
    found.push({ at: new Date(now + rules.testingDays * DAY_MS), kind: 'testing_app' });
  }
  return found.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
}
