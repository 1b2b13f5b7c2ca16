import { createHmac } from 'node:crypto';
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
 * Salesforce's OAuth 2.0 endpoints under /services/oauth2/ on login.salesforce.com (production and
 * developer orgs) or test.salesforce.com (sandboxes); the app maps each host to its own simulator.
 * SimUser.id is the 18-character user id (005…), its label the username, and its single SimAccount the
 * org, whose id is the 18-character org id (00D…). Where a shape below is not on a Salesforce page it
 * says "Inferred" and where it was seen instead.
 */

/**
 * "Each connected app allows five unique approvals per user. After a fifth approval is made, the oldest
 * approval is revoked." For OAuth 2.0 each refresh token is an approval, so issuing a sixth revokes the
 * oldest. https://help.salesforce.com/s/articleView?id=platform.remoteaccess_request_approve.htm
 */
export const SALESFORCE_APPROVALS_PER_USER = 5;

/**
 * Salesforce sends no expires_in: an access token is a session, ended by the org's session timeout.
 * Inferred: two hours, the Session Settings default, which is not among the pages looked up.
 */
export const SALESFORCE_SESSION_TIMEOUT_SECONDS = 2 * 3600;

/** The case-sensitive 15-character form of an 18-character Salesforce id (the last three characters only encode case). */
export function salesforceId15(id: string): string {
  if (id.length !== 15 && id.length !== 18) throw new Error(`not a Salesforce id: ${id}`);
  return id.slice(0, 15);
}

/** Why the token endpoint refuses every grant of a person. */
export type BlockReason = 'inactive_user' | 'authentication_failure';

export interface SalesforceSimulator extends ProviderSimulator {
  /** The person's live refresh tokens (approvals), oldest first. */
  approvals(userId: string): string[];
  /**
   * From now on the token endpoint refuses this person's codes and refresh tokens: `inactive_user` as for
   * a deactivated user, `authentication_failure` as seen after a password change or a frozen user.
   */
  blockUser(userId: string, reason: BlockReason): void;
}

/** One approval: its scopes, and the sessions (access tokens) its refresh token has opened. */
interface Approval {
  userId: string;
  scopes: string;
  accessTokens: Set<string>;
}

// WEB_SERVER_FLOW_DOC below: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm

/**
 * The refresh token flow's documented error, which Salesforce also sends for a revoked refresh token
 * and for the approval a sixth one pushed out.
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_flow_errors.htm
 */
const EXPIRED_GRANT: SimAnswer = { status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } };

// The identity service (userinfo) answers 403 in plain text for a bad token (github.com/forcedotcom/
// SalesforceMobileSDK-Android/pull/2430, citing the end of the UserInfo page; the body text is from live
// answers quoted in public issues). Inferred: Missing_OAuth_Token for no token at all.
const BAD_TOKEN: SimAnswer = { status: 403, body: 'Bad_OAuth_Token' };
const MISSING_TOKEN: SimAnswer = { status: 403, body: 'Missing_OAuth_Token' };

const BLOCKED: Record<BlockReason, SimAnswer> = {
  // Error codes of the web server flow (WEB_SERVER_FLOW_DOC); the inactive_user wording is inferred.
  inactive_user: { status: 400, body: { error: 'inactive_user', error_description: 'user is inactive' } },
  authentication_failure: { status: 400, body: { error: 'invalid_grant', error_description: 'authentication failure' } },
};

