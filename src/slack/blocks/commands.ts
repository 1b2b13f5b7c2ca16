import type { Connection } from '../../db/connections';
import type { NameMatch } from '../../domain/name-match';
import type { ProbeOutcome } from '../../domain/probe';
import { needingAttention, statusCounts, type WorkspaceConnection } from '../../domain/overview';
import type { SubscriptionOutcome } from '../../domain/subscriptions';
import type { Subcommand } from '../command-syntax';
import { countOf } from '../../lib/plural';
import { connectionLine, countsLine } from './connections';
import { packLines } from './lines';
import { context, escapeMrkdwn, section, slackDate, type Block } from './text';

/** Answers to the slash command, as ephemeral messages. Pure: everything they show is passed in. */

export interface CommandAnswer {
  text: string;
  blocks?: Block[];
}

/** Slack's limit for a message is 50 blocks; two are kept for the summary and the "not shown" note. */
const LIST_BLOCKS = 48;

const USAGE: Record<Subcommand, string> = {
  help: 'help — this list',
  status: 'status — counts by status and every connection that needs attention',
  list: 'list [provider] — every connection, or those of one provider (e.g. `list hubspot`)',
  reauth: 'reauth <name> — a single-use link to reauthorize a connection',
  check: 'check <name> — check a connection now',
  snooze: 'snooze <name> <duration> — pause reminders for 30m, 4h, 1d … (at most 7 days)',
  subscribe: 'subscribe [#channel] [HH:MM] [time zone] [quiet] — a daily digest (default: here, 09:00, your time zone)',
  unsubscribe: 'unsubscribe [#channel] — stop the daily digest',
  digest: 'digest — post the digest in this channel now',
  connect: 'connect <provider> [name] — a single-use link to connect a new account here (e.g. `connect google_ads Brand`)',
};

export function helpAnswer(command: string): CommandAnswer {
  const lines = Object.values(USAGE).map((usage) => `• \`${command} ${usage.replace(' — ', '` — ')}`);
  return { text: [`*${command}* tells you which data connections need reauthorization and why.`, ...lines].join('\n') };
}

export function usageAnswer(command: string, problem: string | undefined, subcommand: Subcommand | undefined): CommandAnswer {
  const usage = subcommand ? `Usage: \`${command} ${USAGE[subcommand].split(' — ')[0]}\`` : helpAnswer(command).text;
  return { text: [problem, usage, subcommand ? `\`${command} help\` lists everything.` : undefined].filter(Boolean).join('\n') };
}

export function statusAnswer(connections: readonly WorkspaceConnection[]): CommandAnswer {
  const counts = statusCounts(connections);
  const summary = countsLine(counts);
  if (counts.total === 0) return { text: summary };
  const attention = needingAttention(connections);
  if (attention.length === 0) {
    return { text: counts.total === 1 ? '✅ The one connection is connected.' : `✅ All ${counts.total} connections are connected.` };
  }
  return listing(summary, attention.map((connection) => connectionLine(connection, 'full')), 'needing attention');
}

export function listAnswer(connections: readonly WorkspaceConnection[], providerName?: string): CommandAnswer {
  const scope = providerName ? ` for ${escapeMrkdwn(providerName)}` : '';
  if (connections.length === 0) return { text: `No connections${scope}.` };
  const summary = `*${countOf(connections.length, 'connection', 'connections')}${scope}*`;
  return listing(summary, connections.map((connection) => connectionLine(connection, 'compact')), 'more');
}

function listing(summary: string, lines: string[], what: string): CommandAnswer {
  const packed = packLines(lines, LIST_BLOCKS);
  const blocks = [section(summary), ...packed.blocks];
  const hidden = lines.length - packed.shown;
  if (hidden > 0) blocks.push(context(`…and ${hidden} ${what} not shown here. App Home lists every connection.`));
  return { text: summary, blocks };
}

/** The answer when a typed name didn't pick exactly one connection. */
export function nameMatchAnswer(
  query: string,
  match: Exclude<NameMatch<WorkspaceConnection>, { kind: 'found' }>,
  typed: { command: string; subcommand: Subcommand },
): CommandAnswer {
  const quoted = `“${escapeMrkdwn(query)}”`;
  if (match.kind === 'ambiguous') {
    const shown = match.candidates.slice(0, 10);
    const more = match.candidates.length - shown.length;
    return {
      text: [
        `${quoted} matches ${match.candidates.length} connections. Which one?`,
        ...shown.map((connection) => `• *${escapeMrkdwn(connection.name)}* (${escapeMrkdwn(connection.providerName)}, account \`${escapeMrkdwn(connection.externalAccountId)}\`)`),
        ...(more > 0 ? [`• …and ${more} more`] : []),
        `Type more of the name, e.g. \`${typed.command} ${typed.subcommand} ${shown[0]?.name ?? ''}\`.`,
      ].join('\n'),
    };
  }
  const suggestions = match.suggestions.map((connection) => `*${escapeMrkdwn(connection.name)}*`);
  return {
    text: suggestions.length
      ? `No connection is called ${quoted}. Did you mean ${joinOr(suggestions)}?`
      : `No connection is called ${quoted}. \`${typed.command} list\` shows them all.`,
  };
}

export function unknownProviderAnswer(query: string, providers: readonly { id: string; name: string }[]): CommandAnswer {
  return {
    text: `I don't know the provider “${escapeMrkdwn(query)}”. Try one of: ${providers.map((provider) => `\`${provider.id}\``).join(', ')}.`,
  };
}

export function checkAnswer(outcome: Pick<ProbeOutcome, 'result' | 'detail' | 'connection'>, command: string): CommandAnswer {
  const { connection } = outcome;
  const name = `*${escapeMrkdwn(connection.name)}*`;
  switch (outcome.result) {
    case 'ok':
      return { text: `✅ ${name} works: the check just succeeded.` };
    case 'needs_reauth':
      return {
        text: `🔑 ${name} needs reauthorization: the provider no longer accepts its authorization. \`${command} reauth ${connection.name}\` gives you a link.`,
      };
    case 'transient':
      return {
        text:
          `⚠️ ${name} couldn't be checked just now: the provider had a temporary problem. ` +
          (connection.status === 'degraded' ? 'It is marked degraded; ' : '') +
          'checks continue automatically and you hear from me if it needs reauthorization.',
      };
    case 'skipped':
      return { text: `⏸️ ${name} wasn't checked: ${escapeMrkdwn(outcome.detail ?? 'there is nothing to check')}.` };
  }
}

