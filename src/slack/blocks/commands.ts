import type { Connection } from '../../db/connections';
import type { NameMatch } from '../../domain/name-match';
import type { ProbeOutcome } from '../../domain/probe';
import { needingAttention, statusCounts, type WorkspaceConnection } from '../../domain/overview';
import type { SubscriptionOutcome } from '../../domain/subscriptions';
import type { Language } from '../../lib/i18n';
import type { Problem, Subcommand } from '../command-syntax';
import { connectionLine, countsLine } from './connections';
import { packLines } from './lines';
import type { T } from './messages';
import { context, dateAt, escapeMrkdwn, section, type Block } from './text';

/** Answers to the slash command, as ephemeral messages. Pure: everything they show is passed in. */

export interface CommandAnswer {
  text: string;
  blocks?: Block[];
}

/** Slack's limit for a message is 50 blocks; two are kept for the summary and the "not shown" note. */
const LIST_BLOCKS = 48;

/** What to type; the words after it are the catalog's (`help.<subcommand>`). */
const SYNTAX: Record<Subcommand, string> = {
  help: 'help',
  status: 'status',
  list: 'list [provider]',
  reauth: 'reauth <name>',
  check: 'check <name>',
  snooze: 'snooze <name> <duration>',
  subscribe: 'subscribe [#channel] [HH:MM] [time zone] [quiet] [lang=nl]',
  unsubscribe: 'unsubscribe [#channel]',
  digest: 'digest',
  connect: 'connect <provider> [name]',
  language: 'language [en|nl|es|fr|default] [here|#channel]',
};

export function helpAnswer(t: T, command: string): CommandAnswer {
  const lines = (Object.keys(SYNTAX) as Subcommand[]).map((name) => `• \`${command} ${SYNTAX[name]}\` — ${t.t(`help.${name}`)}`);
  return { text: [t.t('help.intro', { command }), ...lines].join('\n') };
}

export function usageAnswer(t: T, command: string, problem: Problem | undefined, subcommand: Subcommand | undefined): CommandAnswer {
  const usage = subcommand ? t.t('usage.line', { usage: `${command} ${SYNTAX[subcommand]}` }) : helpAnswer(t, command).text;
  return { text: [problem && t.t(problem.key, problem.values), usage, subcommand ? t.t('usage.more', { command }) : undefined].filter(Boolean).join('\n') };
}

export function statusAnswer(t: T, connections: readonly WorkspaceConnection[]): CommandAnswer {
  const counts = statusCounts(connections);
  const summary = countsLine(t, counts);
  if (counts.total === 0) return { text: summary };
  const attention = needingAttention(connections);
  if (attention.length === 0) return { text: t.t('answer.allConnected', { count: counts.total }) };
  return listing(t, summary, attention.map((connection) => connectionLine(t, connection, 'full')), 'answer.hiddenAttention');
}

export function listAnswer(t: T, connections: readonly WorkspaceConnection[], providerName?: string): CommandAnswer {
  const provider = providerName && escapeMrkdwn(providerName);
  if (connections.length === 0) return { text: provider ? t.t('answer.noConnectionsFor', { provider }) : t.t('answer.noConnections') };
  const summary = provider ? t.t('answer.listSummaryFor', { count: connections.length, provider }) : t.t('answer.listSummary', { count: connections.length });
  return listing(t, summary, connections.map((connection) => connectionLine(t, connection, 'compact')), 'answer.hiddenMore');
}

function listing(t: T, summary: string, lines: string[], hiddenKey: 'answer.hiddenAttention' | 'answer.hiddenMore'): CommandAnswer {
  const packed = packLines(lines, LIST_BLOCKS);
  const blocks = [section(summary), ...packed.blocks];
  const hidden = lines.length - packed.shown;
  if (hidden > 0) blocks.push(context(t.t(hiddenKey, { count: hidden })));
  return { text: summary, blocks };
}

/** The answer when a typed name didn't pick exactly one connection. */
export function nameMatchAnswer(
  t: T,
  query: string,
  match: Exclude<NameMatch<WorkspaceConnection>, { kind: 'found' }>,
  typed: { command: string; subcommand: Subcommand },
): CommandAnswer {
  const quoted = t.t('quote', { text: escapeMrkdwn(query) });
  if (match.kind === 'ambiguous') {
    const shown = match.candidates.slice(0, 10);
    const more = match.candidates.length - shown.length;
    return {
      text: [
        t.t('answer.ambiguous', { query: quoted, count: match.candidates.length }),
        ...shown.map((connection) =>
          t.t('answer.candidate', { name: escapeMrkdwn(connection.name), provider: escapeMrkdwn(connection.providerName), account: escapeMrkdwn(connection.externalAccountId) }),
        ),
        ...(more > 0 ? [t.t('answer.moreCandidates', { count: more })] : []),
        t.t('answer.typeMore', { example: `${typed.command} ${typed.subcommand} ${shown[0]?.name ?? ''}` }),
      ].join('\n'),
    };
  }
  const suggestions = match.suggestions.map((connection) => `*${escapeMrkdwn(connection.name)}*`);
  return {
    text: suggestions.length
      ? t.t('answer.didYouMean', { query: quoted, suggestions: t.list(suggestions, 'or') })
      : t.t('answer.noSuchConnection', { query: quoted, command: typed.command }),
  };
}

