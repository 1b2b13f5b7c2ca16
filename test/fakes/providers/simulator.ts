import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The common ground of the provider simulators: a loopback HTTP server that stands in for every origin
 * of one real provider (through the app's PROVIDER_ORIGINS), people who can sign in and the ad accounts
 * or orgs each can reach, codes and tokens with the provider's own lifetimes, and faults injected per
 * route. Each provider's file (google-ads.ts, meta-ads.ts…) adds the routes and answers in that
 * provider's documented wire format; this file knows nothing of any provider's shapes.
 */

export interface SimAccount {
  /** The id as the provider writes it in its answers (e.g. `1234567890`, `act_123`, `urn:li:sponsoredAccount:5`). */
  id: string;
  name: string;
}

export interface SimUser {
  /** The provider's id of the person (Google `sub`, Meta app-scoped id, Microsoft `User.Id`…). */
  id: string;
  /** Email, name or username, as the provider's identity answer carries it. */
  label: string;
  /** Ad accounts, or the org(s), this person can reach. */
  accounts: SimAccount[];
}

/**
 * Faults a test can inject, answered in the provider's own shape for that situation: `revoked` (the
 * grant was revoked), `expired` (the token or grant expired), `throttled` (rate limited), `server_error`
 * (5xx from the provider).
 */
export type FaultMode = 'revoked' | 'expired' | 'throttled' | 'server_error';

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Form fields of an application/x-www-form-urlencoded body. */
  form: Record<string, string>;
  /** The parsed body when it was JSON. */
  json: unknown;
  headers: IncomingHttpHeaders;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
}

export interface TokenRecord {
  userId: string;
  kind: 'access' | 'refresh' | 'code';
  expiresAt?: number;
  revoked?: boolean;
  /** For codes: what /authorize was asked, checked again at the token endpoint. */
  authorize?: Record<string, string>;
}

export interface SimAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (request: RecordedRequest, sim: SimulatorState) => SimAnswer | Promise<SimAnswer>;

/** What a provider's file hands to `startSimulator`. */
export interface SimulatorSpec {
  /** The real origins this simulator answers for, e.g. ['https://accounts.google.com', 'https://oauth2.googleapis.com']. */
  origins: string[];
  /** `METHOD /path` (exact, or ending in `*` for a prefix) → handler. The first match wins. */
  routes: Record<string, Route>;
  /** The answer each fault mode gets on each route group ('token', 'identity', 'accounts', ...). */
  faultAnswer(group: string, mode: FaultMode): SimAnswer;
  /** Which group a route belongs to, for fault injection. */
  groupOf(method: string, path: string): string | undefined;
  /** Extra environment the app needs for this provider besides PROVIDER_ORIGINS and the client (e.g. developer tokens). */
  env?: Record<string, string>;
  /** `<PREFIX>_CLIENT_ID` / `<PREFIX>_CLIENT_SECRET`; several when one registration serves several providers (Microsoft). */
  envPrefixes: string[];
  /** Access token lifetime in seconds, as the provider documents it (undefined: the answer carries none). */
  accessTokenTtlSeconds?: number;
}

export interface SimulatorState {
  readonly origin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  users: Map<string, SimUser>;
  tokens: Map<string, TokenRecord>;
  /** Who signs in at the next /authorize. */
  nextUserId: string | undefined;
  /** Tokens received at the revocation endpoint, in order. */
  revoked: string[];
  now(): number;
  mint(prefix: string, record: TokenRecord): string;
  /** The live (not revoked, not expired) record of a token of this kind. */
  live(token: string | undefined, kind: TokenRecord['kind']): TokenRecord | undefined;
  /** Client authentication by client_secret_post or client_secret_basic; false when neither matches. */
  clientAuthenticated(request: RecordedRequest): boolean;
  /** Redirects to the redirect_uri with a code for nextUserId, as a consent screen would after "Allow". */
  consent(request: RecordedRequest, extra?: Record<string, string>): SimAnswer;
  /** Checks PKCE S256 when the code was issued with a challenge. */
  pkceHolds(code: TokenRecord, verifier: string | undefined): boolean;
}

export interface ProviderSimulator extends SimulatorState {
  readonly requests: RecordedRequest[];
  /** Adds (or replaces) a person. */
  addUser(user: SimUser): void;
  /** The person who signs in at the next /authorize. */
  signInAs(userId: string): void;
  /** Valid tokens for a person, as if they had consented earlier. */
  issueTokens(userId: string): IssuedTokens;
  /** Ends every token of a person, as when they remove the app (or an admin resets their password). */
  revokeUser(userId: string): void;
  /** The next `times` requests of a route group get the provider's answer for this fault. */
  fail(group: string, mode: FaultMode, times?: number): void;
  clearFaults(): void;
  /** Requests whose path starts with this. */
  requestsTo(pathPrefix: string): RecordedRequest[];
  /** PROVIDER_ORIGINS entries, `https://real=http://127.0.0.1:port`, one per origin. */
  originEntries(): string[];
  /** The app's environment for this provider: client id and secret, PROVIDER_ORIGINS, extras. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** Milliseconds since the epoch, for token lifetimes; defaults to Date.now. */
  now?: () => number;
}

