import type { DisconnectReason, ErrorRule, ProviderDefinition } from './definition';
import { valueAt } from '../lib/json-path';

/**
 * Reads one answer from a provider's token, identity or probe endpoint and says what it means for the
 * connection: `ok`, `needs_reauth` (only a person reauthorizing fixes it; this is what alerts) or
 * `transient` (retry with backoff). The provider's own rules decide first; the fallbacks below only cover
 * what no rule names.
 */

export type AnswerClassification = 'ok' | 'needs_reauth' | 'transient';

export interface ProviderAnswer {
  httpStatus?: number;
  /** Parsed JSON, or the raw text (JSON text is parsed here). */
  body?: unknown;
  /** No answer at all: connection refused, DNS failure, timeout. */
  networkError?: boolean;
}

export interface ClassifiedAnswer {
  classification: AnswerClassification;
  reason?: DisconnectReason;
  /** Safe to log and show: the HTTP status, error codes and a shortened description, never tokens. */
  detail: string;
}

interface ReadableAnswer {
  httpStatus?: number;
  json: unknown;
  text: string;
}

export function classifyProviderAnswer(provider: Pick<ProviderDefinition, 'errors'>, answer: ProviderAnswer): ClassifiedAnswer {
  if (answer.networkError) {
    return { classification: 'transient', reason: 'third_party_outage', detail: 'no answer (network error or timeout)' };
  }
  const readable = readAnswer(answer);
  const detail = describe(readable);
  const status = readable.httpStatus;
  // Rules describe failed answers only, so a success body can never trip one by accident.
  if (status !== undefined && status >= 200 && status < 300) return { classification: 'ok', detail };

  const rule = provider.errors.find((candidate) => ruleMatches(candidate, readable));
  if (rule) return result(rule.classification, rule.reason, detail);
  return fallback(status, detail);
}

function fallback(status: number | undefined, detail: string): ClassifiedAnswer {
  if (status === 429) return result('transient', undefined, detail);
  if (status !== undefined && status >= 500) return result('transient', 'third_party_outage', detail);
  if (status === 401) return result('needs_reauth', 'unknown', detail);
  // Any other unexplained answer (404, 400 without a known code...) is more likely our bug or theirs
  // than a lost authorization; degrading after repeated failures is safer than a false alert.
  return result('transient', undefined, detail);
}

function result(classification: AnswerClassification, reason: DisconnectReason | undefined, detail: string): ClassifiedAnswer {
  return reason === undefined ? { classification, detail } : { classification, reason, detail };
}

// --- Matching rules ---

function ruleMatches(rule: ErrorRule, answer: ReadableAnswer): boolean {
  if (rule.httpStatus && (answer.httpStatus === undefined || !rule.httpStatus.includes(answer.httpStatus))) return false;
  const target = rule.path === undefined ? answer.json : valueAt(answer.json, rule.path);
  if (rule.path !== undefined && (target === undefined || target === null)) return false;
  if (rule.equals && !rule.equals.some((expected) => isPrimitive(target) && String(expected) === String(target))) return false;
  if (rule.includes !== undefined) {
    const haystack = rule.path === undefined ? answer.text : textOf(target);
    // Descriptions are prose whose capitalisation is not part of any provider's contract.
    if (!haystack.toLowerCase().includes(rule.includes.toLowerCase())) return false;
  }
  return true;
}

function readAnswer(answer: ProviderAnswer): ReadableAnswer {
  const json = typeof answer.body === 'string' ? parseJson(answer.body) : answer.body;
  return { httpStatus: answer.httpStatus, json, text: typeof answer.body === 'string' ? answer.body : textOf(answer.body) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (isPrimitive(value)) return String(value);
  return JSON.stringify(value) ?? '';
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

// --- A safe description ---

/** Where providers put their error codes: RFC 6749, Meta, HubSpot, Salesforce REST, LinkedIn. */
const CODE_PATHS = [
  'error',
  'error_subtype',
  'error.type',
  'error.code',
  'error.error_subcode',
  'status',
  'category',
  'errorCode',
  '0.errorCode',
  'serviceErrorCode',
];
const DESCRIPTION_PATHS = ['error_description', 'error.message', 'message', '0.message'];
const MAX_DESCRIPTION = 160;
/**
 * Long runs of token characters with a digit or mixed case: access and refresh tokens, JWTs, keys.
 * Some providers echo the token back ("Malformed access token EAAG..."), so descriptions are scrubbed too.
 */
const TOKEN_LIKE = /[A-Za-z0-9._~+/=-]{20,}/g;

function describe(answer: ReadableAnswer): string {
  const status = answer.httpStatus === undefined ? 'no HTTP status' : `HTTP ${answer.httpStatus}`;
  const codes = errorCodes(answer);
  const description = errorDescription(answer.json);
  return [status, ...codes].join(' ') + (description ? `: ${description}` : '');
}

function errorCodes(answer: ReadableAnswer): string[] {
  const codes: string[] = [];
  for (const path of CODE_PATHS) {
    const value = valueAt(answer.json, path);
    if (!isPrimitive(value)) continue;
    const code = scrub(String(value)).slice(0, 64);
    if (code === '' || code === 'error' || code === String(answer.httpStatus) || codes.includes(code)) continue;
    codes.push(code);
  }
  return codes;
}

function errorDescription(json: unknown): string | undefined {
  for (const path of DESCRIPTION_PATHS) {
    const value = valueAt(json, path);
    if (typeof value !== 'string' || value.trim() === '') continue;
    // Microsoft appends trace and correlation ids on further lines; the first line says what happened.
    const firstLine = scrub(value.split(/\r?\n/)[0] ?? '').trim();
    return firstLine.length > MAX_DESCRIPTION ? `${firstLine.slice(0, MAX_DESCRIPTION - 1)}…` : firstLine;
  }
  return undefined;
}

function scrub(text: string): string {
  return text.replace(TOKEN_LIKE, (run) => (looksLikeSecret(run) ? '[redacted]' : run));
}

function looksLikeSecret(run: string): boolean {
  return /\d/.test(run) || (/[a-z]/.test(run) && /[A-Z]/.test(run));
}
