import type { IncomingMessage } from 'node:http';
import type { AccessTokens } from '../domain/access-tokens';
import { DomainError } from '../lib/errors';
import { constantTimeEqual } from '../lib/signature';
import { sendJson, type Router } from './router';

/** The credentials API (docs/CONTRACT.md): the data platform reads a connection's fresh access token. */

const CONNECTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function mountCredentialsApi(router: Router, deps: { keys: { name: string; secret: string }[]; tokens: AccessTokens }): void {
  /** Compares against every key, so the time taken doesn't say which key (or how much of one) matched. */
  const keyName = (req: IncomingMessage): string => {
    if (deps.keys.length === 0) throw new DomainError('unavailable', 'The credentials API is disabled: set DATA_PLATFORM_KEYS to enable it.');
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    let found: string | undefined;
    for (const key of deps.keys) if (constantTimeEqual(presented, key.secret) && presented !== '') found ??= key.name;
    if (!found) throw new DomainError('unauthorized', 'Missing or wrong data platform key.');
    return found;
  };

  router.add('POST', '/api/v1/connections/:id/access-token', async ({ req, res, params }) => {
    const name = keyName(req);
    // A tampered id is an unknown connection, never a hint at what ids look like.
    if (!CONNECTION_ID.test(params.id ?? '')) throw new DomainError('not_found', 'No such connection.');
    sendJson(res, 200, await deps.tokens.read(params.id!, name));
  });
}
