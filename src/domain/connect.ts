import { randomBytes } from 'node:crypto';
import { abandonedFlows, createAuthFlow, retireAbandonedFlow, spendAuthFlow } from '../db/auth-flows';
import { listConnections, type Connection } from '../db/connections';
import type { CredentialFacts } from '../db/credentials';
import { DomainError } from '../lib/errors';
import { completeAuthorization, readAccountAccess, type ClientCredentials, type TokenSet } from '../oauth';
import { normalizeAccountId } from '../providers/account-ids';
import type { ProviderDefinition } from '../providers/definition';
import { createConnection } from './connections';
import { prefilledValues } from './credential-forms';
import type { Secrets } from '../db/credentials';
import type { AccountIdentity } from '../oauth';
import { matchByName, normalizeName } from './name-match';
import { enqueueChannelNotice } from './notifications';
import { hashToken } from './reauth-start';
import {
  discard,
  grantFacts,
  warnAtGrantLimit,
  FLOW_TTL_MS,
  FlowError,
  flowAad,
  httpOf,
  newBrowserSecret,
  openPostedPage,
  redirectUri,
  startForm,
  startOAuthState,
  tokenSecrets,
  type FlowDeps,
  type StartedForm,
  type FlowRow,
  type FlowSecret,
  type UnusedGrant,
} from './flow-steps';

/**
 * A new connection from Slack (`/reconnect connect <provider> [name]`): a single-use link bound to the
 * person, workspace and provider (the rules of Reauthorize), the provider's consent, and, when the person
 * can reach several ad accounts or orgs, a page to pick one. The connection gets that person as owner
 * and the channel the command ran in, which is told in a short message.
 */

export interface ConnectTarget {
  channelId?: string;
  name?: string;
}

export interface ConnectDeps extends FlowDeps {
  linkTtlMinutes: number;
}

export interface AccountChoice {
  id: string;
  label?: string;
  /** A connection of this workspace already watches it. */
  connected: boolean;
}

export type ConnectOutcome =
  | { kind: 'connected'; connection: Connection }
  | { kind: 'pick'; flowToken: string; csrfToken: string; provider: ProviderDefinition; choices: AccountChoice[] };

interface PickSecret {
  browserHash: string;
  csrfHash: string;
  tokens: ReturnType<typeof tokenSecrets>;
  facts: { signedInAs?: string; hardExpiry?: { at: string; kind: string } };
  choices: AccountChoice[];
  target: ConnectTarget;
}

/** The single-use link for `connect`; refuses a provider that is unknown or has no OAuth client here. */
export async function startConnect(
  deps: ConnectDeps,
  input: { teamId: string; userId: string; provider: string; target: ConnectTarget; language?: string },
): Promise<{ url: string; expiresAt: Date; provider: ProviderDefinition }> {
  const provider = findProvider(deps, input.provider);
  if (provider.auth.type === 'oauth2' && !deps.clientFor(provider.id)) {
    throw new FlowError('not_configured', { key: 'answer.notConfigured', values: { provider: provider.name, idUpper: provider.id.toUpperCase() } });
  }
  const now = deps.clock.now();
  const token = randomBytes(32).toString('base64url');
  const tokenHash = hashToken(token);
  const sealed = deps.keyRing.sealJson({ target: input.target }, flowAad(tokenHash));
  const expiresAt = new Date(now.getTime() + deps.linkTtlMinutes * 60_000);
  await createAuthFlow(deps.prisma, {
    tokenHash,
    purpose: 'connect_link',
    teamId: input.teamId,
    userId: input.userId,
    language: input.language ?? null,
    provider: provider.id,
    secretData: sealed.ciphertext,
    secretKeyId: sealed.keyId,
    expiresAt,
    createdAt: now,
  });
  return { url: `${deps.publicUrl}/oauth/start?t=${token}`, expiresAt, provider };
}

/** The provider by id or by name, as a person types it. */
function findProvider(deps: ConnectDeps, query: string): ProviderDefinition {
  const providers = deps.catalog.list();
  const byId = providers.find((provider) => normalizeName(provider.id) === normalizeName(query));
  const match = byId ? { kind: 'found' as const, item: byId } : matchByName(providers, query, (provider) => provider.name);
  if (match.kind === 'found') return match.item;
  throw new FlowError('bad_request', { key: 'answer.noProvider', values: { query, providers: providers.map((provider) => provider.id).join(', ') } });
}

