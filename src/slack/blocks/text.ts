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

/** Slack renders this in each reader's own time zone; the fallback is for clients that can't. */
export function slackDate(date: Date, format = '{date_short_pretty} at {time}'): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

export const mention = (userId: string) => `<@${userId}>`;