export function unknownProviderAnswer(t: T, query: string, providers: readonly { id: string; name: string }[]): CommandAnswer {
  return { text: t.t('answer.unknownProvider', { query: t.t('quote', { text: escapeMrkdwn(query) }), providers: providers.map((provider) => `\`${provider.id}\``).join(', ') }) };
}

export function checkAnswer(t: T, outcome: Pick<ProbeOutcome, 'result' | 'skip' | 'connection'>, command: string): CommandAnswer {
  const { connection } = outcome;
  const name = `*${escapeMrkdwn(connection.name)}*`;
  switch (outcome.result) {
    case 'ok':
      return { text: t.t('answer.checkOk', { name }) };
    case 'needs_reauth':
      return { text: t.t('answer.checkNeedsReauth', { name, command, plainName: connection.name }) };
    case 'transient':
      return { text: t.t(connection.status === 'degraded' ? 'answer.checkTransientDegraded' : 'answer.checkTransient', { name }) };
    case 'skipped':
      return { text: t.t('answer.checkSkipped', { name, detail: t.t(`skip.${outcome.skip ?? 'no_credentials'}`) }) };
  }
}

export function snoozeAnswer(
  t: T,
  outcome: 'done' | 'duplicate' | 'closed' | 'no_incident',
  connection: Connection,
  until: Date,
  capped: boolean,
): CommandAnswer {
  const name = `*${escapeMrkdwn(connection.name)}*`;
  switch (outcome) {
    case 'done':
    case 'duplicate':
      return { text: t.t(capped ? 'answer.snoozedCapped' : 'answer.snoozed', { name, date: dateAt(t, until) }) };
    case 'closed':
      return { text: t.t('answer.snoozeClosed', { name }) };
    case 'no_incident':
      return { text: t.t('answer.snoozeNoIncident', { name }) };
  }
}

export function subscribedAnswer(t: T, outcome: SubscriptionOutcome): CommandAnswer {
  const { subscription } = outcome;
  return {
    text: t.t('answer.subscribed', {
      channel: `<#${subscription.channelId}>`,
      created: outcome.created ? 'yes' : 'no',
      time: subscription.localTime,
      zone: subscription.timezone,
      quiet: subscription.quiet ? 'yes' : 'no',
      first: outcome.firstDigestDate,
    }),
  };
}

export function unsubscribedAnswer(t: T, channelId: string, removed: boolean): CommandAnswer {
  return { text: t.t(removed ? 'answer.unsubscribed' : 'answer.notSubscribed', { channel: `<#${channelId}>` }) };
}

/** Why an on-demand digest couldn't be posted, in words that say what to do. */
export function digestNotPostedAnswer(t: T, error: string): CommandAnswer {
  switch (error) {
    case 'not_in_channel':
    case 'channel_not_found':
      return { text: t.t('answer.digestNotInChannel') };
    case 'is_archived':
      return { text: t.t('answer.digestArchived') };
    case 'ratelimited':
      return { text: t.t('answer.digestRateLimited') };
    default:
      return { text: t.t('answer.digestFailed', { error }) };
  }
}

export const somethingWentWrongAnswer = (t: T): CommandAnswer => ({ text: t.t('answer.wentWrong') });

export const languageName = (t: T, language: Language) => t.t('answer.languageNames', { language });

export interface LanguageSettings {
  workspace: Language;
  channelId: string;
  channel: Language | null;
  /** The language the person reads answers in. */
  person: Language;
}

export function languageShownAnswer(t: T, settings: LanguageSettings): CommandAnswer {
  return {
    text: t.t('answer.languageShow', {
      workspace: languageName(t, settings.workspace),
      channel: `<#${settings.channelId}>`,
      channelLanguage: settings.channel ? languageName(t, settings.channel) : t.t('answer.languageChannelDefault'),
      yours: languageName(t, settings.person),
    }),
  };
}

export type LanguageChange =
  | { scope: 'workspace'; language: Language }
  | { scope: 'channel'; channelId: string; language: Language }
  | { scope: 'channel_cleared'; channelId: string; workspace: Language }
  | { scope: 'refused'; language: Language; command: string };

export function languageChangedAnswer(t: T, change: LanguageChange): CommandAnswer {
  switch (change.scope) {
    case 'workspace':
      return { text: t.t('answer.languageWorkspaceSet', { language: languageName(t, change.language) }) };
    case 'channel':
      return { text: t.t('answer.languageChannelSet', { channel: `<#${change.channelId}>`, language: languageName(t, change.language) }) };
    case 'channel_cleared':
      return { text: t.t('answer.languageChannelCleared', { channel: `<#${change.channelId}>`, language: languageName(t, change.workspace) }) };
    case 'refused':
      return { text: t.t('answer.languageAdminsOnly', { command: change.command, language: change.language }) };
  }
}
