import type { ConnectionStatus } from '../../db/connections';
import type { StatusCounts, WorkspaceConnection } from '../../domain/overview';
import type { T } from './messages';
import { dateAt, escapeMrkdwn, mention } from './text';

/** One connection as a line of mrkdwn; App Home and the slash command's answers use the same words. */

export const STATUS_EMOJI: Record<ConnectionStatus, string> = {
  authorization_required: '🔑',
  degraded: '⚠️',
  connected: '✅',
  disabled: '⏹️',
};

export type LineDetail = 'full' | 'compact';

/** `full`: two lines with the account; `compact`: one line, for long lists of healthy connections. */
export function connectionLine(t: T, connection: WorkspaceConnection, detail: LineDetail): string {
  const title = `${STATUS_EMOJI[connection.status]} *${escapeMrkdwn(connection.name)}* · ${escapeMrkdwn(connection.providerName)}`;
  const lastCheck = connection.lastSuccessAt ? t.t('line.lastCheck', { date: dateAt(t, connection.lastSuccessAt) }) : t.t('line.lastCheckNever');
  const owners = connection.owners.map(mention).join(' ');
  const since = dateAt(t, connection.statusChangedAt);
  if (detail === 'compact') return [title, t.t('line.sinceShort', { date: since }), lastCheck, owners].filter(Boolean).join(' · ');
  return [
    t.t('line.account', { title, account: escapeMrkdwn(connection.externalAccountId) }),
    [t.t(`line.since.${connection.status}`, { date: since }), lastCheck, owners ? t.t('line.owners', { owners }) : t.t('line.noOwners')].join(' · '),
  ].join('\n');
}

/** "*12 connections* · 🔑 2 need reauthorization · ⚠️ 1 degraded · ✅ 9 connected". */
export function countsLine(t: T, counts: StatusCounts): string {
  if (counts.total === 0) return t.t('counts.none');
  return [
    t.t('counts.total', { count: counts.total }),
    t.t('counts.authorization_required', { count: counts.authorization_required }),
    t.t('counts.degraded', { count: counts.degraded }),
    t.t('counts.connected', { count: counts.connected }),
  ].join(' · ');
}
