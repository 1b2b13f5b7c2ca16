import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../lib/errors';
import type { RequestContext } from './router';

/**
 * In front of Bolt's receiver: Bolt refuses timestamps older than five minutes but accepts future ones;
 * Slack's Python SDK refuses both, and so do we (docs/SECURITY.md). Bolt then checks the signature.
 */
const MAX_SKEW_SECONDS = 300;

export function slackRouteGuard(handle: ((req: IncomingMessage, res: ServerResponse) => void) | null, now: () => Date) {
  return ({ req, res, url }: RequestContext): void => {
    if (!handle) throw new DomainError('unavailable', 'Slack is not configured on this server (see README: creating the Slack app).');
    if (req.method === 'POST' && url.pathname === '/slack/events') {
      const header = req.headers['x-slack-request-timestamp'];
      const timestamp = Number(Array.isArray(header) ? header[0] : header);
      if (!Number.isFinite(timestamp) || Math.abs(now().getTime() / 1000 - timestamp) > MAX_SKEW_SECONDS) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('');
        return;
      }
    }
    handle(req, res);
  };
}
