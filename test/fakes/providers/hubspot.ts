import { randomBytes, randomUUID } from 'node:crypto';
import {
  startSimulator,
  type FaultMode,
  type IssuedTokens,
  type ProviderSimulator,
  type RecordedRequest,
  type SimAccount,
  type SimAnswer,
  type SimulatorOptions,
  type SimulatorState,
  type SimUser,
} from './simulator';

/**
 * HubSpot's v1 OAuth endpoints: the install screen on app.hubspot.com and the token API on
 * api.hubapi.com. SimUser.id is the numeric HubSpot user id and its label the user's email; each
 * SimAccount is a HubSpot account ("hub", "portal") whose id is the numeric hub id. A consent is for one
 * hub, the user's first unless a test picks another with `selectHub`. Where a shape below is not on a
 * HubSpot page it says "Inferred" and where it was seen instead.
 *
 * The v1 guide (V1_GUIDE below): https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide
 * (read through a verbatim copy, github.com/teostereciu/mcpsynth, benchmark/datasets/hubspot/docs/api_v1_guide.md).
 */

/** "expires_in": 1800 in every V1_GUIDE sample. */
export const HUBSPOT_ACCESS_TOKEN_TTL_SECONDS = 1800;

export interface HubSpotSimulator extends ProviderSimulator {
  /** The app id that token metadata reports. */
  readonly appId: number;
  /** The hub the next consent installs into; it must be one of the signed-in user's accounts. */
  selectHub(hubId: string): void;
}

/** What one install granted: the hub and scopes every token of it reports. */
interface Grant {
  hubId: string;
  scopes: string[];
}

/** The scopes of tokens a test issues without a consent (part of what Reconnect asks for). */
const DEFAULT_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'];

/**
 * V1_GUIDE "Error handling": the answer for any refresh token that is invalid, expired or revoked,
 * RFC 6749 fields plus HubSpot's older `status` and `message`. (Older answers quoted in public code say
 * "missing or unknown refresh token" and carry a correlationId; the current guide shows neither.)
 */
const BAD_REFRESH_TOKEN: SimAnswer = {
  status: 400,
  body: {
    error: 'invalid_grant',
    error_description: 'refresh token is invalid, expired or revoked',
    status: 'BAD_REFRESH_TOKEN',
    message: 'refresh token is invalid, expired or revoked',
  },
};

