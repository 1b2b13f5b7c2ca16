import { z } from 'zod';
import type { Config } from '../config';
import type { ConnectionKind } from '../lib/provider-ids';
import { providerSchema, type ProviderDefinition, type ProviderInput } from './definition';
import { mapProviderUrls, originOf, rewriteOrigin, type OriginRewrites } from './urls';

/**
 * The provider catalog as data. Each entry says how to authorize, how to tell which account consented,
 * how to read the provider's failed answers, and what a disconnection does to the data it feeds.
 * Sources for URLs and error shapes are named next to the entries; docs/SECURITY.md has the table of
 * permanent vs transient refresh failures these rules encode.
 */

type StreamInput = ProviderInput['streams'][number];
type ErrorRuleInput = ProviderInput['errors'][number];

// --- What a disconnection does to the data (the product's domain knowledge) ---

// What each stream means, in every language, is in the message catalogs: the words an outage is told in
// follow Adobe's Marketo Measure help ("Reauthorizing Connected Accounts", experienceleague.adobe.com).
const COST_DATA: StreamInput = { id: 'cost_data', effect: 'paused' };
const UTM_TAGS: StreamInput = { id: 'utm_tags', effect: 'lost', whenOption: 'autotagging', countKey: 'adsCreated' };
const CRM_UPDATES: StreamInput = { id: 'crm_updates', effect: 'backfilled' };
const NEW_TOUCHPOINTS: StreamInput = { id: 'touchpoints', effect: 'backfilled', countKey: 'queuedTouchpoints' };
const DATA_PULLS: StreamInput = { id: 'data_pulls', effect: 'paused' };

/** One list per kind, shared by every provider of that kind (generic ones included). */
export const STREAMS_BY_KIND: Readonly<Record<ConnectionKind, readonly StreamInput[]>> = {
  ad_platform: [COST_DATA, UTM_TAGS],
  crm: [CRM_UPDATES, NEW_TOUCHPOINTS],
  integration: [DATA_PULLS],
};

// --- How to read failed answers (first matching rule wins) ---

const SERVER_ERRORS = Array.from({ length: 100 }, (_, offset) => 500 + offset);

/** A rate limit or an outage on the provider's side is never a reason to ask anyone to reauthorize. */
const RATE_LIMITED_OR_DOWN: ErrorRuleInput[] = [
  { classification: 'transient', httpStatus: [429] },
  { classification: 'transient', reason: 'third_party_outage', httpStatus: SERVER_ERRORS },
];

/**
 * RFC 6749 §5.2 errors that reauthorizing can't fix: a wrong or expired client secret is our
 * configuration (Microsoft client secrets expire after at most two years), so alerting every channel
 * to reconnect would send people through consent in a loop.
 */
const OAUTH_CLIENT_PROBLEMS: ErrorRuleInput[] = [
  { classification: 'transient', reason: 'internal', path: 'error', equals: ['invalid_client', 'unauthorized_client'] },
  { classification: 'transient', reason: 'third_party_outage', path: 'error', equals: ['temporarily_unavailable', 'server_error'] },
];

const OAUTH_BASELINE: ErrorRuleInput[] = [...RATE_LIMITED_OR_DOWN, ...OAUTH_CLIENT_PROBLEMS];

/**
 * Microsoft identity platform (Entra ID), for Microsoft Advertising and Dynamics 365 alike. The AADSTS
 * code sits at the start of `error_description`; the colon keeps AADSTS70008 from matching AADSTS700082.
 * Codes from https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
 */
const MICROSOFT_IDENTITY_ERRORS: ErrorRuleInput[] = [
  ...OAUTH_BASELINE,
  // The refresh token expired after 90 days without use.
  { classification: 'needs_reauth', reason: 'token_expired', path: 'error_description', includes: 'AADSTS70008:' },
  { classification: 'needs_reauth', reason: 'token_expired', path: 'error_description', includes: 'AADSTS700082:' },
  // The grant was revoked, typically because the user changed or reset their password.
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'AADSTS50173:' },
  // A tenant policy now demands MFA, or blocks the sign-in (Conditional Access), or the user was disabled.
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'AADSTS50076:' },
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'AADSTS50079:' },
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'AADSTS53003:' },
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'AADSTS50057:' },
  { classification: 'needs_reauth', reason: 'admin_changed', path: 'error', equals: ['interaction_required'] },
  { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
];

