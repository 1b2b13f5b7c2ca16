import type { z } from 'zod';
import { DomainError } from '../lib/errors';

/** zod issues as `{ "path.to.field": ["message", ...] }`, for 400 answers that say what to fix. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Parses a raw JSON body against a schema: 400 with the field errors when it doesn't fit. */
export function parseJsonBody<S extends z.ZodType>(raw: Buffer, schema: S, what = 'request'): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DomainError('bad_request', 'Body is not valid JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new DomainError('bad_request', `Invalid ${what}.`, { fields: fieldErrors(parsed.error) });
  return parsed.data;
}
