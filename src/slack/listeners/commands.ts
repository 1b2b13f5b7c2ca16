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
  languageChangedAnswer,
  languageShownAnswer,
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
import { flowText } from '../blocks/flow';
import { translator, type T } from '../blocks/messages';
import { connectAnswer, reauthAnswer } from '../blocks/reauthorize';
import { FlowError } from '../../domain/flow-steps';
import { channelLanguage, clearChannelLanguage, languageState, setChannelLanguage, setWorkspaceLanguage } from '../../domain/languages';
import { slackFailure } from '../call-outcome';
import { parseCommandText, type CommandRequest } from '../command-syntax';
import type { PeopleLanguages } from '../people';

/**
 * The slash command (`/reconnect` unless configured otherwise). Quick answers (help, usage) go in the
 * ack itself; everything that reads the database acks first, since Slack wants an answer within 3 s,
 * and answers through `response_url`. Answers are ephemeral; only `digest` posts in the channel.
 */

export type CheckNow = (connectionId: string) => Promise<Pick<ProbeOutcome, 'result' | 'skip' | 'connection'>>;

export type StartConnect = (input: {
  teamId: string;
  userId: string;
  provider: string;
  target: { channelId?: string; name?: string };
  language: string;
}) => Promise<{ url: string; expiresAt: Date; provider: { name: string } }>;

export interface CommandDeps extends ReauthDeps {
  command: string;
  /** `startConnect` in domain/connect. */
  startConnect: StartConnect;
  /** Probes one connection now and applies the result through the status engine (`checkNow` in domain/probe). */
  checkNow: CheckNow;
  people: PeopleLanguages;
}

/** Quick answers go in the ack: a slow language lookup must not cost Slack's 3 seconds. */
const QUICK_LANGUAGE_MS = 1000;

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
  /** The person's language: every answer is theirs. */
  t: T;
  /** Slack's trigger_id is unique per invocation: a replayed signed request acts once. */
  dedupeKey: string;
}

