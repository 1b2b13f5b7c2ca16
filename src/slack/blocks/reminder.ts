import type { ImpactLine } from '../../domain/impact';
import { streamLabel } from './impact';
import type { T } from './messages';
import { escapeMrkdwn, mention } from './text';

/** The reminder posted in an open alert's thread: who should act, and how long data has been affected. */
export function reminderText(t: T, input: { connectionName: string; owners: string[]; affectedMinutes: number; impact: ImpactLine[] }): string {
  const values = {
    who: input.owners.length ? `${input.owners.map(mention).join(' ')}: ` : '',
    name: escapeMrkdwn(input.connectionName),
    duration: t.duration(input.affectedMinutes),
  };
  const lost = input.impact.filter((line) => line.effect === 'lost').map((line) => streamLabel(t, line));
  return lost.length ? t.t('reminder.textLosing', { ...values, streams: t.list(lost) }) : t.t('reminder.text', values);
}
