import { createHash, randomUUID } from 'node:crypto';
import {
  bearerOf,
  startSimulator,
  type FaultMode,
  type IssuedTokens,
  type ProviderSimulator,
  type RecordedRequest,
  type SimAccount,
  type SimAnswer,
  type SimUser,
  type SimulatorOptions,
  type SimulatorState,
} from './simulator';

/**
 * Microsoft's identity platform (Entra ID) and the two APIs Reconnect reaches through it: Microsoft
 * Advertising's Customer Management REST API and the Dynamics 365 Global Discovery Service. One Entra app
 * registration serves both providers, so one simulator answers for the three origins, and, as at Entra,
 * the audience of each access token follows the scope it was issued for.
 *
 * Sources (stored copies of the public docs, read when this was written):
 * - Entra: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow and
 *   https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 * - Advertising REST: https://learn.microsoft.com/advertising/customer-management-service/getuser?pivots=rest,
 *   .../searchaccounts, .../customerrole, .../predicate, .../adapifaultdetail, .../apifault, and
 *   https://learn.microsoft.com/advertising/guides/operation-error-codes
 * - Discovery: https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service
 * Where a comment says "inferred", the docs don't show the detail and the choice is ours.
 */

/** The developer token the simulator accepts (the app's MICROSOFT_ADS_DEVELOPER_TOKEN). */
export const MICROSOFT_ADS_DEVELOPER_TOKEN = 'sim-msads-developer-token';

export const MICROSOFT_ADS_SCOPE = 'https://ads.microsoft.com/msads.manage';
export const DYNAMICS_DISCOVERY_SCOPE = 'https://globaldisco.crm.dynamics.com/user_impersonation';

const LOGIN_ORIGIN = 'https://login.microsoftonline.com';
const CLIENT_CENTER_ORIGIN = 'https://clientcenter.api.bingads.microsoft.com';
/** The discovery service's origin is also the resource (audience) its tokens are issued for. */
const DISCOVERY_ORIGIN = 'https://globaldisco.crm.dynamics.com';
const ADS_RESOURCE = 'https://ads.microsoft.com';

const TOKEN_PATH = '/common/oauth2/v2.0/token';
const ADS_PATH_PREFIX = '/CustomerManagement/';
const DISCOVERY_PATH_PREFIX = '/api/discovery/';

/** `expires_in` of the documented token answers; Entra actually picks 60–90 minutes at random. */
const ACCESS_TOKEN_SECONDS = 3599;
/** Refresh tokens die after 90 days unused (AADSTS700082, "inactive for 90.00:00:00"). */
const REFRESH_IDLE_MS = 90 * 24 * 60 * 60_000;
/** Scopes that name no resource: they shape the grant, not the token's audience. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export type AccountLifeCycleStatus = 'Active' | 'Draft' | 'Inactive' | 'Pause' | 'Pending' | 'Suspended';

/** A Microsoft Advertising ad account (AdvertiserAccount); `id` is its numeric Id. */
export interface MicrosoftAdAccount extends SimAccount {
  /** The customer (manager account) that owns it: AdvertiserAccount.ParentCustomerId. */
  customerId: string;
  /** AdvertiserAccount.Number, eight characters; default `X` and the Id's last seven digits. */
  number?: string;
  status?: AccountLifeCycleStatus;
}

/**
 * One Instance of the Global Discovery Service, with every property the documented Instance entity has
 * (https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service#instance-entityset).
 */
export interface DynamicsInstance {
  ApiUrl: string;
  DatacenterId: string;
  DatacenterName: string | null;
  EnvironmentId: string;
  FriendlyName: string;
  /** The OrganizationId (a GUID). */
  Id: string;
  IsUserSysAdmin: boolean;
  LastUpdated: string;
  OrganizationType: number;
  Purpose: string;
  Region: string;
  SchemaType: string | null;
  /** 0 enabled, 1 disabled. */
  State: 0 | 1;
  StatusMessage: number;
  TenantId: string;
  TrialExpirationDate: string | null;
  UniqueName: string;
  UrlName: string;
  Version: string;
  Url: string;
}

