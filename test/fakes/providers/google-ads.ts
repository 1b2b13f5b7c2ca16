import { randomBytes } from 'node:crypto';
import {
  bearerOf,
  startSimulator,
  type FaultMode,
  type ProviderSimulator,
  type RecordedRequest,
  type SimAccount,
  type SimAnswer,
  type SimulatorOptions,
  type SimulatorState,
  type TokenRecord,
} from './simulator';

/**
 * Google OAuth 2.0 + OpenID Connect userinfo + the two Google Ads API calls Reconnect makes, answering in
 * Google's documented wire format. Where Google documents no body for a case, the shape is the one seen
 * in real answers (cited) and the comment says so.
 */

/**
 * "The latest active version is v26" (https://developers.google.com/google-ads/api/reference/rpc/v24/SearchGoogleAdsResponse.md.txt;
 * release notes https://developers.google.com/google-ads/api/docs/release-notes). Only this version is
 * served: a catalog on another version gets the simulator's 404, as a sunset version would fail.
 */
export const GOOGLE_ADS_API_VERSION = 'v26';

/** Developer tokens are 22 alphanumeric characters (https://developers.google.com/google-ads/api/docs/get-started/dev-token). */
export const GOOGLE_ADS_DEVELOPER_TOKEN = 'SimDevToken0123456789Z';

/** What Google's token endpoint sends as `expires_in` (its docs' sample shows 3920; real answers say 3599). */
export const GOOGLE_ACCESS_TOKEN_TTL_SECONDS = 3599;

export interface GoogleAdsSimulator extends ProviderSimulator {
  /** The next consent redirects without `iss`: Google adds it for some accounts only. */
  omitIssuerOnce(): void;
  /**
   * Makes `managerId` a manager (MCC) of these clients. A client given by id alone takes its name from
   * any person's account of that id, else `Client <id>`.
   */
  addManager(managerId: string, clients: ReadonlyArray<string | SimAccount>): void;
}

const V = GOOGLE_ADS_API_VERSION;
const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';
const INVALID_GRANT_WORDS = 'Token has been expired or revoked.';

/** All tokens of one consent: Google revokes them together. */
interface Grant {
  userId: string;
  /** Space-delimited, as the token endpoint reports it. */
  scope: string;
  tokens: string[];
}

