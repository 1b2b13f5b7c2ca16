import type { ImpactLine } from '../../domain/impact';
import { formatDuration } from '../../domain/impact';
import type { DisconnectReason } from '../../providers/definition';
import { ACTION_IDS, SNOOZE_OPTIONS } from '../ids';
import { context, escapeMrkdwn, header, mention, plain, section, slackDate, type Block } from './text';

/** The alert message: a pure function of the incident's state, so every update re-renders it whole. */

export interface AlertView {
  incidentId: string;
  connectionName: string;
  providerName: string;
  kindLabel: string;
  externalAccountId: string;
  reason: DisconnectReason | null;
  openedAt: Date;
  closedAt: Date | null;
  closedBy: string | null;
  state: 'open' | 'closed';
  connectionStatus: string;
  owners: string[];
  impact: ImpactLine[];
  acknowledgedBy: string | null;
  snoozedUntil: Date | null;
  reauthStartedBy: string | null;
  reopenCount: number;
  deliveryNote?: string;
  now: Date;
}

export const CAUSES: Record<DisconnectReason, string> = {
  token_revoked: 'Access was revoked at the provider (the app was removed or its access withdrawn).',
  token_expired: 'The authorization expired.',
  admin_changed: 'The admin account that authorized it changed (password reset, deactivation or a new admin).',
  third_party_outage: 'A problem at the provider keeps us from using the authorization.',
  internal: 'An internal problem broke the authorization.',
  unknown: 'The provider stopped accepting the authorization.',
};

export function alertMessage(view: AlertView): { text: string; blocks: Block[] } {
  return view.state === 'open' ? openAlert(view) : closedAlert(view);
}

function openAlert(view: AlertView): { text: string; blocks: Block[] } {
  const lost = view.impact.filter((line) => line.effect === 'lost');
  const blocks: Block[] = [
    header(`🔑 ${view.connectionName} needs reauthorization`),
    section(
      [
        `*${escapeMrkdwn(view.providerName)}* (${view.kindLabel}) · account \`${escapeMrkdwn(view.externalAccountId)}\``,
        `*Cause:* ${CAUSES[view.reason ?? 'unknown']}`,
        `*Since:* ${slackDate(view.openedAt)}${view.reopenCount > 0 ? ` · dropped again ${view.reopenCount}×` : ''}`,
      ].join('\n'),
    ),
    section(['*What this means for your data*', ...view.impact.map((line) => `• ${line.text}`)].join('\n')),
  ];
  const status = statusLine(view);
  const owners = view.owners.length ? `Owners: ${view.owners.map(mention).join(' ')}` : 'No owners set: anyone with access can reauthorize.';
  blocks.push(context(...[owners, status, view.deliveryNote].filter((t): t is string => Boolean(t))));
  blocks.push({
    type: 'actions',
    block_id: `incident:${view.incidentId}`,
    elements: [
      { type: 'button', action_id: ACTION_IDS.reauthorize, style: 'primary', text: plain('Reauthorize', 75), value: view.incidentId },
      { type: 'button', action_id: ACTION_IDS.acknowledge, text: plain("I'm on it", 75), value: view.incidentId },
      {
        type: 'static_select',
        action_id: ACTION_IDS.snooze,
        placeholder: plain('Snooze', 75),
        options: SNOOZE_OPTIONS.map((option) => ({ text: plain(option.label, 75), value: option.value })),
      },
      { type: 'button', action_id: ACTION_IDS.details, text: plain('Details', 75), value: view.incidentId },
    ],
  });
  const text =
    `${view.connectionName} (${view.providerName}) needs reauthorization. ` +
    (lost.length ? `Data is being lost: ${lost.map((line) => line.label).join(', ')}. ` : '') +
    `Since ${view.openedAt.toISOString()}.`;
  return { text: text.slice(0, 3000), blocks };
}

function closedAlert(view: AlertView): { text: string; blocks: Block[] } {
  const minutes = Math.max(0, Math.round(((view.closedAt ?? view.now).getTime() - view.openedAt.getTime()) / 60_000));
  const disabled = view.connectionStatus === 'disabled';
  const who = view.closedBy && /^[UW][A-Z0-9]+$/.test(view.closedBy) ? mention(view.closedBy) : describeActor(view.closedBy);
  const title = disabled ? `⏹️ ${view.connectionName} was disabled` : `✅ ${view.connectionName} reconnected`;
  const summary = disabled
    ? `Disabled ${slackDate(view.closedAt ?? view.now)}; no more alerts for this connection.`
    : `Fixed by ${who} ${slackDate(view.closedAt ?? view.now)} · data was affected for ${formatDuration(minutes)}.`;
  const blocks: Block[] = [
    header(title),
    section(`*${escapeMrkdwn(view.providerName)}* · account \`${escapeMrkdwn(view.externalAccountId)}\`\n${summary}`),
  ];
  if (!disabled && view.impact.length) blocks.push(section(['*Recovery*', ...view.impact.map((line) => `• ${line.text}`)].join('\n')));
  const outcomes = disabled ? [] : view.impact.flatMap((line) => (line.outcome ? [line.outcome] : []));
  if (outcomes.length) blocks.push(section(`*While disconnected:* ${outcomes.join('; ')}.`));
  blocks.push({
    type: 'actions',
    block_id: `incident:${view.incidentId}`,
    elements: [{ type: 'button', action_id: ACTION_IDS.details, text: plain('Details', 75), value: view.incidentId }],
  });
  const text = disabled ? `${view.connectionName} was disabled.` : `${view.connectionName} reconnected; data was affected for ${formatDuration(minutes)}.`;
  return { text, blocks };
}

function statusLine(view: AlertView): string | null {
  const parts: string[] = [];
  if (view.reauthStartedBy) parts.push(`Reauthorization started by ${mention(view.reauthStartedBy)}`);
  if (view.acknowledgedBy) parts.push(`${mention(view.acknowledgedBy)} is on it`);
  if (view.snoozedUntil && view.snoozedUntil > view.now) parts.push(`Reminders snoozed until ${slackDate(view.snoozedUntil, '{time}')}`);
  return parts.length ? parts.join(' · ') : null;
}

function describeActor(closedBy: string | null): string {
  switch (closedBy) {
    case 'webhook':
      return 'the data platform';
    case 'probe':
      return 'an automatic check';
    case 'admin':
    case 'admin-api':
      return 'an admin';
    default:
      return 'someone';
  }
}