/**
 * A person who signs in with Microsoft. For Advertising `id` is the Advertising User.Id and `label` the
 * UserName; for Dynamics only `environments` matter.
 */
export interface MicrosoftUser extends SimUser {
  /** Advertising accounts granted one by one: GetUser lists them in CustomerRole.AccountIds. */
  accounts: MicrosoftAdAccount[];
  /**
   * Customers whose every account the user reaches (CID-level access): GetUser answers AccountIds null
   * for them, and SearchAccounts returns every account the simulator knows in them (`addAdAccounts`, or
   * any user's `accounts`).
   */
  wholeCustomers?: string[];
  /** The Dynamics environments of the user's tenant that the user can reach. */
  environments?: DynamicsInstance[];
}

/** One refresh_token grant the app sent, so tests can check whether it repeated the scope. */
export interface RefreshAttempt {
  refreshToken: string;
  /** The `scope` form field; undefined when the app left it out. */
  scope: string | undefined;
}

export interface MicrosoftSimulator extends ProviderSimulator {
  addUser(user: MicrosoftUser): void;
  /** Tokens as if the person had consented to `scope` earlier (default: Advertising with offline_access). */
  issueTokens(userId: string, scope?: string): IssuedTokens;
  /** Accounts that exist in their customers, reachable through `wholeCustomers`. */
  addAdAccounts(...accounts: MicrosoftAdAccount[]): void;
  readonly refreshes: RefreshAttempt[];
}

/**
 * A full Instance for the environment `org` (https://<org>.crm.dynamics.com). Values the docs don't fix
 * (ids, version, status) are inferred; GUIDs are derived from `org` so tests can predict them.
 */
export function dynamicsInstance(org: string, tenantId: string, overrides: Partial<DynamicsInstance> = {}): DynamicsInstance {
  return {
    ApiUrl: `https://${org}.api.crm.dynamics.com`,
    DatacenterId: stableGuid('datacenter:NA'),
    // "This value is typically null."
    DatacenterName: null,
    EnvironmentId: stableGuid(`environment:${org}`),
    FriendlyName: org,
    Id: stableGuid(`organization:${org}`),
    IsUserSysAdmin: false,
    LastUpdated: '2025-01-15T08:00:00Z',
    // OrganizationType 0: Customer (a production org).
    OrganizationType: 0,
    Purpose: '',
    Region: 'NA',
    // "For internal use only."
    SchemaType: null,
    State: 0,
    // Inferred: 6 (InstancePickerReady) for an environment people can pick.
    StatusMessage: 6,
    TenantId: tenantId,
    TrialExpirationDate: null,
    // The docs' example unique name is "unq" and 29 hex digits.
    UniqueName: `unq${stableHex(`organization:${org}`).slice(0, 29)}`,
    UrlName: org,
    Version: '9.2.25011.00176',
    Url: `https://${org}.crm.dynamics.com`,
    ...overrides,
  };
}

