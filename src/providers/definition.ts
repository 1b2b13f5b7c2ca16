import { z } from 'zod';
import { CONNECTION_KINDS } from '../lib/provider-ids';

/**
 * What a provider is, as data: how to authorize, how to tell which account consented, how to probe,
 * how to read its error answers, and which data streams a disconnection pauses, backfills or loses.
 * Adding a provider is a catalog entry and a test, never a new branch in the OAuth code.
 */

export const DISCONNECT_REASONS = [
  'token_revoked',
  'token_expired',
  'admin_changed',
  'third_party_outage',
  'internal',
  'unknown',
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** paused: resumes with no gap; backfilled: missed data is sent after reconnecting; lost: can't be recovered. */
const STREAM_EFFECTS = ['paused', 'backfilled', 'lost'] as const;
export type StreamEffect = (typeof STREAM_EFFECTS)[number];

const COUNT_KEYS = ['queuedTouchpoints', 'adsCreated'] as const;
export type CountKey = (typeof COUNT_KEYS)[number];

/** The streams Reconnect knows; each one's words are in the message catalogs (src/slack/blocks/messages). */
export const STREAM_IDS = ['cost_data', 'utm_tags', 'crm_updates', 'touchpoints', 'data_pulls'] as const;
export type StreamId = (typeof STREAM_IDS)[number];

const streamSchema = z.object({
  /** Stable id, sent in the `connection.reauthorized` webhook's `backfill` list. */
  id: z.enum(STREAM_IDS),
  effect: z.enum(STREAM_EFFECTS),
  /** The stream exists only when this connection option is true (e.g. `autotagging`). */
  whenOption: z.string().optional(),
  /** Which count from the data platform measures this stream's damage, if any. */
  countKey: z.enum(COUNT_KEYS).optional(),
});
export type Stream = z.infer<typeof streamSchema>;

/**
 * One rule for reading a failed answer from the provider's token or identity endpoint. A rule matches
 * when every given condition holds; the first matching rule wins. `path` is a dotted path into the JSON
 * body (e.g. `error`, `error.code`, `status`); `equals` compares values, `includes` looks for a substring.
 */
const errorRuleSchema = z.object({
  classification: z.enum(['needs_reauth', 'transient']),
  reason: z.enum(DISCONNECT_REASONS).optional(),
  httpStatus: z.array(z.number().int().min(100).max(599)).optional(),
  path: z.string().optional(),
  equals: z.array(z.union([z.string(), z.number()])).optional(),
  includes: z.string().optional(),
});
export type ErrorRule = z.infer<typeof errorRuleSchema>;

/**
 * Values a provider needs besides its OAuth client, from the environment (README, "Providers"):
 * API developer tokens, Google's manager account, Meta's Login for Business configuration.
 */
export const PROVIDER_SETTINGS = ['developerToken', 'loginCustomerId', 'configId', 'appSecretProof', 'publishingStatus'] as const;
export type ProviderSetting = (typeof PROVIDER_SETTINGS)[number];
export type ProviderSettings = Partial<Record<ProviderSetting, string>>;

/**
 * A request to a provider's API. Strings in the URL, headers and body may hold placeholders:
 * `{accessToken}`, `{subject}` (the person the identity answer names) and `{<setting>}` (e.g.
 * `{developerToken}`). A header whose placeholder has no value is left out; the access token goes in an
 * Authorization header unless the URL carries it.
 */
const requestSchema = z.object({
  url: z.string().url(),
  method: z.enum(['GET', 'POST']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  /** Sent as JSON (POST only). */
  body: z.unknown().optional(),
});
export type ProviderRequest = z.infer<typeof requestSchema>;

const identitySchema = requestSchema.extend({
  /** Dotted path of the person who signed in (Google `sub`, Meta `id`, Microsoft `User.Id`). */
  subjectPath: z.string().min(1).optional(),
  /** Dotted path of the account id when the answer names it (Salesforce `organization_id`, HubSpot `hub_id`). */
  accountPath: z.string().min(1).optional(),
  /** Dotted path of a human label for the person or account (email, org name), shown in messages. */
  labelPath: z.string().optional(),
});

/**
 * One list of accounts the person who signed in can reach (Google's accessible customers, Meta's ad
 * accounts, LinkedIn's ad account roles, a tenant's Dynamics environments). Without `request` the list is
 * read from the identity answer.
 */
const accountListSchema = z.object({
  request: requestSchema.optional(),
  /** Only when this setting has a value (Google's manager account). */
  when: z.enum(PROVIDER_SETTINGS).optional(),
  /** Dotted path of the array in the answer. */
  listPath: z.string().min(1),
  /** Paths within each item of the ids it may be known by (Dynamics: the org `Id` and its `ApiUrl`). */
  idPaths: z.array(z.string().min(1)).min(1),
  labelPath: z.string().optional(),
  /** Dotted path of the next page's absolute URL (Meta's `paging.next`). */
  nextPagePath: z.string().optional(),
});
export type AccountList = z.infer<typeof accountListSchema>;

/**
 * How account ids compare: `digits` ignores everything but digits (`123-456-7890`, `act_123`,
 * `urn:li:sponsoredAccount:5`); `salesforce_org` compares the case-sensitive 15-character form of 15- or
 * 18-character ids; `case_insensitive` ignores case and a trailing slash (GUIDs, URLs).
 */
export const ACCOUNT_ID_FORMATS = ['exact', 'digits', 'salesforce_org', 'case_insensitive'] as const;
export type AccountIdFormat = (typeof ACCOUNT_ID_FORMATS)[number];

/** Where the provider states when a grant dies whatever we do, so owners can be warned before (issue 16). */
const hardExpirySchema = z.object({
  /** Token answer field with the seconds left to the refresh token (LinkedIn's `refresh_token_expires_in`). */
  refreshTokenExpiresIn: z.string().optional(),
  /** No refresh token: the access token's expiry is the grant's (Meta's long-lived user tokens). */
  accessTokenExpiry: z.boolean().default(false),
  /** The refresh token dies after this many days unused; each refresh starts the count again. */
  idleDays: z.number().int().positive().optional(),
  /** Refresh tokens of apps in the provider's "Testing" publishing status die after this many days. */
  testingDays: z.number().int().positive().optional(),
  /**
   * A request whose answer holds, at `path`, the Unix time the app's data access ends (Meta's
   * `data_access_expires_at`). Placeholders: `{accessToken}`, `{clientId}`, `{clientSecret}`.
   */
  dataAccess: z.object({ url: z.string().url(), path: z.string().min(1) }).optional(),
});

const revokeSchema = z.object({
  /** `rfc7009`: POST with the token and client authentication; `delete`: DELETE of the URL, whose `{token}` is replaced (HubSpot). */
  url: z.string().url(),
  style: z.enum(['rfc7009', 'delete']).default('rfc7009'),
  /** `grant`: revoking one token ends every token of that person and client (Google), so it is never done while another connection relies on that person. */
  ends: z.enum(['token', 'grant']).default('token'),
});

const oauth2AuthSchema = z.object({
  type: z.literal('oauth2'),
  authorizeUrl: z.string().url(),
  tokenUrl: z.string().url(),
  revoke: revokeSchema.optional(),
  scopes: z.array(z.string()),
  scopeSeparator: z.string().default(' '),
  /** Extra authorize parameters, e.g. Google's access_type=offline and prompt=consent to get a refresh token. */
  authorizeParams: z.record(z.string(), z.string()).default({}),
  /** The authorize URL's parameter for the consent page's language, where the provider documents one (Google: `hl`). */
  localeParam: z.string().optional(),
  /** When the setting has a value it is sent as this parameter instead of `scope` (Meta's Login for Business `config_id`). */
  scopesReplacedBy: z.object({ param: z.string(), setting: z.enum(PROVIDER_SETTINGS) }).optional(),
  pkce: z.boolean().default(true),
  clientAuth: z.enum(['client_secret_post', 'client_secret_basic']).default('client_secret_post'),
  /** Expected `iss` on the authorization response (RFC 9207), where the provider sends one. */
  issuer: z.string().optional(),
  /** False when the provider sends `iss` to some users only: checked when present, not required. */
  issuerRequired: z.boolean().default(true),
  /** Token answers without `token_type` (LinkedIn) are read as this type instead of refused. */
  defaultTokenType: z.literal('bearer').optional(),
  /** Refresh requests repeat the scopes (Microsoft issues the token for the resource the scope names). */
  refreshSendsScope: z.boolean().default(false),
  /** Settings without which sign-in and probes can't work (Google and Microsoft Advertising's developer tokens). */
  requiredSettings: z.array(z.enum(PROVIDER_SETTINGS)).default([]),
  /** Meta's "Require App Secret": Graph calls carry appsecret_proof when the `appSecretProof` setting is true. */
  appSecretProof: z.boolean().default(false),
  identity: identitySchema,
  /** The accounts the person can reach; none: the identity answer's `accountPath` is the one account. */
  accounts: z.array(accountListSchema).default([]),
  accountIdFormat: z.enum(ACCOUNT_ID_FORMATS).default('exact'),
  hardExpiry: hardExpirySchema.default({ accessTokenExpiry: false }),
  /** Whether the provider issues refresh tokens; probes refresh when it does, else call identity. */
  refreshable: z.boolean().default(true),
});
export type OAuth2Auth = z.infer<typeof oauth2AuthSchema>;

const apiKeyAuthSchema = z.object({
  type: z.literal('api_key'),
  /** Endpoint called with the key to check it and read the account. */
  probeUrl: z.string().url(),
  /** Header carrying the key; `Authorization` sends `Bearer <key>`. */
  header: z.string().min(1),
  accountPath: z.string().min(1),
  /** Plain words shown on the form: where to find a new key. */
  keyHelp: z.string().min(1),
});
export type ApiKeyAuth = z.infer<typeof apiKeyAuthSchema>;

const formFieldSchema = z.object({
  name: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
  label: z.string().min(1),
  /** Secret values are never shown again, logged or prefilled; the others are prefilled on reauthorization. */
  secret: z.boolean().default(false),
  input: z.enum(['text', 'number', 'select']).default('text'),
  options: z.array(z.string()).optional(),
  default: z.string().optional(),
});
export type FormField = z.infer<typeof formFieldSchema>;

/**
 * Account details instead of OAuth (the seed's "re-enter your account details"): a form described as
 * data, verified by really connecting with what was entered.
 */
const credentialsFormAuthSchema = z.object({
  type: z.literal('credentials_form'),
  fields: z.array(formFieldSchema).min(1),
  /** How the details are checked: connecting to that database and running `select 1`. */
  verify: z.enum(['postgresql', 'mysql']),
  /** The connection's account id, from the fields (`{host}:{port}/{database}`): re-entered details must keep it. */
  accountId: z.string().min(1),
});
export type CredentialsFormAuth = z.infer<typeof credentialsFormAuthSchema>;

export const providerSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  name: z.string().min(1),
  kind: z.enum(CONNECTION_KINDS),
  auth: z.discriminatedUnion('type', [oauth2AuthSchema, apiKeyAuthSchema, credentialsFormAuthSchema]),
  errors: z.array(errorRuleSchema),
  streams: z.array(streamSchema).min(1),
  /** Where a person reads about this connection's authorization, for the Details view. */
  docsUrl: z.string().url().optional(),
  /**
   * A connection option naming the host that serves every URL of the authorize URL's origin (Salesforce
   * sandboxes at test.salesforce.com and My Domain hosts); the value must match `pattern`.
   */
  hostOption: z.object({ option: z.string().min(1), pattern: z.string().min(1), help: z.string().min(1) }).optional(),
  /** The provider keeps at most this many grants per person and app; the next one silently ends the oldest. */
  maxGrantsPerPerson: z.number().int().positive().optional(),
});
export type ProviderDefinition = z.infer<typeof providerSchema>;
export type ProviderInput = z.input<typeof providerSchema>;
