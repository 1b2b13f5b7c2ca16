import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { digestFor } from '../../domain/digest';
import { markProcessed } from '../../db/processed-keys';
import { findSubscription } from '../../db/subscriptions';
import { snooze } from '../../domain/incidents';
import { canonicalTimeZone } from '../../domain/local-time';
import { matchByName, normalizeName } from '../../domain/name-match';
import { loadWorkspaceConnections, type WorkspaceConnection } from '../../domain/overview';
import type { ProbeOutcome } from '../../domain/probe';
import { startReauthorization, type ReauthDeps } from '../../domain/reauth-start';
import { subscribe, unsubscribe } from '../../domain/subscriptions';
import {
  checkAnswer,
  digestNotPostedAnswer,
  helpAnswer,
  listAnswer,
  nameMatchAnswer,
  snoozeAnswer,
  somethingWentWrongAnswer,
  statusAnswer,
  subscribedAnswer,
  unknownProviderAnswer,
  unsubscribedAnswer,
  usageAnswer,
  type CommandAnswer,
} from '../blocks/commands';
import { digestMessage } from '../blocks/digest';
import { connectAnswer, reauthAnswer } from '../blocks/reauthorize';
import { DomainError } from '../../lib/errors';
import { slackFailure } from '../call-outcome';
import { parseCommandText, type CommandRequest } from '../command-syntax';

/**
 * The slash command (`/reconnect` unless configured otherwise). Quick answers (help, usage) go in the
 * ack itself; everything that reads the database acks first, since Slack wants an answer within 3 s,
 * and answers through `response_url`. Answers are ephemeral; only `digest` posts in the channel.
 */

export type CheckNow = (connectionId: string) => Promise<Pick<ProbeOutcome, 'result' | 'detail' | 'connection'>>;

export type StartConnect = (input: { teamId: string; userId: string; provider: string; target: { channelId?: string; name?: string } }) => Promise<{ url: string; expiresAt: Date; provider: { name: string } }>;

export interface CommandDeps extends ReauthDeps {
  command: string;
  /** `startConnect` in domain/connect. */
  startConnect: StartConnect;
  /** Probes one connection now and applies the result through the status engine (`checkNow` in domain/probe). */
  checkNow: CheckNow;
}

const DEFAULT_DIGEST_TIME = '09:00';

const commandPayload = z.object({
  team_id: z.string().min(1),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  text: z.string().max(4000),
  trigger_id: z.string().min(1),
});
type CommandPayload = z.infer<typeof commandPayload>;

interface Invocation {
  payload: CommandPayload;
  client: WebClient;
  /** Slack's trigger_id is unique per invocation: a replayed signed request acts once. */
  dedupeKey: string;
}

export function registerCommands(app: App, deps: CommandDeps): void {
  app.command(deps.command, async ({ command, ack, respond, client }) => {
    const payload = commandPayload.safeParse(command);
    if (!payload.success) return ack({ response_type: 'ephemeral', ...usageAnswer(deps.command, undefined, undefined) });
    const parsed = parseCommandText(payload.data.text);
    if (!parsed.ok) return ack({ response_type: 'ephemeral', ...usageAnswer(deps.command, parsed.problem, parsed.subcommand) });
    if (parsed.request.name === 'help') return ack({ response_type: 'ephemeral', ...helpAnswer(deps.command) });
    await ack();
    const invocation = { payload: payload.data, client, dedupeKey: `command:${payload.data.user_id}:${payload.data.trigger_id}` };
    let answer: CommandAnswer | null;
    try {
      answer = await answerRequest(deps, invocation, parsed.request);
    } catch (error) {
      await respond({ response_type: 'ephemeral', ...somethingWentWrongAnswer });
      throw error;
    }
    if (answer) await respond({ response_type: 'ephemeral', ...answer });
  });
}

async function answerRequest(
  deps: CommandDeps,
  invocation: Invocation,
  request: Exclude<CommandRequest, { name: 'help' }>,
): Promise<CommandAnswer | null> {
  const { payload } = invocation;
  switch (request.name) {
    case 'status':
      return statusAnswer(await loadWorkspaceConnections(deps.prisma, deps.catalog, payload.team_id));
    case 'list':
      return list(deps, payload.team_id, request.provider);
    case 'reauth':
      return withConnection(deps, payload.team_id, request, (connection) => reauthorize(deps, invocation, connection));
    case 'check':
      return withConnection(deps, payload.team_id, request, (connection) => check(deps, connection));
    case 'snooze':
      return withConnection(deps, payload.team_id, request, (connection) => snoozeConnection(deps, invocation, connection, request));
    case 'subscribe':
      return subscribedAnswer(
        await subscribe(deps, {
          teamId: payload.team_id,
          channelId: request.channelId ?? payload.channel_id,
          localTime: request.localTime ?? DEFAULT_DIGEST_TIME,
          timezone: request.timezone ?? (await userTimeZone(invocation.client, payload.user_id)),
          quiet: request.quiet,
          userId: payload.user_id,
        }),
      );
    case 'unsubscribe': {
      const channelId = request.channelId ?? payload.channel_id;
      return unsubscribedAnswer(channelId, await unsubscribe(deps.prisma, payload.team_id, channelId));
    }
    case 'digest':
      return postDigest(deps, invocation);
    case 'connect':
      return connect(deps, payload, request);
  }
}

