import type { ConnectionStatus } from '../../db/connections';
import type { StatusCounts, WorkspaceConnection } from '../../domain/overview';
import { agree, countOf } from '../../lib/plural';
import { escapeMrkdwn, mention, slackDate } from './text';

/** One connection as a line of mrkdwn; App Home and the slash command's answers use the same words. */

export const STATUS_EMOJI: Record<ConnectionStatus, string> = {
  authorization_required: '🔑',
  degraded: '⚠️',
  connected: '✅',
  disabled: '⏹️',
};

const STATUS_SINCE: Record<ConnectionStatus, string> = {
  authorization_required: 'Needs reauthorization since',
  degraded: 'Degraded since',
  connected: 'Connected since',
  disabled: 'Disabled since',
};

export type LineDetail = 'full' | 'compact';

/** `full`: two lines with the account; `compact`: one line, for long lists of healthy connections. */
export function connectionLine(connection: WorkspaceConnection, detail: LineDetail): string {
  const title = `${STATUS_EMOJI[connection.status]} *${escapeMrkdwn(connection.name)}* · ${escapeMrkdwn(connection.providerName)}`;
  const lastCheck = `last successful check ${connection.lastSuccessAt ? slackDate(connection.lastSuccessAt) : 'never'}`;
  const owners = connection.owners.map(mention).join(' ');
  if (detail === 'compact') return [title, `since ${slackDate(connection.statusChangedAt)}`, lastCheck, owners].filter(Boolean).join(' · ');
  return [
    `${title} · account \`${escapeMrkdwn(connection.externalAccountId)}\``,
    `${STATUS_SINCE[connection.status]} ${slackDate(connection.statusChangedAt)} · ${lastCheck} · ${owners ? `owners ${owners}` : 'no owners set'}`,
  ].join('\n');
}

/** "*12 connections* · 🔑 2 need reauthorization · ⚠️ 1 degraded · ✅ 9 connected". */
export function countsLine(counts: StatusCounts): string {
  if (counts.total === 0) return 'No connections in this workspace yet: an admin adds them through the admin API.';
  return [
    `*${countOf(counts.total, 'connection', 'connections')}*`,
    `${STATUS_EMOJI.authorization_required} ${counts.authorization_required} ${agree(counts.authorization_required, 'needs', 'need')} reauthorization`,
    `${STATUS_EMOJI.degraded} ${counts.degraded} degraded`,
    `${STATUS_EMOJI.connected} ${counts.connected} connected`,
  ].join(' · ');
}
