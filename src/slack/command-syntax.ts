import { canonicalTimeZone, parseTimeOfDay } from '../domain/local-time';
import { isLanguage, type Language } from '../lib/i18n';
import type { MessageKey } from './blocks/messages';

/**
 * What a person typed after the slash command, as a request. Pure: wrong input becomes a problem (a
 * message of the catalogs), which the listener shows with the usage help in the person's language.
 */

const SUBCOMMANDS = ['help', 'status', 'list', 'reauth', 'check', 'snooze', 'subscribe', 'unsubscribe', 'digest', 'connect', 'language'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** A week: past that, an outage nobody fixes should come back to people's attention. */
const MAX_SNOOZE_MINUTES = 7 * 1440;

export type CommandRequest =
  | { name: 'help' }
  | { name: 'status' }
  | { name: 'digest' }
  | { name: 'list'; provider?: string }
  | { name: 'reauth' | 'check'; connection: string }
  | { name: 'snooze'; connection: string; minutes: number; capped: boolean }
  | { name: 'subscribe'; channelId?: string; localTime?: string; timezone?: string; quiet: boolean; language?: Language }
  | { name: 'unsubscribe'; channelId?: string }
  | { name: 'connect'; provider: string; connectionName?: string }
  /** No language: show the settings. `default` clears a channel's own language. `channel`: here or a picked one. */
  | { name: 'language'; language?: Language | 'default'; channel?: 'here' | { id: string } };

export interface Problem {
  key: MessageKey;
  values?: Record<string, string>;
}

export type ParsedCommand = { ok: true; request: CommandRequest } | { ok: false; subcommand?: Subcommand; problem: Problem };

const UNIT_MINUTES: Record<string, number> = {
  m: 1, min: 1, mins: 1, minute: 1, minutes: 1,
  h: 60, hr: 60, hrs: 60, hour: 60, hours: 60,
  d: 1440, day: 1440, days: 1440,
};

export function parseCommandText(text: string): ParsedCommand {
  const trimmed = text.trim();
  const first = trimmed.split(/\s+/, 1)[0] || 'help';
  const name = first.toLowerCase();
  const rest = stripQuotes(unescapeSlack(trimmed.slice(first.length).trim()));
  if (!isSubcommand(name)) return { ok: false, problem: { key: 'problem.unknownSubcommand', values: { word: first } } };
  const fail = (key: MessageKey, word?: string): ParsedCommand => ({ ok: false, subcommand: name, problem: { key, ...(word === undefined ? {} : { values: { word } }) } });

  switch (name) {
    case 'help':
    case 'status':
    case 'digest':
      return rest ? fail('problem.noArguments', name) : { ok: true, request: { name } };
    case 'list':
      return { ok: true, request: rest ? { name, provider: rest } : { name } };
    case 'reauth':
    case 'check':
      return rest ? { ok: true, request: { name, connection: rest } } : fail('problem.whichConnection');
    case 'snooze':
      return parseSnooze(rest, fail);
    case 'subscribe':
      return parseSubscribe(rest, fail);
    case 'connect': {
      const [provider, ...words] = rest.split(/\s+/).filter(Boolean);
      if (!provider) return fail('problem.whichProvider');
      const connectionName = stripQuotes(words.join(' ')).slice(0, 80);
      return { ok: true, request: { name, provider, ...(connectionName ? { connectionName } : {}) } };
    }
    case 'unsubscribe': {
      if (!rest) return { ok: true, request: { name } };
      const channel = channelId(rest);
      return typeof channel === 'string' ? { ok: true, request: { name, channelId: channel } } : fail('problem.whichChannel', rest);
    }
    case 'language':
      return parseLanguage(rest, fail);
  }
}

/** "30m", "2h", "1d", "3 days": minutes, capped at a week. */
function parseDuration(text: string): { minutes: number; capped: boolean } | null {
  const match = /^(\d{1,6})\s*([a-z]+)$/i.exec(text.trim());
  const unit = match && UNIT_MINUTES[match[2]!.toLowerCase()];
  if (!match || !unit) return null;
  const minutes = Number(match[1]) * unit;
  if (minutes <= 0) return null;
  return { minutes: Math.min(minutes, MAX_SNOOZE_MINUTES), capped: minutes > MAX_SNOOZE_MINUTES };
}

type Fail = (key: MessageKey, word?: string) => ParsedCommand;

function parseSnooze(rest: string, fail: Fail): ParsedCommand {
  const match = /^(.*\S)\s+(\d+\s*[a-z]+)$/i.exec(rest);
  if (!match) return fail('problem.snoozeShape');
  const duration = parseDuration(match[2]!);
  if (!duration) return fail('problem.notDuration', match[2]);
  return { ok: true, request: { name: 'snooze', connection: stripQuotes(match[1]!), ...duration } };
}

function parseSubscribe(rest: string, fail: Fail): ParsedCommand {
  const request: Extract<CommandRequest, { name: 'subscribe' }> = { name: 'subscribe', quiet: false };
  for (const token of rest ? rest.split(/\s+/) : []) {
    const lang = /^lang(?:uage)?=(.*)$/i.exec(token);
    if (token.toLowerCase() === 'quiet') {
      request.quiet = true;
    } else if (lang) {
      const language = lang[1]!.toLowerCase();
      if (!isLanguage(language)) return fail('problem.notLanguage', lang[1]);
      if (request.language) return fail('problem.oneLanguage');
      request.language = language;
    } else if (token.startsWith('<#') || token.startsWith('#')) {
      const channel = channelId(token);
      if (!channel) return fail('problem.whichChannel', token);
      if (request.channelId) return fail('problem.oneChannel');
      request.channelId = channel;
    } else if (/^\d/.test(token)) {
      const time = parseTimeOfDay(token);
      if (!time) return fail('problem.notTime', token);
      if (request.localTime) return fail('problem.oneTime');
      request.localTime = time;
    } else {
      const zone = canonicalTimeZone(token);
      if (!zone) return fail('problem.notZone', token);
      if (request.timezone) return fail('problem.oneZone');
      request.timezone = zone;
    }
  }
  return { ok: true, request };
}

/** `language`, `language nl`, `language nl here`, `language fr #channel`, `language default here`. */
function parseLanguage(rest: string, fail: Fail): ParsedCommand {
  const [word, where, ...extra] = rest ? rest.split(/\s+/) : [];
  if (!word) return { ok: true, request: { name: 'language' } };
  const language = word.toLowerCase();
  if (language !== 'default' && !isLanguage(language)) return fail('problem.notLanguage', word);
  if (extra.length) return fail('problem.oneChannel');
  if (!where) return language === 'default' ? { ok: true, request: { name: 'language', language, channel: 'here' } } : { ok: true, request: { name: 'language', language } };
  if (where.toLowerCase() === 'here') return { ok: true, request: { name: 'language', language, channel: 'here' } };
  const channel = channelId(where);
  return channel ? { ok: true, request: { name: 'language', language, channel: { id: channel } } } : fail('problem.whichChannel', where);
}

/** Slack sends a picked channel as `<#C123|name>` (with "Escape channels" on); a bare `#name` has no id. */
function channelId(token: string): string | null {
  return /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(token.trim())?.[1] ?? null;
}

/** Slack escapes &, < and > in command text; a name such as "Ads & CRM" must match as typed. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function stripQuotes(text: string): string {
  const match = /^["“”'‘’](.*)["“”'‘’]$/.exec(text);
  return match ? match[1]!.trim() : text;
}

function isSubcommand(name: string): name is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(name);
}
