import { stripSeverity, type Digest, type DigestIncident } from '../../domain/digest';
import { formatDuration } from '../../domain/impact';
import { countOf } from '../../lib/plural';
import { countsLine, STATUS_EMOJI } from './connections';
import { packLines } from './lines';
import { context, escapeMrkdwn, header, section, slackDate, type Block } from './text';

/**
 * The daily digest message. A good day is one line; a quiet subscription skips good days entirely
 * (null), so the channel only hears about problems.
 */

/** Slack's 50 blocks for a message, less the header, the counts, the reconnections, the strips and their notes. */
const INCIDENT_BLOCKS = 42;

export function digestMessage(digest: Digest, options: { quiet: boolean }): { text: string; blocks: Block[] } | null {
  const { counts } = digest;
  const allWell =
    counts.authorization_required === 0 && counts.degraded === 0 && digest.openIncidents.length === 0 && digest.strips.every((entry) => stripSeverity(entry.strip) === 0);
  if (allWell) {
    if (options.quiet) return null;
    const back = digest.reconnected.length ? ` ${digest.reconnected.length} reconnected in the last 24 h.` : '';
    const all = counts.total === 1 ? 'The one connection is healthy.' : `All ${counts.total} connections healthy.`;
    const text = counts.total === 0 ? 'No data connections to report on yet.' : `${STATUS_EMOJI.connected} ${all}${back}`;
    return { text, blocks: [section(text)] };
  }

  const blocks: Block[] = [header('Daily connection digest'), context(countsLine(counts))];
  const incidents = packLines(digest.openIncidents.map(incidentItem), INCIDENT_BLOCKS);
  blocks.push(...incidents.blocks);
  const hidden = digest.openIncidents.length - incidents.shown;
  if (hidden > 0) blocks.push(context(`…and ${countOf(hidden, 'more open incident', 'more open incidents')} not shown. App Home lists them all.`));
  if (digest.reconnected.length) {
    const lines = digest.reconnected.map(
      (back) => `${STATUS_EMOJI.connected} *${escapeMrkdwn(back.connectionName)}* · ${escapeMrkdwn(back.providerName)} · back ${slackDate(back.closedAt)} after ${formatDuration(back.outageMinutes)}`,
    );
    const packed = packLines(['*Reconnected in the last 24 h*', ...lines], 1);
    blocks.push(...packed.blocks);
    const notShown = lines.length - (packed.shown - 1);
    if (notShown > 0) blocks.push(context(`…and ${notShown} more reconnected.`));
  }
  // Only the connections that had a bad day: a healthy week needs no line of its own.
  const troubled = digest.strips.filter((entry) => stripSeverity(entry.strip) > 0);
  if (troubled.length) {
    const lines = troubled.map((entry) => `${entry.strip}  *${escapeMrkdwn(entry.connectionName)}*`);
    const packed = packLines(['*Last 7 days* (🟥 needed reauthorization · 🟨 degraded · 🟩 healthy all day, oldest first)', ...lines], 1);
    blocks.push(...packed.blocks);
    const notShown = lines.length - (packed.shown - 1);
    const healthy = digest.strips.length - troubled.length;
    const notes = [notShown > 0 ? `…and ${notShown} more with a bad day; App Home shows every strip.` : '', healthy > 0 ? `${countOf(healthy, 'other connection was', 'other connections were')} healthy all week.` : ''];
    if (notes.some(Boolean)) blocks.push(context(notes.filter(Boolean).join(' ')));
  }
  return { text: fallbackText(digest), blocks };
}

function incidentItem(incident: DigestIncident): string {
  return [
    `${STATUS_EMOJI.authorization_required} *${escapeMrkdwn(incident.connectionName)}* · ${escapeMrkdwn(incident.providerName)} · needs reauthorization for ${formatDuration(incident.ageMinutes)} (since ${slackDate(incident.openedAt)})`,
    ...incident.impact.map((line) => `    • ${line.text}`),
  ].join('\n');
}

/** For notifications and screen readers: what is wrong, and whether data is being lost. */
function fallbackText(digest: Digest): string {
  const losing = digest.openIncidents.filter((incident) => incident.losingData).map((incident) => incident.connectionName);
  const parts = [
    `${countOf(digest.counts.authorization_required, 'connection needs', 'connections need')} reauthorization`,
    `${digest.counts.degraded} degraded`,
  ];
  return `Daily digest: ${parts.join(', ')}.${losing.length ? ` Data is being lost on ${losing.join(', ')}.` : ''}`.slice(0, 3000);
}
