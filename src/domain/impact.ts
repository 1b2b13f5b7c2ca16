import type { CountKey, ProviderDefinition, Stream, StreamEffect, StreamId } from '../providers/definition';

/**
 * What an outage does to each data stream a connection feeds, as facts the message catalogs put in words
 * (src/slack/blocks/impact.ts). Pure: the caller passes `now`, so an alert, its in-place updates and the
 * digest all read the same.
 */

export interface ImpactLine {
  streamId: StreamId;
  effect: StreamEffect;
  /** Reported by the data platform for this stream (ads created untagged, touchpoints queued). */
  count?: number;
  /** The outage is over: the line says what happened rather than what is happening. */
  closed: boolean;
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
    .map((stream) => lineFor(stream, durationMinutes, closed, countFor(stream, input.counts)));
}

/** Stream ids the data platform should recover after reconnecting: everything not lost. */
export function backfillStreams(lines: readonly Pick<ImpactLine, 'streamId' | 'effect'>[]): StreamId[] {
  const ids = lines.filter((line) => line.effect !== 'lost').map((line) => line.streamId);
  return [...new Set(ids)];
}

function lineFor(stream: Stream, durationMinutes: number, closed: boolean, count: number | undefined): ImpactLine {
  return { streamId: stream.id, effect: stream.effect, closed, durationMinutes, ...(count === undefined ? {} : { count }) };
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
