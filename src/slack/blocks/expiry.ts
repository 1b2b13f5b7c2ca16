import { EXPIRY_MOVED } from '../../db/expiry-warnings';
import { ACTION_IDS } from '../ids';
import type { MessageKey, T } from './messages';
import { dateAt, escapeMrkdwn, mention, plain, section, userMention, type Block } from './text';

/** The heads-up before a known hard expiry, and what it says once the credential was renewed. */

export interface ExpiryView {
  connectionId: string;
  connectionName: string;
  providerName: string;
  hardExpiresAt: Date;
  hardExpiryKind: string | null;
  owners: readonly string[];
  closedAt: Date | null;
  closedBy: string | null;
  now: Date;
}

/** Why the provider ends the grant then, in plain words. */
const WHY: Record<string, MessageKey> = {
  refresh_token: 'expiry.why.refresh_token',
  access_token: 'expiry.why.access_token',
  idle: 'expiry.why.idle',
  testing_app: 'expiry.why.testing_app',
  data_access: 'expiry.why.data_access',
};

const DAY_MS = 24 * 60 * 60_000;

export function expiryMessage(t: T, view: ExpiryView): { text: string; blocks: Block[] } {
  const name = escapeMrkdwn(view.connectionName);
  if (view.closedAt) {
    if (view.closedBy === EXPIRY_MOVED) {
      return { text: t.t('expiry.renewedText', { name: view.connectionName }), blocks: [section(t.t('expiry.moved', { name, date: dateAt(t, view.hardExpiresAt) }))] };
    }
    const who = userMention(view.closedBy) ?? t.t('actor.someone');
    return {
      text: t.t('expiry.renewedText', { name: view.connectionName }),
      blocks: [section(t.t('expiry.renewed', { name, who, date: dateAt(t, view.closedAt) }))],
    };
  }
  const days = Math.max(1, Math.ceil((view.hardExpiresAt.getTime() - view.now.getTime()) / DAY_MS));
  const why = t.t(WHY[view.hardExpiryKind ?? ''] ?? 'expiry.why.other');
  const owners = view.owners.length ? ` ${view.owners.map(mention).join(' ')}` : '';
  return {
    text: t.t('expiry.text', { name: view.connectionName, provider: view.providerName, days }),
    blocks: [
      section(t.t('expiry.section', { name, provider: escapeMrkdwn(view.providerName), date: dateAt(t, view.hardExpiresAt), days, why, owners })),
      {
        type: 'actions',
        block_id: `expiry:${view.connectionId}`,
        elements: [{ type: 'button', action_id: ACTION_IDS.reauthorize, style: 'primary', text: plain(t.t('button.reauthorize'), 75), value: `connection:${view.connectionId}` }],
      },
    ],
  };
}
