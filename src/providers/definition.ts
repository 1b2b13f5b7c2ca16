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

const streamSchema = z.object({
  /** Stable id, sent in the `connection.reauthorized` webhook's `backfill` list. */
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** Short noun phrase for Slack, e.g. "Cost data". */
  label: z.string().min(1).max(60),
  effect: z.enum(STREAM_EFFECTS),
  /** The stream exists only when this connection option is true (e.g. `autotagging`). */
  whenOption: z.string().optional(),
  /** Plain words: what stops while disconnected. */
  whileDisconnected: z.string().min(1),
  /** Plain words: what happens after reconnecting, or why it can't be fixed afterwards. */
  afterReconnect: z.string().min(1),
  /** Which count from the data platform measures this stream's damage, if any. */
  countKey: z.enum(COUNT_KEYS).optional(),
  /** Unit for that count, e.g. "touchpoints waiting", "ads created untagged". */
  countLabel: z.string().optional(),
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

const identitySchema = z.object({
  /** Endpoint that tells who the token belongs to; `{accessToken}` in the URL is replaced (HubSpot). */
  url: z.string().url(),
  method: z.enum(['GET', 'POST']).default('GET'),
  /** Dotted path of the account id in the JSON answer (e.g. `sub`, `organization_id`, `hub_id`). */
  accountPath: z.string().min(1),
  /** Dotted path of a human label for the account (email, org name), shown in messages. */
  labelPath: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

const oauth2AuthSchema = z.object({
  type: z.literal('oauth2'),
  authorizeUrl: z.string().url(),
  tokenUrl: z.string().url(),
  revokeUrl: z.string().url().optional(),
  scopes: z.array(z.string()),
  scopeSeparator: z.string().default(' '),
  /** Extra authorize parameters, e.g. Google's access_type=offline and prompt=consent to get a refresh token. */
  authorizeParams: z.record(z.string(), z.string()).default({}),
  pkce: z.boolean().default(true),
  clientAuth: z.enum(['client_secret_post', 'client_secret_basic']).default('client_secret_post'),
  /** Expected `iss` on the authorization response (RFC 9207), where the provider sends one. */
  issuer: z.string().optional(),
  identity: identitySchema,
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

export const providerSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  name: z.string().min(1),
  kind: z.enum(CONNECTION_KINDS),
  auth: z.discriminatedUnion('type', [oauth2AuthSchema, apiKeyAuthSchema]),
  errors: z.array(errorRuleSchema),
  streams: z.array(streamSchema).min(1),
  /** Where a person reads about this connection's authorization, for the Details view. */
  docsUrl: z.string().url().optional(),
});
export type ProviderDefinition = z.infer<typeof providerSchema>;
export type ProviderInput = z.input<typeof providerSchema>;