export async function startHubSpotSimulator(options: SimulatorOptions & { appId?: number } = {}): Promise<HubSpotSimulator> {
  const appId = options.appId ?? 1_234_567;
  const grants = new Map<string, Grant>();
  let nextHubId: string | undefined;

  function install(sim: SimulatorState, userId: string, grant: Grant): IssuedTokens {
    // Refresh tokens look like "na1-ab12-cd34-…" (the hublet, then hex groups); they don't expire.
    const refreshToken = sim.mint(`na1-${randomBytes(2).toString('hex')}-`, { userId, kind: 'refresh' });
    grants.set(refreshToken, grant);
    return { accessToken: mintAccessToken(sim, userId, grant), refreshToken };
  }

  function mintAccessToken(sim: SimulatorState, userId: string, grant: Grant): string {
    const token = sim.mint('CN', { userId, kind: 'access', expiresAt: sim.now() + HUBSPOT_ACCESS_TOKEN_TTL_SECONDS * 1000 });
    grants.set(token, grant);
    return token;
  }

  /**
   * V1_GUIDE "Generate initial access and refresh tokens", plus `hub_id` and `scopes`, which HubSpot
   * added to every token answer on 2025-08-18:
   * https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
   * A refresh answers with the same refresh token (HubSpot doesn't rotate them).
   */
  function tokenAnswer(tokens: IssuedTokens, grant: Grant): SimAnswer {
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: tokens.refreshToken,
        hub_id: numericId(grant.hubId),
        scopes: grant.scopes,
        access_token: tokens.accessToken,
        expires_in: HUBSPOT_ACCESS_TOKEN_TTL_SECONDS,
      },
    };
  }

  function exchangeCode(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const { form } = request;
    const code = sim.live(form.code, 'code');
    const asked = code?.authorize;
    const grant = form.code === undefined ? undefined : grants.get(form.code);
    // Inferred: the statuses below are HubSpot's as quoted in public code, in the documented error shape.
    if (!code || !asked || !grant) return oauthError('BAD_AUTH_CODE', 'invalid_grant', 'missing or unknown auth code');
    if (asked.redirect_uri !== form.redirect_uri) return oauthError('BAD_REDIRECT_URI', 'invalid_grant', 'redirect_uri does not match the authorization request');
    if (!sim.pkceHolds(code, form.code_verifier)) return oauthError('BAD_CODE_VERIFIER', 'invalid_grant', 'code_verifier does not match the code_challenge');
    sim.tokens.delete(form.code!);
    return tokenAnswer(install(sim, code.userId, grant), grant);
  }

  function refresh(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const refreshToken = request.form.refresh_token;
    const record = sim.live(refreshToken, 'refresh');
    const grant = refreshToken === undefined ? undefined : grants.get(refreshToken);
    if (!record || !grant) return BAD_REFRESH_TOKEN;
    return tokenAnswer({ accessToken: mintAccessToken(sim, record.userId, grant), refreshToken }, grant);
  }

  const simulator = await startSimulator(
    {
      origins: ['https://app.hubspot.com', 'https://api.hubapi.com'],
      envPrefixes: ['HUBSPOT'],
      accessTokenTtlSeconds: HUBSPOT_ACCESS_TOKEN_TTL_SECONDS,
      routes: {
        // The install URL (V1_GUIDE "Initiating OAuth access"): client_id, redirect_uri, scope
        // (space-separated), optional_scopes and state; PKCE with S256 when the app sends a challenge.
        'GET /oauth/authorize': (request, sim) => {
          const { scope, code_challenge: challenge, code_challenge_method: method } = request.query;
          if (!scope) return { status: 400, body: 'simulator: scope is required' };
          if (challenge !== undefined && method !== 'S256') return { status: 400, body: 'simulator: code_challenge_method must be S256' };
          const user = sim.nextUserId === undefined ? undefined : sim.users.get(sim.nextUserId);
          const hub = user === undefined ? undefined : hubOf(user, nextHubId);
          const answer = sim.consent(request);
          const code = answer.headers?.location === undefined ? null : new URL(answer.headers.location).searchParams.get('code');
          if (code !== null && hub) grants.set(code, { hubId: hub.id, scopes: scope.split(' ').filter(Boolean) });
          return answer;
        },
        // A form with grant_type, client_id, client_secret, redirect_uri and code (or refresh_token);
        // HubSpot reads the client from the form, not from Basic authentication.
        'POST /oauth/v1/token': (request, sim) => {
          const { form } = request;
          if (form.client_id !== sim.clientId) return oauthError('BAD_CLIENT_ID', 'invalid_client', 'missing or unknown client id');
          if (form.client_secret !== sim.clientSecret) return oauthError('BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client secret');
          if (form.grant_type === 'authorization_code') return exchangeCode(request, sim);
          if (form.grant_type === 'refresh_token') return refresh(request, sim);
          return oauthError('BAD_GRANT_TYPE', 'unsupported_grant_type', 'missing or unknown grant type');
        },
        // V1_GUIDE "Retrieve access token metadata": the token in the path, no Authorization header.
        'GET /oauth/v1/access-tokens/*': (request, sim) => {
          const token = request.path.slice('/oauth/v1/access-tokens/'.length);
          const record = sim.live(token, 'access');
          const grant = grants.get(token);
          if (!record || !grant) return deadAccessToken(sim, token);
          return { status: 200, body: tokenMetadata(token, userOf(sim, record.userId), grant, record.expiresAt ?? sim.now(), sim.now(), appId) };
        },
        // V1_GUIDE "Delete a refresh token": 204, and only the refresh token ends; access tokens made
        // with it live on and the app stays installed. Inferred: the BAD_REFRESH_TOKEN answer for a
        // token HubSpot doesn't know.
        'DELETE /oauth/v1/refresh-tokens/*': (request, sim) => {
          const token = request.path.slice('/oauth/v1/refresh-tokens/'.length);
          sim.revoked.push(token);
          const record = sim.live(token, 'refresh');
          if (!record) return BAD_REFRESH_TOKEN;
          record.revoked = true;
          return { status: 204 };
        },
      },
      groupOf(method, path) {
        if (method === 'POST' && path === '/oauth/v1/token') return 'token';
        if (method === 'GET' && path.startsWith('/oauth/v1/access-tokens/')) return 'identity';
        return undefined;
      },
      faultAnswer(group: string, mode: FaultMode): SimAnswer {
        if (mode === 'throttled') {
          // The 429 body of the usage guidelines:
          // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
          return {
            status: 429,
            body: {
              status: 'error',
              message: 'You have reached your ten_secondly_rolling limit.',
              errorType: 'RATE_LIMIT',
              correlationId: randomUUID(),
              policyName: 'TEN_SECONDLY_ROLLING',
              requestId: randomUUID(),
            },
          };
        }
        // "502/504 timeouts" and "503 service temporarily unavailable" on
        // https://developers.hubspot.com/docs/api-reference/error-handling; the plain-text bodies are inferred.
        if (mode === 'server_error') return group === 'token' ? { status: 502, body: 'Bad Gateway' } : { status: 503, body: 'Service Unavailable' };
        if (group === 'token') return BAD_REFRESH_TOKEN;
        // An expired token's answer says how long ago it died; a minute, for the fault.
        return mode === 'expired' ? expiredAuthentication(60) : invalidAuthentication();
      },
    },
    options,
  );

  return Object.assign(simulator, {
    appId,
    selectHub(hubId: string) {
      nextHubId = hubId;
    },
    issueTokens(userId: string): IssuedTokens {
      return install(simulator, userId, { hubId: hubOf(userOf(simulator, userId), nextHubId).id, scopes: DEFAULT_SCOPES });
    },
  });
}

