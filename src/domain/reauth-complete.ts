import { createAuthFlow, findAuthFlow, spendAuthFlow } from '../db/auth-flows';
import { inTransaction } from '../db/transaction';
import { findConnection, recordCredentialsWork, type Connection } from '../db/connections';
import { saveSecrets, type CredentialFacts } from '../db/credentials';
import { recordAudit } from '../db/audit';
import type { ProviderDefinition } from '../providers/definition';
import { checkApiKey, completeAuthorization, createAuthorization, oauth2AuthOf, readAccountAccess, type OAuthFailure } from '../oauth';
import type { AccountAccess } from '../oauth/types';
import { reachesAccount } from '../providers/account-ids';
import { randomBytes } from 'node:crypto';
import { openIncidentOf } from '../db/incidents';
import { applyStatusChange } from './status-engine';
import { notify } from './notifications';
import { hashToken } from './reauth-start';
import type { ThreadEvent } from './notifications';
import { completeConnect, openConnectLink, type ConnectOutcome } from './connect';
import {
  checkBrowser,
  consume,
  discard,
  FLOW_TTL_MS,
  FlowError,
  flowAad,
  httpOf,
  newBrowserSecret,
  redirectUri,
  tokenSecrets,
  type FlowDeps,
  type FlowSecret,
  type UnusedGrant,
} from './flow-steps';

export { FlowError, redirectUri, type FlowDeps } from './flow-steps';

/**
 * The second and last step of reauthorizing (after reauth-start.ts): from an opened link through the
 * provider's consent to stored credentials. The link is single-use; the OAuth `state` is
 * single-use, expires, is bound to the provider and to the browser that started the flow (a cookie),
 * and the account that consented must be the connection's account before anything is stored.
 */

export type StartedFlow =
  | { kind: 'redirect'; url: string; state: string; browserSecret: string }
  | { kind: 'api_key_form'; flowToken: string; csrfToken: string; browserSecret: string; connection: Connection; provider: ProviderDefinition };

/** Opens a reauthorize link once and starts the provider's flow (OAuth redirect or API-key form). */
export async function openLink(deps: FlowDeps, linkToken: string): Promise<StartedFlow> {
  const now = deps.clock.now();
  const link = await consume(deps.prisma, hashToken(linkToken), ['reauth_link', 'connect_link'], now, 'link');
  if (link.purpose === 'connect_link') return openConnectLink(deps, link);
  const connection = await findConnection(deps.prisma, link.connectionId ?? '');
  if (!connection || connection.status === 'disabled') throw new FlowError('connection_gone', 'This connection no longer exists.');
  const provider = deps.catalog.forConnection(connection);
  const browserSecret = newBrowserSecret();
  const base = { teamId: link.teamId, userId: link.userId, connectionId: connection.id, provider: provider.id, expiresAt: new Date(now.getTime() + FLOW_TTL_MS), createdAt: now };

  if (provider.auth.type === 'api_key') {
    const flowToken = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const tokenHash = hashToken(flowToken);
    const sealed = deps.keyRing.sealJson({ browserHash: hashToken(browserSecret), csrfHash: hashToken(csrfToken) } satisfies FlowSecret, flowAad(tokenHash));
    await createAuthFlow(deps.prisma, { ...base, purpose: 'api_key_form', tokenHash, secretData: sealed.ciphertext, secretKeyId: sealed.keyId });
    return { kind: 'api_key_form', flowToken, csrfToken, browserSecret, connection, provider };
  }

  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', `${provider.name} sign-in is not configured on this server (client id and secret missing).`, connection);
  const request = await createAuthorization({
    provider,
    clientId: client.clientId,
    settings: client.settings,
    redirectUri: redirectUri(deps.publicUrl),
    allowInsecureHttp: deps.allowInsecureHttp,
  });
  const tokenHash = hashToken(request.state);
  const sealed = deps.keyRing.sealJson({ codeVerifier: request.codeVerifier, browserHash: hashToken(browserSecret) } satisfies FlowSecret, flowAad(tokenHash));
  await createAuthFlow(deps.prisma, { ...base, purpose: 'oauth_state', tokenHash, secretData: sealed.ciphertext, secretKeyId: sealed.keyId });
  return { kind: 'redirect', url: request.url.toString(), state: request.state, browserSecret };
}

export type OAuthOutcome = { kind: 'reconnected'; connection: Connection } | ConnectOutcome;