export async function startMicrosoftSimulator(options: SimulatorOptions = {}): Promise<MicrosoftSimulator> {
  const now = options.now ?? Date.now;
  /** The resource each access token was issued for. */
  const audiences = new Map<string, string>();
  /** What each refresh token's grant was consented for, and when that token was issued. */
  const refreshGrants = new Map<string, { scope: string; issuedAt: number }>();
  /** Per person, the resources (consent families) they consented to for this app registration. */
  const consents = new Map<string, Set<string>>();
  /** Codes are single use; a failed PKCE check doesn't use one up. */
  const redeemed = new Set<string>();
  const knownAccounts = new Map<string, MicrosoftAdAccount>();
  const refreshes: RefreshAttempt[] = [];

  // --- Entra ID ---

  /**
   * Documented error answer of the token endpoint (v2-oauth2-auth-code-flow, "Error response"). The
   * `error_uri` is not in the documented example but is in every observed answer.
   */
  function entraError(status: number, error: string, code: number, message: string): SimAnswer {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${LOGIN_ORIGIN}/error?code=${code}`,
      },
    };
  }

  // Messages as Entra words them; the reference-error-codes page gives the codes and their meaning.
  const grantRevoked = (issuedAt: number) =>
    entraError(
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${iso(issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${iso(now())}'.`,
    );
  // AADSTS700082 (ExpiredOrRevokedGrantInactiveToken) is the 90-days-unused expiry; AADSTS70008 is for codes.
  const grantInactive = (issuedAt: number) =>
    entraError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${iso(issuedAt)} and was inactive for 90.00:00:00.`);
  const malformedGrant = () => entraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');

  function consentsOf(userId: string): Set<string> {
    let families = consents.get(userId);
    if (!families) consents.set(userId, (families = new Set()));
    return families;
  }

  function consent(userId: string, scope: string): void {
    for (const item of resourceScopes(scope)) consentsOf(userId).add(consentFamily(resourceOf(item)));
  }

  function mintTokens(sim: SimulatorState, userId: string, resource: string, grantScope: string): IssuedTokens {
    const accessToken = sim.mint('at-', { userId, kind: 'access', expiresAt: now() + ACCESS_TOKEN_SECONDS * 1000 });
    audiences.set(accessToken, resource);
    // "refresh_token … Only provided if offline_access scope was requested."
    if (!scopesOf(grantScope).includes('offline_access')) return { accessToken };
    const refreshToken = sim.mint('rt-', { userId, kind: 'refresh', expiresAt: now() + REFRESH_IDLE_MS });
    refreshGrants.set(refreshToken, { scope: grantScope, issuedAt: now() });
    return { accessToken, refreshToken };
  }

  /**
   * The documented success answer. A token serves one resource: "If the scopes … span multiple resource
   * servers, the Microsoft identity platform returns a token for the resource specified in the first scope."
   */
  function tokenAnswer(sim: SimulatorState, userId: string, requested: string, grantScope: string): SimAnswer {
    const first = resourceScopes(requested)[0];
    if (!first) return entraError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${requested} is not valid.`);
    const resource = resourceOf(first);
    if (!consentsOf(userId).has(consentFamily(resource))) {
      return entraError(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${sim.clientId}'. Send an interactive authorization request for this user and resource.`,
      );
    }
    const tokens = mintTokens(sim, userId, resource, grantScope);
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        // Inferred: the resource's scopes only, as observed (OIDC scopes such as offline_access aren't echoed).
        scope: resourceScopes(requested)
          .filter((item) => resourceOf(item) === resource)
          .join(' '),
        expires_in: ACCESS_TOKEN_SECONDS,
        ext_expires_in: ACCESS_TOKEN_SECONDS,
        access_token: tokens.accessToken,
        ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
      },
    };
  }

  /** GET /common/oauth2/v2.0/authorize: the consent screen, answered as if the person chose "Accept". */
  function authorize(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const { redirect_uri: redirectUri, response_type: responseType, scope } = request.query;
    // Errors go back to the redirect URI as error and error_description (v2-oauth2-auth-code-flow, "Error response").
    const problem =
      responseType !== 'code'
        ? { error: 'unsupported_response_type', error_description: `AADSTS70005: The app returned an unsupported response type '${responseType ?? ''}'.` }
        : !scope
          ? { error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'." }
          : undefined;
    // An unknown client or a missing redirect URI can't be redirected to; consent() answers those itself.
    if (!problem || request.query.client_id !== sim.clientId || !redirectUri) return sim.consent(request);
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries(problem)) target.searchParams.set(name, value);
    if (request.query.state !== undefined) target.searchParams.set('state', request.query.state);
    return { status: 302, headers: { location: target.toString() } };
  }

  /** POST /common/oauth2/v2.0/token, client_secret_post (client_secret_basic is accepted too, as documented). */
  function token(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    if (!sim.clientAuthenticated(request)) {
      return entraError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${request.form.client_id ?? ''}'.`,
      );
    }
    if (request.form.grant_type === 'authorization_code') return redeemCode(request, sim);
    if (request.form.grant_type === 'refresh_token') return redeemRefreshToken(request, sim);
    return entraError(400, 'unsupported_grant_type', 70003, 'The app returned an unsupported grant type.');
  }

  function redeemCode(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const code = request.form.code ?? '';
    const record = sim.tokens.get(code);
    if (record?.kind !== 'code') return malformedGrant();
    if (redeemed.has(code)) {
      return entraError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (record.revoked) return grantRevoked(now());
    if (record.expiresAt !== undefined && record.expiresAt <= now()) {
      return entraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    const asked = record.authorize ?? {};
    if (request.form.redirect_uri !== asked.redirect_uri) {
      // The AADSTS50011 answer of the token endpoint shown in https://learn.microsoft.com/advertising/guides/handle-service-errors-exceptions#aadsts50011.
      return entraError(401, 'invalid_client', 50011, `The reply url specified in the request does not match the reply urls configured for the application: '${sim.clientId}'.`);
    }
    if (!sim.pkceHolds(record, request.form.code_verifier)) {
      return entraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    redeemed.add(code);
    const granted = asked.scope ?? '';
    consent(record.userId, granted);
    // `scope` on redemption is optional and names the resource the token is for; else the consented one.
    return tokenAnswer(sim, record.userId, request.form.scope ?? granted, granted);
  }

  function redeemRefreshToken(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const refreshToken = request.form.refresh_token ?? '';
    refreshes.push({ refreshToken, scope: request.form.scope });
    const record = sim.tokens.get(refreshToken);
    const grant = refreshGrants.get(refreshToken);
    if (record?.kind !== 'refresh' || !grant) return malformedGrant();
    if (record.revoked) return grantRevoked(grant.issuedAt);
    if (record.expiresAt !== undefined && record.expiresAt <= now()) return grantInactive(grant.issuedAt);
    // "Refresh tokens aren't revoked when used to acquire new access tokens": the old one keeps working
    // (its inactivity clock restarts) while the answer carries a new one.
    record.expiresAt = now() + REFRESH_IDLE_MS;
    // Without `scope` the token is for the scopes of the original request.
    return tokenAnswer(sim, record.userId, request.form.scope ?? grant.scope, grant.scope);
  }

  // --- Microsoft Advertising, Customer Management REST ---

  /** The documented REST fault for generic errors such as authentication (adapifaultdetail, JSON tab). */
  function adApiFault(status: number, code: number, errorCode: string, message: string): SimAnswer {
    return { status, body: { TrackingId: randomUUID(), Type: 'AdApiFaultDetail', Errors: [{ Code: code, Detail: null, ErrorCode: errorCode, Message: message }] } };
  }

  /** The documented REST fault for invalid requests (apifault); Customer Management OperationErrors have no ErrorCode. */
  function apiFault(code: number, message: string): SimAnswer {
    return { status: 400, body: { TrackingId: randomUUID(), Type: 'ApiFault', OperationErrors: [{ Code: code, Details: null, Message: message }] } };
  }

  // Codes and messages from operation-error-codes. HTTP statuses are inferred: the REST SDKs, generated
  // from Microsoft's OpenAPI description, expect ApplicationFault bodies on 400, 401, 403 and 500.
  const invalidCredentials = () => adApiFault(401, 105, 'InvalidCredentials', 'Authentication failed. Either supplied credentials are invalid or the account is inactive.');
  const tokenExpired = () => adApiFault(401, 109, 'AuthenticationTokenExpired', 'Authentication token expired. Please renew it or obtain a new token.');
  const notAuthorized = () => adApiFault(403, 106, 'UserIsNotAuthorized', 'The user is not authorized to perform this action.');
  const nullRequest = () => adApiFault(400, 100, 'NullRequest', 'The request message is null.');

  /**
   * The caller of an Advertising operation (request headers Authorization: Bearer and DeveloperToken,
   * includes/request-header-rest.md), or the fault it gets.
   */
  function advertisingCaller(request: RecordedRequest, sim: SimulatorState): MicrosoftUser | SimAnswer {
    const accessToken = bearerOf(request);
    const developerToken = request.headers.developertoken;
    // Inferred: a missing header is RequestMissingHeaders (116), "One or more required header elements are
    // missing from the request"; a wrong developer token is InvalidCredentials (105), as the guide says.
    if (!accessToken || developerToken === undefined) return adApiFault(400, 116, 'RequestMissingHeaders', 'One or more required header elements are missing from the request.');
    const record = sim.tokens.get(accessToken);
    if (record?.kind !== 'access' || record.revoked || audiences.get(accessToken) !== ADS_RESOURCE) return invalidCredentials();
    if (record.expiresAt !== undefined && record.expiresAt <= now()) return tokenExpired();
    if (developerToken !== MICROSOFT_ADS_DEVELOPER_TOKEN) return invalidCredentials();
    return userOf(sim, record.userId) ?? invalidCredentials();
  }

  /** POST /CustomerManagement/v13/User/Query (GetUser), body {"UserId": null} for the caller. */
  function getUser(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const caller = advertisingCaller(request, sim);
    if ('status' in caller) return caller;
    // The simulator reads JSON bodies only when Content-Type says JSON, as the REST API expects.
    if (!isRecord(request.json)) return nullRequest();
    const { UserId: userId } = request.json;
    // Simplification: only the caller's own user can be read.
    if (userId !== null && userId !== undefined && String(userId) !== caller.id) return notAuthorized();
    const roles = customerRoles(caller);
    return { status: 200, body: { User: userJson(caller, roles[0]?.CustomerId ?? null), CustomerRoles: roles } };
  }

  /** POST /CustomerManagement/v13/Accounts/Search (SearchAccounts) with the UserId Equals predicate. */
  function searchAccounts(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const caller = advertisingCaller(request, sim);
    if ('status' in caller) return caller;
    if (!isRecord(request.json)) return nullRequest();
    const { Predicates: predicates, PageInfo: pageInfo } = request.json;
    if (!Array.isArray(predicates) || predicates.length === 0) return apiFault(474, 'Required search predicate is missing.');
    const [predicate] = predicates as unknown[];
    if (predicates.length > 1 || !isRecord(predicate) || predicate.Field !== 'UserId' || predicate.Operator !== 'Equals') {
      return { status: 400, body: { simulator: 'only a single UserId Equals predicate is simulated' } };
    }
    if (String(predicate.Value) !== caller.id) return notAuthorized();
    const accounts = reachableAccounts(sim, caller);
    // Paging (paging.md): page Index of Size accounts.
    const index = isRecord(pageInfo) ? pageInfo.Index : undefined;
    const size = isRecord(pageInfo) ? pageInfo.Size : undefined;
    const shown = typeof index === 'number' && typeof size === 'number' ? accounts.slice(index * size, (index + 1) * size) : accounts;
    return { status: 200, body: { Accounts: shown.map(advertiserAccountJson) } };
  }

  function reachableAccounts(sim: SimulatorState, user: MicrosoftUser): MicrosoftAdAccount[] {
    const known = new Map(knownAccounts);
    for (const someone of sim.users.keys()) for (const account of userOf(sim, someone)?.accounts ?? []) known.set(account.id, account);
    const whole = new Set(user.wholeCustomers ?? []);
    const reachable = new Map(user.accounts.map((account) => [account.id, account]));
    for (const account of known.values()) if (whole.has(account.customerId)) reachable.set(account.id, account);
    return [...reachable.values()];
  }

  // --- Dynamics 365 Global Discovery Service ---

  /**
   * "A request sent to the service without an access token triggers a bearer challenge with the authority
   * of the 'common' endpoint and the resource ID of the service." The header's exact syntax and the empty
   * body are inferred (Dataverse's own challenge has this form).
   */
  function discoveryChallenge(): SimAnswer {
    return { status: 401, headers: { 'www-authenticate': `Bearer authorization_uri=${LOGIN_ORIGIN}/common/oauth2/authorize, resource_id=${DISCOVERY_ORIGIN}/` } };
  }

  /** GET /api/discovery/v2.0/Instances: every environment the person reaches, as OData (the documented example). */
  function instances(request: RecordedRequest, sim: SimulatorState): SimAnswer {
    const accessToken = bearerOf(request);
    const record = sim.live(accessToken, 'access');
    if (!accessToken || !record || audiences.get(accessToken) !== DISCOVERY_ORIGIN) return discoveryChallenge();
    return {
      status: 200,
      headers: { 'content-type': 'application/json; odata.metadata=minimal', 'odata-version': '4.0' },
      // The documented example's context names an internal host; the public one is inferred.
      body: { '@odata.context': `${DISCOVERY_ORIGIN}/api/discovery/v2.0/$metadata#Instances`, value: userOf(sim, record.userId)?.environments ?? [] },
    };
  }

  // --- Faults, per route group ---

  const faults: Record<string, Record<FaultMode, () => SimAnswer>> = {
    token: {
      revoked: () => grantRevoked(now() - 24 * 60 * 60_000),
      expired: () => grantInactive(now() - REFRESH_IDLE_MS),
      // Entra answers 429 with Retry-After: 60 (https://learn.microsoft.com/entra/msal/dotnet/advanced/msal-throttling);
      // no body is documented. User-facing flows may instead get invalid_grant AADSTS50196 (loop detected).
      throttled: () => ({ status: 429, headers: { 'retry-after': '60' } }),
      // temporarily_unavailable: "The server is temporarily too busy"; the 503 and AADSTS90033 are inferred.
      server_error: () => entraError(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
    },
    ads: {
      revoked: invalidCredentials,
      expired: tokenExpired,
      // CallRateExceeded (117); inferred 400, as 429 is not among the statuses of the OpenAPI description.
      throttled: () =>
        adApiFault(400, 117, 'CallRateExceeded', 'You have exceeded the number of calls that you are allowed to make in a minute. Please reduce the number of calls that you make per minute.'),
      // The documented internal error (code 0), on the SDKs' 500.
      server_error: () => adApiFault(500, 0, 'InternalError', 'An internal error has occurred.'),
    },
    discovery: {
      revoked: discoveryChallenge,
      expired: discoveryChallenge,
      // Inferred: the discovery docs describe no throttling or outage answers.
      throttled: () => ({ status: 429, headers: { 'retry-after': '60' } }),
      server_error: () => ({ status: 503 }),
    },
  };

  const base = await startSimulator(
    {
      origins: [LOGIN_ORIGIN, CLIENT_CENTER_ORIGIN, DISCOVERY_ORIGIN],
      routes: {
        'GET /common/oauth2/v2.0/authorize': authorize,
        [`POST ${TOKEN_PATH}`]: token,
        'POST /CustomerManagement/v13/User/Query': getUser,
        'POST /CustomerManagement/v13/Accounts/Search': searchAccounts,
        'GET /api/discovery/v2.0/Instances': instances,
      },
      faultAnswer(group, mode) {
        const answer = faults[group]?.[mode];
        if (!answer) throw new Error(`microsoft simulator: no fault group "${group}" (token, ads, discovery)`);
        return answer();
      },
      groupOf(_method, path) {
        if (path === TOKEN_PATH) return 'token';
        if (path.startsWith(ADS_PATH_PREFIX)) return 'ads';
        if (path.startsWith(DISCOVERY_PATH_PREFIX)) return 'discovery';
        return undefined;
      },
      envPrefixes: ['MICROSOFT_ADS', 'DYNAMICS365'],
      env: { MICROSOFT_ADS_DEVELOPER_TOKEN },
    },
    { ...options, now },
  );

  return Object.assign(base, {
    refreshes,
    issueTokens(userId: string, scope = `${MICROSOFT_ADS_SCOPE} offline_access`): IssuedTokens {
      const first = resourceScopes(scope)[0];
      if (!first) throw new Error(`microsoft simulator: scope "${scope}" names no resource`);
      consent(userId, scope);
      return mintTokens(base, userId, resourceOf(first), scope);
    },
    addAdAccounts(...accounts: MicrosoftAdAccount[]) {
      for (const account of accounts) knownAccounts.set(account.id, account);
    },
  });
}

/** Users only get in through `addUser(user: MicrosoftUser)`, so every stored user is one. */
function userOf(sim: SimulatorState, userId: string): MicrosoftUser | undefined {
  return sim.users.get(userId) as MicrosoftUser | undefined;
}

/**
 * CustomerRole objects (customerrole.md, JSON tab): one per customer. "If the user has CID level of access,
 * then AccountIDs will be not returned": null here. RoleId 41 is Super Admin, 203 Standard User.
 */
function customerRoles(user: MicrosoftUser) {
  const whole = user.wholeCustomers ?? [];
  const byCustomer = new Map<string, string[]>();
  for (const account of user.accounts) {
    if (!whole.includes(account.customerId)) byCustomer.set(account.customerId, [...(byCustomer.get(account.customerId) ?? []), account.id]);
  }
  const role = (customerId: string, accountIds: string[] | null) => ({
    AccountIds: accountIds,
    CustomerId: customerId,
    CustomerLinkPermission: null,
    LinkedAccountIds: null,
    RoleId: accountIds === null ? 41 : 203,
  });
  return [...[...byCustomer].map(([customerId, ids]) => role(customerId, ids)), ...whole.map((customerId) => role(customerId, null))];
}

/**
 * GetUser's User (getuser.md, Response JSON). Longs are JSON strings, as the documented JSON templates
 * write them ("LongValueHere" quoted, "IntValueHere" not); unknown personal details are null.
 */
function userJson(user: MicrosoftUser, customerId: string | null): Record<string, unknown> {
  return {
    AuthenticationToken: null,
    ContactInfo: {
      Address: null,
      ContactByPhone: false,
      ContactByPostalMail: false,
      Email: user.label,
      EmailFormat: 'Html',
      Fax: null,
      HomePhone: null,
      Id: null,
      Mobile: null,
      Phone1: null,
      Phone2: null,
    },
    CustomerId: customerId,
    ForwardCompatibilityMap: [],
    Id: user.id,
    JobTitle: null,
    LastModifiedByUserId: user.id,
    LastModifiedTime: '2025-01-15T08:00:00',
    Lcid: 'EnglishUS',
    Name: { FirstName: user.label.split('@')[0], LastName: null, MiddleInitial: null },
    Password: null,
    SecretAnswer: null,
    SecretQuestion: 'None',
    TimeStamp: null,
    UserLifeCycleStatus: 'Active',
    UserName: user.label,
  };
}

/** SearchAccounts' AdvertiserAccount (advertiseraccount.md); longs as strings, unknown details null. */
function advertiserAccountJson(account: MicrosoftAdAccount): Record<string, unknown> {
  return {
    AccountFinancialStatus: 'ClearFinancialStatus',
    AccountLifeCycleStatus: account.status ?? 'Active',
    AccountMode: 'Expert',
    AutoTagType: 'Inactive',
    BackUpPaymentInstrumentId: null,
    BillingThresholdAmount: null,
    BillToCustomerId: account.customerId,
    BusinessAddress: null,
    CurrencyCode: 'USD',
    ForwardCompatibilityMap: [],
    Id: account.id,
    Language: 'English',
    LastModifiedByUserId: null,
    LastModifiedTime: '2025-01-15T08:00:00',
    LinkedAgencies: [],
    Name: account.name,
    Number: account.number ?? `X${account.id.padStart(7, '0').slice(-7)}`,
    ParentCustomerId: account.customerId,
    // "PauseReason … 1 - The user paused the account."
    PauseReason: account.status === 'Pause' ? 1 : null,
    PaymentMethodId: null,
    // "When you call … SearchAccounts … PaymentMethodType is set to NULL."
    PaymentMethodType: null,
    PrimaryUserId: null,
    SalesHouseCustomerId: null,
    SoldToPaymentInstrumentId: null,
    TaxCertificate: null,
    TaxInformation: null,
    TimeStamp: null,
    TimeZone: 'PacificTimeUSCanadaTijuana',
  };
}

function scopesOf(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}

function resourceScopes(scope: string): string[] {
  return scopesOf(scope).filter((item) => !OIDC_SCOPES.has(item) && item.includes('://'));
}

/** `https://ads.microsoft.com/msads.manage` → `https://ads.microsoft.com`. */
function resourceOf(scope: string): string {
  return new URL(scope).origin;
}

/**
 * Every Dynamics environment and the discovery service belong to one resource app (Dynamics CRM), so
 * consenting to one covers the others: a discovery consent can be redeemed for https://<org>.crm.dynamics.com.
 */
function consentFamily(resource: string): string {
  return /^https:\/\/[^/]+\.crm\d*\.dynamics\.com$/.test(resource) ? 'dynamics-crm' : resource;
}

function iso(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stableHex(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

function stableGuid(seed: string): string {
  const hex = stableHex(seed);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
