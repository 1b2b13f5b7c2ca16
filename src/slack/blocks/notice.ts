import type { ChannelNotice } from '../../domain/notifications';
import { mention } from './text';

/** Short channel messages that belong to no incident. */
export function noticeText(notice: ChannelNotice): string {
  switch (notice.kind) {
    case 'connected':
      return `🔌 ${mention(notice.userId)} connected *${notice.connectionName}* (${notice.providerName} account \`${notice.account}\`). Reconnect tells this channel when it needs reauthorizing.`;
    case 'grant_limit':
      return (
        `⚠️ \`${notice.signedInAs}\` now holds ${notice.grants} ${notice.providerName} grants through Reconnect (${notice.connectionNames.join(', ')}). ` +
        `${notice.providerName} keeps ${notice.limit} per user and app: the next sign-in by this user silently ends the oldest, ${notice.connectionNames[0]}. ` +
        `Sign in with another ${notice.providerName} user for the next connection.`
      );
  }
}
