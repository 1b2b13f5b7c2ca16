import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problem, validateBlocks, viewProblems } from './block-kit';


/**
 * A local stand-in for Slack's Web API. Slack is unreachable from tests, so the app's real Bolt app and
 * `@slack/web-api` WebClient talk HTTP to this server instead (`slackApiUrl: fake.url`). It answers the
 * way Slack does — HTTP 200 with `{ ok: false, error }` for failures, 429 with `Retry-After` for rate
 * limits, `invalid_blocks` for Block Kit past its documented limits — and keeps the messages and views it
 * was given so a test can read what a user would see.
 */

export type Args = Record<string, unknown>;

export interface FakeSlackCall {
  method: string;
  token?: string;
  args: Args;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** For `response_url` calls: which of the handed-out URLs was posted to. */
  url?: string;
  /** HTTP status answered; unset while the answer is pending (see `delay`). */
  status?: number;
  /** `ok`, the Slack error code, or `ratelimited` for a 429; unset while pending. */
  result?: string;
}

export interface FakeTeam {
  id: string;
  name: string;
  domain: string;
}

export interface FakeBotToken {
  token: string;
  team?: FakeTeam;
  botUserId?: string;
  botId?: string;
}

export interface FakeUser {
  id: string;
  name?: string;
  real_name?: string;
  team_id?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_bot?: boolean;
  deleted?: boolean;
  tz?: string;
  tz_label?: string;
  tz_offset?: number;
  /** Slack's IETF tag, e.g. `fr-FR`; sent only when `include_locale` is true. */
  locale?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Whether the bot is in the channel; `false` makes chat.postMessage answer `not_in_channel`. */
  is_member?: boolean;
}

export interface StoredMessage {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  reply_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
}

export interface StoredView {
  id: string;
  team_id: string;
  type: string;
  hash: string;
  blocks: unknown;
  callback_id?: string;
  private_metadata?: string;
  external_id?: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  /** Whom the view was published to (home) or the trigger that opened it (modal). */
  user_id?: string;
  trigger_id?: string;
}

export type OAuthAccessResult = Record<string, unknown>;

export interface FakeSlackOptions {
  team?: FakeTeam;
  appId?: string;
  botUserId?: string;
  botId?: string;
  /** Bot tokens Slack accepts; default `['xoxb-test-token']`. Anything else answers `invalid_auth`. */
  botTokens?: (string | FakeBotToken)[];
  /** Tokens that answer `token_revoked`. */
  revokedTokens?: string[];
  users?: FakeUser[];
  channels?: FakeChannel[];
  /** When set, chat.* to a channel not in `channels` answers `channel_not_found`; otherwise any id is accepted. */
  strictChannels?: boolean;
  /** Fields merged over the default oauth.v2.access answer; its `access_token` becomes a valid bot token. */
  oauthAccess?: OAuthAccessResult;
  /** Seed of the random generator behind `failRate`, so a flaky run replays exactly. */
  seed?: number;
  /** The clock that stamps `FakeSlackCall.at` (default `Date.now`). */
  now?: () => number;
  /** Told of every call as it arrives, before it is answered (the benchmark's latencies end here). */
  onCall?: (call: FakeSlackCall) => void;
}

export const FAKE_SLACK_DEFAULTS = {
  team: { id: 'T0TEAM001', name: 'Reconnect Test', domain: 'reconnect-test' },
  appId: 'A0APP0001',
  botUserId: 'U0BOT0001',
  botId: 'B0BOT0001',
  botToken: 'xoxb-test-token',
  installerUserId: 'U0INSTALL',
} as const;

const MAX_MESSAGE_TEXT = 40_000;
const TS_STEP_MICROS = 100;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface TokenRecord {
  token: string;
  team: FakeTeam;
  botUserId: string;
  botId: string;
  revoked: boolean;
}

type MethodSpec =
  | { needsToken: true; handle: (args: Args, auth: TokenRecord) => Answer }
  | { needsToken: false; handle: (args: Args) => Answer };