const MICROSOFT_AUTHORIZE_URL = 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize';
const MICROSOFT_TOKEN_URL = 'https://login.microsoftonline.com/common/oauth2/v2.0/token';

/**
 * Work and personal Microsoft accounts are often signed in side by side; letting the person pick avoids
 * a consent from the wrong account, which the callback would then reject as an account mismatch.
 */
const MICROSOFT_AUTHORIZE_PARAMS = { prompt: 'select_account' };

// --- The built-in providers ---

/** Google Ads API version; each is supported for about a year (https://developers.google.com/google-ads/api/docs/sunset-dates). */
const GOOGLE_ADS_API = 'https://googleads.googleapis.com/v26';

const GOOGLE_ADS: ProviderInput = {
  id: 'google_ads',
  name: 'Google Ads',
  kind: 'ad_platform',
  // Endpoints from https://accounts.google.com/.well-known/openid-configuration.
  auth: {
    type: 'oauth2',
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // Revoking any token of a grant ends the whole grant (every token of that person and client).
    revoke: { url: 'https://oauth2.googleapis.com/revoke', ends: 'grant' },
    scopes: ['https://www.googleapis.com/auth/adwords', 'openid', 'email'],
    // Google returns a refresh token only with access_type=offline, and on a repeat consent only with prompt=consent.
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
    // The consent screen's language (developers.google.com/identity/openid-connect/openid-connect#authenticationuriparameters).
    localeParam: 'hl',
    pkce: true,
    clientAuth: 'client_secret_post',
    // Google's discovery document sets authorization_response_iss_parameter_supported (RFC 9207), yet
    // the callback carries `iss` for some users only: it is checked when present.
    issuer: 'https://accounts.google.com',
    issuerRequired: false,
    requiredSettings: ['developerToken'],
    // The person who signed in; a connection is a Google Ads customer, which the lists below must name.
    identity: { url: 'https://openidconnect.googleapis.com/v1/userinfo', subjectPath: 'sub', labelPath: 'email' },
    accounts: [
      // https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers
      {
        request: { url: `${GOOGLE_ADS_API}/customers:listAccessibleCustomers`, headers: { 'developer-token': '{developerToken}' } },
        listPath: 'resourceNames',
        idPaths: ['$'],
      },
      // Client accounts reached through the manager account (https://developers.google.com/google-ads/api/docs/account-management/get-account-hierarchy).
      {
        when: 'loginCustomerId',
        request: {
          url: `${GOOGLE_ADS_API}/customers/{loginCustomerId}/googleAds:search`,
          method: 'POST',
          headers: { 'developer-token': '{developerToken}', 'login-customer-id': '{loginCustomerId}' },
          body: { query: 'SELECT customer_client.id, customer_client.descriptive_name FROM customer_client' },
        },
        listPath: 'results',
        idPaths: ['customerClient.id'],
        labelPath: 'customerClient.descriptiveName',
      },
    ],
    // Customer ids are written 123-456-7890 in the Google Ads UI and 1234567890 by the API.
    accountIdFormat: 'digits',
    // Refresh tokens of an app in "Testing" publishing status expire after 7 days (https://developers.google.com/identity/protocols/oauth2#expiration).
    hardExpiry: { testingDays: 7 },
  },
  errors: [
    ...OAUTH_BASELINE,
    // A Workspace session-control policy requires the user to sign in again (reauth "rapt" token).
    { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_subtype', equals: ['invalid_rapt'] },
    // "Token has been expired or revoked." Google uses the same words for both, including the 7-day expiry
    // of refresh tokens issued to apps still in "Testing" status.
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
  ],
  streams: [...STREAMS_BY_KIND.ad_platform],
  docsUrl: 'https://developers.google.com/identity/protocols/oauth2/web-server',
};

/** Graph API version used for Meta's URLs; Meta supports each version for about two years. */
const META_GRAPH_VERSION = 'v23.0';

const META_ADS: ProviderInput = {
  id: 'meta_ads',
  name: 'Meta Ads',
  kind: 'ad_platform',
  auth: {
    type: 'oauth2',
    authorizeUrl: `https://www.facebook.com/${META_GRAPH_VERSION}/dialog/oauth`,
    tokenUrl: `https://graph.facebook.com/${META_GRAPH_VERSION}/oauth/access_token`,
    // ads_management is needed to write url_tags on ads when auto-tagging is on.
    scopes: ['ads_read', 'ads_management', 'business_management'],
    scopeSeparator: ',',
    // Asks again for permissions the person declined or removed since the last consent.
    authorizeParams: { auth_type: 'rerequest' },
    // Facebook Login for Business: a configuration made in the app dashboard names the permissions.
    scopesReplacedBy: { param: 'config_id', setting: 'configId' },
    appSecretProof: true,
    // Meta documents PKCE only for its OIDC login flow, and still as "in testing".
    pkce: false,
    clientAuth: 'client_secret_post',
    identity: { url: `https://graph.facebook.com/${META_GRAPH_VERSION}/me?fields=id,name`, subjectPath: 'id', labelPath: 'name' },
    // https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts/
    accounts: [
      {
        request: { url: `https://graph.facebook.com/${META_GRAPH_VERSION}/me/adaccounts?fields=account_id,name&limit=100` },
        listPath: 'data',
        idPaths: ['account_id'],
        labelPath: 'name',
        nextPagePath: 'paging.next',
      },
    ],
    // Ad account ids are act_<digits> in the API and <digits> in Ads Manager.
    accountIdFormat: 'digits',
    // Meta issues long-lived user tokens (about 60 days) and no refresh tokens; probes call identity instead.
    refreshable: false,
    // Data access also ends 90 days after the person last used the app, whatever the token says
    // (https://developers.facebook.com/docs/facebook-login/auth-vs-data/); debug_token tells when.
    hardExpiry: {
      accessTokenExpiry: true,
      dataAccess: {
        url: `https://graph.facebook.com/${META_GRAPH_VERSION}/debug_token?input_token={accessToken}&access_token={clientId}|{clientSecret}`,
        path: 'data.data_access_expires_at',
      },
    },
  },
  // Codes from https://developers.facebook.com/docs/graph-api/guides/error-handling.
  errors: [
    ...RATE_LIMITED_OR_DOWN,
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error.error_subcode', equals: [458] },
    { classification: 'needs_reauth', reason: 'admin_changed', path: 'error.error_subcode', equals: [459] },
    { classification: 'needs_reauth', reason: 'admin_changed', path: 'error.error_subcode', equals: [460] },
    { classification: 'needs_reauth', reason: 'token_expired', path: 'error.error_subcode', equals: [463] },
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error.error_subcode', equals: [467] },
    // 190 "Invalid OAuth access token" and 102 "API session" without a subcode we know.
    { classification: 'needs_reauth', reason: 'unknown', path: 'error.code', equals: [190, 102] },
    // 1 and 2 are temporary downtime; 4, 17, 32, 341 and 613 are rate limits.
    { classification: 'transient', path: 'error.code', equals: [1, 2, 4, 17, 32, 341, 613] },
  ],
  streams: [...STREAMS_BY_KIND.ad_platform],
  docsUrl: 'https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow',
};

/** LinkedIn's Marketing API version (YYYYMM); each is supported for a year. */
const LINKEDIN_API_VERSION = '202609';

const LINKEDIN_ADS: ProviderInput = {
  id: 'linkedin_ads',
  name: 'LinkedIn Ads',
  kind: 'ad_platform',
  auth: {
    type: 'oauth2',
    authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    revoke: { url: 'https://www.linkedin.com/oauth/v2/revoke' },
    scopes: ['r_ads', 'r_ads_reporting', 'openid', 'profile'],
    // LinkedIn enables PKCE only for native clients, on request; web apps use the client secret.
    pkce: false,
    clientAuth: 'client_secret_post',
    // Token answers carry no token_type (https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow).
    defaultTokenType: 'bearer',
    identity: { url: 'https://api.linkedin.com/v2/userinfo', subjectPath: 'sub', labelPath: 'name' },
    // The ad accounts the member has a role on (https://learn.microsoft.com/linkedin/marketing/integrations/ads/account-structure/create-and-manage-account-users).
    accounts: [
      {
        request: {
          url: 'https://api.linkedin.com/rest/adAccountUsers?q=authenticatedUser',
          headers: { 'LinkedIn-Version': LINKEDIN_API_VERSION, 'X-Restli-Protocol-Version': '2.0.0' },
        },
        listPath: 'elements',
        idPaths: ['account'],
      },
    ],
    // urn:li:sponsoredAccount:<digits> in the API, <digits> in Campaign Manager.
    accountIdFormat: 'digits',
    // Refresh tokens live 365 days from the first consent; refreshing doesn't extend them.
    hardExpiry: { refreshTokenExpiresIn: 'refresh_token_expires_in' },
  },
  errors: [
    ...OAUTH_BASELINE,
    // A revoked or expired refresh token: 400 invalid_request, "…invalid, expired or revoked"
    // (https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens).
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error_description', includes: 'expired or revoked' },
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
    // After a successful refresh, a 401 from the API means the member revoked the app.
    { classification: 'needs_reauth', reason: 'token_revoked', httpStatus: [401] },
  ],
  streams: [...STREAMS_BY_KIND.ad_platform],
  docsUrl: 'https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow',
};

const MICROSOFT_ADS_API = 'https://clientcenter.api.bingads.microsoft.com/CustomerManagement/v13';

const MICROSOFT_ADS: ProviderInput = {
  id: 'microsoft_ads',
  name: 'Microsoft Advertising',
  kind: 'ad_platform',
  auth: {
    type: 'oauth2',
    authorizeUrl: MICROSOFT_AUTHORIZE_URL,
    tokenUrl: MICROSOFT_TOKEN_URL,
    // The identity platform has no revocation endpoint.
    scopes: ['https://ads.microsoft.com/msads.manage', 'offline_access'],
    authorizeParams: MICROSOFT_AUTHORIZE_PARAMS,
    pkce: true,
    clientAuth: 'client_secret_post',
    // The token's audience follows the scope of each refresh, so refreshes repeat it.
    refreshSendsScope: true,
    requiredSettings: ['developerToken'],
    // The Advertising user who signed in (GetUser), then the accounts that user can reach (SearchAccounts).
    // https://learn.microsoft.com/advertising/customer-management-service/getuser
    identity: {
      url: `${MICROSOFT_ADS_API}/User/Query`,
      method: 'POST',
      headers: { DeveloperToken: '{developerToken}' },
      body: { UserId: null },
      subjectPath: 'User.Id',
      labelPath: 'User.UserName',
    },
    // https://learn.microsoft.com/advertising/customer-management-service/searchaccounts
    accounts: [
      {
        request: {
          url: `${MICROSOFT_ADS_API}/Accounts/Search`,
          method: 'POST',
          headers: { DeveloperToken: '{developerToken}' },
          body: { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '{subject}' }], Ordering: null, PageInfo: { Index: 0, Size: 1000 } },
        },
        listPath: 'Accounts',
        idPaths: ['Id'],
        labelPath: 'Name',
      },
    ],
    accountIdFormat: 'digits',
    // Refresh tokens die after 90 days unused (https://learn.microsoft.com/entra/identity-platform/refresh-tokens).
    hardExpiry: { idleDays: 90 },
  },
  errors: MICROSOFT_IDENTITY_ERRORS,
  streams: [...STREAMS_BY_KIND.ad_platform],
  docsUrl: 'https://learn.microsoft.com/advertising/guides/authentication-oauth',
};

