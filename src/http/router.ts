import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDatabaseUnavailable } from '../db/errors';
import { DomainError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { HTTP_STATUS } from './errors';

/** A tiny router: exact paths and `:param` segments. Handlers throw DomainError for answers on purpose. */

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | 'method_not_allowed' | null {
    const parts = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || (route.method === 'GET' && method === 'HEAD')) return { handler: route.handler, params };
    }
    return pathMatched ? 'method_not_allowed' : null;
  }
}

function matchParts(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const value = actual[index]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}

/** Reads the raw body, refusing more than `limit` bytes with 413 before buffering it all. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new DomainError('payload_too_large', `Body over ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new DomainError('payload_too_large', `Body over ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(html);
}

/** Seconds a client should wait before retrying while the database is away: about one restart. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Turns DomainErrors into their status and message, and an unreachable database into a 503 (the request may
 * succeed once it is back, so senders should retry); anything else is a 500 that reveals nothing.
 */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof DomainError) {
    sendJson(res, HTTP_STATUS[error.code], { error: error.code, message: error.message, ...(error.details ?? {}) });
    return;
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn('request refused: database unavailable', { error });
    sendJson(
      res,
      503,
      { error: 'unavailable', message: 'The database is unavailable; retry shortly.' },
      { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    );
    return;
  }
  logger.error('request failed', { error });
  sendJson(res, 500, { error: 'internal', message: 'Something went wrong on our side; it has been logged.' });
}