type Fault = { kind: 'error'; error: string } | { kind: 'ratelimit'; retryAfterSeconds: number };

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlack(options);
  await fake.listen();
  return fake;
}

export class FakeSlack {
  readonly calls: FakeSlackCall[] = [];
  private origin = '';
  private readonly server = http.createServer((req, res) => {
    this.serve(req, res).catch(() => res.destroy());
  });
  private readonly methods: Record<string, MethodSpec>;
  private readonly waiters = new Set<() => boolean>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private nextTsMicros = 0;
  private counter = 0;

  private tokens = new Map<string, TokenRecord>();
  private users = new Map<string, FakeUser>();
  private channels = new Map<string, FakeChannel>();
  private oauthAccess: OAuthAccessResult = {};
  /** App-level tokens (Socket Mode) and the WebSocket URL each gets; kept across `reset`. */
  private readonly appTokens = new Map<string, () => string>();
  private channelMessages = new Map<string, StoredMessage[]>();
  private homeViews = new Map<string, StoredView>();
  private modalViews: StoredView[] = [];
  private queuedFaults = new Map<string, Fault[]>();
  private failRates = new Map<string, { fraction: number; error: string }>();
  private delays = new Map<string, number>();
  private channelRate: { perSecond: number } | undefined;
  private postTimesByChannel = new Map<string, number[]>();
  private random: () => number;

  constructor(private readonly options: FakeSlackOptions) {
    this.methods = {
      'auth.test': { needsToken: true, handle: (_args, auth) => this.authTest(auth) },
      'oauth.v2.access': { needsToken: false, handle: (args) => this.oauthV2Access(args) },
      'chat.postMessage': { needsToken: true, handle: (args, auth) => this.chatPostMessage(args, auth) },
      'chat.update': { needsToken: true, handle: (args, auth) => this.chatUpdate(args, auth) },
      'views.publish': { needsToken: true, handle: (args, auth) => this.viewsPublish(args, auth) },
      'views.open': { needsToken: true, handle: (args, auth) => this.viewsOpen(args, auth) },
      'users.info': { needsToken: true, handle: (args, auth) => this.usersInfo(args, auth) },
      'conversations.history': { needsToken: true, handle: (args) => this.conversationsHistory(args) },
    };
    this.random = seededRandom(options.seed ?? 1);
    this.configure();
  }

  /** The Web API base URL, ending in `/api/`, as `slackApiUrl` expects. */
  get url(): string {
    return `${this.origin}/api/`;
  }

