import type { ImpactLine } from '../../domain/impact';
import type { DisconnectReason } from '../../providers/definition';
import type { ConnectionKind } from '../../lib/provider-ids';
import { ACTION_IDS, SNOOZE_OPTIONS } from '../ids';
import { impactOutcome, impactText, streamLabel } from './impact';
import type { T } from './messages';
import { context, dateAt, escapeMrkdwn, header, mention, plain, section, slackDate, userMention, type Block } from './text';

/** The alert message: a pure function of the incident's state, so every update re-renders it whole. */

export interface AlertView {
  incidentId: string;
  connectionName: string;
  providerName: string;
  kind: ConnectionKind;
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

export const cause = (t: T, reason: DisconnectReason | null) => t.t(`cause.${reason ?? 'unknown'}`);

export function alertMessage(t: T, view: AlertView): { text: string; blocks: Block[] } {
  return view.state === 'open' ? openAlert(t, view) : closedAlert(t, view);
}

function openAlert(t: T, view: AlertView): { text: string; blocks: Block[] } {
  const lost = view.impact.filter((line) => line.effect === 'lost');
  const blocks: Block[] = [
    header(t.t('alert.title', { name: view.connectionName })),
    section(
      [
        t.t('alert.account', { provider: escapeMrkdwn(view.providerName), kind: t.t(`kind.${view.kind}`), account: escapeMrkdwn(view.externalAccountId) }),
        t.t('alert.cause', { cause: cause(t, view.reason) }),
        t.t('alert.since', { date: dateAt(t, view.openedAt), reopened: view.reopenCount }),
      ].join('\n'),
    ),
    section([t.t('alert.impactHeading'), ...view.impact.map((line) => `• ${impactText(t, line)}`)].join('\n')),
  ];
  const status = statusLine(t, view);
  const owners = view.owners.length ? t.t('alert.owners', { owners: view.owners.map(mention).join(' ') }) : t.t('alert.noOwners');
  blocks.push(context(...[owners, status, view.deliveryNote].filter((text): text is string => Boolean(text))));
  blocks.push({
    type: 'actions',
    block_id: `incident:${view.incidentId}`,
    elements: [
      { type: 'button', action_id: ACTION_IDS.reauthorize, style: 'primary', text: plain(t.t('button.reauthorize'), 75), value: view.incidentId },
      { type: 'button', action_id: ACTION_IDS.acknowledge, text: plain(t.t('button.onIt'), 75), value: view.incidentId },
      {
        type: 'static_select',
        action_id: ACTION_IDS.snooze,
        placeholder: plain(t.t('button.snooze'), 75),
        options: SNOOZE_OPTIONS.map((option) => ({ text: plain(t.t(`snooze.${option.value}`), 75), value: option.value })),
      },
      { type: 'button', action_id: ACTION_IDS.details, text: plain(t.t('button.details'), 75), value: view.incidentId },
    ],
  });
  const values = { name: view.connectionName, provider: view.providerName, since: view.openedAt.toISOString() };
  const text = lost.length
    ? t.t('alert.fallbackLosing', { ...values, streams: t.list(lost.map((line) => streamLabel(t, line))) })
    : t.t('alert.fallback', values);
  return { text: text.slice(0, 3000), blocks };
}

function closedAlert(t: T, view: AlertView): { text: string; blocks: Block[] } {
  const minutes = Math.max(0, Math.round(((view.closedAt ?? view.now).getTime() - view.openedAt.getTime()) / 60_000));
  const disabled = view.connectionStatus === 'disabled';
  const date = dateAt(t, view.closedAt ?? view.now);
  const duration = t.duration(minutes);
  const summary = disabled ? t.t('alert.disabledSummary', { date }) : t.t('alert.fixedSummary', { who: actorName(t, view.closedBy), date, duration });
  const blocks: Block[] = [
    header(t.t(disabled ? 'alert.disabledTitle' : 'alert.reconnectedTitle', { name: view.connectionName })),
    section(`${t.t('alert.closedAccount', { provider: escapeMrkdwn(view.providerName), account: escapeMrkdwn(view.externalAccountId) })}\n${summary}`),
  ];
  if (!disabled && view.impact.length) blocks.push(section([t.t('alert.recoveryHeading'), ...view.impact.map((line) => `• ${impactText(t, line)}`)].join('\n')));
  const outcomes = disabled ? [] : view.impact.flatMap((line) => impactOutcome(t, line) ?? []);
  if (outcomes.length) blocks.push(section(t.t('alert.whileDisconnected', { outcomes: outcomes.join('; ') })));
  blocks.push({
    type: 'actions',
    block_id: `incident:${view.incidentId}`,
    elements: [{ type: 'button', action_id: ACTION_IDS.details, text: plain(t.t('button.details'), 75), value: view.incidentId }],
  });
  const text = disabled ? t.t('alert.disabledFallback', { name: view.connectionName }) : t.t('alert.reconnectedFallback', { name: view.connectionName, duration });
  return { text, blocks };
}

function statusLine(t: T, view: AlertView): string | null {
  const parts: string[] = [];
  if (view.reauthStartedBy) parts.push(t.t('alert.reauthStarted', { user: mention(view.reauthStartedBy) }));
  if (view.acknowledgedBy) parts.push(t.t('alert.onIt', { user: mention(view.acknowledgedBy) }));
  if (view.snoozedUntil && view.snoozedUntil > view.now) parts.push(t.t('alert.snoozedUntil', { time: slackDate(view.snoozedUntil, '{time}') }));
  return parts.length ? parts.join(' · ') : null;
}

/** Who closed an incident: a person as a mention, a system actor in words. */
export function actorName(t: T, closedBy: string | null): string {
  const person = userMention(closedBy);
  if (person) return person;
  switch (closedBy) {
    case 'webhook':
      return t.t('actor.webhook');
    case 'probe':
      return t.t('actor.probe');
    case 'admin':
    case 'admin-api':
      return t.t('actor.admin');
    default:
      return t.t('actor.someone');
  }
}