export async function startSalesforceSimulator(options: SimulatorOptions & { host?: 'login' | 'test' } = {}): Promise<SalesforceSimulator> {
  const realOrigin = options.host === 'test' ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
  /** Refresh token → approval; each user's approvals in issue order. */
  const approvals = new Map<string, Approval>();
  const approvalsByUser = new Map<string, string[]>();
  const blocked = new Map<string, BlockReason>();

  function approve(sim: SimulatorState, userId: string, scopes: string): IssuedTokens {
    const refreshToken = sim.mint('5Aep861', { userId, kind: 'refresh' });
    approvals.set(refreshToken, { userId, scopes, accessTokens: new Set() });
    const order = [...(approvalsByUser.get(userId) ?? []), refreshToken];
    while (order.length > SALESFORCE_APPROVALS_PER_USER) revokeApproval(sim, order.shift()!);
    approvalsByUser.set(userId, order);
    return { accessToken: openSession(sim, refreshToken), refreshToken };
  }

  function openSession(sim: SimulatorState, refreshToken: string): string {
    const approval = approvals.get(refreshToken)!;
    // Access tokens start with the 15-character org id and "!", as Salesforce's do.
    const accessToken = sim.mint(`${salesforceId15(orgOf(userOf(sim, approval.userId)).id)}!AQ`, {
      userId: approval.userId,
      kind: 'access',
      expiresAt: sim.now() + SALESFORCE_SESSION_TIMEOUT_SECONDS * 1000,
    });
    approval.accessTokens.add(accessToken);
    return accessToken;
  }

  // "If a refresh token is included, Salesforce revokes it and any associated access tokens."
  // https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html
  function revokeApproval(sim: SimulatorState, refreshToken: string): void {
    const approval = approvals.get(refreshToken);
    if (!approval) return;
    for (const token of [refreshToken, ...approval.accessTokens]) {
      const record = sim.tokens.get(token);
      if (record) record.revoked = true;
    }
    approvalsByUser.set(
      approval.userId,
      (approvalsByUser.get(approval.userId) ?? []).filter((token) => token !== refreshToken),
    );
  }

  /**
   * The token answer of the web server flow (WEB_SERVER_FLOW_DOC): no expires_in, `issued_at` in
   * milliseconds, and `signature`, the Base64 HMAC-SHA256 of `id` + `issued_at` keyed with the client
   * secret. `id_token` only comes with the openid scope, which Reconnect doesn't ask for, so it isn't
   * simulated. Inferred: the instance_url, made from the org name (a sandbox's has --sandbox.sandbox).
   */
  function tokenAnswer(sim: SimulatorState, accessToken: string, approval: Approval, refreshToken?: string): SimAnswer {
    const user = userOf(sim, approval.userId);
    const org = orgOf(user);
    const id = identityUrl(user);
    const issuedAt = String(sim.now());
    const myDomain = org.name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    return {
      status: 200,
      body: {
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        signature: createHmac('sha256', sim.clientSecret).update(id + issuedAt).digest('base64'),
        scope: approval.scopes,
        instance_url: options.host === 'test' ? `https://${myDomain}--sandbox.sandbox.my.salesforce.com` : `https://${myDomain}.my.salesforce.com`,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }

  /** `https://login.salesforce.com/id/<org id>/<user id>`, 18-character ids; the sandbox host for sandboxes. */
  function identityUrl(user: SimUser): string {
    return `${realOrigin}/id/${orgOf(user).id}/${user.id}`;
  }

  function exchangeCode(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const { form } = request;
    const code = sim.live(form.code, 'code');
    const asked = code?.authorize;
    // Inferred wordings for a bad code or redirect URI, from live answers quoted in public code.
    if (!code || !asked) return { status: 400, body: { error: 'invalid_grant', error_description: 'invalid authorization code' } };
    if (asked.redirect_uri !== form.redirect_uri) {
      return { status: 400, body: { error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' } };
    }
    // PKCE, per the web server flow's code_challenge parameter: no verifier is invalid_grant, a wrong one
    // invalid_request. The wording is inferred.
    if (asked.code_challenge !== undefined && !form.code_verifier) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'invalid code verifier' } };
    }
    if (!sim.pkceHolds(code, form.code_verifier)) return { status: 400, body: { error: 'invalid_request', error_description: 'invalid code verifier' } };
    sim.tokens.delete(form.code!);
    const block = blocked.get(code.userId);
    if (block) return BLOCKED[block];
    const tokens = approve(sim, code.userId, asked.scope ?? '');
    return tokenAnswer(sim, tokens.accessToken, approvals.get(tokens.refreshToken!)!, tokens.refreshToken);
  }

  // The refresh token flow: a new access token and no new refresh token, unless the connected app turns
  // on rotation. https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm
  function refresh(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const refreshToken = request.form.refresh_token;
    const record = sim.live(refreshToken, 'refresh');
    const approval = refreshToken === undefined ? undefined : approvals.get(refreshToken);
    if (!record || !approval) return EXPIRED_GRANT;
    const block = blocked.get(record.userId);
    if (block) return BLOCKED[block];
    return tokenAnswer(sim, openSession(sim, refreshToken!), approval);
  }

  const simulator = await startSimulator(
    {
      origins: [realOrigin],
      envPrefixes: ['SALESFORCE'],
      routes: {
        // WEB_SERVER_FLOW_DOC: response_type=code, client_id, redirect_uri, state, scope, and
        // code_challenge (S256) when the app uses PKCE.
        'GET /services/oauth2/authorize': (request, sim) => {
          if (request.query.response_type !== 'code') return { status: 400, body: 'simulator: response_type must be code' };
          if (request.query.code_challenge !== undefined && request.query.code_challenge_method !== 'S256') {
            return { status: 400, body: 'simulator: code_challenge_method must be S256' };
          }
          return sim.consent(request);
        },
        // A form with client_secret_post or client_secret_basic credentials.
        'POST /services/oauth2/token': (request, sim) => {
          // Inferred status and wording; the web server flow lists invalid_client among its error codes.
          if (!sim.clientAuthenticated(request)) return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
          if (request.form.grant_type === 'authorization_code') return exchangeCode(request, sim);
          if (request.form.grant_type === 'refresh_token') return refresh(request, sim);
          return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } }; // inferred wording
        },
        // The revocation endpoint (linked at revokeApproval): form `token`, 200 on success, 400 with
        // unsupported_token_type or invalid_token otherwise. An access token ends alone; a refresh token
        // ends with its sessions. No other approval of the person is touched.
        'POST /services/oauth2/revoke': (request, sim) => {
          const { token } = request.form;
          if (token) sim.revoked.push(token);
          const record = token === undefined ? undefined : sim.tokens.get(token);
          if (!token || !record || record.kind === 'code') return { status: 400, body: { error: 'invalid_token', error_description: 'Token was invalid' } };
          if (record.kind === 'refresh') revokeApproval(sim, token);
          else record.revoked = true;
          return { status: 200 };
        },
        // The OpenID Connect UserInfo endpoint; fields as in the sample of
        // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm
        'GET /services/oauth2/userinfo': (request, sim) => {
          const token = bearerOf(request);
          if (!token) return MISSING_TOKEN;
          const record = sim.live(token, 'access');
          if (!record) return BAD_TOKEN;
          const user = userOf(sim, record.userId);
          return { status: 200, body: userInfo(user, identityUrl(user)) };
        },
      },
      groupOf(method, path) {
        if (method === 'POST' && path === '/services/oauth2/token') return 'token';
        if (method === 'GET' && path === '/services/oauth2/userinfo') return 'identity';
        return undefined;
      },
      faultAnswer(group: string, mode: FaultMode): SimAnswer {
        // Salesforce sends one answer for a revoked grant, an expired one and a pushed-out sixth approval.
        if (mode === 'revoked' || mode === 'expired') return group === 'token' ? EXPIRED_GRANT : BAD_TOKEN;
        if (mode === 'throttled') {
          // rate_limit_exceeded is among the web server flow's error codes; the 400 and the wording are
          // inferred, like every other token-endpoint error here.
          if (group === 'token') return { status: 400, body: { error: 'rate_limit_exceeded', error_description: 'rate limit exceeded' } };
          // The org's daily API allowance: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
          return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
        }
        // "503: … the server is unavailable" (the same status codes page); the plain-text body is inferred.
        return { status: 503, body: 'Service Unavailable' };
      },
    },
    options,
  );

  return Object.assign(simulator, {
    issueTokens: (userId: string) => approve(simulator, userId, 'api refresh_token id'),
    approvals: (userId: string) => (approvalsByUser.get(userId) ?? []).filter((token) => simulator.live(token, 'refresh')),
    blockUser(userId: string, reason: BlockReason) {
      blocked.set(userId, reason);
    },
  });
}