  async listen(): Promise<void> {
    // Idle connections stay open between calls: a server closing one just as a client reuses it fails
    // that request, a race of Node's 5 s default that Slack's long keep-alive makes rare.
    this.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Forgets calls, messages, views and injected faults, and restores the users, channels and tokens given at
   * start. Timestamps keep increasing, so a ts stored by the app before a reset never comes back.
   */
  reset(): void {
    this.calls.length = 0;
    this.queuedFaults = new Map();
    this.failRates = new Map();
    this.delays = new Map();
    this.channelRate = undefined;
    this.random = seededRandom(this.options.seed ?? 1);
    this.configure();
  }

  callsTo(method: string): FakeSlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves with every answered call to `method` (refused ones included) once there are at least `count`. */
  waitForCalls(method: string, count: number, timeoutMs = 5000): Promise<FakeSlackCall[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const answered = this.callsTo(method).filter((call) => call.result !== undefined);
        if (answered.length < count) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(answered);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Fake Slack: waited ${timeoutMs} ms for ${count} ${method} call(s); received ${this.describeCalls()}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Every message in the channel, thread replies included, in the order posted, as it stands now. */
  messages(channel: string): StoredMessage[] {
    return structuredClone(this.channelMessages.get(channel) ?? []);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    const found = this.findMessage(channel, ts);
    return found && structuredClone(found);
  }

  replies(channel: string, threadTs: string): StoredMessage[] {
    return this.messages(channel).filter((message) => message.thread_ts === threadTs && message.ts !== threadTs);
  }

  homeView(userId: string): StoredView | undefined {
    const view = this.homeViews.get(userId);
    return view && structuredClone(view);
  }

  openedViews(): StoredView[] {
    return structuredClone(this.modalViews);
  }

  /** The DM channel Slack opens when a message is posted to a user id. */
  dmChannel(userId: string): string {
    return `D${userId.slice(1)}`;
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  addChannel(channel: FakeChannel): void {
    this.channels.set(channel.id, { ...channel });
  }

  addBotToken(token: string | FakeBotToken): void {
    const record = this.tokenRecord(token);
    this.tokens.set(record.token, record);
  }

  revokeToken(token: string): void {
    const record = this.tokens.get(token) ?? this.tokenRecord(token);
    this.tokens.set(token, { ...record, revoked: true });
  }

  setOAuthAccess(result: OAuthAccessResult): void {
    this.oauthAccess = result;
  }

  /** The next `times` calls to `method` (or `'*'`) answer `{ ok: false, error }` with HTTP 200, as Slack does. */
  failNext(method: string, error: string, times = 1): void {
    this.queueFault(method, { kind: 'error', error }, times);
  }

  /** The next `times` calls to `method` (or `'*'`) answer 429 with `Retry-After`. */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.queueFault(method, { kind: 'ratelimit', retryAfterSeconds }, times);
  }

  /**
   * A seeded fraction of calls to `method` (or `'*'`) fail with `error`; `'ratelimited'` answers 429 with
   * `Retry-After: 1`. A fraction of 0 turns it off.
   */
  failRate(method: string, fraction: number, error = 'internal_error'): void {
    if (fraction <= 0) this.failRates.delete(method);
    else this.failRates.set(method, { fraction, error });
  }

  /** Holds every answer to `method` (or `'*'`) for `ms`; 0 turns it off. */
  delay(method: string, ms: number): void {
    if (ms <= 0) this.delays.delete(method);
    else this.delays.set(method, ms);
  }

  /** Slack allows about one message per second per channel; past `perSecond`, chat.postMessage answers 429. */
  enforceChannelRate(limit: { perSecond: number }): void {
    this.channelRate = limit;
  }

  /**
   * Socket Mode: `apps.connections.open` with this app-level token answers `{ ok: true, url: socketUrl() }`
   * (test/fakes/fake-socket-mode.ts registers itself here). As at Slack, the token must come in the
   * Authorization header; a bot token answers `not_allowed_token_type`.
   */
  acceptAppToken(token: string, socketUrl: () => string): void {
    this.appTokens.set(token, socketUrl);
  }

  /** A URL standing in for an interaction's `response_url`; what is posted to it is recorded as `response_url` calls. */
  responseUrl(): string {
    return `${this.origin}/response_url/${this.nextId('R')}`;
  }

  private configure(): void {
    const { options } = this;
    this.tokens = new Map();
    for (const token of options.botTokens ?? [FAKE_SLACK_DEFAULTS.botToken]) this.addBotToken(token);
    for (const token of options.revokedTokens ?? []) this.revokeToken(token);
    this.users = new Map((options.users ?? []).map((user) => [user.id, user]));
    this.channels = new Map((options.channels ?? []).map((channel) => [channel.id, { ...channel }]));
    this.oauthAccess = options.oauthAccess ?? {};
    this.channelMessages = new Map();
    this.homeViews = new Map();
    this.modalViews = [];
    this.postTimesByChannel = new Map();
  }

  private get team(): FakeTeam {
    return this.options.team ?? FAKE_SLACK_DEFAULTS.team;
  }

  private get appId(): string {
    return this.options.appId ?? FAKE_SLACK_DEFAULTS.appId;
  }

  private tokenRecord(token: string | FakeBotToken): TokenRecord {
    const spec = typeof token === 'string' ? { token } : token;
    return {
      token: spec.token,
      team: spec.team ?? this.team,
      botUserId: spec.botUserId ?? this.options.botUserId ?? FAKE_SLACK_DEFAULTS.botUserId,
      botId: spec.botId ?? this.options.botId ?? FAKE_SLACK_DEFAULTS.botId,
      revoked: false,
    };
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.options.now?.() ?? Date.now();
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const args = parseArgs(req, await readBody(req));
    if (path.startsWith('/response_url/')) {
      this.respond(this.record({ method: 'response_url', args, at, url: `${this.origin}${path}` }), res, responseUrlAnswer(args));
      return;
    }
    if (!path.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const token = bearerToken(req.headers.authorization) ?? asString(args.token);
    delete args.token;
    const method = path.slice('/api/'.length);
    const call = this.record({ method, args, at, ...(token === undefined ? {} : { token }) });
    const pause = this.delays.get(method) ?? this.delays.get('*');
    if (pause !== undefined) await this.sleep(pause);
    if (method === 'apps.connections.open') {
      this.respond(call, res, this.injectedFault(method) ?? this.appsConnectionsOpen(bearerToken(req.headers.authorization)));
      return;
    }
    this.respond(call, res, this.answer(method, token, args));
  }

  private record(call: FakeSlackCall): FakeSlackCall {
    this.calls.push(call);
    this.options.onCall?.(call);
    return call;
  }

  private respond(call: FakeSlackCall, res: ServerResponse, answer: Answer): void {
    call.status = answer.status;
    call.result = answer.status === 429 ? 'ratelimited' : answer.body.ok === true ? 'ok' : String(answer.body.error);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(JSON.stringify(answer.body));
    for (const check of [...this.waiters]) check();
  }

  private answer(method: string, token: string | undefined, args: Args): Answer {
    const injected = this.injectedFault(method);
    if (injected) return injected;
    const spec = this.methods[method];
    if (!spec) return fail('unknown_method');
    if (!spec.needsToken) return spec.handle(args);
    if (token === undefined) return fail('not_authed');
    const auth = this.tokens.get(token);
    if (!auth) return fail('invalid_auth');
    if (auth.revoked) return fail('token_revoked');
    return spec.handle(args, auth);
  }

  private injectedFault(method: string): Answer | undefined {
    const fault = this.queuedFaults.get(method)?.shift() ?? this.queuedFaults.get('*')?.shift();
    if (fault) return fault.kind === 'error' ? fail(fault.error) : rateLimited(fault.retryAfterSeconds);
    const rate = this.failRates.get(method) ?? this.failRates.get('*');
    if (rate && this.random() < rate.fraction) return rate.error === 'ratelimited' ? rateLimited(1) : fail(rate.error);
    return undefined;
  }

  private queueFault(method: string, fault: Fault, times: number): void {
    const queue = this.queuedFaults.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queuedFaults.set(method, queue);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        wake: () => {
          this.sleepers.delete(sleeper);
          resolve();
        },
        timer: setTimeout(() => sleeper.wake(), ms),
      };
      this.sleepers.add(sleeper);
    });
  }

