import { createHmac } from 'node:crypto';
import { FAKE_SLACK_DEFAULTS } from './fake-slack';

/**
 * Requests shaped and signed exactly as Slack sends them to the app's `POST /slack/events`: JSON for
 * events, form fields for slash commands, a form field `payload` holding JSON for interactions. Builders
 * return the raw body; `postSigned` signs it at send time, so a test can make it stale, future-dated,
 * tampered or replayed. Shapes follow docs.slack.dev (slash commands, block_actions payload, Events API).
 */

export const TEST_SIGNING_SECRET = 'reconnect-test-signing-secret';
/** Slack still sends the deprecated verification token in every body; nothing should rely on it. */
export const LEGACY_VERIFICATION_TOKEN = 'legacy-verification-token';

export const TEST_USER = { id: 'U0USER001', name: 'alex' } as const;
export const TEST_CHANNEL = { id: 'C0ALERTS1', name: 'data-alerts' } as const;

export interface SlackRequest {
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** The raw body, byte for byte what is signed and sent. */
  body: string;
  /** Extra headers Slack adds, such as `X-Slack-Retry-Num` on a redelivered event. */
  headers: Record<string, string>;
}

export interface SlackSignature {
  timestamp: number;
  signature: string;
  headers: { 'X-Slack-Request-Timestamp': string; 'X-Slack-Signature': string };
}

/** `v0=` + hex HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`) (docs.slack.dev, "Verifying requests from Slack"). */
export function signSlackBody(secret: string, body: string, timestamp = nowSeconds()): SlackSignature {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    timestamp,
    signature,
    headers: { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': signature },
  };
}

export interface EventOptions {
  teamId?: string;
  apiAppId?: string;
  eventId?: string;
  eventTime?: number;
  /** Marks the request as Slack's n-th redelivery (Slack retries when no 2xx came within 3 s). */
  retryNum?: number;
  retryReason?: string;
}

export function eventCallback(event: { type: string } & Record<string, unknown>, options: EventOptions = {}): SlackRequest {
  const teamId = options.teamId ?? FAKE_SLACK_DEFAULTS.team.id;
  const body = {
    token: LEGACY_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: options.apiAppId ?? FAKE_SLACK_DEFAULTS.appId,
    event: { event_ts: `${nowSeconds()}.000100`, ...event },
    type: 'event_callback',
    event_id: options.eventId ?? nextId('Ev'),
    event_time: options.eventTime ?? nowSeconds(),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: FAKE_SLACK_DEFAULTS.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
  const headers: Record<string, string> = options.retryNum === undefined
    ? {}
    : { 'X-Slack-Retry-Num': String(options.retryNum), 'X-Slack-Retry-Reason': options.retryReason ?? 'http_timeout' };
  return { contentType: 'application/json', body: JSON.stringify(body), headers };
}

export function urlVerification(challenge: string): SlackRequest {
  const body = { token: LEGACY_VERIFICATION_TOKEN, challenge, type: 'url_verification' };
  return { contentType: 'application/json', body: JSON.stringify(body), headers: {} };
}

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

/** The form fields Slack posts for a slash command; unspecified ones get realistic defaults. */
export function slashCommand(fields: Partial<SlashCommandFields> = {}): SlackRequest {
  const teamId = fields.team_id ?? FAKE_SLACK_DEFAULTS.team.id;
  const all: SlashCommandFields = {
    token: LEGACY_VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: FAKE_SLACK_DEFAULTS.team.domain,
    channel_id: TEST_CHANNEL.id,
    channel_name: TEST_CHANNEL.name,
    user_id: TEST_USER.id,
    user_name: TEST_USER.name,
    command: '/reconnect',
    text: '',
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${teamId}/${nextNumber()}/${nextId('')}`,
    trigger_id: triggerId(),
    ...fields,
  };
  return { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams({ ...all }).toString(), headers: {} };
}

export interface BlockActionFields {
  actionId: string;
  /** Defaults to the block holding `actionId` in `message.blocks`, so a click can be built from a posted message. */
  blockId?: string;
  /** A button's value; defaults to the value of the matching element in `message.blocks`. */
  value?: string;
  /** For a static select: the chosen option's value (and text). */
  selectedOption?: { value: string; text?: string };
  /** Element type; defaults to the matching element's type, else `button` (or `static_select` with `selectedOption`). */
  type?: string;
  /** The message clicked in, e.g. `fake.message(channel, ts)`; its `ts` is the container's `message_ts`. */
  message?: { ts: string; blocks?: unknown };
  messageTs?: string;
  channelId?: string;
  channelName?: string;
  userId?: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  triggerId?: string;
  responseUrl?: string;
  actionTs?: string;
}

/** A `block_actions` interaction from a message, form-encoded as `payload=<json>` the way Slack posts it. */
export function blockAction(fields: BlockActionFields): SlackRequest {
  return {
    contentType: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({ payload: JSON.stringify(blockActionPayload(fields)) }).toString(),
    headers: {},
  };
}

/** A click in App Home: the container is the Home view, and Slack sends no response_url, message or channel. */
export function homeClick(fields: BlockActionFields): SlackRequest {
  const payload = blockActionPayload(fields);
  payload.container = { type: 'view', view_id: 'V0HOME' };
  delete payload.response_url;
  delete payload.message;
  delete payload.channel;
  return { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), headers: {} };
}

export function blockActionPayload(fields: BlockActionFields): Record<string, unknown> {
  const teamId = fields.teamId ?? FAKE_SLACK_DEFAULTS.team.id;
  const channelId = fields.channelId ?? TEST_CHANNEL.id;
  const messageTs = fields.messageTs ?? fields.message?.ts ?? '1700000000.000100';
  const userName = fields.userName ?? TEST_USER.name;
  return {
    type: 'block_actions',
    user: { id: fields.userId ?? TEST_USER.id, username: userName, name: userName, team_id: teamId },
    api_app_id: fields.apiAppId ?? FAKE_SLACK_DEFAULTS.appId,
    token: LEGACY_VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: fields.triggerId ?? triggerId(),
    team: { id: teamId, domain: fields.teamDomain ?? FAKE_SLACK_DEFAULTS.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: fields.channelName ?? TEST_CHANNEL.name },
    message: {
      type: 'message',
      user: FAKE_SLACK_DEFAULTS.botUserId,
      bot_id: FAKE_SLACK_DEFAULTS.botId,
      app_id: FAKE_SLACK_DEFAULTS.appId,
      team: teamId,
      text: '',
      blocks: [],
      ...fields.message,
      ts: messageTs,
    },
    state: { values: {} },
    response_url: fields.responseUrl ?? `https://hooks.slack.com/actions/${teamId}/${nextNumber()}/${nextId('')}`,
    actions: [actionOf(fields)],
  };
}

function actionOf(fields: BlockActionFields): Record<string, unknown> {
  const found = findElement(fields.message?.blocks, fields.actionId);
  const type = fields.type ?? asString(found?.element.type) ?? (fields.selectedOption ? 'static_select' : 'button');
  const base = {
    action_id: fields.actionId,
    block_id: fields.blockId ?? found?.blockId ?? 'actions',
    type,
    action_ts: fields.actionTs ?? `${nowSeconds()}.${String(nextNumber()).padStart(6, '0')}`,
  };
  if (fields.selectedOption) {
    const label = fields.selectedOption.text ?? optionText(found?.element, fields.selectedOption.value) ?? fields.selectedOption.value;
    return { ...base, selected_option: { text: { type: 'plain_text', text: label, emoji: true }, value: fields.selectedOption.value } };
  }
  const value = fields.value ?? asString(found?.element.value);
  const text = isRecord(found?.element.text) ? found.element.text : { type: 'plain_text', text: fields.actionId, emoji: true };
  return { ...base, text, ...(value === undefined ? {} : { value }) };
}

function findElement(blocks: unknown, actionId: string): { blockId?: string; element: Record<string, unknown> } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    const element = candidates.find((candidate): candidate is Record<string, unknown> => isRecord(candidate) && candidate.action_id === actionId);
    if (element) return { element, ...(typeof block.block_id === 'string' ? { blockId: block.block_id } : {}) };
  }
  return undefined;
}