export async function startSimulator(spec: SimulatorSpec, options: SimulatorOptions = {}): Promise<ProviderSimulator> {
  const requests: RecordedRequest[] = [];
  const faults: { group: string; mode: FaultMode; remaining: number }[] = [];
  const now = options.now ?? Date.now;
  let origin = '';

  const state: SimulatorState = {
    get origin() {
      return origin;
    },
    clientId: options.clientId ?? `sim-client-${randomBytes(4).toString('hex')}`,
    clientSecret: options.clientSecret ?? `sim-secret-${randomBytes(16).toString('hex')}`,
    users: new Map(),
    tokens: new Map(),
    nextUserId: undefined,
    revoked: [],
    now,
    mint(prefix, record) {
      const token = `${prefix}${randomBytes(24).toString('base64url')}`;
      state.tokens.set(token, record);
      return token;
    },
    live(token, kind) {
      if (!token) return undefined;
      const record = state.tokens.get(token);
      if (!record || record.kind !== kind || record.revoked) return undefined;
      if (record.expiresAt !== undefined && record.expiresAt <= now()) return undefined;
      return record;
    },
    clientAuthenticated(request) {
      const basic = basicCredentials(request.headers.authorization);
      const id = basic?.id ?? request.form.client_id ?? request.query.client_id;
      const secret = basic?.secret ?? request.form.client_secret ?? request.query.client_secret;
      return id === state.clientId && secret === state.clientSecret;
    },
    consent(request, extra = {}) {
      const { redirect_uri: redirectUri, state: flowState } = request.query;
      if (request.query.client_id !== state.clientId || !redirectUri) {
        return { status: 400, body: 'unknown client_id or missing redirect_uri' };
      }
      const userId = state.nextUserId;
      if (!userId || !state.users.has(userId)) return { status: 500, body: 'simulator: nobody to sign in (call signInAs)' };
      const code = state.mint('code-', { userId, kind: 'code', expiresAt: now() + 10 * 60_000, authorize: { ...request.query } });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      if (flowState !== undefined) target.searchParams.set('state', flowState);
      for (const [name, value] of Object.entries(extra)) target.searchParams.set(name, value);
      return { status: 302, headers: { location: target.toString() } };
    },
    pkceHolds(code, verifier) {
      const challenge = code.authorize?.code_challenge;
      if (challenge === undefined) return true;
      if (code.authorize?.code_challenge_method !== 'S256' || !verifier) return false;
      return createHash('sha256').update(verifier).digest('base64url') === challenge;
    },
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { simulator_error: String(error) } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      form: type.includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(raw)) : {},
      json: type.includes('json') && raw !== '' ? safeJson(raw) : undefined,
      headers: req.headers,
    };
    requests.push(request);
    const group = spec.groupOf(request.method, request.path);
    const fault = group === undefined ? undefined : faults.find((candidate) => candidate.group === group && candidate.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      send(res, spec.faultAnswer(fault.group, fault.mode));
      return;
    }
    const route = matchRoute(spec.routes, request.method, request.path);
    if (!route) {
      send(res, { status: 404, body: { simulator: `no route for ${request.method} ${request.path}` } });
      return;
    }
    send(res, await route(request, state));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const simulator: ProviderSimulator = Object.assign(state, {
    requests,
    addUser(user: SimUser) {
      state.users.set(user.id, user);
    },
    signInAs(userId: string) {
      state.nextUserId = userId;
    },
    issueTokens(userId: string): IssuedTokens {
      const ttl = spec.accessTokenTtlSeconds;
      const accessToken = state.mint('at-', { userId, kind: 'access', ...(ttl ? { expiresAt: now() + ttl * 1000 } : {}) });
      const refreshToken = state.mint('rt-', { userId, kind: 'refresh' });
      return { accessToken, refreshToken };
    },
    revokeUser(userId: string) {
      for (const record of state.tokens.values()) if (record.userId === userId) record.revoked = true;
    },
    fail(group: string, mode: FaultMode, times = 1) {
      faults.push({ group, mode, remaining: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    requestsTo(pathPrefix: string) {
      return requests.filter((request) => request.path.startsWith(pathPrefix));
    },
    originEntries() {
      return spec.origins.map((real) => `${real}=${origin}`);
    },
    env() {
      const clients = spec.envPrefixes.flatMap((prefix) => [
        [`${prefix}_CLIENT_ID`, state.clientId],
        [`${prefix}_CLIENT_SECRET`, state.clientSecret],
      ]);
      return {
        ...Object.fromEntries(clients),
        PROVIDER_ORIGINS: simulator.originEntries().join(','),
        OAUTH_ALLOW_INSECURE_HTTP: 'true',
        ...spec.env,
      };
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  });
  return simulator;
}

/** The environment for several simulators in one app: their PROVIDER_ORIGINS entries joined. */
export function simulatorsEnv(...simulators: ProviderSimulator[]): Record<string, string> {
  const env = Object.assign({}, ...simulators.map((simulator) => simulator.env())) as Record<string, string>;
  env.PROVIDER_ORIGINS = simulators.flatMap((simulator) => simulator.originEntries()).join(',');
  return env;
}

/** The bearer token of a request, if any. */
export function bearerOf(request: RecordedRequest): string | undefined {
  const match = /^Bearer (.+)$/i.exec(String(request.headers.authorization ?? ''));
  return match?.[1];
}

function matchRoute(routes: Record<string, Route>, method: string, path: string): Route | undefined {
  for (const [key, route] of Object.entries(routes)) {
    const [routeMethod, routePath] = key.split(' ') as [string, string];
    if (routeMethod !== method) continue;
    if (routePath.endsWith('*') ? path.startsWith(routePath.slice(0, -1)) : path === routePath) return route;
  }
  return undefined;
}

function send(res: ServerResponse, answer: SimAnswer): void {
  const headers = { ...answer.headers };
  let body = '';
  if (typeof answer.body === 'string') {
    body = answer.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (answer.body !== undefined) {
    body = JSON.stringify(answer.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic (.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}