  private describeCalls(): string {
    if (this.calls.length === 0) return 'no calls';
    return this.calls.map((call) => `${call.method} → ${call.result ?? 'pending'}`).join(', ');
  }

  // ---- Methods ----------------------------------------------------------------------------------

  /** docs.slack.dev/reference/methods/apps.connections.open */
  private appsConnectionsOpen(headerToken: string | undefined): Answer {
    if (headerToken === undefined) return fail('not_authed');
    const socketUrl = this.appTokens.get(headerToken);
    if (socketUrl) return ok({ url: socketUrl() });
    return fail(this.tokens.has(headerToken) ? 'not_allowed_token_type' : 'invalid_auth');
  }

  private authTest(auth: TokenRecord): Answer {
    return ok({
      url: `https://${auth.team.domain}.slack.com/`,
      team: auth.team.name,
      user: 'reconnect',
      team_id: auth.team.id,
      user_id: auth.botUserId,
      bot_id: auth.botId,
      is_enterprise_install: false,
    });
  }

  private oauthV2Access(args: Args): Answer {
    if (!asString(args.code)) return fail('invalid_code');
    const issued = this.nextId('');
    const defaults: OAuthAccessResult = {
      app_id: this.appId,
      authed_user: { id: FAKE_SLACK_DEFAULTS.installerUserId },
      scope: 'chat:write,commands,users:read,channels:read,channels:join',
      token_type: 'bot',
      access_token: `xoxb-installed-${issued}`,
      bot_user_id: this.options.botUserId ?? FAKE_SLACK_DEFAULTS.botUserId,
      team: { id: this.team.id, name: this.team.name },
      enterprise: null,
      is_enterprise_install: false,
    };
    const result = { ...defaults, ...this.oauthAccess };
    this.registerIssuedToken(result);
    return ok(result);
  }

