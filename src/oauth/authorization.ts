import * as oauth from 'oauth4webapi';
import { err, ok, type Result } from '../lib/errors';
import type { ProviderDefinition } from '../providers/definition';
import {
  authorizationServerFor,
  clientAuthFor,
  clientFor,
  oauth2AuthOf,
  timeoutOf,
  tokenRequestOptions,
} from './authorization-server';
import { failure, failureFromError, oneLine } from './failures';
import { tokenSetFrom } from './tokens';
import type { ClientCredentials, HttpOptions, OAuthFailure, TokenSet } from './types';

/** The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) as RFC 9700 asks for it. */

export interface AuthorizationRequest {
  /** Where to send the browser. */
  url: URL;
  /** Store with the flow (bound to workspace, user, connection and provider) and compare on callback. */
  state: string;
  /** Store with the flow, server side only; it proves the callback's code was issued to this flow. */
  codeVerifier: string;
}

export interface CreateAuthorizationInput {
  provider: ProviderDefinition;
  clientId: string;
  /** The provider's settings (Meta's `configId` replaces the scopes). */
  settings?: Record<string, string>;
  /** Built from configuration (PUBLIC_URL), never from a request's Host header. */
  redirectUri: string;
  scopesOverride?: readonly string[];
  /** Without it an http authorize URL is refused (throws), as oauth4webapi refuses http endpoints. */
  allowInsecureHttp?: boolean;
  /** The person's language, for the consent page of providers that take one (`localeParam`). */
  language?: string | null;
}

export interface CompleteAuthorizationInput extends HttpOptions {
  provider: ProviderDefinition;
  client: ClientCredentials;
  redirectUri: string;
  /** The full URL the provider redirected the browser to. */
  callbackUrl: URL;
  expectedState: string;
  codeVerifier: string;
}

/** Authorization errors a provider sends when trying again later can work (RFC 6749 §4.1.2.1). */
const TRANSIENT_AUTHORIZATION_ERRORS = new Set(['temporarily_unavailable', 'server_error']);

export async function createAuthorization(input: CreateAuthorizationInput): Promise<AuthorizationRequest> {
  const auth = oauth2AuthOf(input.provider);
  const url = new URL(auth.authorizeUrl);
  oauth.checkProtocol(url, input.allowInsecureHttp !== true);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  // Catalog parameters first, so no entry can override the protocol's own parameters below.
  for (const [name, value] of Object.entries(auth.authorizeParams)) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', state);
  if (auth.localeParam && input.language) url.searchParams.set(auth.localeParam, input.language);
  const scopes = input.scopesOverride ?? auth.scopes;
  const replacement = auth.scopesReplacedBy && input.settings?.[auth.scopesReplacedBy.setting];
  if (auth.scopesReplacedBy && replacement) url.searchParams.set(auth.scopesReplacedBy.param, replacement);
  else if (scopes.length > 0) url.searchParams.set('scope', scopes.join(auth.scopeSeparator));
  if (auth.pkce) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return { url, state, codeVerifier };
}

/**
 * Checks the callback and exchanges the code. The caller reads which accounts the tokens reach
 * (readAccountAccess) before it stores anything, and revokes tokens it doesn't keep.
 */
export async function completeAuthorization(input: CompleteAuthorizationInput): Promise<Result<TokenSet, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  const as = authorizationServerFor(auth);
  const client = clientFor(input.client.clientId);
  const secrets = [input.client.clientSecret, input.codeVerifier, input.expectedState, input.callbackUrl.searchParams.get('code') ?? undefined];

  const callback = validateCallback(as, client, input, secrets);
  if (!callback.ok) return callback;

  let tokens: TokenSet;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuthFor(auth, input.client.clientSecret),
      callback.value,
      input.redirectUri,
      auth.pkce ? input.codeVerifier : oauth.nopkce,
      tokenRequestOptions(input, auth),
    );
    const answer = await oauth.processAuthorizationCodeResponse(as, client, response);
    tokens = tokenSetFrom(answer, { auth, clock: input.clock, firstConsent: true, settings: input.client.settings });
  } catch (error) {
    const context = { provider: input.provider, kind: 'exchange_failed' as const, endpoint: 'token endpoint', timeoutMs: timeoutOf(input), secrets };
    return err(await failureFromError(error, context));
  }
  return ok(tokens);
}

function validateCallback(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  input: CompleteAuthorizationInput,
  secrets: readonly (string | undefined)[],
): Result<URLSearchParams, OAuthFailure> {
  try {
    return ok(oauth.validateAuthResponse(as, client, input.callbackUrl, input.expectedState));
  } catch (error) {
    return err(callbackFailure(error, as, input, secrets));
  }
}

/**
 * oauth4webapi checks `iss` before `state` and both before `error`, so a forged error response with a
 * foreign state is reported as a state mismatch, never as the provider's answer.
 */
function callbackFailure(
  error: unknown,
  as: oauth.AuthorizationServer,
  input: CompleteAuthorizationInput,
  secrets: readonly (string | undefined)[],
): OAuthFailure {
  const params = input.callbackUrl.searchParams;
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description ? `: ${oneLine(error.error_description, 200)}` : '';
    const classification = TRANSIENT_AUTHORIZATION_ERRORS.has(error.error) ? 'transient' : 'needs_reauth';
    return failure({ kind: 'provider_error', secrets }, classification, undefined, `provider answered ${oneLine(error.error, 60)}${description}`);
  }
  if (issuerMismatch(as, params.get('iss'))) {
    const received = params.get('iss');
    const detail = received === null ? `callback has no iss; expected ${as.issuer}` : `callback iss ${JSON.stringify(oneLine(received, 100))} is not ${as.issuer}`;
    return failure({ kind: 'issuer_mismatch', secrets }, 'needs_reauth', undefined, detail);
  }
  if (params.get('state') !== input.expectedState) {
    return failure({ kind: 'state_mismatch', secrets }, 'needs_reauth', undefined, 'callback state does not belong to this authorization flow');
  }
  return failure({ kind: 'provider_error', secrets }, 'needs_reauth', undefined, 'callback is not a usable authorization response');
}

function issuerMismatch(as: oauth.AuthorizationServer, received: string | null): boolean {
  if (received === null) return as.authorization_response_iss_parameter_supported === true;
  return received !== as.issuer;
}
