import type { ReauthStart } from '../../domain/reauth-start';
import type { T } from './messages';
import { escapeMrkdwn, mention } from './text';

/**
 * The ephemeral answer to "reauthorize this": the single-use link, or who may use it instead. Shared by
 * the Reauthorize button and `/reconnect reauth` so both read the same.
 */
export function reauthAnswer(t: T, result: ReauthStart, now: Date): string {
  switch (result.outcome) {
    case 'not_found':
      return t.t('reauth.notFound');
    case 'refused': {
      const who = result.allowed.length ? t.list(result.allowed.map(mention), 'or') : t.t('reauth.itsOwners');
      return t.t('reauth.refused', { who, name: escapeMrkdwn(result.connection.name) });
    }
    case 'link':
      return t.t('reauth.link', {
        url: result.url,
        name: linkText(result.connection.name),
        method: result.method,
        account: escapeMrkdwn(result.connection.externalAccountId),
        minutes: minutesLeft(result.expiresAt, now),
      });
  }
}

/** The ephemeral answer to `connect`: the single-use link to the provider's consent. */
export function connectAnswer(t: T, started: { url: string; expiresAt: Date; provider: { name: string } }, now: Date, inChannel = true): string {
  return t.t('connect.link', { url: started.url, provider: linkText(started.provider.name), where: inChannel ? 'here' : 'default', minutes: minutesLeft(started.expiresAt, now) });
}

const minutesLeft = (expiresAt: Date, now: Date) => Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));

/** Inside `<url|text>` a `|` or `>` would end the link early. */
const linkText = (text: string) => escapeMrkdwn(text).replace(/\|/g, '¦');
