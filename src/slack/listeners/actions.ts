import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { z } from 'zod';
import { acknowledge, snooze, type IncidentDeps } from '../../domain/incidents';
import { ACTION_IDS, SNOOZE_OPTIONS } from '../ids';
import { detailsText } from '../blocks/details';
import { auditTrail } from '../../db/audit';
import { loadIncidentState } from '../../domain/incidents';
import type { ReauthorizeStarter } from '../reauth-request';
import { connectAnswer } from '../blocks/reauthorize';
import { DomainError } from '../../lib/errors';
import type { StartConnect } from './commands';

/** Alert buttons. Each acks first (Slack wants an answer within 3 s), then calls one domain function. */

const incidentId = z.string().uuid();
const CONNECTION_PREFIX = 'connection:';
const reauthorizeTarget = z.union([incidentId, z.string().regex(/^connection:[0-9a-f-]{36}$/)]);

export interface ActionDeps extends IncidentDeps {
  reauthorize: ReauthorizeStarter;
  startConnect: StartConnect;
}

/** Slack's action_ts + user + action: the same signed click replayed is recognised and ignored. */
const dedupeKey = (body: BlockAction, actionId: string, actionTs: string) => `action:${body.user.id}:${actionId}:${actionTs}`;

export function registerActions(app: App, deps: ActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.acknowledge, async ({ ack, body, action, respond }) => {
    await ack();
    const id = incidentId.safeParse(action.value);
    if (!id.success) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button is no longer valid.' }));
    const result = await acknowledge(deps, id.data, body.user.id, dedupeKey(body, action.action_id, action.action_ts));
    if (result === 'closed') await respond({ response_type: 'ephemeral', replace_original: false, text: 'This incident is already closed.' });
  });

  app.action<BlockAction<StaticSelectAction>>(ACTION_IDS.snooze, async ({ ack, body, action, respond }) => {
    await ack();
    const id = incidentId.safeParse(body.actions[0] && 'block_id' in body.actions[0] ? body.actions[0].block_id.replace(/^incident:/, '') : '');
    const option = SNOOZE_OPTIONS.find((o) => o.value === action.selected_option?.value);
    if (!id.success || !option) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'Pick 1 hour, 4 hours or 1 day.' }));
    const result = await snooze(deps, id.data, body.user.id, option.minutes, dedupeKey(body, action.action_id, action.action_ts));
    if (result === 'closed') await respond({ response_type: 'ephemeral', replace_original: false, text: 'This incident is already closed.' });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.details, async ({ ack, action, respond }) => {
    await ack();
    const id = incidentId.safeParse(action.value);
    const state = id.success ? await loadIncidentState(deps, id.data) : null;
    if (!state) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'That incident no longer exists.' }));
    const trail = await auditTrail(deps.prisma, { connectionId: state.connection.id }, 15);
    await respond({ response_type: 'ephemeral', replace_original: false, text: detailsText(state, trail) });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.reauthorize, async ({ ack, body, action, respond, client }) => {
    await ack();
    // An alert's button names its incident; an expiry warning's names the connection (no outage yet).
    const target = reauthorizeTarget.safeParse(action.value);
    const who = {
      teamId: body.team?.id ?? body.user.team_id ?? '',
      userId: body.user.id,
      dedupeKey: dedupeKey(body, action.action_id, action.action_ts),
      isAdmin: async () => {
        const info = await client.users.info({ user: body.user.id });
        return Boolean(info.user?.is_admin || info.user?.is_owner);
      },
    };
    const answer = !target.success
      ? 'That button is no longer valid.'
      : target.data.startsWith(CONNECTION_PREFIX)
        ? await deps.reauthorize.fromConnection({ ...who, connectionId: target.data.slice(CONNECTION_PREFIX.length) })
        : await deps.reauthorize.fromIncident({ ...who, incidentId: target.data });
    // A click in App Home has no response_url: answer in a modal only this person sees.
    if (body.container?.type === 'view') {
      await client.views.open({ trigger_id: body.trigger_id, view: answerModal(answer) });
    } else {
      await respond({ response_type: 'ephemeral', replace_original: false, text: answer });
    }
  });

  // App Home's Connect buttons, one per provider (`connect:<provider id>`, unique within their block).
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTION_IDS.connect}:`), async ({ ack, body, action, client }) => {
    await ack();
    let text: string;
    try {
      const started = await deps.startConnect({ teamId: body.team?.id ?? body.user.team_id ?? '', userId: body.user.id, provider: action.value ?? '', target: {} });
      text = connectAnswer(started, deps.clock.now(), false);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      text = error.message;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: answerModal(text, 'Connect') });
  });
}

function answerModal(text: string, title = 'Reauthorize') {
  return {
    type: 'modal' as const,
    title: { type: 'plain_text' as const, text: title },
    close: { type: 'plain_text' as const, text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn' as const, text } }],
  };
}
