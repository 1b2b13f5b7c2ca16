import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Prisma } from '../db/client';
import { incidentTeams } from '../db/incidents';
import { connectionTeams } from '../db/connections';
import { ACTION_IDS } from './ids';

/**
 * One check in front of every interaction: what a click names (an incident, by its id in the button's
 * value or the snooze menu's block id) must belong to the workspace the click came from. Slack sends back
 * whatever value a message carries, and Slack Connect puts people of other organisations in our
 * channels, so a click is never trusted to stay inside its workspace. Slash commands look connections up
 * by name within the command's own team, so they can't reach another workspace's.
 */

const INCIDENT_ACTIONS = new Set<string>([ACTION_IDS.acknowledge, ACTION_IDS.details, ACTION_IDS.reauthorize, ACTION_IDS.snooze]);

interface ActionLike {
  action_id?: string;
  block_id?: string;
  value?: string;
}

function namedIncidents(body: Record<string, unknown>): string[] {
  const actions = Array.isArray(body.actions) ? (body.actions as ActionLike[]) : [];
  return actions
    .filter((action) => action.action_id !== undefined && INCIDENT_ACTIONS.has(action.action_id))
    .map((action) => (action.action_id === ACTION_IDS.snooze ? (action.block_id ?? '').replace(/^incident:/, '') : (action.value ?? '')))
    .filter(Boolean);
}

export function sameWorkspaceOnly(prisma: Prisma): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as Record<string, unknown>;
    if (body.type !== 'block_actions') return args.next();
    const team = (body.team as { id?: string } | null | undefined)?.id ?? (body.user as { team_id?: string } | undefined)?.team_id;
    const named = namedIncidents(body);
    // An expiry warning's Reauthorize names its connection (`connection:<id>`) instead of an incident.
    const connections = named.filter((id) => id.startsWith('connection:')).map((id) => id.slice('connection:'.length));
    const incidents = named.filter((id) => !id.startsWith('connection:'));
    const owners = [...(await incidentTeams(prisma, incidents)), ...(await connectionTeams(prisma, connections))];
    if (owners.every((owner) => owner === team)) return args.next();
    const { ack, respond } = args as unknown as { ack?: () => Promise<void>; respond?: (message: object) => Promise<unknown> };
    await ack?.();
    await respond?.({ response_type: 'ephemeral', replace_original: false, text: 'That button belongs to another workspace, so it does nothing here.' });
    args.logger.warn('refused an interaction naming another workspace\'s incident');
  };
}