export function registerCommands(app: App, deps: CommandDeps): void {
  app.command(deps.command, async ({ command, ack, respond, client }) => {
    const payload = commandPayload.safeParse(command);
    if (!payload.success) return ack({ response_type: 'ephemeral', ...usageAnswer(translator('en'), deps.command, undefined, undefined) });
    const parsed = parseCommandText(payload.data.text);
    const quick = !parsed.ok || parsed.request.name === 'help';
    const lookup = deps.people.translatorFor(deps.prisma, client, payload.data.team_id, payload.data.user_id);
    const t = quick ? await within(QUICK_LANGUAGE_MS, lookup, translator('en')) : await lookup;
    if (!parsed.ok) return ack({ response_type: 'ephemeral', ...usageAnswer(t, deps.command, parsed.problem, parsed.subcommand) });
    if (parsed.request.name === 'help') return ack({ response_type: 'ephemeral', ...helpAnswer(t, deps.command) });
    await ack();
    const invocation = { payload: payload.data, client, t, dedupeKey: `command:${payload.data.user_id}:${payload.data.trigger_id}` };
    let answer: CommandAnswer | null;
    try {
      answer = await answerRequest(deps, invocation, parsed.request);
    } catch (error) {
      await respond({ response_type: 'ephemeral', ...somethingWentWrongAnswer(t) });
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
  const { payload, t } = invocation;
  switch (request.name) {
    case 'status':
      return statusAnswer(t, await loadWorkspaceConnections(deps.prisma, deps.catalog, payload.team_id));
    case 'list':
      return list(deps, t, payload.team_id, request.provider);
    case 'reauth':
      return withConnection(deps, invocation, request, (connection) => reauthorize(deps, invocation, connection));
    case 'check':
      return withConnection(deps, invocation, request, (connection) => check(deps, t, connection));
    case 'snooze':
      return withConnection(deps, invocation, request, (connection) => snoozeConnection(deps, invocation, connection, request));
    case 'subscribe':
      return subscribeChannel(deps, invocation, request);
    case 'unsubscribe': {
      const channelId = request.channelId ?? payload.channel_id;
      return unsubscribedAnswer(t, channelId, await unsubscribe(deps.prisma, payload.team_id, channelId));
    }
    case 'digest':
      return postDigest(deps, invocation);
    case 'connect':
      return connect(deps, invocation, request);
    case 'language':
      return language(deps, invocation, request);
  }
}

async function subscribeChannel(deps: CommandDeps, invocation: Invocation, request: Extract<CommandRequest, { name: 'subscribe' }>): Promise<CommandAnswer> {
  const { payload, t } = invocation;
  const channelId = request.channelId ?? payload.channel_id;
  const outcome = await subscribe(deps, {
    teamId: payload.team_id,
    channelId,
    localTime: request.localTime ?? DEFAULT_DIGEST_TIME,
    timezone: request.timezone ?? (await userTimeZone(invocation.client, payload.user_id)),
    quiet: request.quiet,
    userId: payload.user_id,
  });
  if (request.language) await setChannelLanguage(deps.prisma, payload.team_id, channelId, request.language, payload.user_id, deps.clock.now());
  const answer = subscribedAnswer(t, outcome);
  return request.language ? { text: `${answer.text}\n${languageChangedAnswer(t, { scope: 'channel', channelId, language: request.language }).text}` } : answer;
}

/**
 * Shows or changes which language Reconnect speaks. The workspace's is for admins; a channel's own
 * (alerts and digests there) is for anyone in it, like its digest subscription.
 */
async function language(deps: CommandDeps, invocation: Invocation, request: Extract<CommandRequest, { name: 'language' }>): Promise<CommandAnswer> {
  const { payload, t, client } = invocation;
  const channelId = request.channel === undefined || request.channel === 'here' ? payload.channel_id : request.channel.id;
  const now = deps.clock.now();
  if (!request.language) {
    const state = await languageState(deps.prisma, payload.team_id, channelId);
    return languageShownAnswer(t, { workspace: state.workspace, channelId, channel: state.channel, person: t.language });
  }
  if (request.language === 'default') {
    await clearChannelLanguage(deps.prisma, payload.team_id, channelId);
    return languageChangedAnswer(t, { scope: 'channel_cleared', channelId, workspace: await channelLanguage(deps.prisma, payload.team_id, null) });
  }
  if (request.channel !== undefined) {
    await setChannelLanguage(deps.prisma, payload.team_id, channelId, request.language, payload.user_id, now);
    return languageChangedAnswer(t, { scope: 'channel', channelId, language: request.language });
  }
  if (!(await isWorkspaceAdmin(client, payload.user_id))) return languageChangedAnswer(t, { scope: 'refused', language: request.language, command: deps.command });
  await setWorkspaceLanguage(deps.prisma, payload.team_id, request.language, payload.user_id, now);
  return languageChangedAnswer(t, { scope: 'workspace', language: request.language });
}

async function connect(deps: CommandDeps, invocation: Invocation, request: Extract<CommandRequest, { name: 'connect' }>): Promise<CommandAnswer> {
  const { payload, t } = invocation;
  try {
    const started = await deps.startConnect({
      teamId: payload.team_id,
      userId: payload.user_id,
      provider: request.provider,
      target: { channelId: payload.channel_id, ...(request.connectionName ? { name: request.connectionName } : {}) },
      language: t.language,
    });
    return { text: connectAnswer(t, started, deps.clock.now()) };
  } catch (error) {
    if (error instanceof FlowError && (error.code === 'bad_request' || error.code === 'not_configured')) return { text: flowText(t, error.words) };
    throw error;
  }
}

async function list(deps: CommandDeps, t: T, teamId: string, providerQuery: string | undefined): Promise<CommandAnswer> {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, teamId);
  if (!providerQuery) return listAnswer(t, connections);
  const providers = deps.catalog.list();
  const byId = providers.find((provider) => normalizeName(provider.id) === normalizeName(providerQuery));
  const match = byId ? { kind: 'found' as const, item: byId } : matchByName(providers, providerQuery, (provider) => provider.name);
  if (match.kind !== 'found') return unknownProviderAnswer(t, providerQuery, providers);
  return listAnswer(t, connections.filter((connection) => connection.provider === match.item.id), match.item.name);
}

/** Runs `act` on the connection the typed name means, or answers with the candidates when it's unclear. */
async function withConnection(
  deps: CommandDeps,
  invocation: Invocation,
  request: { name: 'reauth' | 'check' | 'snooze'; connection: string },
  act: (connection: WorkspaceConnection) => Promise<CommandAnswer>,
): Promise<CommandAnswer> {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, invocation.payload.team_id);
  const match = matchByName(connections, request.connection, (connection) => connection.name);
  if (match.kind === 'found') return act(match.item);
  return nameMatchAnswer(invocation.t, request.connection, match, { command: deps.command, subcommand: request.name });
}

async function reauthorize(deps: CommandDeps, invocation: Invocation, connection: WorkspaceConnection): Promise<CommandAnswer> {
  const { payload, client, t } = invocation;
  const result = await startReauthorization(deps, {
    connectionId: connection.id,
    teamId: payload.team_id,
    userId: payload.user_id,
    incidentId: connection.openIncidentId ?? undefined,
    dedupeKey: invocation.dedupeKey,
    isAdmin: () => isWorkspaceAdmin(client, payload.user_id),
    language: t.language,
  });
  return { text: reauthAnswer(t, result, deps.clock.now()) };
}

async function check(deps: CommandDeps, t: T, connection: WorkspaceConnection): Promise<CommandAnswer> {
  const outcome = await deps.checkNow(connection.id);
  return checkAnswer(t, outcome, deps.command);
}

async function snoozeConnection(
  deps: CommandDeps,
  invocation: Invocation,
  connection: WorkspaceConnection,
  request: Extract<CommandRequest, { name: 'snooze' }>,
): Promise<CommandAnswer> {
  const until = new Date(deps.clock.now().getTime() + request.minutes * 60_000);
  if (!connection.openIncidentId) return snoozeAnswer(invocation.t, 'no_incident', connection, until, request.capped);
  const outcome = await snooze(deps, connection.openIncidentId, invocation.payload.user_id, request.minutes, invocation.dedupeKey);
  return snoozeAnswer(invocation.t, outcome, connection, until, request.capped);
}

/** Posted directly rather than through the outbox, so the person hears at once when it can't be. */
async function postDigest(deps: CommandDeps, invocation: Invocation): Promise<CommandAnswer | null> {
  const { payload, client } = invocation;
  const now = deps.clock.now();
  // A replayed signed slash command posts nothing twice.
  if (!(await markProcessed(deps.prisma, invocation.dedupeKey, now))) return null;
  const timeZone = (await findSubscription(deps.prisma, payload.team_id, payload.channel_id))?.timezone ?? (await userTimeZone(client, payload.user_id));
  // The digest is the channel's, in the channel's language; the answer about it is the person's.
  const channelT = translator(await channelLanguage(deps.prisma, payload.team_id, payload.channel_id));
  const message = digestMessage(channelT, await digestFor(deps.prisma, deps.catalog, payload.team_id, now, timeZone), { quiet: false });
  if (!message) return null;
  try {
    await client.chat.postMessage({ channel: payload.channel_id, text: message.text, blocks: message.blocks, unfurl_links: false });
    return null;
  } catch (thrown) {
    return digestNotPostedAnswer(invocation.t, slackFailure(thrown).error);
  }
}

export async function isWorkspaceAdmin(client: WebClient, userId: string): Promise<boolean> {
  const info = await client.users.info({ user: userId });
  return Boolean(info.user?.is_admin || info.user?.is_owner);
}

/** `promise`'s value, or `fallback` if it takes longer than `ms` or fails. */
function within<V>(ms: number, promise: Promise<V>, fallback: V): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<V>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

/** The person's own zone from their Slack profile; UTC when Slack has none that Intl knows. */
async function userTimeZone(client: WebClient, userId: string): Promise<string> {
  const info = await client.users.info({ user: userId });
  return canonicalTimeZone(info.user?.tz ?? 'UTC') ?? 'UTC';
}
