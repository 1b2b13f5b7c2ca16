import { formatDuration, type ImpactLine } from '../../domain/impact';
import { escapeMrkdwn, mention } from './text';

/** The reminder posted in an open alert's thread: who should act, and how long data has been affected. */
export function reminderText(input: { connectionName: string; owners: string[]; affectedMinutes: number; impact: ImpactLine[] }): string {
  const who = input.owners.length ? `${input.owners.map(mention).join(' ')}: ` : '';
  const lost = input.impact.filter((line) => line.effect === 'lost').map((line) => line.label);
  return [
    `⏰ ${who}*${escapeMrkdwn(input.connectionName)}* still needs reauthorization; data has been affected for ${formatDuration(input.affectedMinutes)}.`,
    lost.length ? ` Lost until it is reauthorized: ${lost.join(', ')}.` : '',
    ' Click Reauthorize on the alert above.',
  ].join('');
}
