import http from 'node:http';
import { DomainError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { sendError, sendJson, type Router } from './router';

/**
 * The HTTP server around the router: 404 and 405 for what no route takes, and one error path for every
 * handler (a DomainError answers with its code's status, a database outage 503, anything else 500).
 * Bolt's `customRoutes` were weighed against this: they give no 405, no shared error path and no body
 * limits, and Bolt's receiver would then own every route, so Bolt only gets `/slack/*` from here.
 */
export function createHttpServer(router: Router, deps: { logger: Logger; metrics: Metrics }): http.Server {
  const server = http.createServer((req, res) => {
    // Closing (SIGTERM): server.close() takes no new connections but leaves a busy keep-alive connection
    // open, and under steady load it never goes idle. Answering with `Connection: close` ends each one
    // after its request, so the client opens its next request elsewhere and the shutdown finishes.
    if (!server.listening) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://internal');
    const matched = router.match(req.method ?? 'GET', url.pathname);
    if (matched === null) return sendJson(res, 404, { error: 'not_found', message: `No route for ${url.pathname}.` });
    if (matched === 'method_not_allowed') return sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed here.` });
    // Through a promise chain so a handler that throws synchronously is answered too.
    Promise.resolve()
      .then(() => matched.handler({ req, res, url, params: matched.params }))
      .catch((error: unknown) => {
        if (error instanceof DomainError) deps.metrics.inc('reconnect_http_refusals_total', { code: error.code }, 1, 'Requests answered with a 4xx on purpose');
        sendError(res, error, deps.logger);
      });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}