/**
 * Opens a connect link: to the provider's consent, with what to create kept server-side with the state;
 * or, for a provider whose credentials are typed in, to its form.
 */
export async function openConnectLink(deps: FlowDeps, link: FlowRow): Promise<{ kind: 'redirect'; url: string; state: string; browserSecret: string } | StartedForm> {
  const provider = deps.catalog.require(link.provider ?? '');
  const { target } = deps.keyRing.openJson<{ target: ConnectTarget }>({ keyId: link.secretKeyId!, ciphertext: link.secretData! }, flowAad(link.tokenHash));
  const browserSecret = newBrowserSecret();
  if (provider.auth.type !== 'oauth2') {
    return startForm(deps, { teamId: link.teamId, userId: link.userId, connectionId: null, language: link.language, provider, values: prefilledValues(provider, undefined), browserSecret, connect: target });
  }
  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', { key: 'flow.notConfigured', values: { provider: provider.name } });
  return startOAuthState(deps, { teamId: link.teamId, userId: link.userId, connectionId: null, language: link.language }, provider, client, target);
}

/** The provider sent the person back from a connect flow: exchange, list what they reach, create or ask. */
export async function completeConnect(deps: FlowDeps, flow: FlowRow, secret: FlowSecret, callbackUrl: URL, browserSecret: string): Promise<ConnectOutcome> {
  const provider = deps.catalog.require(flow.provider ?? '');
  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', { key: 'flow.notConfigured', values: { provider: provider.name } });
  const exchanged = await completeAuthorization({
    provider,
    client,
    redirectUri: redirectUri(deps.publicUrl),
    callbackUrl,
    expectedState: callbackUrl.searchParams.get('state')!,
    codeVerifier: secret.codeVerifier!,
    ...httpOf(deps),
  });
  if (!exchanged.ok) throw new FlowError(exchanged.error.kind === 'provider_error' ? 'provider_error' : 'exchange_failed', { key: 'flow.connectFailed', values: { detail: exchanged.error.detail } });
  const tokens = exchanged.value;
  const grant = { provider, client, tokens, teamId: flow.teamId!, userId: flow.userId };
  const access = await readAccountAccess({ provider, client, accessToken: tokens.accessToken, ...httpOf(deps) });
  if (!access.ok) {
    await discard(deps, grant);
    throw new FlowError('exchange_failed', { key: 'flow.connectFailed', values: { detail: access.error.detail } });
  }
  const facts = await grantFacts(deps, provider, client, tokens, access.value.person.id);
  const choices = await choicesFor(deps, flow.teamId!, provider, access.value.accounts);
  const open = choices.filter((choice) => !choice.connected);
  if (open.length === 0) {
    await discard(deps, { ...grant, ...(facts.signedInAs ? { signedInAs: facts.signedInAs } : {}) });
    // `who` left out: the page says "the account you signed in with" in the reader's words.
    const values = { provider: provider.name, ...(access.value.person.label ? { who: access.value.person.label } : {}) };
    throw new FlowError('wrong_account', { key: choices.length === 0 ? 'flow.connectNone' : 'flow.connectAllConnected', values });
  }
  const target = secret.connect ?? {};
  if (choices.length === 1) return { kind: 'connected', connection: await create(deps, flow, provider, open[0]!, grant, facts, target) };

  const flowToken = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const tokenHash = hashToken(flowToken);
  const pick: PickSecret = {
    browserHash: hashToken(browserSecret),
    csrfHash: hashToken(csrfToken),
    tokens: tokenSecrets(tokens),
    facts: { ...(facts.signedInAs ? { signedInAs: facts.signedInAs } : {}), ...(facts.hardExpiry ? { hardExpiry: { at: facts.hardExpiry.at.toISOString(), kind: facts.hardExpiry.kind } } : {}) },
    choices,
    target,
  };
  const sealed = deps.keyRing.sealJson(pick, flowAad(tokenHash));
  const now = deps.clock.now();
  await createAuthFlow(deps.prisma, {
    purpose: 'connect_pick',
    tokenHash,
    teamId: flow.teamId,
    userId: flow.userId,
    language: flow.language,
    provider: provider.id,
    secretData: sealed.ciphertext,
    secretKeyId: sealed.keyId,
    expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
    createdAt: now,
  });
  return { kind: 'pick', flowToken, csrfToken, provider, choices };
}

