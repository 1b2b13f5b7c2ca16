/**
 * The one error vocabulary. Code throws a `DomainError` with a stable code and a message safe to show;
 * how a code is answered (an HTTP status, a page) is decided at the edge, in one table (src/http/errors.ts).
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'gone'
  | 'unavailable'
  /** The credentials API: the connection needs a person to reauthorize before it has a token again. */
  | 'authorization_required'
  // The reauthorization flow's refusals: each says exactly what went wrong with a link, state or form.
  | 'link_unknown'
  | 'link_used'
  | 'link_expired'
  | 'state_missing'
  | 'state_unknown'
  | 'state_used'
  | 'state_expired'
  | 'other_browser'
  | 'connection_gone'
  | 'not_configured'
  | 'provider_error'
  | 'exchange_failed'
  | 'wrong_account'
  | 'invalid_key'
  | 'csrf';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
