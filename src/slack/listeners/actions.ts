import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { acknowledge, snooze, type IncidentDeps } from '../../domain/incidents';
import { ACTION_IDS, SNOOZE_OPTIONS } from '../ids';
import { detailsText } from '../blocks/details';
import { auditTrail } from '../../db/audit';
import { loadIncidentState } from '../../domain/incidents';
import type { ReauthorizeStarter } from '../reauth-request';
import { connectAnswer } from '../blocks/reauthorize';
import { flowText } from '../blocks/flow';
import type { T } from '../blocks/messages';
import { FlowError } from '../../domain/flow-steps';
import type { PeopleLanguages } from '../people';
import { isWorkspaceAdmin, type StartConnect } from './commands';

/** Alert buttons. Each acks first (Slack wants an answer within 3 s), then calls one domain function. */

const incidentId = z.string().uuid();
const CONNECTION_PREFIX = 'connection:';
const reauthorizeTarget = z.union([incidentId, z.string().regex(/^connection:[0-9a-f-]{36}$/)]);

export interface ActionDeps extends IncidentDeps {
  reauthorize: ReauthorizeStarter;
  startConnect: StartConnect;
  people: PeopleLanguages;
}

/** Slack's action_ts + user + action: the same signed click replayed is recognised and ignored. */
const dedupeKey = (body: BlockAction, actionId: string, actionTs: string) => `action:${body.user.id}:${actionId}:${actionTs}`;

const teamOf = (body: BlockAction) => body.team?.id ?? body.user.team_id ?? '';

export function registerActions(app: App, deps: ActionDeps): void {
  // Every answer is the clicking person's, in their language.
  const readerOf = (body: BlockAction, client: WebClient) => deps.people.translatorFor(deps.prisma, client, teamOf(body), body.user.id);
  const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.acknowledge, async ({ ack, body, action, respond, client }) => {
    await ack();
    const id = incidentId.safeParse(action.value);
    if (!id.success) return void (await respond(ephemeral((await readerOf(body, client)).t('action.invalid'))));
    const result = await acknowledge(deps, id.data, body.user.id, dedupeKey(body, action.action_id, action.action_ts));
    if (result === 'closed') await respond(ephemeral((await readerOf(body, client)).t('action.closed')));
  });

  app.action<BlockAction<StaticSelectAction>>(ACTION_IDS.snooze, async ({ ack, body, action, respond, client }) => {
    await ack();
    const id = incidentId.safeParse(body.actions[0] && 'block_id' in body.actions[0] ? body.actions[0].block_id.replace(/^incident:/, '') : '');
    const option = SNOOZE_OPTIONS.find((o) => o.value === action.selected_option?.value);
    if (!id.success || !option) return void (await respond(ephemeral((await readerOf(body, client)).t('action.pickSnooze'))));
    const result = await snooze(deps, id.data, body.user.id, option.minutes, dedupeKey(body, action.action_id, action.action_ts));
    if (result === 'closed') await respond(ephemeral((await readerOf(body, client)).t('action.closed')));
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.details, async ({ ack, body, action, respond, client }) => {
    await ack();
    const t = await readerOf(body, client);
    const id = incidentId.safeParse(action.value);
    const state = id.success ? await loadIncidentState(deps, id.data) : null;
    if (!state) return void (await respond(ephemeral(t.t('action.incidentGone'))));
    const trail = await auditTrail(deps.prisma, { connectionId: state.connection.id }, 15);
    await respond(ephemeral(detailsText(t, state, trail)));
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.reauthorize, async ({ ack, body, action, respond, client }) => {
    await ack();
    const t = await readerOf(body, client);
    // An alert's button names its incident; an expiry warning's names the connection (no outage yet).
    const target = reauthorizeTarget.safeParse(action.value);
    const who = {
      teamId: teamOf(body),
      userId: body.user.id,
      dedupeKey: dedupeKey(body, action.action_id, action.action_ts),
      isAdmin: () => isWorkspaceAdmin(client, body.user.id),
    };
    const answer = !target.success
      ? t.t('action.invalid')
      : target.data.startsWith(CONNECTION_PREFIX)
        ? await deps.reauthorize.fromConnection(t, { ...who, connectionId: target.data.slice(CONNECTION_PREFIX.length) })
        : await deps.reauthorize.fromIncident(t, { ...who, incidentId: target.data });
    // A click in App Home has no response_url: answer in a modal only this person sees.
    if (body.container?.type === 'view') {
      await client.views.open({ trigger_id: body.trigger_id, view: answerModal(t, answer, 'modal.reauthorize') });
    } else {
      await respond(ephemeral(answer));
    }
  });

  // App Home's Connect buttons, one per provider (`connect:<provider id>`, unique within their block).
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTION_IDS.connect}:`), async ({ ack, body, action, client }) => {
    await ack();
    const t = await readerOf(body, client);
    let text: string;
    try {
      const started = await deps.startConnect({ teamId: teamOf(body), userId: body.user.id, provider: action.value ?? '', target: {}, language: t.language });
      text = connectAnswer(t, started, deps.clock.now(), false);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      text = flowText(t, error.words);
    }
    await client.views.open({ trigger_id: body.trigger_id, view: answerModal(t, text, 'modal.connect') });
  });
}

/** Slack allows 24 characters in a modal's title and its close button. */
function answerModal(t: T, text: string, title: 'modal.reauthorize' | 'modal.connect') {
  return {
    type: 'modal' as const,
    title: { type: 'plain_text' as const, text: t.t(title).slice(0, 24) },
    close: { type: 'plain_text' as const, text: t.t('modal.close').slice(0, 24) },
    blocks: [{ type: 'section', text: { type: 'mrkdwn' as const, text } }],
  };
}