const SALESFORCE: ProviderInput = {
  id: 'salesforce',
  name: 'Salesforce',
  kind: 'crm',
  // Endpoints from https://login.salesforce.com/.well-known/openid-configuration.
  auth: {
    type: 'oauth2',
    authorizeUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    revoke: { url: 'https://login.salesforce.com/services/oauth2/revoke' },
    // `id` grants the identity URL service that userinfo belongs to; the connected app must allow it.
    scopes: ['api', 'refresh_token', 'id'],
    pkce: true,
    clientAuth: 'client_secret_post',
    identity: {
      url: 'https://login.salesforce.com/services/oauth2/userinfo',
      subjectPath: 'user_id',
      accountPath: 'organization_id',
      labelPath: 'preferred_username',
    },
    accountIdFormat: 'salesforce_org',
  },
  errors: [
    ...OAUTH_BASELINE,
    // Also what the oldest grant gets once a user passes 5 grants for the same app.
    { classification: 'needs_reauth', reason: 'token_expired', path: 'error_description', includes: 'expired access/refresh token' },
    // After a password change or a deactivation.
    { classification: 'needs_reauth', reason: 'admin_changed', path: 'error_description', includes: 'authentication failure' },
    { classification: 'needs_reauth', reason: 'admin_changed', path: 'error', equals: ['inactive_user'] },
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
    { classification: 'transient', path: 'error', equals: ['rate_limit_exceeded'] },
    // The REST API answers 403 with this code when the org's daily API allowance is used up.
    { classification: 'transient', path: '0.errorCode', equals: ['REQUEST_LIMIT_EXCEEDED'] },
  ],
  streams: [...STREAMS_BY_KIND.crm],
  docsUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
  // "A user can have up to five approvals per connected app; the sixth revokes the oldest"
  // (https://help.salesforce.com/s/articleView?id=platform.remoteaccess_request_approve.htm).
  maxGrantsPerPerson: 5,
  // Sandboxes sign in at test.salesforce.com; orgs with My Domain may require their own host.
  hostOption: {
    option: 'loginHost',
    pattern: '^(login|test)\\.salesforce\\.com$|^[a-z0-9-]+(\\.sandbox)?\\.my\\.salesforce\\.com$',
    help: 'login.salesforce.com, test.salesforce.com (sandboxes) or your My Domain host, e.g. acme.my.salesforce.com',
  },
};