export async function startGoogleAdsSimulator(options: SimulatorOptions & { sendIssuer?: boolean } = {}): Promise<GoogleAdsSimulator> {
  const sendIssuer = options.sendIssuer ?? true;
  let omitIssuer = false;
  const grantOf = new Map<string, Grant>();
  /** People who already hold a refresh token for this client (see the code exchange). */
  const holdsRefreshToken = new Set<string>();
  const managers = new Map<string, SimAccount[]>();

  function issueGrant(state: SimulatorState, userId: string, scope: string, withRefreshToken: boolean): { accessToken: string; refreshToken?: string } {
    const grant: Grant = { userId, scope, tokens: [] };
    const accessToken = mintAccessToken(state, grant);
    if (!withRefreshToken) return { accessToken };
    // Google's refresh tokens start with `1//` and have no lifetime of their own.
    const refreshToken = state.mint('1//', { userId, kind: 'refresh' });
    grant.tokens.push(refreshToken);
    grantOf.set(refreshToken, grant);
    holdsRefreshToken.add(userId);
    return { accessToken, refreshToken };
  }

  function mintAccessToken(state: SimulatorState, grant: Grant): string {
    const token = state.mint('ya29.', { userId: grant.userId, kind: 'access', expiresAt: state.now() + GOOGLE_ACCESS_TOKEN_TTL_SECONDS * 1000 });
    grant.tokens.push(token);
    grantOf.set(token, grant);
    return token;
  }

  function accountName(state: SimulatorState, id: string): string {
    for (const user of state.users.values()) {
      const account = user.accounts.find((candidate) => candidate.id === id);
      if (account) return account.name;
    }
    return `Client ${id}`;
  }

  const sim = await startSimulator(
    {
      origins: ['https://accounts.google.com', 'https://oauth2.googleapis.com', 'https://openidconnect.googleapis.com', 'https://googleads.googleapis.com'],
      envPrefixes: ['GOOGLE_ADS'],
      env: { GOOGLE_ADS_DEVELOPER_TOKEN },
      accessTokenTtlSeconds: GOOGLE_ACCESS_TOKEN_TTL_SECONDS,
      groupOf(method, path) {
        if (method === 'POST' && path === '/token') return 'token';
        if (path === '/v1/userinfo') return 'identity';
        if (path.startsWith(`/${V}/customers`)) return 'accounts';
        return undefined;
      },
      faultAnswer,
      routes: {
        // https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient (Step 1, the parameters)
        'GET /o/oauth2/v2/auth': (request, state) => {
          // Google shows an error page, not a redirect, for a malformed request ("Error 400: invalid_request").
          if (request.query.response_type !== 'code') return { status: 400, body: 'Error 400: invalid_request\nInvalid response_type' };
          if (!request.query.scope) return { status: 400, body: 'Error 400: invalid_request\nMissing required parameter: scope' };
          const extra: Record<string, string> = {
            // Real callbacks also carry the granted scope, authuser and prompt (observed, not documented;
            // e.g. https://github.com/suculent/thinx-device-api/issues/322), so the app must ignore extras.
            scope: grantedScope(request.query.scope),
            authuser: '0',
            prompt: request.query.prompt ?? 'none',
          };
          // RFC 9207 `iss`: Google's discovery document sets authorization_response_iss_parameter_supported
          // (https://accounts.google.com/.well-known/openid-configuration). The app rewrites
          // https://accounts.google.com to this origin, so this origin is the issuer it expects.
          if (sendIssuer && !omitIssuer) extra.iss = state.origin;
          omitIssuer = false;
          return state.consent(request, extra);
        },

        // https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
        // https://developers.google.com/identity/protocols/oauth2/web-server#offline (refresh)
        'POST /token': (request, state) => {
          const form = request.form;
          const clientProblem = clientAuthProblem(request, state);
          if (clientProblem) return clientProblem;
          if (form.grant_type === 'authorization_code') return exchangeCode(request, state);
          if (form.grant_type === 'refresh_token') return refresh(form.refresh_token, state);
          return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
        },

        // https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke: "If the token is an
        // access token and it has a corresponding refresh token, the refresh token will also be revoked";
        // 200 on success, 400 "along with an error code" otherwise. That body is undocumented: the one here is
        // inferred (RFC 7009's invalid_token in RFC 6749's error shape).
        'POST /revoke': (request, state) => {
          const token = request.form.token ?? request.query.token;
          if (token !== undefined) state.revoked.push(token);
          const grant = token === undefined ? undefined : grantOf.get(token);
          const record = token === undefined ? undefined : state.tokens.get(token);
          if (!grant || !record || record.revoked || (record.expiresAt !== undefined && record.expiresAt <= state.now())) {
            return oauthError(400, 'invalid_token', 'Token expired or revoked');
          }
          for (const each of grant.tokens) {
            const revoked = state.tokens.get(each);
            if (revoked) revoked.revoked = true;
          }
          return { status: 200, body: {} };
        },

        // https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
        'GET /v1/userinfo': (request, state) => {
          const token = bearerOf(request);
          const record = state.live(token, 'access');
          if (!record || token === undefined) return userinfoUnauthorized(token !== undefined);
          const user = state.users.get(record.userId);
          if (!user) return userinfoUnauthorized(true);
          const scope = grantOf.get(token)?.scope ?? '';
          // Claims follow the granted scopes: `email` brings email and email_verified.
          const emailClaims = scope.split(' ').includes('https://www.googleapis.com/auth/userinfo.email') ? { email: user.label, email_verified: true } : {};
          return { status: 200, body: { sub: user.id, ...emailClaims } };
        },

        // https://developers.google.com/google-ads/api/rest/reference/rest/v14/customers/listAccessibleCustomers
        [`GET /${V}/customers:listAccessibleCustomers`]: (request, state) => {
          const caller = adsCaller(request, state);
          if ('answer' in caller) return caller.answer;
          return { status: 200, body: { resourceNames: caller.accounts.map((account) => `customers/${account.id}`) } };
        },

        // googleAds:search answers a SearchGoogleAdsResponse, fields in lowerCamelCase
        // (https://developers.google.com/google-ads/api/reference/rpc/v25/SearchGoogleAdsResponse.md.txt).
        [`POST /${V}/customers/*`]: (request, state) => {
          const match = new RegExp(`^/${V}/customers/(\\d{10})/googleAds:search$`).exec(request.path);
          if (!match) return { status: 404, body: { simulator: `no route for ${request.method} ${request.path}` } };
          const caller = adsCaller(request, state);
          if ('answer' in caller) return caller.answer;
          return search(match[1]!, request, caller.accounts, state);
        },
      },
    },
    {
      ...options,
      // Google's own formats, so a catalog that checks them sees real-looking values.
      clientId: options.clientId ?? `${randomDigits(12)}-${randomBytes(16).toString('hex')}.apps.googleusercontent.com`,
      clientSecret: options.clientSecret ?? `GOCSPX-${randomBytes(21).toString('base64url')}`,
    },
  );

  function exchangeCode(request: RecordedRequest, state: SimulatorState): SimAnswer {
    const form = request.form;
    const code = state.live(form.code, 'code');
    // Observed answers: a reused, expired or unknown code is `invalid_grant` "Bad Request".
    if (!code) return oauthError(400, 'invalid_grant', 'Bad Request');
    const authorize = code.authorize ?? {};
    if (form.redirect_uri !== authorize.redirect_uri) return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
    if (authorize.code_challenge !== undefined && !form.code_verifier) return oauthError(400, 'invalid_grant', 'Missing code verifier.');
    if (!state.pkceHolds(code, form.code_verifier)) return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
    code.revoked = true;
    // "a refresh token is only returned on the first authorization" unless prompt=consent, and only with
    // access_type=offline (https://developers.google.com/identity/protocols/oauth2/web-server#offline).
    const offline = authorize.access_type === 'offline';
    const firstOrForced = !holdsRefreshToken.has(code.userId) || (authorize.prompt ?? '').split(' ').includes('consent');
    const scope = grantedScope(authorize.scope ?? '');
    const tokens = issueGrant(state, code.userId, scope, offline && firstOrForced);
    return tokenAnswer(tokens.accessToken, scope, tokens.refreshToken);
  }

  function refresh(refreshToken: string | undefined, state: SimulatorState): SimAnswer {
    const record = state.live(refreshToken, 'refresh');
    const grant = refreshToken === undefined ? undefined : grantOf.get(refreshToken);
    if (!record || !grant) {
      // A refresh token Google never issued gets "Bad Request"; one it ended gets the words it uses for both
      // expiry and revocation (https://developers.google.com/google-ads/api/docs/get-started/common-errors).
      const known = refreshToken !== undefined && state.tokens.has(refreshToken);
      return oauthError(400, 'invalid_grant', known ? INVALID_GRANT_WORDS : 'Bad Request');
    }
    // Refreshing returns no new refresh token (web-server#offline, "Refreshing an access token").
    return tokenAnswer(mintAccessToken(state, grant), grant.scope);
  }

  /** The person behind an Ads API call, after the checks Google makes before it reads the request. */
  function adsCaller(request: RecordedRequest, state: SimulatorState): { accounts: SimAccount[] } | { answer: SimAnswer } {
    const token = bearerOf(request);
    const record = token === undefined ? undefined : state.tokens.get(token);
    const user = state.live(token, 'access') && record ? state.users.get(record.userId) : undefined;
    if (!user) return { answer: adsUnauthenticated(record) };
    const developerToken = request.headers['developer-token'];
    // RequestError.DEVELOPER_TOKEN_PARAMETER_MISSING, "The developer-token parameter is required for all
    // requests" (https://developers.google.com/google-ads/api/reference/rpc/v26/RequestErrorEnum.RequestError);
    // INVALID_ARGUMENT and the message as seen in https://github.com/google/megalista/issues/106.
    if (developerToken === undefined) {
      return { answer: adsFailure(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [{ errorCode: { requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, message: 'developer-token parameter is missing.' }]) };
    }
    // AuthenticationError.DEVELOPER_TOKEN_INVALID since v19.1
    // (https://developers.google.com/ads/blog/posts/2025/03/google-ads-api-introducing-new-error); the
    // status is inferred from the other authentication errors.
    if (developerToken !== GOOGLE_ADS_DEVELOPER_TOKEN) {
      return { answer: adsFailure(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, [{ errorCode: { authenticationError: 'DEVELOPER_TOKEN_INVALID' }, message: 'The developer token is not valid.' }]) };
    }
    // A Google account with no Ads account is NOT_ADS_USER, 401 (seen in https://github.com/cohnen/mcp-google-ads/issues/7).
    if (user.accounts.length === 0) {
      return { answer: adsFailure(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, [{ errorCode: { authenticationError: 'NOT_ADS_USER' }, message: 'User in the cookie is not a valid Ads user.' }]) };
    }
    return { accounts: user.accounts };
  }

  function search(customerId: string, request: RecordedRequest, accounts: SimAccount[], state: SimulatorState): SimAnswer {
    const loginHeader = request.headers['login-customer-id'];
    const login = Array.isArray(loginHeader) ? loginHeader[0] : loginHeader;
    // Customer ids go without hyphens (https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid).
    if (login !== undefined && !/^\d{10}$/.test(login)) {
      return adsFailure(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [{ errorCode: { headerError: 'INVALID_LOGIN_CUSTOMER_ID' }, message: 'The login customer ID could not be validated.' }]);
    }
    const direct = (id: string) => accounts.some((account) => account.id === id);
    // A client is reached through a manager the person holds, named in login-customer-id.
    const reachable = login === undefined ? direct(customerId) : direct(login) && (login === customerId || (managers.get(login) ?? []).some((client) => client.id === customerId));
    if (!reachable) {
      // AuthorizationError.USER_PERMISSION_DENIED (https://developers.google.com/google-ads/api/reference/rpc/v26/AuthorizationErrorEnum.AuthorizationError).
      return adsFailure(403, 'PERMISSION_DENIED', "The caller does not have permission", [
        {
          errorCode: { authorizationError: 'USER_PERMISSION_DENIED' },
          message:
            "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer ID must be set in the 'login-customer-id' header. See https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid",
        },
      ]);
    }
    const query = typeof request.json === 'object' && request.json !== null ? (request.json as { query?: unknown }).query : undefined;
    const parsed = typeof query === 'string' ? /^\s*SELECT\s+(.+?)\s+FROM\s+customer_client\s*$/is.exec(query) : null;
    if (!parsed) return { status: 400, body: { simulator: 'only `SELECT … FROM customer_client` without WHERE is simulated' } };
    const fields = parsed[1]!.split(',').map((field) => field.trim());
    const unknown = fields.find((field) => !(field in CUSTOMER_CLIENT_FIELDS));
    if (unknown !== undefined) {
      return adsFailure(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [{ errorCode: { queryError: 'UNRECOGNIZED_FIELD' }, message: `Unrecognized field in the query: '${unknown}'.` }]);
    }
    // "CustomerClients only exist for manager customers. All direct and indirect client customers are
    // included, as well as the manager itself" (https://developers.google.com/google-ads/api/fields/v20/customer_client).
    const clients = managers.get(customerId);
    const links: CustomerClientLink[] = clients
      ? [{ manager: customerId, client: { id: customerId, name: accountName(state, customerId) }, level: 0, isManager: true }, ...clients.map((client) => ({ manager: customerId, client, level: 1, isManager: managers.has(client.id) }))]
      : [];
    const results = links.map((link) => {
      const row: Record<string, unknown> = { resourceName: `customers/${link.manager}/customerClients/${link.client.id}` };
      for (const field of fields) row[CUSTOMER_CLIENT_FIELDS[field]!.json] = CUSTOMER_CLIENT_FIELDS[field]!.value(link);
      return { customerClient: row };
    });
    const fieldMask = fields.map((field) => `customerClient.${CUSTOMER_CLIENT_FIELDS[field]!.json}`).join(',');
    // proto3 JSON leaves out an empty repeated field, so no rows means no `results` at all.
    return { status: 200, body: { ...(results.length > 0 ? { results } : {}), fieldMask } };
  }

  return Object.assign(sim, {
    omitIssuerOnce() {
      omitIssuer = true;
    },
    addManager(managerId: string, clients: ReadonlyArray<string | SimAccount>) {
      managers.set(
        managerId,
        clients.map((client) => (typeof client === 'string' ? { id: client, name: accountName(sim, client) } : client)),
      );
    },
    // Tokens as if the person had consented with the scopes Reconnect asks for, Google's prefixes included.
    issueTokens(userId: string) {
      return issueGrant(sim, userId, grantedScope(`${ADWORDS_SCOPE} openid email`), true);
    },
  });
}

interface CustomerClientLink {
  manager: string;
  client: SimAccount;
  level: number;
  isManager: boolean;
}

/**
 * The customer_client fields the simulator can answer, with their REST (lowerCamelCase) names; int64
 * values are strings in proto3 JSON (https://developers.google.com/google-ads/api/fields/v20/customer_client).
 */
const CUSTOMER_CLIENT_FIELDS: Record<string, { json: string; value: (link: CustomerClientLink) => unknown }> = {
  'customer_client.id': { json: 'id', value: (link) => link.client.id },
  'customer_client.descriptive_name': { json: 'descriptiveName', value: (link) => link.client.name },
  'customer_client.client_customer': { json: 'clientCustomer', value: (link) => `customers/${link.client.id}` },
  'customer_client.level': { json: 'level', value: (link) => String(link.level) },
  'customer_client.manager': { json: 'manager', value: (link) => link.isManager },
  'customer_client.resource_name': { json: 'resourceName', value: (link) => `customers/${link.manager}/customerClients/${link.client.id}` },
};

/**
 * The scope string Google reports: `email` and `profile` come back as their userinfo URLs (seen in real
 * answers, e.g. https://github.com/suculent/thinx-device-api/issues/322).
 */
function grantedScope(requested: string): string {
  const aliases: Record<string, string> = {
    email: 'https://www.googleapis.com/auth/userinfo.email',
    profile: 'https://www.googleapis.com/auth/userinfo.profile',
  };
  return requested
    .split(' ')
    .filter((scope) => scope !== '')
    .map((scope) => aliases[scope] ?? scope)
    .join(' ');
}

/** https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code (the response fields). */
function tokenAnswer(accessToken: string, scope: string, refreshToken?: string): SimAnswer {
  return {
    status: 200,
    headers: { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' },
    body: { access_token: accessToken, expires_in: GOOGLE_ACCESS_TOKEN_TTL_SECONDS, ...(refreshToken ? { refresh_token: refreshToken } : {}), scope, token_type: 'Bearer' },
  };
}

/** RFC 6749 §5.2 errors, as Google's token and revocation endpoints send them. */
function oauthError(status: number, error: string, description: string): SimAnswer {
  return { status, body: { error, error_description: description } };
}

/**
 * Client authentication (client_secret_post or client_secret_basic). Google answers 401 invalid_client:
 * "The OAuth client was not found." for an unknown id, "Unauthorized" for a wrong secret (observed;
 * RFC 6749 §5.2 allows 401 for invalid_client).
 */
function clientAuthProblem(request: RecordedRequest, state: SimulatorState): SimAnswer | undefined {
  if (state.clientAuthenticated(request)) return undefined;
  const basic = /^Basic (.+)$/i.exec(String(request.headers.authorization ?? ''));
  const id = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] : request.form.client_id;
  return oauthError(401, 'invalid_client', id === state.clientId ? 'Unauthorized' : 'The OAuth client was not found.');
}

/**
 * A dead or missing token at userinfo: 401 with a Bearer challenge (OpenID Connect Core §5.3.3,
 * https://openid.net/specs/openid-connect-core-1_0.html#UserInfoError, and RFC 6750 §3); the JSON body is
 * the one Google sends (seen in https://github.com/coderello/laravel-passport-social-grant/issues/22).
 */
function userinfoUnauthorized(tokenSent: boolean): SimAnswer {
  return {
    status: 401,
    headers: { 'www-authenticate': `Bearer realm="https://accounts.google.com/"${tokenSent ? ', error="invalid_token"' : ''}` },
    body: { error: 'invalid_request', error_description: 'Invalid Credentials' },
  };
}

const UNAUTHENTICATED_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * The Ads API's answer to a token that is not a live access token; the authenticationError names why
 * (https://developers.google.com/google-ads/api/reference/rpc/v26/AuthenticationErrorEnum.AuthenticationError).
 */
function adsUnauthenticated(record: TokenRecord | undefined): SimAnswer {
  const [code, message] =
    !record || record.kind !== 'access'
      ? ['OAUTH_TOKEN_INVALID', 'Oauth token in the header is not valid.']
      : record.revoked
        ? ['OAUTH_TOKEN_REVOKED', 'Oauth token in the header has been revoked.']
        : ['OAUTH_TOKEN_EXPIRED', 'Oauth token in the header has expired.'];
  return withBearerChallenge(adsFailure(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, [{ errorCode: { authenticationError: code }, message }]));
}

function withBearerChallenge(answer: SimAnswer): SimAnswer {
  return { ...answer, headers: { ...answer.headers, 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } };
}

/**
 * The Google Ads REST error: the Google API error model (`error.code` = HTTP status, `error.status` = the
 * canonical gRPC name, https://developers.google.com/google-ads/api/docs/best-practices/understand-api-errors)
 * with a GoogleAdsFailure in `details` (https://developers.google.com/google-ads/api/docs/get-started/handle-errors).
 * The REST envelope is as seen in https://github.com/cohnen/mcp-google-ads/issues/7.
 */
function adsFailure(status: number, grpcStatus: string, message: string, errors: Array<{ errorCode: Record<string, string>; message: string; details?: unknown }>): SimAnswer {
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        status: grpcStatus,
        details: [{ '@type': `type.googleapis.com/google.ads.googleads.${V}.errors.GoogleAdsFailure`, errors, requestId: randomBytes(16).toString('base64url') }],
      },
    },
  };
}