function optionText(element: Record<string, unknown> | undefined, value: string): string | undefined {
  const options = Array.isArray(element?.options) ? element.options : [];
  const option = options.find((candidate): candidate is Record<string, unknown> => isRecord(candidate) && candidate.value === value);
  return option && isRecord(option.text) ? asString(option.text.text) : undefined;
}

export interface SignedRequestOverrides {
  /** Unix seconds to sign and send; the signature stays valid for it, so stale or future requests are easy. */
  timestamp?: number;
  /** Sent instead of the computed signature. */
  signature?: string;
  headers?: Record<string, string>;
  signingSecret?: string;
  /** Sent instead of the signed body, e.g. with one byte flipped. */
  body?: string;
}

export interface SignedResponse {
  status: number;
  text: string;
  /** The parsed body when the answer is JSON. */
  json?: unknown;
  headers: Headers;
}

export async function postSigned(
  baseUrl: string,
  path: string,
  request: SlackRequest,
  overrides: SignedRequestOverrides = {},
): Promise<SignedResponse> {
  const signed = signSlackBody(overrides.signingSecret ?? TEST_SIGNING_SECRET, request.body, overrides.timestamp);
  const response = await fetch(`${baseUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': request.contentType,
      ...signed.headers,
      ...(overrides.signature === undefined ? {} : { 'X-Slack-Signature': overrides.signature }),
      ...request.headers,
      ...overrides.headers,
    },
    body: overrides.body ?? request.body,
  });
  const text = await response.text();
  const json = parseJson(text);
  return { status: response.status, text, headers: response.headers, ...(json === undefined ? {} : { json }) };
}

let sequence = 0;

function nextNumber(): number {
  sequence += 1;
  return sequence;
}

function nextId(prefix: string): string {
  return `${prefix}${String(nextNumber()).padStart(10, '0')}`;
}

function triggerId(): string {
  return `${nextNumber()}.${nextNumber()}.${nextNumber().toString(16).padStart(32, '0')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The app's environment for talking to `slack`, the fake Web API, as the test workspace's bot. */
export function fakeSlackEnv(slack: { url: string }): Record<string, string> {
  return { SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_BOT_TOKEN: FAKE_SLACK_DEFAULTS.botToken, SLACK_API_URL: slack.url };
}
