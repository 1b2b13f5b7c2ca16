import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCatalog } from '../../src/providers/catalog';
import { providerSchema, type ProviderDefinition, type ProviderInput } from '../../src/providers/definition';

/**
 * A real OAuth 2.0 authorization server on loopback, strict where real providers are strict (PKCE S256,
 * single-use codes, redirect_uri binding, client authentication, refresh token rotation) so the OAuth
 * code is tested against the protocol rather than against mocks. Faults (error answers, latency, hanging
 * endpoints) are injected per path; every request is recorded.
 */

/**
 * `/access-tokens/<token>` answers like HubSpot's token lookup (`{ hub_id, user }`, the token in the path,
 * no bearer), for identity definitions that use the `{accessToken}` placeholder.
 */
export type FakePath = '/authorize' | '/token' | '/userinfo' | '/revoke' | '/apikey/me' | `/access-tokens/${string}`;

export interface FakeOAuthProviderOptions {
  clientId?: string;
  clientSecret?: string;
  /** Which client authentication the token and revocation endpoints accept. */
  clientAuth?: 'client_secret_post' | 'client_secret_basic' | 'any';
  /** Account that signs in at /authorize unless `nextAccount` picks another. */
  defaultAccount?: string;
  accessTokenTtlSeconds?: number;
  /** When false, refreshing returns no new refresh token and the old one stays valid. */
  rotateRefreshTokens?: boolean;
}

/** The URLs in the shape of the generic provider configuration (GENERIC_OAUTH_* / GENERIC_API_KEY_*). */
export interface FakeOAuthProviderConfig {
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  revokeUrl: string;
  apiKeyProbeUrl: string;
}

export interface AuthorizeRecord {
  clientId?: string;
  redirectUri?: string;
  state?: string;
  scope?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Every query parameter as sent, including the ones above. */
  params: Record<string, string>;
  account: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface FakeOAuthProvider {
  readonly baseUrl: string;
  /** What the fake sends as `iss` once `sendIssuer` is on (RFC 9207). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  config(): FakeOAuthProviderConfig;
  /** The account that signs in at the next /authorize. */
  nextAccount(accountId: string): void;
  /** The next /authorize redirects back with this error instead of a code. */
  denyNext(error?: string): void;
  /** Adds `iss` to authorization responses; a string overrides the value (mix-up tests). */
  sendIssuer(value?: string | false): void;
  /** Valid credentials for an account, as if it had consented earlier. */
  issueTokens(accountId: string): { accessToken: string; refreshToken: string };
  /** Revokes a refresh token (and the access tokens issued with it) or a single access token. */
  revoke(token: string): void;
  addApiKey(key: string, accountId: string): void;
  /**
   * The next `times` requests to `path` get this status and body: a string is sent as text, anything else
   * as JSON, and a function is called with the request first (to echo what a client sent).
   */
  failNext(path: FakePath, status: number, body?: FaultBody, times?: number): void;
  /** Delay before every answer. */
  latency(ms: number): void;
  /** Requests to `path` are never answered. */
  hang(path: FakePath): void;
  clearFaults(): void;
  readonly requests: readonly RecordedRequest[];
  readonly authorizeRequests: readonly AuthorizeRecord[];
  readonly inFlight: number;
  readonly maxInFlight: number;
  resetMaxInFlight(): void;
  close(): Promise<void>;
}

const REVOKED_DESCRIPTION = 'Token has been expired or revoked.';
const CODE_TTL_MS = 60_000;

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  account: string;
  scope?: string;
  codeChallenge?: string;
  used: boolean;
  expiresAtMs: number;
}

interface AccessTokenGrant {
  account: string;
  refreshToken?: string;
  expiresAtMs: number;
  revoked: boolean;
}

