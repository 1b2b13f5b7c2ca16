import net from 'node:net';
import { z } from 'zod';
import { BUILT_IN_OAUTH_PROVIDER_IDS, CONNECTION_KINDS, type ConnectionKind } from './lib/provider-ids';

/**
 * The only reader of the environment. Every problem is reported at once, one line per variable, and no
 * line ever repeats a value (it may be a secret).
 */

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http(s) URL');

const encryptionKeys = z.string().transform((value, ctx) => {
  const keys: { id: string; key: Buffer }[] = [];
  for (const [index, entry] of value.split(',').map((part) => part.trim()).filter(Boolean).entries()) {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const key = Buffer.from(separator > 0 ? entry.slice(separator + 1) : '', 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} must be keyId:base64 of 32 random bytes (make one with: node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))")`,
      });
      return z.NEVER;
    }
    if (keys.some((existing) => existing.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one keyId:base64key entry is required' });
    return z.NEVER;
  }
  return keys;
});

const databaseUrl = z
  .string()
  .default('file:./data/reconnect.db')
  .refine((value) => /^(file:|postgres:\/\/|postgresql:\/\/)/.test(value), 'expected file:<path> (SQLite) or postgres://... (PostgreSQL)');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),

  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: httpUrl.default('https://slack.com/api/'),
  SLACK_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'expected a slash command such as /reconnect').default('/reconnect'),
  SLACK_DEFAULT_CHANNEL: optionalString,

  ENCRYPTION_KEYS: optionalString.pipe(encryptionKeys.optional()),
  INGEST_SECRET: optionalString,
  ADMIN_TOKEN: optionalString,
  DATA_PLATFORM_KEYS: optionalString,
  OUTBOUND_WEBHOOK_URL: optionalString.pipe(httpUrl.optional()),
  OUTBOUND_WEBHOOK_SECRET: optionalString,
  REAUTH_ALLOWED_USERS: optionalString,

  GENERIC_OAUTH_AUTHORIZE_URL: optionalString.pipe(httpUrl.optional()),
  GENERIC_OAUTH_TOKEN_URL: optionalString.pipe(httpUrl.optional()),
  GENERIC_OAUTH_USERINFO_URL: optionalString.pipe(httpUrl.optional()),
  GENERIC_OAUTH_REVOKE_URL: optionalString.pipe(httpUrl.optional()),
  GENERIC_OAUTH_CLIENT_ID: optionalString,
  GENERIC_OAUTH_CLIENT_SECRET: optionalString,
  GENERIC_OAUTH_SCOPES: optionalString,
  GENERIC_OAUTH_ACCOUNT_CLAIM: z.string().default('sub'),
  GENERIC_OAUTH_NAME: z.string().default('Generic OAuth2'),
  GENERIC_OAUTH_KIND: z.enum(CONNECTION_KINDS).default('integration'),
  GENERIC_API_KEY_PROBE_URL: optionalString.pipe(httpUrl.optional()),
  GENERIC_API_KEY_HEADER: z.string().default('Authorization'),
  GENERIC_API_KEY_ACCOUNT_CLAIM: z.string().default('account_id'),
  GENERIC_API_KEY_NAME: z.string().default('Generic API-key integration'),
  GENERIC_API_KEY_KIND: z.enum(CONNECTION_KINDS).default('integration'),
  /** Loopback providers in tests and the demo speak plain http; never allowed in production. */
  OAUTH_ALLOW_INSECURE_HTTP: flag(false),
  PROVIDER_ORIGINS: optionalString,
  GOOGLE_ADS_DEVELOPER_TOKEN: optionalString,
  GOOGLE_ADS_LOGIN_CUSTOMER_ID: optionalString.pipe(
    z
      .string()
      .regex(/^\d{3}-?\d{3}-?\d{4}$/, 'expected a 10-digit Google Ads manager customer id, e.g. 123-456-7890')
      .transform((value) => value.replace(/-/g, ''))
      .optional(),
  ),
  GOOGLE_ADS_PUBLISHING_STATUS: z.enum(['production', 'testing']).default('production'),
  MICROSOFT_ADS_DEVELOPER_TOKEN: optionalString,
  META_ADS_CONFIG_ID: optionalString,
  META_ADS_APPSECRET_PROOF: flag(false),

  PROBE_INTERVAL_MINUTES: nonNegativeInt(15),
  PROBE_CONCURRENCY: positiveInt(20),
  PROBE_PROVIDER_CONCURRENCY: positiveInt(5),
  PROBE_TIMEOUT_MS: positiveInt(10_000),
  /** How long a sweep's hold on a connection lasts unless renewed; renewed every third of it while the sweep runs. */
  PROBE_LEASE_SECONDS: z.coerce.number().int().min(3).default(60),
  DEGRADED_AFTER_FAILURES: positiveInt(3),
  FLAP_WINDOW_MINUTES: nonNegativeInt(30),
  BURST_WINDOW_SECONDS: nonNegativeInt(60),
  REMINDER_AFTER_MINUTES: nonNegativeInt(240),
  REMINDER_EVERY_MINUTES: positiveInt(240),
  REMINDER_MAX: nonNegativeInt(5),
  OUTBOX_POLL_MS: nonNegativeInt(500),
  OUTBOX_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
  REAUTH_LINK_TTL_MINUTES: positiveInt(10),
  RETENTION_DAYS: positiveInt(30),
  EXPIRY_WARNING_DAYS: z
    .string()
    .default('14,3')
    .refine((value) => value.split(',').every((part) => /^\s*[1-9]\d{0,2}\s*$/.test(part)), 'expected comma-separated whole days between 1 and 999, e.g. 14,3')
    .transform((value) => [...new Set(value.split(',').map((part) => Number(part.trim())))].sort((a, b) => b - a)),
  AUDIT_RETENTION_DAYS: positiveInt(90),
  DATABASE_CONNECT_HOSTS: optionalString,
});