  private registerIssuedToken(result: OAuthAccessResult): void {
    if (typeof result.access_token !== 'string') return;
    const team = isRecord(result.team) ? result.team : {};
    const teamId = asString(team.id) ?? this.team.id;
    const teamName = asString(team.name) ?? this.team.name;
    this.addBotToken({
      token: result.access_token,
      team: { id: teamId, name: teamName, domain: teamId === this.team.id ? this.team.domain : teamId.toLowerCase() },
      ...(typeof result.bot_user_id === 'string' ? { botUserId: result.bot_user_id } : {}),
    });
  }

  private chatPostMessage(args: Args, auth: TokenRecord): Answer {
    const channel = this.resolveChannel(asString(args.channel));
    if (!channel) return fail('channel_not_found');
    const refusal = this.postingProblem(channel) ?? this.channelRateLimit(channel) ?? messageContentProblem(args);
    if (refusal) return refusal;
    const message = this.storeMessage(channel, args, auth);
    this.postTimesByChannel.set(channel, [...(this.postTimesByChannel.get(channel) ?? []), Date.now()]);
    return ok({ channel, ts: message.ts, message, ...fallbackWarning(args) });
  }

  private chatUpdate(args: Args, auth: TokenRecord): Answer {
    const channel = asString(args.channel);
    if (!channel) return fail('channel_not_found');
    const existing = this.findMessage(channel, asString(args.ts) ?? '');
    if (!existing) return fail('message_not_found');
    const contentError = messageContentProblem(args);
    if (contentError) return contentError;
    for (const field of ['text', 'blocks', 'attachments', 'metadata'] as const) {
      if (args[field] !== undefined) Object.assign(existing, { [field]: args[field] });
    }
    existing.edited = { user: auth.botUserId, ts: this.nextTs() };
    return ok({ channel, ts: existing.ts, text: existing.text, message: structuredClone(existing), ...fallbackWarning(args) });
  }

  private viewsPublish(args: Args, auth: TokenRecord): Answer {
    const userId = asString(args.user_id);
    if (!userId) return invalidArguments([problem('missing required field: user_id', '')]);
    const problems = viewProblems(args.view, 'home');
    if (problems.length > 0) return invalidArguments(problems);
    const view = this.storeView(args.view as Args, auth, { user_id: userId });
    this.homeViews.set(userId, view);
    return ok({ view });
  }

  private viewsOpen(args: Args, auth: TokenRecord): Answer {
    const triggerId = asString(args.trigger_id);
    if (!triggerId) return invalidArguments([problem('missing required field: trigger_id', '')]);
    const problems = viewProblems(args.view, 'modal');
    if (problems.length > 0) return invalidArguments(problems);
    const view = this.storeView(args.view as Args, auth, { trigger_id: triggerId });
    this.modalViews.push(view);
    return ok({ view });
  }

  private usersInfo(args: Args, auth: TokenRecord): Answer {
    const user = this.users.get(asString(args.user) ?? '');
    if (!user) return fail('user_not_found');
    const name = user.name ?? user.id.toLowerCase();
    const realName = user.real_name ?? name;
    return ok({
      user: {
        id: user.id,
        team_id: user.team_id ?? auth.team.id,
        name,
        real_name: realName,
        deleted: user.deleted ?? false,
        // Slack's own users.info example uses this zone; tests that care set tz explicitly.
        tz: user.tz ?? 'America/Los_Angeles',
        tz_label: user.tz_label ?? 'Pacific Standard Time',
        tz_offset: user.tz_offset ?? -28800,
        is_admin: user.is_admin ?? false,
        is_owner: user.is_owner ?? false,
        is_primary_owner: user.is_primary_owner ?? false,
        is_restricted: false,
        is_ultra_restricted: false,
        is_bot: user.is_bot ?? false,
        is_app_user: false,
        profile: { real_name: realName, display_name: name },
        // docs.slack.dev/reference/methods/users.info: `locale` only with include_locale=true (default en-US).
        ...(args.include_locale === true || args.include_locale === 'true' ? { locale: user.locale ?? 'en-US' } : {}),
      },
    });
  }

