import { randomBytes } from 'node:crypto';
import {
  bearerOf,
  startSimulator,
  type FaultMode,
  type IssuedTokens,
  type ProviderSimulator,
  type RecordedRequest,
  type SimAnswer,
  type SimulatorOptions,
  type SimulatorState,
  type SimUser,
} from './simulator';

/**
 * LinkedIn Ads (Marketing API) as LinkedIn documents it on Microsoft Learn: the 3-legged OAuth flow on
 * www.linkedin.com, OpenID Connect userinfo and the versioned Rest.li API on api.linkedin.com.
 * SimUser.id is the member's OIDC `sub`; SimAccount.id is the numeric sponsored (ad) account id.
 * Where a shape below is not on a LinkedIn page it says "Inferred" and where it was seen instead.
 */

/**
 * The newest `LinkedIn-Version` (YYYYMM) this simulator serves. LinkedIn releases one a month and keeps
 * each for at least a year, so the eleven before it are active too and anything else gets 426.
 * https://learn.microsoft.com/en-us/linkedin/marketing/versioning (202609 was the latest when read
 * through a third-party copy dated 2026-09-19; the stored Learn page itself still said 202603.)
 */
export const LINKEDIN_API_VERSION = '202609';
const ACTIVE_MONTHS = 12;

/** Access tokens live 60 days, refresh tokens 365 days from the first consent, and refreshing never extends them. */
export const LINKEDIN_ACCESS_TOKEN_TTL_SECONDS = 60 * 86_400;
export const LINKEDIN_REFRESH_TOKEN_TTL_SECONDS = 365 * 86_400;
// PROGRAMMATIC_REFRESH_DOC below: https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens

/** The Ad Account roles: https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads/account-structure/create-and-manage-account-users */
export type AdAccountRole = 'ACCOUNT_BILLING_ADMIN' | 'ACCOUNT_MANAGER' | 'CAMPAIGN_MANAGER' | 'CREATIVE_MANAGER' | 'VIEWER';

export interface LinkedInAdsSimulator extends ProviderSimulator {
  /** The signed-in member's role on each sponsored account id; ACCOUNT_BILLING_ADMIN where unset. */
  roles: Map<string, AdAccountRole>;
}

/** What one consent granted; its access and refresh tokens share it, so a refresh keeps the first TTL. */
interface Grant {
  scopes: string[];
  refreshExpiresAt: number;
}

/** The scopes Reconnect asks for, used when a test issues tokens without a consent. */
const DEFAULT_SCOPES = ['r_ads', 'r_ads_reporting', 'openid', 'profile'];