const PROVIDER_URL_VARIABLES = [
  'GENERIC_OAUTH_AUTHORIZE_URL',
  'GENERIC_OAUTH_TOKEN_URL',
  'GENERIC_OAUTH_USERINFO_URL',
  'GENERIC_OAUTH_REVOKE_URL',
  'GENERIC_API_KEY_PROBE_URL',
] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export type SlackConfig =
  | { mode: 'socket'; appToken: string; signingSecret?: string; botToken?: string; apiUrl: string }
  | {
      mode: 'http';
      signingSecret: string;
      botToken?: string;
      install?: { clientId: string; clientSecret: string; stateSecret: string };
      apiUrl: string;
    };

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  publicUrl: string;
  databaseUrl: string;
  logLevel: LogLevel;
  /** Null when no Slack credentials are set: the app still runs its API, but Slack routes answer 503. */
  slack: SlackConfig | null;
  slackApiUrl: string;
  slackCommand: string;
  slackDefaultChannel?: string;
  encryptionKeys: { id: string; key: Buffer }[];
  /** True when the development key is in use because ENCRYPTION_KEYS is unset outside production. */
  usingDevelopmentKey: boolean;
  ingestSecret?: string;
  adminToken?: string;
  /** DATA_PLATFORM_KEYS: who may read access tokens; the name is logged and audited, never the secret. */
  dataPlatformKeys: { name: string; secret: string }[];
  outboundWebhook?: { url: string; secret: string };
  reauthAllowedUsers: string[];
  providerCredentials: Record<string, { clientId: string; clientSecret: string } | undefined>;
  /** Per built-in provider: API settings besides the client (developer tokens, Meta's config id…). */
  providerSettings: Record<string, Record<string, string>>;
  /** PROVIDER_ORIGINS: `https://from` → `https://to` (or http:// with OAUTH_ALLOW_INSECURE_HTTP). */
  providerOrigins: Map<string, string>;
  genericOAuth?: {
    name: string;
    kind: ConnectionKind;
    authorizeUrl: string;
    tokenUrl: string;
    userinfoUrl: string;
    revokeUrl?: string;
    clientId: string;
    clientSecret: string;
    scopes: string[];
    accountClaim: string;
  };
  genericApiKey?: { name: string; kind: ConnectionKind; probeUrl: string; header: string; accountClaim: string };
  allowInsecureHttp: boolean;
  probe: { intervalMinutes: number; concurrency: number; perProviderConcurrency: number; timeoutMs: number; leaseSeconds: number };
  degradedAfterFailures: number;
  flapWindowMinutes: number;
  /** Drops of one workspace and channel within this many seconds share one alert; 0 turns grouping off. */
  burstWindowSeconds: number;
  reminders: { afterMinutes: number; everyMinutes: number; max: number };
  outboxPollMs: number;
  /** How long a replica owns a claimed outbox row before another may take it over. */
  outboxLeaseMs: number;
  reauthLinkTtlMinutes: number;
  /** Days before a known hard expiry when owners are warned, largest first. */
  expiryWarningDays: number[];
  /** Processed keys, finished outbox rows and auth flows older than `days` are pruned daily; audit rows after `auditDays`. */
  retention: { days: number; auditDays: number };
  /** DATABASE_CONNECT_HOSTS: internal database hosts a database integration may reach besides public ones. */
  databaseConnectHosts: DatabaseHostAllowList;
}

