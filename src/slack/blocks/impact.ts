import type { ImpactLine } from '../../domain/impact';
import type { MessageKey, T } from './messages';

/** An impact line in words: one sentence per stream, its count where the data platform reported one. */

const COUNTED: Partial<Record<ImpactLine['streamId'], { count: MessageKey; outcome: MessageKey }>> = {
  utm_tags: { count: 'stream.utm_tags.count', outcome: 'stream.utm_tags.outcome' },
  touchpoints: { count: 'stream.touchpoints.count', outcome: 'stream.touchpoints.outcome' },
};

export const streamLabel = (t: T, line: Pick<ImpactLine, 'streamId'>) => t.t(`stream.${line.streamId}.label`);

/** "*Cost data* — paused for 2 hours; it is re-downloaded after you reconnect." */
export function impactText(t: T, line: ImpactLine): string {
  const keys = COUNTED[line.streamId];
  const counted = line.count === undefined ? '' : t.t('impact.count', { count: keys ? t.t(keys.count, { count: line.count }) : t.number(line.count) });
  const values = {
    duration: t.duration(line.durationMinutes),
    counted,
    while: t.t(`stream.${line.streamId}.while`),
    after: t.t(`stream.${line.streamId}.after`),
  };
  const consequence = t.t(`impact.${line.effect}.${line.closed ? 'closed' : 'open'}`, values);
  return t.t('impact.line', { label: streamLabel(t, line), consequence });
}

/** Closed incidents with a count: what the count meant ("14 ads were created without UTM tags…"). */
export function impactOutcome(t: T, line: ImpactLine): string | null {
  const keys = COUNTED[line.streamId];
  return line.closed && keys && line.count !== undefined ? t.t(keys.outcome, { count: line.count }) : null;
}