/**
 * Dynamics 365 runs on the Dynamics CRM resource, whose hostname is each org's own. The Global Discovery
 * Service shares that resource's `user_impersonation` permission without naming an org, so one consent
 * covers the org and the refresh token can later be redeemed for `https://<org>.crm.dynamics.com`.
 * https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service
 */
const DYNAMICS_365: ProviderInput = {
  id: 'dynamics365',
  name: 'Microsoft Dynamics 365',
  kind: 'crm',
  auth: {
    type: 'oauth2',
    authorizeUrl: MICROSOFT_AUTHORIZE_URL,
    tokenUrl: MICROSOFT_TOKEN_URL,
    scopes: ['https://globaldisco.crm.dynamics.com/user_impersonation', 'offline_access'],
    authorizeParams: MICROSOFT_AUTHORIZE_PARAMS,
    pkce: true,
    clientAuth: 'client_secret_post',
    refreshSendsScope: true,
    // The environments (orgs) the person can reach; a connection names one by its Id or its URL.
    identity: { url: 'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/Instances' },
    accounts: [{ listPath: 'value', idPaths: ['Id', 'ApiUrl', 'Url'], labelPath: 'FriendlyName' }],
    accountIdFormat: 'case_insensitive',
    hardExpiry: { idleDays: 90 },
  },
  errors: MICROSOFT_IDENTITY_ERRORS,
  streams: [...STREAMS_BY_KIND.crm],
  docsUrl: 'https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth',
};