/** The provider sent the person back: check everything, then store the tokens and reconnect (or connect). */
export async function completeOAuth(deps: FlowDeps, callbackUrl: URL, browserSecret: string | undefined): Promise<OAuthOutcome> {
  const state = callbackUrl.searchParams.get('state');
  if (!state) throw new FlowError('state_missing', 'The sign-in answer has no state; start again from Slack.');
  const now = deps.clock.now();
  const tokenHash = hashToken(state);
  const flow = await consume(deps.prisma, tokenHash, 'oauth_state', now, 'state', (row) => checkBrowser(deps, row, browserSecret));
  if (flow.connectionId === null) {
    const connectSecret = deps.keyRing.openJson<FlowSecret>({ keyId: flow.secretKeyId!, ciphertext: flow.secretData! }, flowAad(tokenHash));
    return completeConnect(deps, flow, connectSecret, callbackUrl, browserSecret!);
  }
  const connection = await findConnection(deps.prisma, flow.connectionId);
  if (!connection) throw new FlowError('connection_gone', 'This connection no longer exists.');
  // Mix-up defence: the state was issued for this provider, so the answer must be this provider's.
  if (flow.provider !== connection.provider) throw new FlowError('state_unknown', 'This sign-in belongs to another provider.', connection);
  const provider = deps.catalog.forConnection(connection);
  const secret = deps.keyRing.openJson<FlowSecret>({ keyId: flow.secretKeyId!, ciphertext: flow.secretData! }, flowAad(tokenHash));
  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', `${provider.name} sign-in is not configured on this server.`, connection);

  const result = await completeAuthorization({
    provider,
    client,
    redirectUri: redirectUri(deps.publicUrl),
    callbackUrl,
    expectedState: state,
    codeVerifier: secret.codeVerifier!,
    allowInsecureHttp: deps.allowInsecureHttp,
    timeoutMs: deps.timeoutMs,
    clock: deps.clock,
  });
  if (!result.ok) throw await failed(deps, connection, flow.userId, result.error);
  const tokens = result.value;
  const grant: UnusedGrant = { provider, client, tokens, connection, userId: flow.userId };

  const access = await readAccountAccess({ provider, client, accessToken: tokens.accessToken, ...httpOf(deps) });
  if (!access.ok) {
    await discard(deps, grant);
    throw await failed(deps, connection, flow.userId, access.error);
  }
  grant.signedInAs = access.value.person.id;
  const auth = oauth2AuthOf(provider);
  if (!reachesAccount(auth.accountIdFormat, connection.externalAccountId, access.value.accounts)) {
    await discard(deps, grant);
    throw await wrongAccount(deps, connection, flow.userId, provider, access.value);
  }
  const facts = { ...(grant.signedInAs ? { signedInAs: grant.signedInAs } : {}), ...(tokens.hardExpiry ? { hardExpiry: tokens.hardExpiry } : {}) };
  try {
    return { kind: 'reconnected', connection: await finish(deps, connection, flow.userId, tokenSecrets(tokens), facts) };
  } catch (error) {
    if (error instanceof FlowError) await discard(deps, grant);
    throw error;
  }
}

/** Accounts named on the page and in the thread; the rest are counted. */
const MAX_ACCOUNTS_LISTED = 10;

async function wrongAccount(deps: FlowDeps, connection: Connection, userId: string | null, provider: ProviderDefinition, access: AccountAccess): Promise<FlowError> {
  const reachable = access.accounts.map((account) => (account.label ? `${account.label} (${account.ids[0]})` : account.ids[0]!));
  const listed = reachable.slice(0, MAX_ACCOUNTS_LISTED).join(', ');
  const more = reachable.length > MAX_ACCOUNTS_LISTED ? ` and ${reachable.length - MAX_ACCOUNTS_LISTED} more` : '';
  const who = access.person.label ?? access.person.id ?? 'the account you signed in with';
  // Org-level providers (Salesforce, HubSpot…) have one account per sign-in; ad platforms list what the person reaches.
  const orgLevel = oauth2AuthOf(provider).accounts.length === 0;
  const canReach =
    orgLevel && reachable.length === 1
      ? `you signed in to account ${reachable[0]}`
      : reachable.length === 0
        ? `${who} can't reach any ${provider.name} account`
        : `${who} can reach ${listed}${more}`;
  await recordReauthEvent(deps, connection, userId, 'reauth_wrong_account', { expected: connection.externalAccountId, reachableCount: reachable.length }, {
    event: 'wrong_account',
    userId: userId ?? undefined,
    expected: connection.externalAccountId,
    canReach,
  });
  return new FlowError(
    'wrong_account',
    `This connection is ${provider.name} account ${connection.externalAccountId}, but ${canReach}. Nothing was stored and the sign-in was ended; sign in as someone with access to ${connection.externalAccountId}.`,
    connection,
  );
}

