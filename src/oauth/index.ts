/**
 * OAuth 2.0 with the providers behind Reconnect's connections: authorize URL with PKCE, callback
 * checks, code exchange, refresh with rotation, revocation, and reading which account a credential
 * belongs to. It knows nothing of Prisma or Slack: callers store flows and tokens, and decide what a
 * failure means for a connection from its classification. Protocol work is oauth4webapi's; every
 * outbound request has a timeout, and plain http is refused unless `allowInsecureHttp` is set.
 */

export { createAuthorization, completeAuthorization } from './authorization';
export type { AuthorizationRequest, CompleteAuthorizationInput, CreateAuthorizationInput } from './authorization';
export { refreshAccessToken, revokeToken } from './tokens';
export type { RefreshInput, RevokeInput } from './tokens';
export { fetchDataAccessExpiry, fetchIdentity, readAccountAccess, checkApiKey } from './identity';
export type { CheckApiKeyInput, FetchIdentityInput } from './identity';
export { DEFAULT_TIMEOUT_MS } from './types';
export { oauth2AuthOf } from './authorization-server';
export type { AccountAccess, AccountIdentity, ClientCredentials, HardExpiry, HardExpiryKind, HttpOptions, OAuthFailure, OAuthFailureKind, ReachableAccount, TokenSet } from './types';