/** The person picked one of the accounts on the page. */
export async function completePick(deps: FlowDeps, input: { flowToken: string; csrfToken: string; choice: number }, browserSecret: string | undefined): Promise<Connection> {
  const now = deps.clock.now();
  const { row, secret, tokenHash } = await openPostedPage<PickSecret>(deps, input, 'connect_pick', browserSecret);
  const choice = secret.choices[input.choice];
  if (!choice || choice.connected) throw new FlowError('wrong_account', { key: 'flow.pickUnconnected' });
  const provider = deps.catalog.require(row.provider ?? '');
  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', { key: 'flow.notConfigured', values: { provider: provider.name } });
  if (!(await spendAuthFlow(deps.prisma, tokenHash, now, 'connect_pick', { wipeSecrets: true }))) throw new FlowError('link_used', { key: 'flow.used', values: { what: 'page', restart: 'slack' } });
  const facts: CredentialFacts = {
    ...(secret.facts.signedInAs ? { signedInAs: secret.facts.signedInAs } : {}),
    ...(secret.facts.hardExpiry ? { hardExpiry: { at: new Date(secret.facts.hardExpiry.at), kind: secret.facts.hardExpiry.kind } } : {}),
  };
  return create(deps, row, provider, choice, pickedGrant(row, provider, client, secret), facts, secret.target);
}

/** The grant an account picker holds, as it was when the person signed in. */
function pickedGrant(row: FlowRow, provider: ProviderDefinition, client: ClientCredentials, secret: PickSecret): UnusedGrant {
  const tokens: TokenSet = {
    accessToken: secret.tokens.accessToken,
    ...(secret.tokens.refreshToken ? { refreshToken: secret.tokens.refreshToken } : {}),
    ...(secret.tokens.expiresAt ? { expiresAt: new Date(secret.tokens.expiresAt) } : {}),
  };
  return { provider, client, tokens, teamId: row.teamId!, userId: row.userId, ...(secret.facts.signedInAs ? { signedInAs: secret.facts.signedInAs } : {}) };
}

/**
 * Account pickers left unused until they expired: each one's grant is revoked where the provider can (as
 * for every grant a flow doesn't keep) and its sealed tokens are wiped. One replica takes each picker.
 */
export async function endAbandonedPickers(deps: FlowDeps, onError: (error: unknown, row: FlowRow) => void): Promise<number> {
  const now = deps.clock.now();
  const take = 100;
  let ended = 0;
  let after = '';
  for (;;) {
    const page = await abandonedFlows(deps.prisma, 'connect_pick', now, { after, take });
    for (const row of page) {
      try {
        if (await endAbandonedPicker(deps, row, now)) ended += 1;
      } catch (error) {
        onError(error, row);
      }
    }
    if (page.length < take) return ended;
    after = page.at(-1)!.tokenHash;
  }
}

async function endAbandonedPicker(deps: FlowDeps, row: FlowRow, now: Date): Promise<boolean> {
  const provider = deps.catalog.get(row.provider ?? '');
  const client = provider && deps.clientFor(provider.id);
  // Read before the row is wiped. One that can't be revoked here (its provider or client is gone, its key
  // left the ring) is wiped all the same: the sweep would otherwise meet it again every run.
  const secret = provider && client ? openPickSecret(deps, row) : undefined;
  if (!(await retireAbandonedFlow(deps.prisma, row.tokenHash, now))) return false;
  if (!provider || !client || !secret) throw new Error(`an abandoned ${row.provider} account picker was wiped without revoking its grant (provider, client or key missing)`);
  await discard(deps, {
    ...pickedGrant(row, provider, client, secret),
    audit: { actor: { type: 'system' }, detail: { why: 'the account picker expired unused', ...(row.userId ? { startedBy: row.userId } : {}) } },
  });
  return true;
}