export function snoozeAnswer(
  outcome: 'done' | 'duplicate' | 'closed' | 'no_incident',
  connection: Connection,
  until: Date,
  capped: boolean,
): CommandAnswer {
  const name = `*${escapeMrkdwn(connection.name)}*`;
  switch (outcome) {
    case 'done':
    case 'duplicate':
      return { text: `💤 Reminders for ${name} are snoozed until ${slackDate(until)}.${capped ? ' (7 days is the longest snooze.)' : ''}` };
    case 'closed':
      return { text: `${name} was reconnected in the meantime: nothing to snooze.` };
    case 'no_incident':
      return { text: `${name} has no open incident, so there is nothing to snooze.` };
  }
}

export function subscribedAnswer(outcome: SubscriptionOutcome): CommandAnswer {
  const { subscription } = outcome;
  const when = `${subscription.localTime} (${subscription.timezone})`;
  const how = subscription.quiet ? ', only on days when something needs attention' : '';
  const verb = outcome.created ? 'will get' : 'now gets';
  return { text: `📬 <#${subscription.channelId}> ${verb} the daily digest at ${when}${how}, starting ${outcome.firstDigestDate}.` };
}

export function unsubscribedAnswer(channelId: string, removed: boolean): CommandAnswer {
  return { text: removed ? `<#${channelId}> won't get the daily digest any more.` : `<#${channelId}> wasn't getting the daily digest.` };
}

/** Why an on-demand digest couldn't be posted, in words that say what to do. */
export function digestNotPostedAnswer(error: string): CommandAnswer {
  switch (error) {
    case 'not_in_channel':
    case 'channel_not_found':
      return { text: "I can't post in this channel yet: invite me with `/invite @Reconnect`, then try again." };
    case 'is_archived':
      return { text: 'This channel is archived, so I can’t post the digest here.' };
    case 'ratelimited':
      return { text: 'Slack asked me to slow down: try again in a minute.' };
    default:
      return { text: `I couldn't post the digest here (\`${error}\`).` };
  }
}

export const somethingWentWrongAnswer: CommandAnswer = { text: 'Something went wrong on my side; it has been logged. Please try again.' };

function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
