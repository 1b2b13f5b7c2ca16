import type { AuditEvent } from '../../db/audit';
import type { IncidentState } from '../../domain/incidents';
import { CAUSES } from './alert';
import { mention, slackDate } from './text';

/** The Details answer: the incident's facts and its audit trail, newest first. */
export function detailsText(state: IncidentState, trail: AuditEvent[]): string {
  const { incident, connection, provider } = state;
  const lines = [
    `*${connection.name}* — ${provider.name}, account \`${connection.externalAccountId}\``,
    `Status: *${connection.status.replace('_', ' ')}*${incident.state === 'open' ? ` since ${slackDate(incident.openedAt)}` : ''}`,
    `Cause: ${CAUSES[state.reason ?? 'unknown']}`,
    ...state.impact.map((line) => `• ${line.text}`),
    '',
    '*History*',
    ...trail.map((event) => `${slackDate(event.createdAt, '{date_short} {time}')} — ${describe(event)}`),
  ];
  return lines.join('\n').slice(0, 3900);
}

function describe(event: AuditEvent): string {
  const who = event.actorType === 'user' && event.actorId ? mention(event.actorId) : event.actorType;
  switch (event.action) {
    case 'status_changed':
      return `${event.fromStatus} → ${event.toStatus} (${who})`;
    case 'reauth_refused':
      return `${who} was not allowed to reauthorize`;
    default:
      return `${event.action.replace(/_/g, ' ')} (${who})`;
  }
}