interface RefreshTokenGrant {
  account: string;
  clientId: string;
  scope?: string;
  active: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type FaultBody = unknown | ((request: RecordedRequest) => unknown);

interface Fault {
  status: number;
  body: FaultBody;
  remaining: number;
}

export async function startFakeOAuthProvider(options: FakeOAuthProviderOptions = {}): Promise<FakeOAuthProvider> {
  const provider = new FakeProvider(options);
  await provider.listen();
  return provider;
}

/** GETs an authorize URL without following the redirect and returns where the provider sends the browser. */
export async function followAuthorize(url: URL | string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  await response.body?.cancel();
  if (response.status !== 302 || !location) {
    throw new Error(`authorize answered ${response.status} without a redirect`);
  }
  return new URL(location);
}

type OAuth2Input = Extract<ProviderInput['auth'], { type: 'oauth2' }>;

/**
 * The catalog's `generic_oauth2` entry configured for the fake (so its error rules are the real ones),
 * with the account label read from `email` and any auth fields replaced, e.g. `{ issuer, pkce: false }`.
 */
export function oauth2ProviderFor(fake: FakeOAuthProvider, auth: Partial<OAuth2Input> = {}): ProviderDefinition {
  const urls = fake.config();
  const generic = buildCatalog({
    genericOAuth: {
      name: 'Fake OAuth2',
      kind: 'integration',
      authorizeUrl: urls.authorizeUrl,
      tokenUrl: urls.tokenUrl,
      userinfoUrl: urls.userinfoUrl,
      revokeUrl: urls.revokeUrl,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      scopes: ['read', 'offline'],
      accountClaim: 'sub',
    },
  }).require('generic_oauth2');
  if (generic.auth.type !== 'oauth2') throw new Error('generic_oauth2 is not an OAuth2 provider');
  const identity = { ...generic.auth.identity, labelPath: 'email' };
  return providerSchema.parse({ ...generic, auth: { ...generic.auth, identity, ...auth } });
}

/** The catalog's `generic_api_key` entry configured for the fake's `/apikey/me`. */
export function apiKeyProviderFor(fake: FakeOAuthProvider): ProviderDefinition {
  return buildCatalog({
    genericApiKey: {
      name: 'Fake API-key integration',
      kind: 'integration',
      probeUrl: fake.config().apiKeyProbeUrl,
      header: 'Authorization',
      accountClaim: 'account_id',
    },
  }).require('generic_api_key');
}

class FakeProvider implements FakeOAuthProvider {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: RecordedRequest[] = [];
  readonly authorizeRequests: AuthorizeRecord[] = [];
  baseUrl = '';
  inFlight = 0;
  maxInFlight = 0;

  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly clientAuth: NonNullable<FakeOAuthProviderOptions['clientAuth']>;
  private readonly defaultAccount: string;
  private readonly accessTokenTtlSeconds: number;
  private readonly rotateRefreshTokens: boolean;
  private readonly codes = new Map<string, CodeGrant>();
  private readonly accessTokens = new Map<string, AccessTokenGrant>();
  private readonly refreshTokens = new Map<string, RefreshTokenGrant>();
  private readonly apiKeys = new Map<string, string>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly hanging = new Set<string>();
  private pendingAccount?: string;
  private pendingDenial?: string;
  private issValue: string | false = false;
  private latencyMs = 0;

  constructor(options: FakeOAuthProviderOptions) {
    this.clientId = options.clientId ?? 'fake-client-id';
    this.clientSecret = options.clientSecret ?? `fake-client-secret-${randomToken()}`;
    this.clientAuth = options.clientAuth ?? 'any';
    this.defaultAccount = options.defaultAccount ?? 'account-1';
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? true;
  }

  get issuer(): string {
    return this.baseUrl;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    // Hanging requests keep their sockets open; without this, close() would wait for them forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  config(): FakeOAuthProviderConfig {
    return {
      authorizeUrl: `${this.baseUrl}/authorize`,
      tokenUrl: `${this.baseUrl}/token`,
      userinfoUrl: `${this.baseUrl}/userinfo`,
      revokeUrl: `${this.baseUrl}/revoke`,
      apiKeyProbeUrl: `${this.baseUrl}/apikey/me`,
    };
  }