/**
 * HubSpot's error shape for the token endpoint (V1_GUIDE "Error handling"). The statuses other than
 * BAD_REFRESH_TOKEN, and their messages, are inferred from answers quoted in public code.
 */
function oauthError(status: string, error: string, message: string): SimAnswer {
  return { status: 400, body: { error, error_description: message, status, message } };
}

// The API's error shape (https://developers.hubspot.com/docs/api-reference/error-handling) with the
// categories and messages of live 401s quoted in public issues (e.g. github.com/ToolJet/ToolJet/issues/17192
// for EXPIRED_AUTHENTICATION). Inferred: that the metadata endpoint answers a dead token this way.
function invalidAuthentication(): SimAnswer {
  return {
    status: 401,
    body: {
      status: 'error',
      message:
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      correlationId: randomUUID(),
      category: 'INVALID_AUTHENTICATION',
    },
  };
}

function expiredAuthentication(secondsAgo: number): SimAnswer {
  return {
    status: 401,
    body: {
      status: 'error',
      message: `The OAuth token used to make this call expired ${secondsAgo} second(s) ago.`,
      correlationId: randomUUID(),
      category: 'EXPIRED_AUTHENTICATION',
    },
  };
}

function deadAccessToken(sim: SimulatorState, token: string): SimAnswer {
  const record = sim.tokens.get(token);
  if (record?.kind === 'access' && !record.revoked && record.expiresAt !== undefined) {
    return expiredAuthentication(Math.floor((sim.now() - record.expiresAt) / 1000));
  }
  return invalidAuthentication();
}

/**
 * V1_GUIDE's metadata sample. Inferred: `hub_domain` made from the account name, and the contents of
 * `signed_access_token`, an opaque structure Reconnect doesn't read.
 */
function tokenMetadata(token: string, user: SimUser, grant: Grant, expiresAt: number, now: number, appId: number): Record<string, unknown> {
  const hub = hubOf(user, grant.hubId);
  const hubId = numericId(hub.id);
  const userId = numericId(user.id);
  return {
    token,
    user: user.label,
    hub_domain: `${hub.name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.com`,
    scopes: grant.scopes,
    signed_access_token: {
      expiresAt,
      scopes: Buffer.from(grant.scopes.join(' ')).toString('base64'),
      hubId,
      userId,
      appId,
      signature: randomBytes(20).toString('base64'),
      scopeToScopeGroupPks: '',
      newSignature: randomBytes(20).toString('base64'),
      hublet: 'na1',
      trialScopes: '',
      trialScopeToScopeGroupPks: '',
      isUserLevel: false,
    },
    hub_id: hubId,
    app_id: appId,
    expires_in: Math.max(0, Math.floor((expiresAt - now) / 1000)),
    user_id: userId,
    token_type: 'access',
  };
}

function userOf(sim: SimulatorState, userId: string): SimUser {
  const user = sim.users.get(userId);
  if (!user) throw new Error(`simulator: no user ${userId}`);
  return user;
}

/** The hub a consent is for: the chosen one, else the user's first. */
function hubOf(user: SimUser, hubId: string | undefined): SimAccount {
  const hub = hubId === undefined ? user.accounts[0] : user.accounts.find((account) => account.id === hubId);
  if (!hub) throw new Error(`simulator: HubSpot user ${user.id} has no hub ${hubId ?? '(none)'}`);
  return hub;
}

/** HubSpot user and hub ids are integers in its answers. */
function numericId(id: string): number {
  if (!/^\d+$/.test(id)) throw new Error(`simulator: HubSpot ids are numeric, got ${id}`);
  return Number(id);
}
