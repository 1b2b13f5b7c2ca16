import type { ThreadEvent } from '../../domain/notifications';
import { actorName } from './alert';
import { failureText, reachText } from './flow';
import type { T } from './messages';
import { mention, slackDate } from './text';

/** One short line per incident event, posted in the alert's thread. */
export function threadText(t: T, event: ThreadEvent): string {
  switch (event.event) {
    case 'reopened':
      return t.t('thread.reopened');
    case 'acknowledged':
      return t.t('thread.acknowledged', { user: mention(event.userId) });
    case 'snoozed':
      return t.t('thread.snoozed', { user: mention(event.userId), date: slackDate(new Date(event.until), '{date_short_pretty} {time}') });
    case 'reauth_started':
      return t.t('thread.reauthStarted', { user: mention(event.userId) });
    case 'reauth_failed': {
      const why = failureText(t, event.failure);
      return event.userId ? t.t('thread.reauthFailedFor', { user: mention(event.userId), why }) : t.t('thread.reauthFailed', { why });
    }
    case 'wrong_account':
      return t.t('thread.wrongAccount', { user: event.userId ? mention(event.userId) : t.t('reach.someone'), expected: event.expected, reach: reachText(t, event.reach) });
    case 'reconnected': {
      const who = event.by ? mention(event.by) : actorName(t, event.actorType === 'webhook' ? 'webhook' : 'probe');
      const duration = t.duration(event.durationMinutes);
      if (!event.backfill.length) return t.t('thread.reconnected', { who, duration });
      return t.t('thread.reconnectedRecovering', { who, duration, streams: t.list(event.backfill.map((id) => t.t(`stream.${id}.label`))) });
    }
    case 'disabled':
      return t.t('thread.disabled');
  }
}
