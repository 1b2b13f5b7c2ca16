import { OUTBOX_KINDS } from '../../domain/notifications';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import type { HomeDeps } from '../listeners/home';
import { syncAlert, type DeliveryDeps } from './alert';
import { digestPostHandler } from './digest';
import { homeRefreshHandler } from './home';
import { expiryWarningHandler } from './expiry';
import { noticeHandler } from './notice';
import { reminderHandler } from './reminder';
import { postThreadReply } from './thread';

/** The delivery of every outbox kind that talks to Slack, one module per kind. */
export function slackDeliveryHandlers(deps: DeliveryDeps & Pick<HomeDeps, 'command' | 'connectable'>): Record<string, DeliveryHandler> {
  return {
    [OUTBOX_KINDS.alertSync]: (message) => syncAlert(deps, message),
    [OUTBOX_KINDS.alertThread]: (message) => postThreadReply(deps, message),
    [OUTBOX_KINDS.alertReminder]: reminderHandler(deps),
    [OUTBOX_KINDS.digestPost]: digestPostHandler(deps),
    [OUTBOX_KINDS.homeRefresh]: homeRefreshHandler(deps),
    [OUTBOX_KINDS.channelNotice]: noticeHandler(deps),
    [OUTBOX_KINDS.expiryWarning]: expiryWarningHandler(deps),
  };
}