  nextAccount(accountId: string): void {
    this.pendingAccount = accountId;
  }

  denyNext(error = 'access_denied'): void {
    this.pendingDenial = error;
  }

  sendIssuer(value?: string | false): void {
    this.issValue = value === undefined ? this.issuer : value;
  }

  issueTokens(accountId: string): { accessToken: string; refreshToken: string } {
    const refreshToken = `rt_${randomToken()}`;
    this.refreshTokens.set(refreshToken, { account: accountId, clientId: this.clientId, active: true });
    return { accessToken: this.issueAccessToken(accountId, refreshToken), refreshToken };
  }

  revoke(token: string): void {
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      refresh.active = false;
      for (const access of this.accessTokens.values()) if (access.refreshToken === token) access.revoked = true;
    }
    const access = this.accessTokens.get(token);
    if (access) access.revoked = true;
  }

  addApiKey(key: string, accountId: string): void {
    this.apiKeys.set(key, accountId);
  }

  failNext(path: FakePath, status: number, body?: FaultBody, times = 1): void {
    const queue = this.faults.get(path) ?? [];
    queue.push({ status, body: body ?? { error: status >= 500 ? 'server_error' : 'injected_failure' }, remaining: times });
    this.faults.set(path, queue);
  }

  latency(ms: number): void {
    this.latencyMs = ms;
  }

  hang(path: FakePath): void {
    this.hanging.add(path);
  }

  clearFaults(): void {
    this.faults.clear();
    this.hanging.clear();
    this.latencyMs = 0;
  }