function userOf(sim: SimulatorState, userId: string): SimUser {
  const user = sim.users.get(userId);
  if (!user) throw new Error(`simulator: no user ${userId}`);
  return user;
}

/** A Salesforce user belongs to exactly one org. */
function orgOf(user: SimUser) {
  const [org, ...others] = user.accounts;
  if (!org || others.length > 0) throw new Error(`simulator: Salesforce user ${user.id} needs exactly one org`);
  return org;
}

/**
 * The UserInfo answer. `sub` is the identity URL; ids are 18 characters. The person's name and email are
 * made from the username (SimUser has only a label). Fields the sample carries that Reconnect can't use
 * (photos, urls, address…) are kept short but present.
 */
function userInfo(user: SimUser, identity: string): Record<string, unknown> {
  const org = orgOf(user);
  const local = user.label.split('@')[0] ?? user.label;
  return {
    sub: identity,
    user_id: user.id,
    organization_id: org.id,
    preferred_username: user.label,
    nickname: local,
    name: local,
    email: user.label,
    email_verified: true,
    given_name: local,
    family_name: local,
    zoneinfo: 'America/Los_Angeles',
    photos: { picture: `${identity}/photo/F`, thumbnail: `${identity}/photo/T` },
    profile: `${identity}/profile`,
    picture: `${identity}/photo/F`,
    address: { country: 'US' },
    is_salesforce_integration_user: false,
    urls: { rest: 'https://MyDomainName.my.salesforce.com/services/data/v{version}/' },
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28_800_000,
    updated_at: '2026-01-01T00:00:00Z',
    is_app_installed: true,
  };
}