function openPickSecret(deps: FlowDeps, row: FlowRow): PickSecret | undefined {
  try {
    return deps.keyRing.openJson<PickSecret>({ keyId: row.secretKeyId!, ciphertext: row.secretData! }, flowAad(row.tokenHash));
  } catch {
    return undefined;
  }
}

async function choicesFor(deps: FlowDeps, teamId: string, provider: ProviderDefinition, accounts: { ids: string[]; label?: string }[]): Promise<AccountChoice[]> {
  const format = provider.auth.type === 'oauth2' ? provider.auth.accountIdFormat : 'exact';
  const existing = new Set(
    (await listConnections(deps.prisma, { teamId, provider: provider.id, includeDisabled: true })).map((connection) => normalizeAccountId(format, connection.externalAccountId)),
  );
  // Ad account ids are kept as people write them (digits), not as API resource names (`customers/123`).
  const displayed = (id: string) => (format === 'digits' ? normalizeAccountId(format, id) : id);
  return accounts.map((account) => ({
    id: displayed(account.ids[0]!),
    ...(account.label ? { label: account.label } : {}),
    connected: account.ids.some((id) => existing.has(normalizeAccountId(format, id))),
  }));
}

async function create(
  deps: FlowDeps,
  flow: FlowRow,
  provider: ProviderDefinition,
  account: AccountChoice,
  grant: UnusedGrant,
  facts: CredentialFacts,
  target: ConnectTarget,
): Promise<Connection> {
  const secrets = tokenSecrets(grant.tokens);
  const credentials = { accessToken: secrets.accessToken, ...(secrets.refreshToken ? { refreshToken: secrets.refreshToken } : {}), ...(secrets.expiresAt ? { expiresAt: secrets.expiresAt } : {}) };
  try {
    return await createFor(deps, flow, provider, account, credentials, facts, target);
  } catch (error) {
    // Refused before anything was stored (the account got connected meanwhile): the grant is not kept.
    if (error instanceof FlowError) await discard(deps, { ...grant, ...(facts.signedInAs ? { signedInAs: facts.signedInAs } : {}) });
    throw error;
  }
}

/** A connect form (API key or account details) was verified: the connection for the account it named. */
export function createFromForm(deps: FlowDeps, flow: FlowRow, provider: ProviderDefinition, account: AccountIdentity, secrets: Secrets, target: ConnectTarget): Promise<Connection> {
  const credentials = { ...(secrets.apiKey ? { apiKey: secrets.apiKey } : {}), ...(secrets.fields ? { fields: secrets.fields } : {}) };
  return createFor(deps, flow, provider, { id: account.id, ...(account.label ? { label: account.label } : {}), connected: false }, credentials, {}, target);
}

async function createFor(
  deps: FlowDeps,
  flow: FlowRow,
  provider: ProviderDefinition,
  account: AccountChoice,
  credentials: { accessToken?: string; refreshToken?: string; expiresAt?: string; apiKey?: string; fields?: Record<string, string> },
  facts: CredentialFacts,
  target: ConnectTarget,
): Promise<Connection> {
  const userId = flow.userId!;
  const name = (target.name ?? `${provider.name} ${account.label ?? account.id}`).slice(0, 80);
  let connection: Connection;
  try {
    connection = await createConnection(
      deps,
      {
        teamId: flow.teamId!,
        provider: provider.id,
        name,
        externalAccountId: account.id,
        ...(target.channelId ? { channelId: target.channelId } : {}),
        owners: [userId],
        options: {},
        credentials,
      },
      { type: 'user', id: userId },
      facts,
    );
  } catch (error) {
    if (error instanceof DomainError && error.code === 'conflict') throw new FlowError('conflict', { key: 'flow.conflict', values: { provider: provider.name, account: account.id } });
    throw error;
  }
  await warnAtGrantLimit(deps.prisma, provider, connection, userId, facts.signedInAs);
  if (connection.channelId) {
    await enqueueChannelNotice(deps.prisma, connection.teamId, connection.channelId, `connect:${connection.id}`, {
      kind: 'connected',
      userId,
      connectionName: connection.name,
      providerName: provider.name,
      account: connection.externalAccountId,
    });
  }
  return connection;
}
