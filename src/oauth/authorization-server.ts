import * as oauth from 'oauth4webapi';
import type { ApiKeyAuth, OAuth2Auth, ProviderDefinition } from '../providers/definition';
import { DEFAULT_TIMEOUT_MS, type HttpOptions } from './types';
import { BufferedResponse, lightFetch } from './http-client';

/**
 * oauth4webapi's view of a catalog entry. Built from the definition, never discovered: most of the
 * providers Reconnect talks to publish no RFC 8414 metadata, and a catalog entry is reviewed data.
 */

export function oauth2AuthOf(provider: ProviderDefinition): OAuth2Auth {
  if (provider.auth.type !== 'oauth2') throw new Error(`provider ${provider.id} does not use OAuth 2.0`);
  return provider.auth;
}

export function apiKeyAuthOf(provider: ProviderDefinition): ApiKeyAuth {
  if (provider.auth.type !== 'api_key') throw new Error(`provider ${provider.id} does not use API keys`);
  return provider.auth;
}

export function authorizationServerFor(auth: OAuth2Auth): oauth.AuthorizationServer {
  return {
    issuer: auth.issuer ?? new URL(auth.authorizeUrl).origin,
    authorization_endpoint: auth.authorizeUrl,
    token_endpoint: auth.tokenUrl,
    ...(auth.revoke?.style === 'rfc7009' ? { revocation_endpoint: auth.revoke.url } : {}),
    // A catalog issuer means the provider sends `iss`; a response without it is then refused too, or an
    // attacker's mix-up response could simply leave it out (RFC 9207 §2.4). oauth4webapi compares `iss`
    // whenever one is present, so a provider that sends it to some users only is still checked.
    authorization_response_iss_parameter_supported: auth.issuer !== undefined && auth.issuerRequired,
  };
}

export function clientFor(clientId: string): oauth.Client {
  return { client_id: clientId };
}

export function clientAuthFor(auth: OAuth2Auth, clientSecret: string): oauth.ClientAuth {
  return auth.clientAuth === 'client_secret_basic' ? oauth.ClientSecretBasic(clientSecret) : oauth.ClientSecretPost(clientSecret);
}

export function timeoutOf(http: HttpOptions): number {
  return http.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

export function requestOptions(http: HttpOptions): oauth.HttpRequestOptions<'POST', URLSearchParams> {
  const timeoutMs = timeoutOf(http);
  return {
    // A factory, so each request oauth4webapi makes gets its own full timeout.
    signal: () => AbortSignal.timeout(timeoutMs),
    ...(http.allowInsecureHttp === true ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/**
 * Token endpoint answers are tidied before oauth4webapi reads them. `id_token` goes: Reconnect reads the
 * account from the identity endpoint and never uses ID tokens, yet oauth4webapi checks any it gets
 * against the issuer: LinkedIn's (`openid` scope) say `https://www.linkedin.com/oauth`, not the authorize
 * URL's origin, and Microsoft's multi-tenant endpoints name a different issuer per tenant, so every
 * exchange would fail on a token nobody reads. A missing `token_type` becomes the catalog's default
 * (LinkedIn sends none, which oauth4webapi would refuse).
 */
export function tokenRequestOptions(http: HttpOptions, auth: OAuth2Auth): oauth.TokenEndpointRequestOptions {
  return { ...requestOptions(http), [oauth.customFetch]: (url, init) => fetchTidied(url, init, auth) };
}

async function fetchTidied(url: string, init: oauth.CustomFetchOptions<'POST', URLSearchParams>, auth: OAuth2Auth): Promise<Response> {
  const response = await lightFetch(url, init);
  if (response.status !== 200) return response;
  const text = await response.text();
  const rebuilt = (body: string) => new BufferedResponse(Buffer.from(body, 'utf8'), { status: response.status, statusText: response.statusText, headers: response.headers });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return rebuilt(text);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return rebuilt(text);
  const { id_token: _unused, ...rest } = json as Record<string, unknown>;
  if (rest.token_type === undefined && auth.defaultTokenType) rest.token_type = auth.defaultTokenType;
  return rebuilt(JSON.stringify(rest));
}