  resetMaxInFlight(): void {
    this.maxInFlight = this.inFlight;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => {
      this.inFlight -= 1;
    });
    const url = new URL(req.url ?? '/', this.baseUrl);
    const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form,
      headers: req.headers,
    };
    this.requests.push(recorded);
    if (this.hanging.has(url.pathname)) return;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    try {
      send(res, this.takeFault(recorded) ?? this.route(req, url, form));
    } catch {
      // A request the fake can't make sense of (e.g. an unparsable redirect_uri) must not crash the test run.
      send(res, oauthError(400, 'invalid_request'));
    }
  }

  private takeFault(request: RecordedRequest): Answer | undefined {
    const queue = this.faults.get(request.path);
    const fault = queue?.[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue?.shift();
    return { status: fault.status, body: typeof fault.body === 'function' ? fault.body(request) : fault.body };
  }

  private route(req: IncomingMessage, url: URL, form: Record<string, string>): Answer {
    if (req.method === 'GET' && url.pathname.startsWith('/access-tokens/')) {
      return this.tokenLookup(decodeURIComponent(url.pathname.slice('/access-tokens/'.length)));
    }
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /authorize':
        return this.authorize(url.searchParams);
      case 'POST /token':
        return this.token(req, form);
      case 'GET /userinfo':
        return this.userinfo(req);
      case 'POST /revoke':
        return this.revokeEndpoint(req, form);
      case 'GET /apikey/me':
        return this.apiKeyProbe(req);
      default:
        return { status: 404, body: { error: 'not_found' } };
    }
  }

  private authorize(params: URLSearchParams): Answer {
    const clientId = params.get('client_id') ?? undefined;
    const redirectUri = params.get('redirect_uri') ?? undefined;
    const account = this.pendingAccount ?? this.defaultAccount;
    this.pendingAccount = undefined;
    this.authorizeRequests.push({
      clientId,
      redirectUri,
      state: params.get('state') ?? undefined,
      scope: params.get('scope') ?? undefined,
      codeChallenge: params.get('code_challenge') ?? undefined,
      codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
      params: Object.fromEntries(params),
      account,
    });
    // Per RFC 6749 §4.1.2.1 a bad client or redirect URI is shown to the user, never redirected to.
    if (clientId !== this.clientId || !redirectUri) return { status: 400, body: 'unknown client or missing redirect_uri' };
    const callback = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) callback.searchParams.set('state', state);
    if (this.issValue) callback.searchParams.set('iss', this.issValue);
    const denial = this.pendingDenial ?? this.authorizeRequestError(params);
    this.pendingDenial = undefined;
    if (denial) {
      callback.searchParams.set('error', denial);
    } else {
      callback.searchParams.set('code', this.issueCode(params, account));
    }
    return { status: 302, body: '', headers: { location: callback.href } };
  }

  private authorizeRequestError(params: URLSearchParams): string | undefined {
    if (params.get('response_type') !== 'code') return 'unsupported_response_type';
    const method = params.get('code_challenge_method');
    if (params.has('code_challenge') && method !== 'S256') return 'invalid_request';
    return undefined;
  }

  private issueCode(params: URLSearchParams, account: string): string {
    const code = `code_${randomToken()}`;
    this.codes.set(code, {
      clientId: this.clientId,
      redirectUri: params.get('redirect_uri') ?? '',
      account,
      scope: params.get('scope') ?? undefined,
      codeChallenge: params.get('code_challenge') ?? undefined,
      used: false,
      expiresAtMs: Date.now() + CODE_TTL_MS,
    });
    return code;
  }

  private token(req: IncomingMessage, form: Record<string, string>): Answer {
    if (!this.clientAuthenticated(req, form)) return clientAuthFailure(req);
    switch (form.grant_type) {
      case 'authorization_code':
        return this.exchangeCode(form);
      case 'refresh_token':
        return this.refresh(form);
      default:
        return oauthError(400, 'unsupported_grant_type');
    }
  }

  private exchangeCode(form: Record<string, string>): Answer {
    const grant = form.code ? this.codes.get(form.code) : undefined;
    if (!grant || grant.used || grant.expiresAtMs < Date.now()) return oauthError(400, 'invalid_grant', 'Invalid or used code.');
    grant.used = true;
    if (grant.redirectUri !== form.redirect_uri) return oauthError(400, 'invalid_grant', 'redirect_uri mismatch.');
    if (!pkceHolds(grant.codeChallenge, form.code_verifier)) return oauthError(400, 'invalid_grant', 'PKCE verification failed.');
    const refreshToken = `rt_${randomToken()}`;
    this.refreshTokens.set(refreshToken, { account: grant.account, clientId: grant.clientId, scope: grant.scope, active: true });
    return this.tokenAnswer(grant.account, refreshToken, grant.scope, true);
  }

  private refresh(form: Record<string, string>): Answer {
    const presented = form.refresh_token;
    const grant = presented ? this.refreshTokens.get(presented) : undefined;
    if (!presented || !grant || !grant.active || grant.clientId !== this.clientId) {
      return oauthError(400, 'invalid_grant', REVOKED_DESCRIPTION);
    }
    if (!this.rotateRefreshTokens) return this.tokenAnswer(grant.account, presented, grant.scope, false);
    grant.active = false;
    const rotated = `rt_${randomToken()}`;
    this.refreshTokens.set(rotated, { ...grant, active: true });
    return this.tokenAnswer(grant.account, rotated, grant.scope, true);
  }

  private tokenAnswer(account: string, refreshToken: string, scope: string | undefined, sendRefreshToken: boolean): Answer {
    return {
      status: 200,
      body: {
        access_token: this.issueAccessToken(account, refreshToken),
        token_type: 'Bearer',
        expires_in: this.accessTokenTtlSeconds,
        ...(sendRefreshToken ? { refresh_token: refreshToken } : {}),
        ...(scope ? { scope } : {}),
      },
    };
  }

  private issueAccessToken(account: string, refreshToken: string): string {
    const token = `at_${randomToken()}`;
    this.accessTokens.set(token, {
      account,
      refreshToken,
      expiresAtMs: Date.now() + this.accessTokenTtlSeconds * 1000,
      revoked: false,
    });
    return token;
  }

  private userinfo(req: IncomingMessage): Answer {
    const grant = this.liveAccessToken(bearer(req));
    if (!grant) {
      return { status: 401, body: { error: 'invalid_token' }, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
    return { status: 200, body: { sub: grant.account, email: `${grant.account}@example.test` } };
  }

  private tokenLookup(token: string): Answer {
    const grant = this.liveAccessToken(token);
    if (!grant) return { status: 404, body: { status: 'error', message: 'Token not found' } };
    return { status: 200, body: { hub_id: Number(grant.account.replace(/\D/g, '')) || 0, user: `${grant.account}@example.test` } };
  }

  private liveAccessToken(token: string | undefined): AccessTokenGrant | undefined {
    const grant = token ? this.accessTokens.get(token) : undefined;
    return grant && !grant.revoked && grant.expiresAtMs >= Date.now() ? grant : undefined;
  }

  private revokeEndpoint(req: IncomingMessage, form: Record<string, string>): Answer {
    if (!this.clientAuthenticated(req, form)) return clientAuthFailure(req);
    // RFC 7009 §2.2: unknown tokens are answered 200 too.
    if (form.token) this.revoke(form.token);
    return { status: 200, body: '' };
  }

  private apiKeyProbe(req: IncomingMessage): Answer {
    const account = this.apiKeys.get(bearer(req) ?? '');
    return account ? { status: 200, body: { account_id: account } } : { status: 401, body: { error: 'invalid_api_key' } };
  }

  private clientAuthenticated(req: IncomingMessage, form: Record<string, string>): boolean {
    const basic = basicCredentials(req);
    if (basic) return this.clientAuth !== 'client_secret_post' && this.clientMatches(basic.id, basic.secret);
    if (form.client_secret !== undefined) {
      return this.clientAuth !== 'client_secret_basic' && this.clientMatches(form.client_id, form.client_secret);
    }
    return false;
  }

  private clientMatches(id: string | undefined, secret: string | undefined): boolean {
    return id === this.clientId && secret !== undefined && safeEqual(secret, this.clientSecret);
  }
}

function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

function pkceHolds(challenge: string | undefined, verifier: string | undefined): boolean {
  // A verifier without a challenge is refused too: accepting it would let a PKCE downgrade through (RFC 9700 §2.1.1).
  if (challenge === undefined) return verifier === undefined;
  if (verifier === undefined) return false;
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { id: formDecode(decoded.slice(0, separator)), secret: formDecode(decoded.slice(separator + 1)) };
}

/** RFC 6749 §5.2: a client that tried the Authorization header gets a 401 with a challenge. */
function clientAuthFailure(req: IncomingMessage): Answer {
  const answer = oauthError(401, 'invalid_client', 'Client authentication failed.');
  return basicCredentials(req) ? { ...answer, headers: { 'www-authenticate': 'Basic realm="fake"' } } : answer;
}

function oauthError(status: number, error: string, description?: string): Answer {
  return { status, body: { error, ...(description ? { error_description: description } : {}) } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: Answer): void {
  const isText = typeof answer.body === 'string';
  const payload = isText ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    ...answer.headers,
  });
  res.end(payload);
}

/** The app's environment for its generic OAuth2 provider served by `fake`, over plain http on loopback. */
export function genericOAuthEnv(fake: FakeOAuthProvider): Record<string, string> {
  const urls = fake.config();
  return {
    GENERIC_OAUTH_AUTHORIZE_URL: urls.authorizeUrl,
    GENERIC_OAUTH_TOKEN_URL: urls.tokenUrl,
    GENERIC_OAUTH_USERINFO_URL: urls.userinfoUrl,
    GENERIC_OAUTH_CLIENT_ID: fake.clientId,
    GENERIC_OAUTH_CLIENT_SECRET: fake.clientSecret,
    OAUTH_ALLOW_INSECURE_HTTP: 'true',
  };
}
