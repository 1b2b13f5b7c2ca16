import { escapeHtml } from '../src/http/pages';

/**
 * Renders what the app sent Slack (Block Kit, mrkdwn, Slack's date tokens) as the demo page's HTML, close
 * enough to Slack's own rendering to judge an alert by: headers, sections, context, buttons and menus.
 * Buttons become forms that send the app the signed interaction Slack would.
 */

export type Json = Record<string, unknown>;

/** Display names for `<@U…>` mentions; the demo fills it with its people. */
export const userNames = new Map<string, string>();

/** Where a click on a rendered element is sent: a channel message (by ts) or App Home. */
/** Where a button posts back, and the reader's language (Slack shows date tokens in it). */
export type Target = { tab: 'channel' | 'both'; ts: string; channel: string; language: string } | { tab: 'home'; language: string };

export function content(blocks: unknown, text: string, target: Target): string {
  return Array.isArray(blocks) && blocks.length ? blocksHtml(blocks, target) : `<div class="text">${mrkdwn(text, target.language)}</div>`;
}

export function blocksHtml(blocks: unknown, target: Target): string {
  return (Array.isArray(blocks) ? blocks : []).filter(isJson).map((block) => blockHtml(block, target)).join('');
}

function blockHtml(block: Json, target: Target): string {
  const blockId = str(block.block_id) ?? '';
  switch (block.type) {
    case 'header':
      return `<h3 class="header">${escapeHtml(textOf(block.text))}</h3>`;
    case 'section': {
      const accessory = isJson(block.accessory) ? elementHtml(block.accessory, blockId, target) : '';
      return `<div class="section"><div class="text">${textHtml(block.text, target.language)}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="context">${(Array.isArray(block.elements) ? block.elements : []).map((element) => `<span>${textHtml(element, target.language)}</span>`).join('')}</div>`;
    case 'actions':
      return `<div class="actions">${(Array.isArray(block.elements) ? block.elements : []).filter(isJson).map((element) => elementHtml(element, blockId, target)).join('')}</div>`;
    default:
      return `<div class="muted">[${escapeHtml(String(block.type))} block]</div>`;
  }
}

function elementHtml(element: Json, blockId: string, target: Target): string {
  const actionId = str(element.action_id) ?? '';
  const fields = [
    ['tab', target.tab],
    ['ts', target.tab === 'home' ? '' : target.ts],
    ['blockId', blockId],
    ['actionId', actionId],
  ]
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value ?? '')}">`)
    .join('');
  if (element.type === 'button') {
    const style = element.style === 'primary' || element.style === 'danger' ? ` ${element.style}` : '';
    return `<form method="post" action="/click${target.tab === 'home' ? '' : `?c=${encodeURIComponent(target.channel)}`}">${fields}<button class="btn${style}">${escapeHtml(textOf(element.text))}</button></form>`;
  }
  if (element.type === 'static_select') {
    const options = (Array.isArray(element.options) ? element.options : [])
      .filter(isJson)
      .map((option) => `<option value="${escapeHtml(str(option.value) ?? '')}">${escapeHtml(textOf(option.text))}</option>`)
      .join('');
    const placeholder = textOf(element.placeholder);
    // Slack sends the choice as soon as it is made; there is no submit button.
    return `<form method="post" action="/click${target.tab === 'home' ? '' : `?c=${encodeURIComponent(target.channel)}`}">${fields}<select class="btn" name="option" aria-label="${escapeHtml(placeholder)}" onchange="this.form.submit()"><option value="" selected disabled>${escapeHtml(placeholder)}</option>${options}</select></form>`;
  }
  return '';
}

export function ephemeral(args: Json, at: number, target: Target): string {
  return `<article class="message ephemeral"><div class="avatar" aria-hidden="true">R</div><div class="body"><div class="only">Only visible to you</div>${byline(
    'Reconnect',
    at,
  )}${content(args.blocks, str(args.text) ?? '', target)}</div></article>`;
}

