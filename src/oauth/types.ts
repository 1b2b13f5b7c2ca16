import type { Clock } from '../lib/clock';
import type { DisconnectReason } from '../providers/definition';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: Date;
  scope?: string;
  /** When the grant dies whatever we do, where the provider states it; absent on a refresh: unchanged. */
  hardExpiry?: HardExpiry;
}

export type HardExpiryKind = 'refresh_token' | 'access_token' | 'idle' | 'testing_app' | 'data_access';

export interface HardExpiry {
  at: Date;
  kind: HardExpiryKind;
}

/** An account the person who signed in can reach, by every id the provider knows it by. */
export interface ReachableAccount {
  ids: string[];
  label?: string;
}

/** Who signed in (the provider's id of the person, where it names one) and what they can reach. */
export interface AccountAccess {
  person: { id?: string; label?: string };
  accounts: ReachableAccount[];
}

/** Who consented: the provider's account id (always a string, so ids compare reliably) and a label for people. */
export interface AccountIdentity {
  id: string;
  label?: string;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** The provider's settings from the environment (developer tokens, Meta's config id…). */
  settings?: Record<string, string>;
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