/** The API-key form was posted: CSRF and browser checks, then the key is verified before it is stored. */
export async function completeApiKey(
  deps: FlowDeps,
  input: { flowToken: string; csrfToken: string; apiKey: string },
  browserSecret: string | undefined,
): Promise<Connection> {
  const now = deps.clock.now();
  const tokenHash = hashToken(input.flowToken);
  const row = await findAuthFlow(deps.prisma, tokenHash);
  if (!row || row.purpose !== 'api_key_form') throw new FlowError('link_unknown', 'This form is not valid; start again from Slack.');
  if (row.usedAt) throw new FlowError('link_used', 'This form was already used; start again from Slack.');
  if (row.expiresAt <= now) throw new FlowError('link_expired', 'This form expired; start again from Slack.');
  const secret = deps.keyRing.openJson<FlowSecret>({ keyId: row.secretKeyId!, ciphertext: row.secretData! }, flowAad(tokenHash));
  if (!browserSecret || hashToken(browserSecret) !== secret.browserHash) throw new FlowError('other_browser', 'This form was opened in another browser; start again from Slack.');
  if (hashToken(input.csrfToken) !== secret.csrfHash) throw new FlowError('csrf', 'The form could not be verified; reload it from the link in Slack.');
  const connection = await findConnection(deps.prisma, row.connectionId ?? '');
  if (!connection) throw new FlowError('connection_gone', 'This connection no longer exists.');
  const provider = deps.catalog.forConnection(connection);

  const checked = await checkApiKey({ provider, apiKey: input.apiKey, allowInsecureHttp: deps.allowInsecureHttp, timeoutMs: deps.timeoutMs });
  if (!checked.ok) {
    // A mistyped key may be corrected: the form stays usable until it expires.
    throw new FlowError('invalid_key', `${provider.name} did not accept this key (${checked.error.detail}).`, connection);
  }
  if (!(await spendAuthFlow(deps.prisma, tokenHash, now))) throw new FlowError('link_used', 'This form was already used; start again from Slack.');
  if (checked.value.id !== connection.externalAccountId) {
    await recordReauthEvent(deps, connection, row.userId, 'reauth_wrong_account', { expected: connection.externalAccountId, reachableCount: 1 }, {
      event: 'wrong_account',
      userId: row.userId ?? undefined,
      expected: connection.externalAccountId,
      canReach: `the key belongs to account ${checked.value.id}`,
    });
    throw new FlowError(
      'wrong_account',
      `This key belongs to account ${checked.value.id}, but this connection is account ${connection.externalAccountId}; nothing was changed.`,
      connection,
    );
  }
  return finish(deps, connection, row.userId, { apiKey: input.apiKey });
}

async function finish(
  deps: FlowDeps,
  connection: Connection,
  userId: string | null,
  secrets: Parameters<typeof saveSecrets>[3],
  facts: CredentialFacts = {},
): Promise<Connection> {
  const now = deps.clock.now();
  const actor = { type: 'user' as const, id: userId ?? undefined };
  // One transaction: the new credentials, the audit, the reconnection and its alert update, or none of them.
  return inTransaction(deps.prisma, async (tx) => {
    // Disabled while the person was at the provider: storing tokens would report a reconnection that isn't.
    const current = await findConnection(tx, connection.id);
    if (!current || current.status === 'disabled') {
      throw new FlowError('connection_gone', `${connection.name} was disabled while you were signing in, so nothing was stored. Ask an admin to enable it, then reauthorize.`, connection);
    }
    await saveSecrets(tx, deps.keyRing, connection, secrets, facts);
    await recordAudit(tx, { teamId: connection.teamId, connectionId: connection.id, action: 'reauth_completed', actor, at: now });
    await applyStatusChange(deps.engine, tx, { connectionId: connection.id, status: 'connected', actor, occurredAt: now });
    return recordCredentialsWork(tx, connection.id, now);
  });
}

async function failed(deps: FlowDeps, connection: Connection, userId: string | null, failure: OAuthFailure): Promise<FlowError> {
  const why = failure.kind === 'provider_error' ? `the provider answered ${failure.detail}` : `the sign-in could not be completed (${failure.detail})`;
  await recordReauthEvent(deps, connection, userId, 'reauth_failed', { kind: failure.kind, detail: failure.detail }, { event: 'reauth_failed', userId: userId ?? undefined, why });
  return new FlowError(failure.kind === 'provider_error' ? 'provider_error' : 'exchange_failed', `Reauthorization failed: ${why}. Nothing was changed; try again from Slack.`, connection);
}

async function recordReauthEvent(deps: FlowDeps, connection: Connection, userId: string | null, action: string, detail: Record<string, unknown>, thread: ThreadEvent) {
  const incident = await openIncidentOf(deps.prisma, connection.id);
  await recordAudit(deps.prisma, { teamId: connection.teamId, connectionId: connection.id, incidentId: incident?.id, action, actor: { type: 'user', id: userId ?? undefined }, detail, at: deps.clock.now() });
  if (incident) await notify(deps.prisma, connection, incident.id, thread);
}