export function byline(name: string, at: number | undefined): string {
  const time = at === undefined ? '' : `<time>${escapeHtml(clockTime(new Date(at)))}</time>`;
  return `<div class="byline"><b>${escapeHtml(name)}</b><span class="badge">APP</span>${time}</div>`;
}

function textHtml(text: unknown, language: string): string {
  if (!isJson(text)) return '';
  return text.type === 'mrkdwn' ? mrkdwn(str(text.text) ?? '', language) : escapeHtml(str(text.text) ?? '');
}

export function textOf(text: unknown): string {
  return isJson(text) ? (str(text.text) ?? '') : '';
}

/**
 * Slack mrkdwn as HTML (docs.slack.dev, "Formatting text for app surfaces"): `<…>` links, mentions and
 * dates, `code`, *bold*, _italic_ and ~strike~. Slack escapes only &, < and > in text, so `<` always opens
 * a control sequence. Rendered pieces are held aside while the rest is escaped and formatted.
 */
function mrkdwn(source: string, language: string): string {
  const held: string[] = [];
  // A private-use character marks held pieces; it is removed from the input so nothing can forge one.
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE000`;
  const restore = (text: string): string => text.replace(/\uE000(\d+)\uE000/g, (_, index: string) => restore(held[Number(index)] ?? ''));
  const text = escapeHtml(
    unescapeSlack(
      source
        .replace(/\uE000/g, '')
        .replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(controlSequence(inner, language)))
        .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`)),
    ),
  )
    .replace(/(^|[^\w*])\*([^*\n]+)\*(?![\w*])/g, '$1<b>$2</b>')
    .replace(/(^|[^\w_])_([^_\n]+)_(?![\w_])/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~([^~\n]+)~(?![\w~])/g, '$1<s>$2</s>');
  return restore(text);
}

function controlSequence(inner: string, language: string): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith('@')) return `<span class="mention">@${escapeHtml(label ?? userNames.get(target.slice(1)) ?? target.slice(1))}</span>`;
  if (target.startsWith('#')) return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith('!date^')) return escapeHtml(slackDate(target, label ?? '', language));
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label ?? target.slice(1))}</span>`;
  const href = unescapeSlack(target);
  if (/^(https?:|mailto:)/i.test(href)) return `<a href="${escapeHtml(href)}">${escapeHtml(label ?? href)}</a>`;
  return escapeHtml(unescapeSlack(`<${inner}>`));
}

/** `<!date^1700000000^{date_short_pretty} at {time}|fallback>`: Slack shows it in the reader's time zone and language. */
function slackDate(target: string, fallback: string, language: string): string {
  const [, seconds, format = ''] = target.split('^');
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return fallback;
  const tokens: Record<string, string> = {
    date_short: date.toLocaleDateString(language, { month: 'short', day: 'numeric', year: 'numeric' }),
    date_short_pretty: prettyDay(date, language) ?? date.toLocaleDateString(language, { month: 'short', day: 'numeric', year: 'numeric' }),
    time: language === 'en' ? clockTime(date) : date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' }),
  };
  const unknown = [...format.matchAll(/\{(\w+)\}/g)].some((match) => tokens[match[1] ?? ''] === undefined);
  return unknown ? fallback : format.replace(/\{(\w+)\}/g, (_, name: string) => tokens[name] ?? '');
}

function prettyDay(date: Date, language: string): string | undefined {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toDateString();
  const offset = [-1, 0, 1].find((candidate) => day(candidate) === date.toDateString());
  // "today", "vandaag", "hoy", "aujourd’hui": the words Intl has for a day relative to this one.
  return offset === undefined ? undefined : new Intl.RelativeTimeFormat(language, { numeric: 'auto' }).format(offset, 'day');
}

function clockTime(date: Date): string {
  return date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function findElement(blocks: unknown, blockId: string, actionId: string): Json | undefined {
  const block = (Array.isArray(blocks) ? blocks : []).filter(isJson).find((candidate) => candidate.block_id === blockId);
  const elements = [...(Array.isArray(block?.elements) ? block.elements : []), block?.accessory];
  return elements.filter(isJson).find((element) => element.action_id === actionId);
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
