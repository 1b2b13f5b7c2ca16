import type { AuditEvent } from '../../db/audit';
import type { IncidentState } from '../../domain/incidents';
import { cause } from './alert';
import { impactText } from './impact';
import type { MessageKey, T } from './messages';
import { dateAt, escapeMrkdwn, mention, slackDate } from './text';

/** The Details answer: the incident's facts and its audit trail, newest first. */
export function detailsText(t: T, state: IncidentState, trail: AuditEvent[]): string {
  const { incident, connection, provider } = state;
  const status = t.t(`status.${connection.status}`);
  const lines = [
    t.t('details.title', { name: escapeMrkdwn(connection.name), provider: escapeMrkdwn(provider.name), account: escapeMrkdwn(connection.externalAccountId) }),
    incident.state === 'open' ? t.t('details.statusSince', { status, date: dateAt(t, incident.openedAt) }) : t.t('details.status', { status }),
    t.t('details.cause', { cause: cause(t, state.reason) }),
    ...state.impact.map((line) => `• ${impactText(t, line)}`),
    '',
    t.t('details.history'),
    ...trail.map((event) => `${slackDate(event.createdAt, '{date_short} {time}')} — ${describe(t, event)}`),
  ];
  return lines.join('\n').slice(0, 3900);
}

const isStatus = (value: string | null): value is 'authorization_required' | 'degraded' | 'connected' | 'disabled' =>
  value === 'authorization_required' || value === 'degraded' || value === 'connected' || value === 'disabled';

/** Audit actions people see in the history; others are shown by their name. */
const ACTIONS: Record<string, MessageKey> = {
  reauth_completed: 'audit.reauth_completed',
  reauth_failed: 'audit.reauth_failed',
  reauth_wrong_account: 'audit.reauth_wrong_account',
  grant_kept: 'audit.grant_kept',
  grant_revoked: 'audit.grant_revoked',
  replaced_grant_revoked: 'audit.replaced_grant_revoked',
  replaced_grant_revoke_failed: 'audit.replaced_grant_revoke_failed',
  event_ignored: 'audit.event_ignored',
  connection_created: 'audit.connection_created',
  connection_updated: 'audit.connection_updated',
  access_token_read: 'audit.access_token_read',
};

const ACTORS: Record<string, MessageKey> = { probe: 'actor.probe', webhook: 'actor.webhook', system: 'actor.system', admin: 'actor.admin', 'admin-api': 'actor.admin' };

function describe(t: T, event: AuditEvent): string {
  const actor = ACTORS[event.actorType];
  const who = event.actorType === 'user' && event.actorId ? mention(event.actorId) : actor ? t.t(actor) : event.actorType;
  switch (event.action) {
    case 'status_changed': {
      const name = (status: string | null) => (isStatus(status) ? t.t(`status.${status}`) : String(status));
      return t.t('details.statusChanged', { from: name(event.fromStatus), to: name(event.toStatus), who });
    }
    case 'reauth_refused':
      return t.t('details.refused', { who });
    default:
      return t.t('details.event', { action: ACTIONS[event.action] ? t.t(ACTIONS[event.action]!) : event.action.replace(/_/g, ' '), who });
  }
}
