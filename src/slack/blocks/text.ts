import type { T } from './messages';

/** Small Block Kit helpers shared by the builders; they keep every text inside Slack's limits. */

export type Block = { type: string } & Record<string, unknown>;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const plain = (text: string, max = 150) => ({ type: 'plain_text', text: truncate(text, max), emoji: true });

export const mrkdwn = (text: string, max = 3000) => ({ type: 'mrkdwn', text: truncate(text, max) });

export const header = (text: string): Block => ({ type: 'header', text: plain(text, 150) });

export const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });

export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.slice(0, 10).map((t) => mrkdwn(t, 2000)) });

export const divider = (): Block => ({ type: 'divider' });

/**
 * Slack renders the tokens in each reader's own time zone; the fallback is for clients that can't. The
 * words around the tokens are ours, so a format with words comes from the catalog (`dateAt`).
 */
export function slackDate(date: Date, format: string): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

/** "Dec 2 at 14:05", "2 dec. om 14:05", …: the day and the time in the language's words. */
export const dateAt = (t: T, date: Date) => slackDate(date, t.t('date.at', { date: '{date_short_pretty}', time: '{time}' }));

export const mention = (userId: string) => `<@${userId}>`;

/** A mention when `id` is a Slack user's, null for a system actor ("webhook", "probe"). */
export const userMention = (id: string | null | undefined): string | null => (id && /^[UW][A-Z0-9]+$/.test(id) ? mention(id) : null);
