import { stripSeverity, type Digest, type DigestIncident } from '../../domain/digest';
import { countsLine } from './connections';
import { impactText } from './impact';
import { packLines } from './lines';
import type { T } from './messages';
import { context, dateAt, escapeMrkdwn, header, section, type Block } from './text';

/**
 * The daily digest message. A good day is one line; a quiet subscription skips good days entirely
 * (null), so the channel only hears about problems.
 */

/** Slack's 50 blocks for a message, less the header, the counts, the reconnections, the strips and their notes. */
const INCIDENT_BLOCKS = 42;

export function digestMessage(t: T, digest: Digest, options: { quiet: boolean }): { text: string; blocks: Block[] } | null {
  const { counts } = digest;
  const allWell =
    counts.authorization_required === 0 && counts.degraded === 0 && digest.openIncidents.length === 0 && digest.strips.every((entry) => stripSeverity(entry.strip) === 0);
  if (allWell) {
    if (options.quiet) return null;
    const text =
      counts.total === 0
        ? t.t('digest.none')
        : digest.reconnected.length
          ? t.t('digest.allHealthyBack', { count: counts.total, back: digest.reconnected.length })
          : t.t('digest.allHealthy', { count: counts.total });
    return { text, blocks: [section(text)] };
  }

  const blocks: Block[] = [header(t.t('digest.title')), context(countsLine(t, counts))];
  const incidents = packLines(digest.openIncidents.map((incident) => incidentItem(t, incident)), INCIDENT_BLOCKS);
  blocks.push(...incidents.blocks);
  const hidden = digest.openIncidents.length - incidents.shown;
  if (hidden > 0) blocks.push(context(t.t('digest.hiddenIncidents', { count: hidden })));
  if (digest.reconnected.length) {
    const lines = digest.reconnected.map((back) =>
      t.t('digest.back', { name: escapeMrkdwn(back.connectionName), provider: escapeMrkdwn(back.providerName), date: dateAt(t, back.closedAt), duration: t.duration(back.outageMinutes) }),
    );
    const packed = packLines([t.t('digest.reconnectedHeading'), ...lines], 1);
    blocks.push(...packed.blocks);
    const notShown = lines.length - (packed.shown - 1);
    if (notShown > 0) blocks.push(context(t.t('digest.moreBack', { count: notShown })));
  }
  // Only the connections that had a bad day: a healthy week needs no line of its own.
  const troubled = digest.strips.filter((entry) => stripSeverity(entry.strip) > 0);
  if (troubled.length) {
    const lines = troubled.map((entry) => `${entry.strip}  *${escapeMrkdwn(entry.connectionName)}*`);
    const packed = packLines([t.t('digest.stripsHeading'), ...lines], 1);
    blocks.push(...packed.blocks);
    const notShown = lines.length - (packed.shown - 1);
    const healthy = digest.strips.length - troubled.length;
    const notes = [notShown > 0 ? t.t('digest.moreStrips', { count: notShown }) : '', healthy > 0 ? t.t('digest.healthyWeek', { count: healthy }) : ''];
    if (notes.some(Boolean)) blocks.push(context(notes.filter(Boolean).join(' ')));
  }
  return { text: fallbackText(t, digest), blocks };
}

function incidentItem(t: T, incident: DigestIncident): string {
  return [
    t.t('digest.incident', {
      name: escapeMrkdwn(incident.connectionName),
      provider: escapeMrkdwn(incident.providerName),
      duration: t.duration(incident.ageMinutes),
      date: dateAt(t, incident.openedAt),
    }),
    ...incident.impact.map((line) => `    • ${impactText(t, line)}`),
  ].join('\n');
}

/** For notifications and screen readers: what is wrong, and whether data is being lost. */
function fallbackText(t: T, digest: Digest): string {
  const losing = digest.openIncidents.filter((incident) => incident.losingData).map((incident) => incident.connectionName);
  const values = { reauth: digest.counts.authorization_required, degraded: digest.counts.degraded };
  return (losing.length ? t.t('digest.fallbackLosing', { ...values, names: t.list(losing) }) : t.t('digest.fallback', values)).slice(0, 3000);
}