function faultAnswer(group: string, mode: FaultMode): SimAnswer {
  if (group === 'token') {
    switch (mode) {
      case 'revoked':
      case 'expired':
        return oauthError(400, 'invalid_grant', INVALID_GRANT_WORDS);
      case 'throttled':
        // Inferred: Google documents no rate-limit answer for its token endpoint (old client-library reports
        // saw a 403 HTML page). A 429 with an RFC 6749-shaped body exercises the app's rate-limit rule.
        return { ...oauthError(429, 'rate_limit_exceeded', 'Rate Limit Exceeded'), headers: { 'retry-after': '30' } };
      case 'server_error':
        // Inferred, like the 429: the 5xx is what matters; RFC 6749's name for a passing outage.
        return oauthError(503, 'temporarily_unavailable', 'The service is currently unavailable.');
    }
  }
  if (group === 'identity') {
    switch (mode) {
      case 'revoked':
      case 'expired':
        return userinfoUnauthorized(true);
      case 'throttled':
        return googleApiError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
      case 'server_error':
        return googleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
    }
  }
  switch (mode) {
    case 'revoked':
      return withBearerChallenge(adsFailure(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, [{ errorCode: { authenticationError: 'OAUTH_TOKEN_REVOKED' }, message: 'Oauth token in the header has been revoked.' }]));
    case 'expired':
      return withBearerChallenge(adsFailure(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, [{ errorCode: { authenticationError: 'OAUTH_TOKEN_EXPIRED' }, message: 'Oauth token in the header has expired.' }]));
    case 'throttled':
      // QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED "Too many requests in a short amount of time" with
      // QuotaErrorDetails (https://developers.google.com/google-ads/api/reference/rpc/v26/QuotaErrorDetails);
      // the envelope as in https://github.com/PipedreamHQ/pipedream/issues/21554.
      return adsFailure(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
        {
          errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
          message: 'Too many requests. Retry in 30 seconds.',
          details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: '30s' } },
        },
      ]);
    case 'server_error':
      return adsFailure(500, 'INTERNAL', 'Internal error encountered.', [{ errorCode: { internalError: 'INTERNAL_ERROR' }, message: 'An internal error has occurred.' }]);
  }
}

/** The plain Google API error model, for Google endpoints outside Ads (https://cloud.google.com/apis/design/errors). */
function googleApiError(status: number, grpcStatus: string, message: string): SimAnswer {
  return { status, body: { error: { code: status, message, status: grpcStatus } } };
}

function randomDigits(count: number): string {
  return Array.from(randomBytes(count), (byte) => String(byte % 10)).join('');
}