const HUBSPOT: ProviderInput = {
  id: 'hubspot',
  name: 'HubSpot',
  kind: 'crm',
  // v1 OAuth endpoints; HubSpot deprecates them on 2027-02-16 in favour of /oauth/v3.
  auth: {
    type: 'oauth2',
    authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    // Not RFC 7009: a DELETE of the refresh token (https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/delete-refresh-token).
    revoke: { url: 'https://api.hubapi.com/oauth/v1/refresh-tokens/{token}', style: 'delete' },
    scopes: [
      'oauth',
      'crm.objects.contacts.read',
      'crm.objects.contacts.write',
      'crm.objects.companies.read',
      'crm.objects.companies.write',
      'crm.objects.deals.read',
      'crm.objects.deals.write',
    ],
    pkce: true,
    clientAuth: 'client_secret_post',
    identity: {
      url: 'https://api.hubapi.com/oauth/v1/access-tokens/{accessToken}',
      subjectPath: 'user_id',
      accountPath: 'hub_id',
      labelPath: 'hub_domain',
    },
    accountIdFormat: 'digits',
  },
  errors: [
    ...OAUTH_BASELINE,
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'status', equals: ['BAD_REFRESH_TOKEN'] },
    { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
    // An expired access token: refreshing fixes it, nobody needs to reauthorize.
    { classification: 'transient', path: 'category', equals: ['EXPIRED_AUTHENTICATION'] },
  ],
  streams: [...STREAMS_BY_KIND.crm],
  docsUrl: 'https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide',
};