// The token endpoint's table of errors (PROGRAMMATIC_REFRESH_DOC, "API Error Details"). LinkedIn writes
// the message without a final period.
const DEAD_REFRESH_TOKEN: SimAnswer = {
  status: 400,
  body: { error: 'invalid_request', error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked' },
};

// API errors are {message, serviceErrorCode, status}; newer gateways add `code`.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling (the 401 messages).
// The codes and serviceErrorCodes per case are inferred from live answers quoted in public issues
// (e.g. github.com/decioferreira/omniauth-linkedin-oauth2/issues/81 for REVOKED_ACCESS_TOKEN).
const EMPTY_TOKEN: SimAnswer = { status: 401, body: { message: 'Empty oauth2_access_token', serviceErrorCode: 401, status: 401 } };
const INVALID_TOKEN: SimAnswer = {
  status: 401,
  body: { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' },
};
const REVOKED_TOKEN: SimAnswer = {
  status: 401,
  body: { status: 401, serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN', message: 'The token used in the request has been revoked by the user' },
};
const EXPIRED_TOKEN: SimAnswer = {
  status: 401,
  body: { status: 401, serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN', message: 'The token used in the request has expired' },
};

export async function startLinkedInAdsSimulator(options: SimulatorOptions = {}): Promise<LinkedInAdsSimulator> {
  const grants = new Map<string, Grant>();
  const roles = new Map<string, AdAccountRole>();
  const activeVersions = versionsBack(LINKEDIN_API_VERSION, ACTIVE_MONTHS);

  function consentGrant(sim: SimulatorState, userId: string, scopes: string[]): { grant: Grant; tokens: IssuedTokens } {
    const grant: Grant = { scopes, refreshExpiresAt: sim.now() + LINKEDIN_REFRESH_TOKEN_TTL_SECONDS * 1000 };
    const refreshToken = sim.mint('AQW', { userId, kind: 'refresh', expiresAt: grant.refreshExpiresAt });
    grants.set(refreshToken, grant);
    return { grant, tokens: { accessToken: mintAccessToken(sim, userId, grant), refreshToken } };
  }

  // Near the end of the year the access token dies with the refresh token (PROGRAMMATIC_REFRESH_DOC, "Day 360").
  function mintAccessToken(sim: SimulatorState, userId: string, grant: Grant): string {
    const expiresAt = Math.min(sim.now() + LINKEDIN_ACCESS_TOKEN_TTL_SECONDS * 1000, grant.refreshExpiresAt);
    const token = sim.mint('AQV', { userId, kind: 'access', expiresAt });
    grants.set(token, grant);
    return token;
  }

  // Sample responses: PROGRAMMATIC_REFRESH_DOC (Step 1 and Step 2) and
  // https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow (Step 3).
  // Neither has `token_type`, so it is left out. Inferred: answers for OIDC apps seen in public code
  // carry "token_type":"Bearer", and their `scope` is comma-separated ("email,openid,profile") while the
  // docs call it space-delimited; the simulator follows what LinkedIn sends there.
  function tokenAnswer(sim: SimulatorState, tokens: IssuedTokens, grant: Grant): Record<string, unknown> {
    const access = sim.tokens.get(tokens.accessToken);
    return {
      access_token: tokens.accessToken,
      expires_in: secondsUntil(sim, access?.expiresAt ?? sim.now()),
      refresh_token: tokens.refreshToken,
      refresh_token_expires_in: secondsUntil(sim, grant.refreshExpiresAt),
      scope: grant.scopes.join(','),
    };
  }

  function exchangeCode(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const { form } = request;
    if (!form.code) return missingParameter('code');
    if (!form.redirect_uri) return missingParameter('redirect_uri');
    const code = sim.live(form.code, 'code');
    const asked = code?.authorize;
    if (!code || !asked || asked.redirect_uri !== form.redirect_uri || asked.client_id !== form.client_id) {
      // The authorization-code-flow page's error table.
      return {
        status: 400,
        body: {
          error: 'invalid_redirect_uri',
          error_description:
            'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists',
        },
      };
    }
    sim.tokens.delete(form.code);
    const scopes = (asked.scope ?? '').split(' ').filter(Boolean);
    const { grant, tokens } = consentGrant(sim, code.userId, scopes);
    const answer = tokenAnswer(sim, tokens, grant);
    if (scopes.includes('openid')) answer.id_token = idToken(sim, userOf(sim, code.userId), scopes);
    return { status: 200, body: answer };
  }

  function refresh(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const refreshToken = request.form.refresh_token;
    if (!refreshToken) return missingParameter('refresh_token');
    const record = sim.live(refreshToken, 'refresh');
    const grant = grants.get(refreshToken);
    if (!record || !grant) return DEAD_REFRESH_TOKEN;
    // A new access token and the same refresh token, whose expires_in counts down from the first consent.
    const accessToken = mintAccessToken(sim, record.userId, grant);
    return { status: 200, body: tokenAnswer(sim, { accessToken, refreshToken }, grant) };
  }

  /** The live access token of an API request and what it was granted, or LinkedIn's 401 for it. */
  function authorized(request: RecordedRequest, sim: SimulatorState): { user: SimUser; grant: Grant } | SimAnswer {
    const token = bearerOf(request);
    if (!token) return EMPTY_TOKEN;
    const record = sim.live(token, 'access');
    const grant = grants.get(token);
    if (record && grant) return { user: userOf(sim, record.userId), grant };
    const dead = sim.tokens.get(token);
    if (dead?.kind === 'access' && dead.revoked) return REVOKED_TOKEN;
    if (dead?.kind === 'access') return EXPIRED_TOKEN;
    return INVALID_TOKEN;
  }

  const simulator = await startSimulator(
    {
      origins: ['https://www.linkedin.com', 'https://api.linkedin.com'],
      envPrefixes: ['LINKEDIN_ADS'],
      accessTokenTtlSeconds: LINKEDIN_ACCESS_TOKEN_TTL_SECONDS,
      routes: {
        // Step 2 of the authorization-code-flow page: response_type=code, client_id, redirect_uri, state,
        // scope (space-delimited). LinkedIn offers PKCE to native apps only, so a challenge is not checked.
        'GET /oauth/v2/authorization': (request, sim) => {
          if (request.query.response_type !== 'code') return { status: 400, body: 'simulator: response_type must be code' };
          if (!request.query.scope) return { status: 400, body: 'simulator: scope is required' };
          return sim.consent(request);
        },
        // Step 3 of the authorization-code-flow page and Step 2 of PROGRAMMATIC_REFRESH_DOC: a form with
        // the client id and secret in the body (LinkedIn takes no Basic authentication).
        'POST /oauth/v2/accessToken': (request, sim) => {
          const { form } = request;
          for (const name of ['grant_type', 'client_id', 'client_secret'] as const) if (!form[name]) return missingParameter(name);
          // Inferred: LinkedIn's wording for a wrong secret is not documented.
          if (form.client_id !== sim.clientId || form.client_secret !== sim.clientSecret) {
            return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
          }
          if (form.grant_type === 'authorization_code') return exchangeCode(request, sim);
          if (form.grant_type === 'refresh_token') return refresh(request, sim);
          return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'The grant type is not supported' } }; // inferred wording
        },
        // Inferred: the stored Learn pages don't describe revocation. Modelled as RFC 7009 with the
        // client in the form, ending only the token sent, answering 200 with no body.
        'POST /oauth/v2/revoke': (request, sim) => {
          const { token, client_id: clientId, client_secret: clientSecret } = request.form;
          if (!token) return missingParameter('token');
          sim.revoked.push(token);
          if (clientId !== sim.clientId || clientSecret !== sim.clientSecret) {
            return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
          }
          const record = sim.tokens.get(token);
          if (record) record.revoked = true;
          return { status: 200 };
        },
        // https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
        // ("Response Body Schema"): `sub`, profile claims with `profile`, email claims with `email`.
        'GET /v2/userinfo': (request, sim) => {
          const access = authorized(request, sim);
          if (!('grant' in access)) return access;
          if (!access.grant.scopes.includes('openid')) return accessDenied('userinfo.GET.NO_VERSION');
          return { status: 200, body: { sub: access.user.id, ...profileClaims(access.user, access.grant.scopes) } };
        },
        // "Find Ad Account Users by Authenticated User" on the Ad Account Users API page (linked at
        // AdAccountRole): GET /rest/adAccountUsers?q=authenticatedUser with LinkedIn-Version and
        // X-Restli-Protocol-Version: 2.0.0. The version is the gateway's check, made before the token's.
        // The Rest.li header is recorded, not enforced: LinkedIn documents no error for its absence.
        'GET /rest/adAccountUsers': (request, sim) => {
          const version = headerOf(request, 'linkedin-version');
          // https://learn.microsoft.com/en-us/linkedin/marketing/versioning: no default version. Body and
          // 426 wording inferred from live answers quoted in public code.
          if (!version) {
            return {
              status: 400,
              body: { status: 400, code: 'VERSION_MISSING', message: 'A version must be present. Please specify a version by adding the LinkedIn-Version header.' },
            };
          }
          if (!activeVersions.has(version.split('.')[0]!)) {
            return { status: 426, body: { status: 426, code: 'NONEXISTENT_VERSION', message: `Requested version ${version} is not active` } };
          }
          const access = authorized(request, sim);
          if (!('grant' in access)) return access;
          if (!access.grant.scopes.some((scope) => scope === 'r_ads' || scope === 'rw_ads')) {
            return accessDenied('adAccountUsers.FINDER-authenticatedUser');
          }
          if (request.query.q !== 'authenticatedUser') {
            return { status: 400, body: { status: 400, message: 'Invalid query parameters passed to request' } }; // inferred
          }
          // Rest.li pages with start and count, 10 by default; LinkedIn leaves `links` empty here.
          const start = Number(request.query.start ?? '0');
          const count = Number(request.query.count ?? '10');
          const stamp = { actor: 'urn:li:unknown:0', time: startedAt };
          const elements = access.user.accounts.slice(start, start + count).map((account) => ({
            account: `urn:li:sponsoredAccount:${account.id}`,
            changeAuditStamps: { created: stamp, lastModified: stamp },
            role: roles.get(account.id) ?? 'ACCOUNT_BILLING_ADMIN',
            user: `urn:li:person:${access.user.id}`,
          }));
          return { status: 200, body: { elements, paging: { count, start, links: [] } } };
        },
      },
      groupOf(method, path) {
        if (method === 'POST' && path === '/oauth/v2/accessToken') return 'token';
        if (method === 'GET' && path === '/v2/userinfo') return 'identity';
        if (method === 'GET' && path === '/rest/adAccountUsers') return 'accounts';
        return undefined;
      },
      faultAnswer(group: string, mode: FaultMode): SimAnswer {
        // The rate-limit message is the error-handling page's; its body shape is inferred (the newer
        // error format with `code`). 5xx bodies are inferred too.
        if (mode === 'throttled') {
          return { status: 429, body: { status: 429, code: 'TOO_MANY_REQUESTS', message: 'Resource level throttle limit for calls to this resource is reached.' } };
        }
        if (mode === 'server_error') return { status: 500, body: { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' } };
        if (group === 'token') return DEAD_REFRESH_TOKEN;
        return mode === 'revoked' ? REVOKED_TOKEN : EXPIRED_TOKEN;
      },
    },
    options,
  );
  const startedAt = simulator.now();

  return Object.assign(simulator, {
    roles,
    issueTokens: (userId: string) => consentGrant(simulator, userId, DEFAULT_SCOPES).tokens,
  });
}

function userOf(sim: SimulatorState, userId: string): SimUser {
  const user = sim.users.get(userId);
  if (!user) throw new Error(`simulator: no user ${userId}`);
  return user;
}

/**
 * The OIDC claims the scopes allow, shared by userinfo and the ID token. Values follow the sample on the
 * sign-in-with-linkedin-v2 page; the name is split at its first space into given and family name.
 */
function profileClaims(user: SimUser, scopes: string[]): Record<string, unknown> {
  const [givenName = user.label, ...rest] = user.label.split(' ');
  return {
    ...(scopes.includes('profile')
      ? {
          name: user.label,
          given_name: givenName,
          family_name: rest.join(' '),
          picture: `https://media.licdn-ei.com/dms/image/${user.id}/profile-displayphoto-shrink_100_100/0/`,
          locale: 'en-US',
        }
      : {}),
    // SimUser has no email; one is made from the name.
    ...(scopes.includes('email') ? { email: `${user.label.toLowerCase().replace(/\s+/g, '.')}@example.com`, email_verified: true } : {}),
  };
}

/**
 * An ID token with the claims of the sign-in-with-linkedin-v2 sample (its `iss` is https://www.linkedin.com).
 * The signature is random: Reconnect drops ID tokens unread, so no JWKS is simulated. Inferred: a
 * one-hour `exp`, which the docs don't state.
 */
function idToken(sim: SimulatorState, user: SimUser, scopes: string[]): string {
  const issuedAt = Math.floor(sim.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: 'https://www.linkedin.com', aud: sim.clientId, iat: issuedAt, exp: issuedAt + 3600, sub: user.id, ...profileClaims(user, scopes) };
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'simulator' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}

/** The token endpoint's answer for a missing parameter, worded as in PROGRAMMATIC_REFRESH_DOC's error table. */
function missingParameter(name: string): SimAnswer {
  return { status: 400, body: { error: 'invalid_request', error_description: `A required parameter "${name}" is missing` } };
}

/** 403 for a token without the scope the resource needs. Inferred from live answers quoted in public code. */
function accessDenied(resource: string): SimAnswer {
  return { status: 403, body: { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: `Not enough permissions to access: ${resource}` } };
}

function secondsUntil(sim: SimulatorState, at: number): number {
  return Math.max(0, Math.floor((at - sim.now()) / 1000));
}

function headerOf(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `months` YYYYMM versions ending at `newest`, newest first. */
function versionsBack(newest: string, months: number): Set<string> {
  const year = Number(newest.slice(0, 4));
  const month = Number(newest.slice(4, 6));
  const versions = new Set<string>();
  for (let back = 0; back < months; back += 1) {
    const index = year * 12 + (month - 1) - back;
    versions.add(`${Math.floor(index / 12)}${String((index % 12) + 1).padStart(2, '0')}`);
  }
  return versions;
}
