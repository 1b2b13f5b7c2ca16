import { canonicalTimeZone, parseTimeOfDay } from '../domain/local-time';

/**
 * What a person typed after the slash command, as a request. Pure: wrong input becomes a problem in
 * plain words, which the listener shows with the usage help.
 */

const SUBCOMMANDS = ['help', 'status', 'list', 'reauth', 'check', 'snooze', 'subscribe', 'unsubscribe', 'digest', 'connect'] as const;
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
  | { name: 'subscribe'; channelId?: string; localTime?: string; timezone?: string; quiet: boolean }
  | { name: 'unsubscribe'; channelId?: string }
  | { name: 'connect'; provider: string; connectionName?: string };

export type ParsedCommand = { ok: true; request: CommandRequest } | { ok: false; subcommand?: Subcommand; problem: string };

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
  if (!isSubcommand(name)) return { ok: false, problem: `I don't know \`${first}\`.` };
  const fail = (problem: string): ParsedCommand => ({ ok: false, subcommand: name, problem });

  switch (name) {
    case 'help':
    case 'status':
    case 'digest':
      return rest ? fail(`\`${name}\` takes no arguments.`) : { ok: true, request: { name } };
    case 'list':
      return { ok: true, request: rest ? { name, provider: rest } : { name } };
    case 'reauth':
    case 'check':
      return rest ? { ok: true, request: { name, connection: rest } } : fail('Which connection? Give its name.');
    case 'snooze':
      return parseSnooze(rest, fail);
    case 'subscribe':
      return parseSubscribe(rest, fail);
    case 'connect': {
      const [provider, ...words] = rest.split(/\s+/).filter(Boolean);
      if (!provider) return fail('Which provider? e.g. `connect google_ads Brand campaigns`.');
      const connectionName = stripQuotes(words.join(' ')).slice(0, 80);
      return { ok: true, request: { name, provider, ...(connectionName ? { connectionName } : {}) } };
    }
    case 'unsubscribe': {
      if (!rest) return { ok: true, request: { name } };
      const channel = channelId(rest);
      return typeof channel === 'string' ? { ok: true, request: { name, channelId: channel } } : fail(channel.problem);
    }
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

function parseSnooze(rest: string, fail: (problem: string) => ParsedCommand): ParsedCommand {
  const match = /^(.*\S)\s+(\d+\s*[a-z]+)$/i.exec(rest);
  if (!match) return fail('Give the connection and how long, e.g. `snooze Google Ads 4h`.');
  const duration = parseDuration(match[2]!);
  if (!duration) return fail(`\`${match[2]}\` is not a duration: use minutes, hours or days such as 30m, 4h or 1d.`);
  return { ok: true, request: { name: 'snooze', connection: stripQuotes(match[1]!), ...duration } };
}

function parseSubscribe(rest: string, fail: (problem: string) => ParsedCommand): ParsedCommand {
  const request: Extract<CommandRequest, { name: 'subscribe' }> = { name: 'subscribe', quiet: false };
  for (const token of rest ? rest.split(/\s+/) : []) {
    if (token.toLowerCase() === 'quiet') {
      request.quiet = true;
    } else if (token.startsWith('<#') || token.startsWith('#')) {
      const channel = channelId(token);
      if (typeof channel !== 'string') return fail(channel.problem);
      if (request.channelId) return fail('Give one channel.');
      request.channelId = channel;
    } else if (/^\d/.test(token)) {
      const time = parseTimeOfDay(token);
      if (!time) return fail(`\`${token}\` is not a time of day: use 24-hour HH:MM such as 09:00.`);
      if (request.localTime) return fail('Give one time of day.');
      request.localTime = time;
    } else {
      const zone = canonicalTimeZone(token);
      if (!zone) return fail(`\`${token}\` is not a time zone I know: use an IANA name such as Europe/Paris or America/New_York.`);
      if (request.timezone) return fail('Give one time zone.');
      request.timezone = zone;
    }
  }
  return { ok: true, request };
}

/** Slack sends a picked channel as `<#C123|name>` (with "Escape channels" on); a bare `#name` has no id. */
function channelId(token: string): string | { problem: string } {
  const match = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(token.trim());
  if (match) return match[1]!;
  return { problem: `I can't tell which channel \`${token}\` is: pick it from Slack's suggestions as you type \`#\`.` };
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
