import * as oauth from 'oauth4webapi';
import { systemClock, type Clock } from '../lib/clock';
import { err, ok, type Result } from '../lib/errors';
import type { ProviderDefinition } from '../providers/definition';
import {
  authorizationServerFor,
  clientAuthFor,
  clientFor,
  oauth2AuthOf,
  requestOptions,
  timeoutOf,
  tokenRequestOptions,
} from './authorization-server';
import { failure, failureFromError } from './failures';
import type { ClientCredentials, HttpOptions, OAuthFailure, TokenSet } from './types';

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
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, input.refreshToken, tokenRequestOptions(input));
    const answer = await oauth.processRefreshTokenResponse(as, client, response);
    return ok(tokenSetFrom(answer, input.clock, input.refreshToken));
  } catch (error) {
    const secrets = [input.refreshToken, input.client.clientSecret];
    return err(await failureFromError(error, { provider: input.provider, kind: 'refresh_failed', endpoint: 'token endpoint', timeoutMs: timeoutOf(input), secrets }));
  }
}

/** Ends a grant Reconnect must not keep, e.g. one a different account consented to. */
export async function revokeToken(input: RevokeInput): Promise<Result<void, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  const secrets = [input.token, input.client.clientSecret];
  if (!auth.revokeUrl) {
    return err(failure({ kind: 'revoke_failed', secrets }, 'transient', 'internal', `provider ${input.provider.id} has no revocation endpoint`));
  }
  const as = authorizationServerFor(auth);
  const client = clientFor(input.client.clientId);
  try {
    const clientAuth = clientAuthFor(auth, input.client.clientSecret);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, input.token, requestOptions(input)));
    return ok(undefined);
  } catch (error) {
    return err(await failureFromError(error, { provider: input.provider, kind: 'revoke_failed', endpoint: 'revocation endpoint', timeoutMs: timeoutOf(input), secrets }));
  }
}

export function tokenSetFrom(answer: oauth.TokenEndpointResponse, clock: Clock = systemClock, previousRefreshToken?: string): TokenSet {
  const refreshToken = answer.refresh_token ?? previousRefreshToken;
  return {
    accessToken: answer.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(answer.expires_in !== undefined ? { expiresAt: new Date(clock.now().getTime() + answer.expires_in * 1000) } : {}),
    ...(answer.scope !== undefined ? { scope: answer.scope } : {}),
  };
}
