import type { CountKey, ProviderDefinition, Stream, StreamEffect } from '../providers/definition';

/**
 * What an outage does to each data stream a connection feeds, in plain words for Slack mrkdwn. Pure:
 * the caller passes `now`, so an alert, its in-place updates and the digest all read the same.
 */

export interface ImpactLine {
  streamId: string;
  label: string;
  effect: StreamEffect;
  text: string;
  count?: number;
  /** Closed incidents with a count: what the count meant, as a sentence ("14 ads were created without UTM tags…"). */
  outcome?: string;
  durationMinutes: number;
}

export interface ImpactInput {
  provider: Pick<ProviderDefinition, 'streams'>;
  options: Record<string, unknown>;
  /** `to` is set once the connection is back. */
  outage: { from: Date; to?: Date };
  /** Reported by the data platform, e.g. how many touchpoints wait in its queue. */
  counts?: Partial<Record<CountKey, number>>;
  now: Date;
}

/** Worst first: what can't be recovered is what people most need to read. */
const EFFECT_ORDER: Record<StreamEffect, number> = { lost: 0, backfilled: 1, paused: 2 };

export function impactOf(input: ImpactInput): ImpactLine[] {
  const durationMinutes = minutesBetween(input.outage.from, input.outage.to ?? input.now);
  const closed = input.outage.to !== undefined;
  return input.provider.streams
    .filter((stream) => isEnabled(stream, input.options))
    .sort((a, b) => EFFECT_ORDER[a.effect] - EFFECT_ORDER[b.effect])
    .map((stream) => lineFor(stream, { durationMinutes, closed, count: countFor(stream, input.counts) }));
}

/** Stream ids the data platform should recover after reconnecting: everything not lost. */
export function backfillStreams(lines: readonly Pick<ImpactLine, 'streamId' | 'effect'>[]): string[] {
  const ids = lines.filter((line) => line.effect !== 'lost').map((line) => line.streamId);
  return [...new Set(ids)];
}

/** "45 min", "2 h 15 min", "3 d 4 h": minutes stop mattering once an outage runs for days. */
export function formatDuration(minutes: number): string {
  const total = Math.max(0, Math.floor(minutes));
  if (total < 1) return 'less than a minute';
  if (total < 60) return `${total} min`;
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  const rest = total % 60;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}

interface LineContext {
  durationMinutes: number;
  closed: boolean;
  count?: number;
}

function lineFor(stream: Stream, context: LineContext): ImpactLine {
  const line: ImpactLine = {
    streamId: stream.id,
    label: stream.label,
    effect: stream.effect,
    text: `*${stream.label}* — ${consequence(stream, context)}.`,
    durationMinutes: context.durationMinutes,
  };
  if (context.count !== undefined) line.count = context.count;
  if (context.closed && context.count !== undefined && stream.countOutcome) {
    line.outcome = context.count === 1 ? stream.countOutcome.one : stream.countOutcome.other.replace('{count}', String(context.count));
  }
  return line;
}

function consequence(stream: Stream, { durationMinutes, closed, count }: LineContext): string {
  const duration = formatDuration(durationMinutes);
  const counted = countNote(stream, count);
  switch (stream.effect) {
    case 'paused':
      return closed ? `was paused for ${duration}; re-downloading now` : `paused for ${duration}; ${stream.afterReconnect}`;
    case 'backfilled':
      return closed
        ? `was on hold for ${duration}${counted}; pushing what was missed now`
        : `on hold for ${duration}${counted}; ${stream.afterReconnect}`;
    case 'lost':
      return closed
        ? `lost for ${duration}${counted}; this can't be fixed afterwards`
        : `${stream.whileDisconnected}${counted}; ${stream.afterReconnect}`;
  }
}

/** " (ads created untagged: 12)": label-then-number reads right for 1 and for 12 alike. */
function countNote(stream: Stream, count: number | undefined): string {
  if (count === undefined) return '';
  return stream.countLabel ? ` (${stream.countLabel}: ${count})` : ` (${count})`;
}

function isEnabled(stream: Stream, options: Record<string, unknown>): boolean {
  return stream.whenOption === undefined || options[stream.whenOption] === true;
}

function countFor(stream: Stream, counts: ImpactInput['counts']): number | undefined {
  if (!stream.countKey) return undefined;
  const value = counts?.[stream.countKey];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
}
