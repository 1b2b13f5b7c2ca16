import type { ErrorCode } from '../lib/errors';

/** How every route answers each error code: the one table from the domain's codes to HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unavailable: 503,
  authorization_required: 409,
  link_unknown: 400,
  link_used: 410,
  link_expired: 410,
  state_missing: 400,
  state_unknown: 400,
  state_used: 410,
  state_expired: 410,
  other_browser: 403,
  connection_gone: 404,
  not_configured: 503,
  provider_error: 400,
  exchange_failed: 400,
  wrong_account: 400,
  invalid_key: 400,
  csrf: 403,
};