  /**
   * docs.slack.dev/reference/methods/conversations.history: the channel's top-level messages, newest
   * first, strictly between `oldest` and `latest` (unless `inclusive`), `limit` per page (default 100)
   * with `has_more` and `response_metadata.next_cursor`; `metadata` only with `include_all_metadata`.
   */
  private conversationsHistory(args: Args): Answer {
    const channelId = asString(args.channel);
    if (!channelId) return fail('channel_not_found');
    const known = this.channels.get(channelId);
    if (this.options.strictChannels && !known) return fail('channel_not_found');
    if (known && known.is_member === false) return fail('not_in_channel');
    const oldest = Number(asString(args.oldest) ?? '0');
    const latest = Number(asString(args.latest) ?? 'Infinity');
    const inclusive = isTrue(args.inclusive);
    const withMetadata = isTrue(args.include_all_metadata);
    const limit = Math.min(999, Math.max(1, Number(asString(args.limit) ?? '100') || 100));
    const offset = Number(asString(args.cursor) ?? '0') || 0;
    const inRange = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
    const all = (this.channelMessages.get(channelId) ?? [])
      .filter((message) => !message.thread_ts || message.thread_ts === message.ts)
      .filter((message) => inRange(Number(message.ts)))
      .reverse();
    const page = all.slice(offset, offset + limit).map((message) => {
      const copy: Partial<StoredMessage> = structuredClone(message);
      if (!withMetadata) delete copy.metadata;
      return copy;
    });
    const hasMore = offset + limit < all.length;
    return ok({ messages: page, has_more: hasMore, response_metadata: { next_cursor: hasMore ? String(offset + limit) : '' } });
  }

  // ---- State ------------------------------------------------------------------------------------

  private resolveChannel(channel: string | undefined): string | undefined {
    // Posting to a user id lands in the app's DM with that user, and Slack answers with the DM's id.
    return channel && /^[UW]/.test(channel) ? this.dmChannel(channel) : channel;
  }

  private postingProblem(channel: string): Answer | undefined {
    const known = this.channels.get(channel);
    if (!known) return this.options.strictChannels && !channel.startsWith('D') ? fail('channel_not_found') : undefined;
    if (known.is_archived) return fail('is_archived');
    if (known.is_member === false) return fail('not_in_channel');
    return undefined;
  }

  private channelRateLimit(channel: string): Answer | undefined {
    if (!this.channelRate) return undefined;
    const now = Date.now();
    const recent = (this.postTimesByChannel.get(channel) ?? []).filter((time) => now - time < 1000);
    this.postTimesByChannel.set(channel, recent);
    return recent.length >= this.channelRate.perSecond ? rateLimited(1) : undefined;
  }

  private storeMessage(channel: string, args: Args, auth: TokenRecord): StoredMessage {
    const message: StoredMessage = {
      type: 'message',
      ts: this.nextTs(),
      text: asString(args.text) ?? '',
      user: auth.botUserId,
      bot_id: auth.botId,
      app_id: this.appId,
      team: auth.team.id,
    };
    for (const field of ['blocks', 'attachments', 'metadata'] as const) {
      if (args[field] !== undefined) message[field] = args[field];
    }
    const threadTs = asString(args.thread_ts);
    if (threadTs) {
      message.thread_ts = threadTs;
      this.noteReply(channel, threadTs, message.ts);
    }
    const list = this.channelMessages.get(channel) ?? [];
    list.push(message);
    this.channelMessages.set(channel, list);
    return structuredClone(message);
  }

