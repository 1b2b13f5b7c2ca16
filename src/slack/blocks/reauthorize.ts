import type { ReauthStart } from '../../domain/reauth-start';
import { mention } from './text';

/**
 * The ephemeral answer to "reauthorize this": the single-use link, or who may use it instead. Shared by
 * the Reauthorize button and `/reconnect reauth` so both read the same.
 */
export function reauthAnswer(result: ReauthStart, now: Date): string {
  switch (result.outcome) {
    case 'not_found':
      return 'That connection no longer exists in this workspace.';
    case 'refused': {
      const who = result.allowed.length ? result.allowed.map(mention).join(', ') : 'its owners';
      return `Only ${who} or a workspace admin can reauthorize *${result.connection.name}*. Ask one of them to click Reauthorize.`;
    }
    case 'link': {
      const verb = result.method === 'api_key' ? 'enter a new API key' : result.method === 'credentials_form' ? 're-enter the account details' : 'sign in';
      const minutes = Math.max(1, Math.round((result.expiresAt.getTime() - now.getTime()) / 60_000));
      return `<${result.url}|Reauthorize ${result.connection.name}> — ${verb} with account \`${result.connection.externalAccountId}\`. This link is only for you, works once, and expires in ${minutes} minutes.`;
    }
  }
}

/** The ephemeral answer to `connect`: the single-use link to the provider's consent. */
export function connectAnswer(started: { url: string; expiresAt: Date; provider: { name: string } }, now: Date, inChannel = true): string {
  const minutes = Math.max(1, Math.round((started.expiresAt.getTime() - now.getTime()) / 60_000));
  const where = inChannel ? 'reports in this channel' : 'reports in the default channel (use the command in a channel to pick one)';
  return `<${started.url}|Connect ${started.provider.name}> — sign in with the account to connect; if you can reach several, you pick one. The new connection ${where}, with you as its owner. This link is only for you, works once, and expires in ${minutes} minutes.`;
}
