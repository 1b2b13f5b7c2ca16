import * as oauth from 'oauth4webapi';
import { classifyProviderAnswer } from '../providers/classify';
import type { ProviderDefinition } from '../providers/definition';
import type { OAuthFailure, OAuthFailureKind } from './types';

/**
 * Turns whatever an OAuth step threw into an OAuthFailure. Provider answers are classified by the
 * provider's own error rules (providers/classify.ts), whose description carries the status and error
 * codes only; on top of that every secret the step handled is scrubbed from the detail, in case a
 * provider echoes one back in an error description.
 */

export interface FailureContext {
  provider: ProviderDefinition;
  kind: OAuthFailureKind;
  /** Names the endpoint in the detail, e.g. "token endpoint". */
  endpoint: string;
  timeoutMs: number;
  secrets: readonly (string | undefined)[];
}

export interface FailedAnswer {
  httpStatus: number;
  body: unknown;
  /** The `error` of a WWW-Authenticate challenge, which the body may not repeat. */
  challengeError?: string;
}

/** Enough of an error answer for the provider's rules; an HTML error page isn't worth matching whole. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;
const MAX_TEXT_CHARS = 200;
const REDACTED = '[redacted]';

export async function failureFromError(error: unknown, context: FailureContext): Promise<OAuthFailure> {
  const answer = await providerAnswerOf(error);
  if (answer) return classifiedFailure(answer, context);
  if (isNetworkError(error)) return networkFailure(error, context);
  if (isProtocolRefusal(error)) {
    return failure(context, 'transient', 'internal', `${context.endpoint} must use https; plain http is allowed only with allowInsecureHttp`);
  }
  return failure(context, 'transient', 'unknown', `${context.endpoint} answer was not usable (${describeLibraryError(error)})`);
}

export function failure(
  context: Pick<FailureContext, 'kind' | 'secrets'>,
  classification: OAuthFailure['classification'],
  reason: OAuthFailure['reason'],
  detail: string,
  httpStatus?: number,
): OAuthFailure {
  return {
    kind: context.kind,
    classification,
    ...(reason ? { reason } : {}),
    detail: scrub(detail, context.secrets),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
  };
}

/** Classifies a failed HTTP answer, whether oauth4webapi or this module received it. */
export function classifiedFailure(answer: FailedAnswer, context: FailureContext): OAuthFailure {
  const verdict = classifyProviderAnswer(context.provider, { httpStatus: answer.httpStatus, body: answer.body });
  // A failed answer is never `ok`; one no rule calls a reauthorization problem is retried, not alerted.
  const classification = verdict.classification === 'needs_reauth' ? 'needs_reauth' : 'transient';
  const challenge =
    answer.challengeError && !verdict.detail.includes(answer.challengeError) ? ` (challenge: ${oneLine(answer.challengeError, 60)})` : '';
  return failure(context, classification, verdict.reason, `${context.endpoint}: ${verdict.detail}${challenge}`, answer.httpStatus);
}

/** The body of an error answer, if it can still be read: the status alone is worth classifying too. */
export async function readErrorBody(response: Response): Promise<unknown> {
  if (response.bodyUsed) return undefined;
  try {
    return parseAnswer((await response.text()).slice(0, MAX_ERROR_BODY_CHARS));
  } catch {
    return undefined;
  }
}

/** JSON when it parses, else the text, which the provider's `includes` rules can still search. */
export function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function providerAnswerOf(error: unknown): Promise<FailedAnswer | undefined> {
  if (error instanceof oauth.ResponseBodyError) return { httpStatus: error.status, body: error.cause };
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return { httpStatus: error.status, body: await readErrorBody(error.response), challengeError: error.cause[0]?.parameters.error };
  }
  // Answers that are not OAuth-shaped (5xx pages, HubSpot's {"status": ...}, Meta's {"error": {...}})
  // come back with the untouched Response, so the provider's rules can still read the body.
  if (error instanceof oauth.OperationProcessingError && isResponse(error.cause) && error.cause.status !== 200) {
    return { httpStatus: error.cause.status, body: await readErrorBody(error.cause) };
  }
  return undefined;
}

function isResponse(value: unknown): value is Response {
  return value instanceof Response || Object.prototype.toString.call(value) === '[object Response]';
}

function networkFailure(error: { name: string; cause?: unknown }, context: FailureContext): OAuthFailure {
  const verdict = classifyProviderAnswer(context.provider, { networkError: true });
  const detail =
    error.name === 'TypeError'
      ? `${context.endpoint} unreachable (${networkErrorCode(error.cause)})`
      : `${context.endpoint} did not answer within ${context.timeoutMs} ms`;
  // No answer says nothing about the authorization, whatever a rule might say.
  return failure({ ...context, kind: 'network' }, 'transient', verdict.reason, detail);
}

/**
 * fetch's errors come from Node's own realm, not the caller's (jest runs tests in a separate one), so they
 * are recognised by name rather than with instanceof: an abort or timeout, or undici's "fetch failed".
 */
function isNetworkError(error: unknown): error is { name: string; cause?: unknown } {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'TimeoutError' || name === 'AbortError' || (name === 'TypeError' && message === 'fetch failed');
}

/** Only the system error code (ECONNREFUSED, ENOTFOUND…): undici's messages can quote the URL. */
function networkErrorCode(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'network error';
}

function isProtocolRefusal(error: unknown): boolean {
  return (
    error instanceof oauth.OperationProcessingError &&
    (error.code === oauth.HTTP_REQUEST_FORBIDDEN || error.code === oauth.REQUEST_PROTOCOL_FORBIDDEN)
  );
}

/** oauth4webapi's messages are fixed strings; its `cause` (which can hold the body or parameters) is left out. */
function describeLibraryError(error: unknown): string {
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return oneLine(error.message, MAX_TEXT_CHARS);
  }
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'unexpected error';
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}