  private noteReply(channel: string, threadTs: string, replyTs: string): void {
    const parent = this.findMessage(channel, threadTs);
    if (!parent) return;
    parent.thread_ts = parent.ts;
    parent.reply_count = (parent.reply_count ?? 0) + 1;
    parent.latest_reply = replyTs;
  }

  private findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.channelMessages.get(channel)?.find((message) => message.ts === ts);
  }

  private storeView(view: Args, auth: TokenRecord, target: Pick<StoredView, 'user_id' | 'trigger_id'>): StoredView {
    const stored: StoredView = {
      id: this.nextId('V'),
      team_id: auth.team.id,
      type: String(view.type),
      hash: this.nextId('H'),
      blocks: view.blocks,
      ...target,
    };
    for (const field of ['callback_id', 'private_metadata', 'external_id'] as const) {
      const value = asString(view[field]);
      if (value !== undefined) stored[field] = value;
    }
    for (const field of ['title', 'submit', 'close'] as const) {
      if (view[field] !== undefined) stored[field] = view[field];
    }
    return structuredClone(stored);
  }

  /** Slack-style timestamps: unique and increasing, "seconds.microseconds". */
  /** Like Slack's: the posting time in seconds with microseconds, always increasing (history filters on it). */
  private nextTs(): string {
    const micros = Math.max(this.nextTsMicros, Date.now() * 1000);
    this.nextTsMicros = micros + TS_STEP_MICROS;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${String(this.counter).padStart(8, '0')}`;
  }
}

function ok(body: Record<string, unknown>): Answer {
  return { status: 200, body: { ok: true, ...body } };
}

function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: false, error, ...extra } };
}

function rateLimited(retryAfterSeconds: number): Answer {
  return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(retryAfterSeconds) } };
}

function invalidBlocks(problems: string[]): Answer {
  return fail('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

function invalidArguments(problems: string[]): Answer {
  // views.* report Block Kit problems as invalid_arguments with the details only in response_metadata.
  return fail('invalid_arguments', { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

function messageContentProblem(args: Args): Answer | undefined {
  if (args.blocks !== undefined && !Array.isArray(args.blocks)) return fail('invalid_blocks_format');
  const messageText = asString(args.text);
  if (!messageText && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
  if (messageText && messageText.length > MAX_MESSAGE_TEXT) return fail('msg_too_long');
  const problems = args.blocks === undefined ? [] : validateBlocks(args.blocks, 'message');
  return problems.length > 0 ? invalidBlocks(problems) : undefined;
}

function responseUrlAnswer(args: Args): Answer {
  const problems = args.blocks === undefined ? [] : validateBlocks(args.blocks, 'message');
  return problems.length > 0 ? invalidBlocks(problems) : ok({});
}

function fallbackWarning(args: Args): Record<string, unknown> {
  // Slack accepts blocks without top-level text but warns: notifications and screen readers have nothing to show.
  if (asString(args.text) || args.blocks === undefined) return {};
  return { warning: 'missing_text_or_fallback_or_attachments', response_metadata: { warnings: ['missing_text_or_fallback_or_attachments'] } };
}

// ---- Request parsing ----------------------------------------------------------------------------

// WebClient form-encodes every non-scalar argument as a JSON string; these are the ones to turn back into
// objects. Free text such as `text: "[1]"` must stay a string, so this is a list rather than a guess.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

function parseArgs(req: IncomingMessage, raw: string): Args {
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://fake.invalid').searchParams);
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.includes('application/json')) return { ...query, ...parseJsonObject(raw) };
  const form = Object.fromEntries(new URLSearchParams(raw));
  const args: Args = { ...query };
  for (const [key, value] of Object.entries(form)) args[key] = JSON_FIELDS.has(key) ? parseJsonOr(value) : value;
  return args;
}

function parseJsonObject(raw: string): Args {
  const parsed = parseJsonOr(raw);
  return isRecord(parsed) ? parsed : {};
}

function parseJsonOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function isRecord(value: unknown): value is Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** mulberry32: tiny, fast and good enough to make a flaky Slack reproducible from a seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
