import type { ChannelNotice } from '../../domain/notifications';
import type { T } from './messages';
import { escapeMrkdwn, mention } from './text';

/** Short channel messages that belong to no incident. */
export function noticeText(t: T, notice: ChannelNotice): string {
  switch (notice.kind) {
    case 'connected':
      return t.t('notice.connected', { user: mention(notice.userId), name: escapeMrkdwn(notice.connectionName), provider: escapeMrkdwn(notice.providerName), account: escapeMrkdwn(notice.account) });
    case 'grant_limit':
      return t.t('notice.grantLimit', {
        signer: escapeMrkdwn(notice.signedInAs),
        grants: notice.grants,
        provider: escapeMrkdwn(notice.providerName),
        names: notice.connectionNames.map(escapeMrkdwn).join(', '),
        limit: notice.limit,
        oldest: escapeMrkdwn(notice.connectionNames[0] ?? ''),
      });
  }
}