/** Database fields shared by the built-in database integrations; the port default is each engine's. */
function databaseFields(defaultPort: number): Extract<ProviderInput['auth'], { type: 'credentials_form' }>['fields'] {
  return [
    { name: 'host', label: 'Host' },
    { name: 'port', label: 'Port', input: 'number', default: String(defaultPort) },
    { name: 'database', label: 'Database' },
    { name: 'user', label: 'User' },
    { name: 'password', label: 'Password', secret: true },
    { name: 'tls', label: 'TLS', input: 'select', options: ['require', 'verify-full', 'disable'], default: 'require' },
  ];
}

/** A wrong password or a removed grant needs a person; a server that doesn't answer doesn't. */
const DATABASE_ERRORS: ErrorRuleInput[] = [];

const POSTGRESQL: ProviderInput = {
  id: 'postgresql',
  name: 'PostgreSQL database',
  kind: 'integration',
  auth: {
    type: 'credentials_form',
    fields: databaseFields(5432),
    verify: 'postgresql',
    accountId: '{host}:{port}/{database}',
  },
  errors: DATABASE_ERRORS,
  streams: [...STREAMS_BY_KIND.integration],
  docsUrl: 'https://www.postgresql.org/docs/current/libpq-connect.html',
};

const MYSQL: ProviderInput = {
  id: 'mysql',
  name: 'MySQL / MariaDB database',
  kind: 'integration',
  auth: {
    type: 'credentials_form',
    fields: databaseFields(3306),
    verify: 'mysql',
    accountId: '{host}:{port}/{database}',
  },
  errors: DATABASE_ERRORS,
  streams: [...STREAMS_BY_KIND.integration],
  docsUrl: 'https://dev.mysql.com/doc/refman/8.4/en/connecting.html',
};

export const BUILT_IN_PROVIDERS: ProviderInput[] = [
  GOOGLE_ADS,
  META_ADS,
  LINKEDIN_ADS,
  MICROSOFT_ADS,
  SALESFORCE,
  DYNAMICS_365,
  HUBSPOT,
  POSTGRESQL,
  MYSQL,
];

// --- Generic providers, configured from the environment ---

type GenericConfig = Pick<Config, 'genericOAuth' | 'genericApiKey'>;

function genericOAuthProvider(config: NonNullable<Config['genericOAuth']>): ProviderInput {
  return {
    id: 'generic_oauth2',
    name: config.name,
    kind: config.kind,
    auth: {
      type: 'oauth2',
      authorizeUrl: config.authorizeUrl,
      tokenUrl: config.tokenUrl,
      ...(config.revokeUrl ? { revoke: { url: config.revokeUrl } } : {}),
      scopes: config.scopes,
      identity: { url: config.userinfoUrl, subjectPath: config.accountClaim, accountPath: config.accountClaim },
    },
    errors: [
      ...OAUTH_BASELINE,
      { classification: 'needs_reauth', reason: 'token_revoked', path: 'error', equals: ['invalid_grant'] },
      { classification: 'needs_reauth', reason: 'token_revoked', httpStatus: [401] },
    ],
    streams: [...STREAMS_BY_KIND[config.kind]],
  };
}

