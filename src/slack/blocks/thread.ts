import { formatDuration } from '../../domain/impact';
import type { ThreadEvent } from '../../domain/notifications';
import { mention, slackDate } from './text';

/** One short line per incident event, posted in the alert's thread. */
export function threadText(event: ThreadEvent): string {
  switch (event.event) {
    case 'reopened':
      return '⚠️ The connection dropped again; this alert covers the new outage too.';
    case 'acknowledged':
      return `👀 ${mention(event.userId)} is on it.`;
    case 'snoozed':
      return `💤 ${mention(event.userId)} snoozed reminders until ${slackDate(new Date(event.until), '{date_short_pretty} {time}')}.`;
    case 'reauth_started':
      return `🔐 ${mention(event.userId)} started reauthorizing.`;
    case 'reauth_failed':
      return `❌ Reauthorization failed${event.userId ? ` for ${mention(event.userId)}` : ''}: ${event.why}`;
    case 'wrong_account':
      return `❌ ${event.userId ? mention(event.userId) : 'Someone'} couldn't reauthorize: this connection is account \`${event.expected}\`, but ${event.canReach}. Nothing was stored; sign in as someone with access to \`${event.expected}\`.`;
    case 'reconnected': {
      const who = event.by ? mention(event.by) : event.actorType === 'webhook' ? 'the data platform' : 'an automatic check';
      const backfill = event.backfill.length ? ` Recovering: ${event.backfill.join(', ')}.` : '';
      return `✅ Reconnected by ${who}; data was affected for ${formatDuration(event.durationMinutes)}.${backfill}`;
    }
    case 'disabled':
      return '⏹️ The connection was disabled; no more alerts for it.';
  }
}