async function connect(deps: CommandDeps, payload: CommandPayload, request: Extract<CommandRequest, { name: 'connect' }>): Promise<CommandAnswer> {
  try {
    const started = await deps.startConnect({
      teamId: payload.team_id,
      userId: payload.user_id,
      provider: request.provider,
      target: { channelId: payload.channel_id, ...(request.connectionName ? { name: request.connectionName } : {}) },
    });
    return { text: connectAnswer(started, deps.clock.now()) };
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'bad_request' || error.code === 'not_configured')) return { text: error.message };
    throw error;
  }
}

async function list(deps: CommandDeps, teamId: string, providerQuery: string | undefined): Promise<CommandAnswer> {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, teamId);
  if (!providerQuery) return listAnswer(connections);
  const providers = deps.catalog.list();
  const byId = providers.find((provider) => normalizeName(provider.id) === normalizeName(providerQuery));
  const match = byId ? { kind: 'found' as const, item: byId } : matchByName(providers, providerQuery, (provider) => provider.name);
  if (match.kind !== 'found') return unknownProviderAnswer(providerQuery, providers);
  return listAnswer(connections.filter((connection) => connection.provider === match.item.id), match.item.name);
}

/** Runs `act` on the connection the typed name means, or answers with the candidates when it's unclear. */
async function withConnection(
  deps: CommandDeps,
  teamId: string,
  request: { name: 'reauth' | 'check' | 'snooze'; connection: string },
  act: (connection: WorkspaceConnection) => Promise<CommandAnswer>,
): Promise<CommandAnswer> {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, teamId);
  const match = matchByName(connections, request.connection, (connection) => connection.name);
  if (match.kind === 'found') return act(match.item);
  return nameMatchAnswer(request.connection, match, { command: deps.command, subcommand: request.name });
}

async function reauthorize(deps: CommandDeps, invocation: Invocation, connection: WorkspaceConnection): Promise<CommandAnswer> {
  const { payload, client } = invocation;
  const result = await startReauthorization(deps, {
    connectionId: connection.id,
    teamId: payload.team_id,
    userId: payload.user_id,
    incidentId: connection.openIncidentId ?? undefined,
    dedupeKey: invocation.dedupeKey,
    isAdmin: async () => {
      const info = await client.users.info({ user: payload.user_id });
      return Boolean(info.user?.is_admin || info.user?.is_owner);
    },
  });
  return { text: reauthAnswer(result, deps.clock.now()) };
}

async function check(deps: CommandDeps, connection: WorkspaceConnection): Promise<CommandAnswer> {
  const outcome = await deps.checkNow(connection.id);
  return checkAnswer(outcome, deps.command);
}

async function snoozeConnection(
  deps: CommandDeps,
  invocation: Invocation,
  connection: WorkspaceConnection,
  request: Extract<CommandRequest, { name: 'snooze' }>,
): Promise<CommandAnswer> {
  const until = new Date(deps.clock.now().getTime() + request.minutes * 60_000);
  if (!connection.openIncidentId) return snoozeAnswer('no_incident', connection, until, request.capped);
  const outcome = await snooze(deps, connection.openIncidentId, invocation.payload.user_id, request.minutes, invocation.dedupeKey);
  return snoozeAnswer(outcome, connection, until, request.capped);
}

/** Posted directly rather than through the outbox, so the person hears at once when it can't be. */
async function postDigest(deps: CommandDeps, invocation: Invocation): Promise<CommandAnswer | null> {
  const { payload, client } = invocation;
  const now = deps.clock.now();
  // A replayed signed slash command posts nothing twice.
  if (!(await markProcessed(deps.prisma, invocation.dedupeKey, now))) return null;
  const timeZone = (await findSubscription(deps.prisma, payload.team_id, payload.channel_id))?.timezone ?? (await userTimeZone(client, payload.user_id));
  const message = digestMessage(await digestFor(deps.prisma, deps.catalog, payload.team_id, now, timeZone), { quiet: false });
  if (!message) return null;
  try {
    await client.chat.postMessage({ channel: payload.channel_id, text: message.text, blocks: message.blocks, unfurl_links: false });
    return null;
  } catch (thrown) {
    return digestNotPostedAnswer(slackFailure(thrown).error);
  }
}

/** The person's own zone from their Slack profile; UTC when Slack has none that Intl knows. */
async function userTimeZone(client: WebClient, userId: string): Promise<string> {
  const info = await client.users.info({ user: userId });
  return canonicalTimeZone(info.user?.tz ?? 'UTC') ?? 'UTC';
}