function genericApiKeyProvider(config: NonNullable<Config['genericApiKey']>): ProviderInput {
  return {
    id: 'generic_api_key',
    name: config.name,
    kind: config.kind,
    auth: {
      type: 'api_key',
      probeUrl: config.probeUrl,
      header: config.header,
      accountPath: config.accountClaim,
      keyHelp: `Create a new API key in ${config.name}'s settings and paste it here. The old key stops working once it is replaced.`,
    },
    errors: [
      ...RATE_LIMITED_OR_DOWN,
      { classification: 'needs_reauth', reason: 'token_revoked', httpStatus: [401, 403] },
    ],
    streams: [...STREAMS_BY_KIND[config.kind]],
  };
}

// --- The catalog ---

export interface Catalog {
  get(id: string): ProviderDefinition | undefined;
  /** Like `get`, for ids that must exist (a stored connection's provider); throws naming the unknown id. */
  require(id: string): ProviderDefinition;
  list(): ProviderDefinition[];
  /**
   * The provider as one connection talks to it: with the host its options name (`loginHost` for
   * Salesforce) serving every URL of the authorize URL's origin, then PROVIDER_ORIGINS. Throws for an
   * unknown provider; options were checked by `checkConnectionOptions` when they were stored.
   */
  forConnection(connection: { provider: string; options: Record<string, unknown> }): ProviderDefinition;
}

type CatalogConfig = GenericConfig & { providerOrigins?: OriginRewrites };

export function buildCatalog(config: CatalogConfig): Catalog {
  const builtIn = new Map(BUILT_IN_PROVIDERS.map((input) => [input.id, parseProvider(input)]));
  const rewrite = (url: string) => rewriteOrigin(url, config.providerOrigins ?? new Map());
  const byId = new Map([...builtIn].map(([id, provider]) => [id, mapProviderUrls(provider, rewrite)]));
  for (const input of configuredGenericProviders(config)) byId.set(input.id, parseProvider(input));
  const require = (id: string) => {
    const provider = byId.get(id);
    if (!provider) throw new Error(`Unknown provider "${id}". Known providers: ${[...byId.keys()].join(', ')}.`);
    return provider;
  };
  return {
    get: (id) => byId.get(id),
    require,
    list: () => [...byId.values()],
    forConnection(connection) {
      const provider = require(connection.provider);
      const raw = builtIn.get(connection.provider);
      const host = raw?.hostOption ? connection.options[raw.hostOption.option] : undefined;
      if (!raw || raw.auth.type !== 'oauth2' || typeof host !== 'string' || host === '') return provider;
      const origin = originOf(raw.auth.authorizeUrl);
      const own = new Map([[origin, `https://${host}`]]);
      return mapProviderUrls(raw, (url) => rewrite(rewriteOrigin(url, own)));
    },
  };
}

/** Problems with a connection's options for its provider (a host option that isn't the provider's); empty when fine. */
export function checkConnectionOptions(provider: ProviderDefinition, options: Record<string, unknown>): string[] {
  const hostOption = provider.hostOption;
  if (!hostOption || options[hostOption.option] === undefined) return [];
  const value = options[hostOption.option];
  if (typeof value === 'string' && new RegExp(hostOption.pattern).test(value)) return [];
  return [`options.${hostOption.option}: expected ${hostOption.help}`];
}

function configuredGenericProviders(config: GenericConfig): ProviderInput[] {
  const providers: ProviderInput[] = [];
  if (config.genericOAuth) providers.push(genericOAuthProvider(config.genericOAuth));
  if (config.genericApiKey) providers.push(genericApiKeyProvider(config.genericApiKey));
  return providers;
}

function parseProvider(input: ProviderInput): ProviderDefinition {
  const result = providerSchema.safeParse(input);
  if (!result.success) {
    throw new Error(`Provider "${input.id}" is not a valid catalog entry:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
