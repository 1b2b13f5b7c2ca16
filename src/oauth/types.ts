import type { Clock } from '../lib/clock';
import type { DisconnectReason } from '../providers/definition';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: Date;
  scope?: string;
}

/** Who consented: the provider's account id (always a string, so ids compare reliably) and a label for people. */
export interface AccountIdentity {
  id: string;
  label?: string;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export type OAuthFailureKind =
  | 'provider_error'
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'exchange_failed'
  | 'refresh_failed'
  | 'revoke_failed'
  | 'identity_failed'
  | 'network';

/**
 * Why an OAuth step failed. `detail` is safe to log and show: it carries the HTTP status and the OAuth
 * error code and description at most, never a token, code, verifier, secret or response body.
 */
export interface OAuthFailure {
  kind: OAuthFailureKind;
  classification: 'needs_reauth' | 'transient';
  reason?: DisconnectReason;
  detail: string;
  httpStatus?: number;
}

export interface HttpOptions {
  /** Loopback providers in tests and the demo speak plain http; refused unless this is true. */
  allowInsecureHttp?: boolean;
  /** Per outbound request; defaults to DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** expiresAt is computed from it, so tests can pin time. */
  clock?: Clock;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
