import type { ChannelNotice } from '../../domain/notifications';
import { mention } from './text';

/** Short channel messages that belong to no incident. */
export function noticeText(notice: ChannelNotice): string {
  switch (notice.kind) {
    case 'connected':
      return `🔌 ${mention(notice.userId)} connected *${notice.connectionName}* (${notice.providerName} account \`${notice.account}\`). Reconnect tells this channel when it needs reauthorizing.`;
  }
}
