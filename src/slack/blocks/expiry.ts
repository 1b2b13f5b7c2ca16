import { ACTION_IDS } from '../ids';
import { escapeMrkdwn, mention, plain, section, slackDate, type Block } from './text';

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
const WHY: Record<string, string> = {
  refresh_token: 'the provider ends its refresh token a fixed time after the first consent (LinkedIn: 365 days), whatever is refreshed meanwhile',
  access_token: 'its token has a fixed lifetime and no refresh token (Meta user tokens last about 60 days)',
  idle: 'its refresh token dies after 90 days without use',
  testing_app: 'the Google app is still in Testing, where refresh tokens die 7 days after consent',
  data_access: "the provider ends the app's data access 90 days after the person who signed in last used it (Meta)",
};

const DAY_MS = 24 * 60 * 60_000;

export function expiryMessage(view: ExpiryView): { text: string; blocks: Block[] } {
  const name = escapeMrkdwn(view.connectionName);
  if (view.closedAt) {
    const who = view.closedBy && /^[UW][A-Z0-9]+$/.test(view.closedBy) ? mention(view.closedBy) : 'someone';
    const text = `✅ ${view.connectionName} was reauthorized ahead of its expiry; nothing was interrupted.`;
    return { text, blocks: [section(`✅ *${name}* was reauthorized by ${who} ${slackDate(view.closedAt)}, ahead of its expiry; nothing was interrupted.`)] };
  }
  const days = Math.max(1, Math.ceil((view.hardExpiresAt.getTime() - view.now.getTime()) / DAY_MS));
  const why = WHY[view.hardExpiryKind ?? ''] ?? 'the provider ends the grant then';
  const owners = view.owners.length ? ` ${view.owners.map(mention).join(' ')}` : '';
  const text = `${view.connectionName} (${view.providerName}) stops working in ${days} day${days === 1 ? '' : 's'} unless it is reauthorized.`;
  return {
    text,
    blocks: [
      section(
        `⏳ *${name}* (${escapeMrkdwn(view.providerName)}) stops working ${slackDate(view.hardExpiresAt)}, in ${days} day${days === 1 ? '' : 's'}: ${why}.` +
          ` Reauthorize before then and no data is paused.${owners}`,
      ),
      {
        type: 'actions',
        block_id: `expiry:${view.connectionId}`,
        elements: [{ type: 'button', action_id: ACTION_IDS.reauthorize, style: 'primary', text: plain('Reauthorize', 75), value: `connection:${view.connectionId}` }],
      },
    ],
  };
}