/**
 * Hosts and networks a database integration may dial though they are loopback, private, link-local or
 * otherwise not public: exact names (lowercase, no trailing dot), `*.suffix` for every name under a
 * domain, and networks (a bare address is a network of one).
 */
export interface DatabaseHostAllowList {
  names: string[];
  networks: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[];
}

/** Development-only key so `npm start` works on a fresh clone; production refuses to start without real keys. */
const DEVELOPMENT_KEY = { id: 'dev', key: Buffer.alloc(32, 7) };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  let parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    // Check the rest without the bad variables, so one start-up error lists every problem.
    parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([name]) => !bad.has(name))));
    if (!parsed.success) throw new ConfigError(problems);
  }
  const e = parsed.data;
  const require = (name: keyof typeof e, why: string) => {
    if (e[name] === undefined) problems.push(`${name}: required ${why}`);
  };

  if (e.NODE_ENV === 'production') {
    require('ENCRYPTION_KEYS', 'in production (comma-separated keyId:base64 of 32 bytes)');
    require('PUBLIC_URL', 'in production (the https URL Slack and providers redirect to)');
    if (e.OAUTH_ALLOW_INSECURE_HTTP) problems.push('OAUTH_ALLOW_INSECURE_HTTP: must not be true in production');
    // Over plain http the flow cookie can't be Secure, and Slack and the providers would redirect in the clear.
    if (e.PUBLIC_URL?.startsWith('http://')) problems.push('PUBLIC_URL: must be an https:// URL in production');
  }

  const slack = slackConfig(e, problems);

  const providerCredentials: Config['providerCredentials'] = {};
  for (const id of BUILT_IN_OAUTH_PROVIDER_IDS) {
    const prefix = id.toUpperCase();
    const clientId = env[`${prefix}_CLIENT_ID`]?.trim();
    const clientSecret = env[`${prefix}_CLIENT_SECRET`]?.trim();
    if (clientId && !clientSecret) problems.push(`${prefix}_CLIENT_SECRET: required when ${prefix}_CLIENT_ID is set`);
    if (!clientId && clientSecret) problems.push(`${prefix}_CLIENT_ID: required when ${prefix}_CLIENT_SECRET is set`);
    providerCredentials[id] = clientId && clientSecret ? { clientId, clientSecret } : undefined;
  }

  const genericOAuthVars = [
    'GENERIC_OAUTH_AUTHORIZE_URL',
    'GENERIC_OAUTH_TOKEN_URL',
    'GENERIC_OAUTH_USERINFO_URL',
    'GENERIC_OAUTH_CLIENT_ID',
    'GENERIC_OAUTH_CLIENT_SECRET',
  ] as const;
  const setGeneric = genericOAuthVars.filter((name) => e[name] !== undefined);
  if (setGeneric.length > 0 && setGeneric.length < genericOAuthVars.length) {
    for (const name of genericOAuthVars) {
      if (e[name] === undefined) problems.push(`${name}: required when any GENERIC_OAUTH_* URL or client variable is set`);
    }
  }

  // oauth4webapi refuses plain http at request time; finding out at the first Reauthorize click is too late.
  if (!e.OAUTH_ALLOW_INSECURE_HTTP) {
    for (const name of PROVIDER_URL_VARIABLES) {
      if (e[name]?.startsWith('http://')) {
        problems.push(`${name}: an http:// provider URL needs OAUTH_ALLOW_INSECURE_HTTP=true (local tests only; use https)`);
      }
    }
  }

  const dataPlatformKeys = parseDataPlatformKeys(e.DATA_PLATFORM_KEYS, problems);
  const databaseConnectHosts = parseDatabaseConnectHosts(e.DATABASE_CONNECT_HOSTS, problems);
  const providerOrigins = parseProviderOrigins(e.PROVIDER_ORIGINS, e.OAUTH_ALLOW_INSECURE_HTTP, problems);
  const providerSettings = builtInProviderSettings(e);
  // The account check calls these APIs, which refuse requests without the developer token.
  for (const [id, variable] of [['google_ads', 'GOOGLE_ADS_DEVELOPER_TOKEN'], ['microsoft_ads', 'MICROSOFT_ADS_DEVELOPER_TOKEN']] as const) {
    if (providerCredentials[id] && !providerSettings[id]?.developerToken) {
      problems.push(`${variable}: required when ${id.toUpperCase()}_CLIENT_ID is set (the account check calls the API with it)`);
    }
  }

  if ((e.OUTBOUND_WEBHOOK_URL === undefined) !== (e.OUTBOUND_WEBHOOK_SECRET === undefined)) {
    problems.push('OUTBOUND_WEBHOOK_URL, OUTBOUND_WEBHOOK_SECRET: set both or neither');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    slack,
    slackApiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    slackCommand: e.SLACK_COMMAND,
    slackDefaultChannel: e.SLACK_DEFAULT_CHANNEL,
    encryptionKeys: e.ENCRYPTION_KEYS ?? [DEVELOPMENT_KEY],
    usingDevelopmentKey: e.ENCRYPTION_KEYS === undefined,
    ingestSecret: e.INGEST_SECRET,
    adminToken: e.ADMIN_TOKEN,
    dataPlatformKeys,
    outboundWebhook:
      e.OUTBOUND_WEBHOOK_URL && e.OUTBOUND_WEBHOOK_SECRET
        ? { url: e.OUTBOUND_WEBHOOK_URL, secret: e.OUTBOUND_WEBHOOK_SECRET }
        : undefined,
    reauthAllowedUsers: (e.REAUTH_ALLOWED_USERS ?? '').split(',').map((id) => id.trim()).filter(Boolean),
    providerCredentials,
    providerSettings,
    providerOrigins,
    genericOAuth:
      e.GENERIC_OAUTH_AUTHORIZE_URL &&
      e.GENERIC_OAUTH_TOKEN_URL &&
      e.GENERIC_OAUTH_USERINFO_URL &&
      e.GENERIC_OAUTH_CLIENT_ID &&
      e.GENERIC_OAUTH_CLIENT_SECRET
        ? {
            name: e.GENERIC_OAUTH_NAME,
            kind: e.GENERIC_OAUTH_KIND,
            authorizeUrl: e.GENERIC_OAUTH_AUTHORIZE_URL,
            tokenUrl: e.GENERIC_OAUTH_TOKEN_URL,
            userinfoUrl: e.GENERIC_OAUTH_USERINFO_URL,
            revokeUrl: e.GENERIC_OAUTH_REVOKE_URL,
            clientId: e.GENERIC_OAUTH_CLIENT_ID,
            clientSecret: e.GENERIC_OAUTH_CLIENT_SECRET,
            scopes: (e.GENERIC_OAUTH_SCOPES ?? '').split(/[\s,]+/).filter(Boolean),
            accountClaim: e.GENERIC_OAUTH_ACCOUNT_CLAIM,
          }
        : undefined,
    genericApiKey: e.GENERIC_API_KEY_PROBE_URL
      ? {
          name: e.GENERIC_API_KEY_NAME,
          kind: e.GENERIC_API_KEY_KIND,
          probeUrl: e.GENERIC_API_KEY_PROBE_URL,
          header: e.GENERIC_API_KEY_HEADER,
          accountClaim: e.GENERIC_API_KEY_ACCOUNT_CLAIM,
        }
      : undefined,
    allowInsecureHttp: e.OAUTH_ALLOW_INSECURE_HTTP,
    probe: {
      intervalMinutes: e.PROBE_INTERVAL_MINUTES,
      concurrency: e.PROBE_CONCURRENCY,
      perProviderConcurrency: e.PROBE_PROVIDER_CONCURRENCY,
      timeoutMs: e.PROBE_TIMEOUT_MS,
      leaseSeconds: e.PROBE_LEASE_SECONDS,
    },
    degradedAfterFailures: e.DEGRADED_AFTER_FAILURES,
    flapWindowMinutes: e.FLAP_WINDOW_MINUTES,
    burstWindowSeconds: e.BURST_WINDOW_SECONDS,
    reminders: { afterMinutes: e.REMINDER_AFTER_MINUTES, everyMinutes: e.REMINDER_EVERY_MINUTES, max: e.REMINDER_MAX },
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxLeaseMs: e.OUTBOX_LEASE_MS,
    reauthLinkTtlMinutes: e.REAUTH_LINK_TTL_MINUTES,
    retention: { days: e.RETENTION_DAYS, auditDays: e.AUDIT_RETENTION_DAYS },
    expiryWarningDays: e.EXPIRY_WARNING_DAYS,
    databaseConnectHosts,
  };
}

type ParsedEnv = z.infer<typeof envSchema>;

/** A key this short could be guessed; 32 characters of a random token is what `openssl rand -hex 16` gives. */
const MIN_DATA_PLATFORM_SECRET = 32;

/** `name:secret,…`; errors name the entry and never repeat a secret. */
function parseDataPlatformKeys(value: string | undefined, problems: string[]): { name: string; secret: string }[] {
  const keys: { name: string; secret: string }[] = [];
  for (const [index, entry] of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean).entries()) {
    const separator = entry.indexOf(':');
    const name = separator > 0 ? entry.slice(0, separator) : '';
    const secret = separator > 0 ? entry.slice(separator + 1) : '';
    const where = `DATA_PLATFORM_KEYS: entry ${index + 1}`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) problems.push(`${where}: expected name:secret with a name of letters, digits, _ . -`);
    else if (secret.length < MIN_DATA_PLATFORM_SECRET) problems.push(`${where} (${name}): the secret must be at least ${MIN_DATA_PLATFORM_SECRET} characters`);
    else if (keys.some((key) => key.name === name)) problems.push(`${where}: the name ${name} appears twice`);
    else keys.push({ name, secret });
  }
  return keys;
}

const HOST_LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const ALLOWED_NAME = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/** `name,*.domain,address,address/prefix,…`; errors name the entry. */
function parseDatabaseConnectHosts(value: string | undefined, problems: string[]): DatabaseHostAllowList {
  const allowed: DatabaseHostAllowList = { names: [], networks: [] };
  for (const [index, entry] of (value ?? '').split(',').map((part) => part.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean).entries()) {
    const [address = '', prefixText, ...rest] = entry.split('/');
    const version = net.isIP(address);
    if (version !== 0 && rest.length === 0) {
      const bits = version === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
      if (prefix >= 0 && prefix <= bits) {
        allowed.networks.push({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
        continue;
      }
    } else if (prefixText === undefined && ALLOWED_NAME.test(entry)) {
      allowed.names.push(entry);
      continue;
    }
    problems.push(`DATABASE_CONNECT_HOSTS: entry ${index + 1} (${entry}): expected a host name, *.domain, an IP address or a network such as 10.20.0.0/16`);
  }
  return allowed;
}

/** `https://from=https://to,…`: whole origins only, so a rewrite can't move a path or add credentials. */
function parseProviderOrigins(value: string | undefined, allowInsecureHttp: boolean, problems: string[]): Map<string, string> {
  const rewrites = new Map<string, string>();
  for (const [index, entry] of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean).entries()) {
    const [from, to, ...rest] = entry.split('=').map((part) => part.trim().replace(/\/+$/, ''));
    const where = `PROVIDER_ORIGINS: entry ${index + 1}`;
    if (from === undefined || to === undefined || rest.length > 0 || !isOrigin(from) || !isOrigin(to)) {
      problems.push(`${where}: expected https://from-origin=https://to-origin (scheme and host, optional port, no path)`);
      continue;
    }
    if (!from.startsWith('https://')) problems.push(`${where}: the origin rewritten must be a provider's https:// origin`);
    else if (to.startsWith('http://') && !allowInsecureHttp) {
      problems.push(`${where}: an http:// target needs OAUTH_ALLOW_INSECURE_HTTP=true (local simulators only; refused in production)`);
    } else if (rewrites.has(from)) problems.push(`${where}: ${from} is rewritten twice`);
    else rewrites.set(from, to);
  }
  return rewrites;
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function builtInProviderSettings(e: ParsedEnv): Record<string, Record<string, string>> {
  const defined = (settings: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    google_ads: defined({
      developerToken: e.GOOGLE_ADS_DEVELOPER_TOKEN,
      loginCustomerId: e.GOOGLE_ADS_LOGIN_CUSTOMER_ID,
      publishingStatus: e.GOOGLE_ADS_PUBLISHING_STATUS,
    }),
    microsoft_ads: defined({ developerToken: e.MICROSOFT_ADS_DEVELOPER_TOKEN }),
    meta_ads: defined({ configId: e.META_ADS_CONFIG_ID, appSecretProof: e.META_ADS_APPSECRET_PROOF ? 'true' : undefined }),
  };
}

function slackConfig(e: ParsedEnv, problems: string[]): SlackConfig | null {
  const apiUrl = e.SLACK_API_URL;
  if (e.SLACK_APP_TOKEN) {
    if (!e.SLACK_APP_TOKEN.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN: expected an app-level token (xapp-...)');
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode serves one workspace)');
    return { mode: 'socket', appToken: e.SLACK_APP_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, apiUrl };
  }
  const installVars = [e.SLACK_CLIENT_ID, e.SLACK_CLIENT_SECRET, e.SLACK_STATE_SECRET];
  const anyInstall = installVars.some((value) => value !== undefined);
  const allInstall = installVars.every((value) => value !== undefined);
  if (anyInstall && !allInstall) {
    problems.push('SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: set all three for multi-workspace install');
  }
  if (!e.SLACK_BOT_TOKEN && !anyInstall && !e.SLACK_SIGNING_SECRET) {
    if (e.NODE_ENV === 'production') {
      problems.push(
        'SLACK_SIGNING_SECRET: required, with SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET/SLACK_STATE_SECRET (multi-workspace); create the app from manifest.json',
      );
    }
    return null;
  }
  if (!e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: required for HTTP mode (Slack app settings → Basic Information → Signing Secret)');
  }
  if (!e.SLACK_BOT_TOKEN && !anyInstall) {
    problems.push('SLACK_BOT_TOKEN: required (or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET/SLACK_STATE_SECRET for multi-workspace install)');
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN.startsWith('xoxb-')) problems.push('SLACK_BOT_TOKEN: expected a bot token (xoxb-...)');
  return {
    mode: 'http',
    signingSecret: e.SLACK_SIGNING_SECRET ?? '',
    botToken: e.SLACK_BOT_TOKEN,
    install: allInstall
      ? { clientId: e.SLACK_CLIENT_ID!, clientSecret: e.SLACK_CLIENT_SECRET!, stateSecret: e.SLACK_STATE_SECRET! }
      : undefined,
    apiUrl,
  };
}

/** OAuth client credentials for a provider: the built-in ones' `<ID>_CLIENT_*`, or the generic provider's. */
export function oauthClientFor(
  config: Pick<Config, 'providerCredentials' | 'genericOAuth' | 'providerSettings'>,
  providerId: string,
): { clientId: string; clientSecret: string; settings: Record<string, string> } | undefined {
  if (providerId === 'generic_oauth2') {
    return config.genericOAuth ? { clientId: config.genericOAuth.clientId, clientSecret: config.genericOAuth.clientSecret, settings: {} } : undefined;
  }
  const client = config.providerCredentials[providerId];
  return client && { ...client, settings: config.providerSettings[providerId] ?? {} };
}
