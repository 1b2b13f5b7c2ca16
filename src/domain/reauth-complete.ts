import { spendAuthFlow } from '../db/auth-flows';
import { inTransaction } from '../db/transaction';
import { findConnection, recordCredentialsWork, type Connection } from '../db/connections';
import { loadSecrets, saveSecrets, type CredentialFacts } from '../db/credentials';
import { prefilledValues, secretsOfForm, verifyForm, type FormValues } from './credential-forms';
import { recordAudit } from '../db/audit';
import type { ProviderDefinition } from '../providers/definition';
import { completeAuthorization, oauth2AuthOf, readAccountAccess, revokeToken, type OAuthFailure } from '../oauth';
import type { AccountAccess } from '../oauth/types';
import { reachesAccount } from '../providers/account-ids';
import { openIncidentOf } from '../db/incidents';
import { applyStatusChange } from './status-engine';
import { enqueueExpiryWarning, notify } from './notifications';
import { closeWarnings } from '../db/expiry-warnings';
import { hashToken } from './reauth-start';
import type { Reach, SignInFailure, ThreadEvent } from './notifications';
import { completeConnect, createFromForm, openConnectLink, type ConnectOutcome } from './connect';
import {
  checkBrowser,
  consume,
  discard,
  FlowError,
  flowAad,
  grantFacts,
  openPostedPage,
  warnAtGrantLimit,
  startForm,
  startOAuthState,
  type StartedForm,
  httpOf,
  newBrowserSecret,
  redirectUri,
  tokenSecrets,
  type FlowDeps,
  type FlowSecret,
  type FlowWords,
  type UnusedGrant,
} from './flow-steps';

export { FlowError, redirectUri, type FlowDeps } from './flow-steps';

/**
 * The second and last step of reauthorizing (after reauth-start.ts): from an opened link through the
 * provider's consent to stored credentials. The link is single-use; the OAuth `state` is
 * single-use, expires, is bound to the provider and to the browser that started the flow (a cookie),
 * and the account that consented must be the connection's account before anything is stored.
 */

export type StartedFlow = { kind: 'redirect'; url: string; state: string; browserSecret: string } | StartedForm;

/** Opens a reauthorize link once and starts the provider's flow (OAuth redirect or API-key form). */
export async function openLink(deps: FlowDeps, linkToken: string): Promise<StartedFlow> {
  const now = deps.clock.now();
  const link = await consume(deps.prisma, hashToken(linkToken), ['reauth_link', 'connect_link'], now, 'link');
  if (link.purpose === 'connect_link') return openConnectLink(deps, link);
  const connection = await findConnection(deps.prisma, link.connectionId ?? '');
  if (!connection || connection.status === 'disabled') throw new FlowError('connection_gone', { key: 'flow.connectionGone' });
  const provider = deps.catalog.forConnection(connection);
  const browserSecret = newBrowserSecret();
  const base = { teamId: link.teamId, userId: link.userId, connectionId: connection.id, language: link.language };

  if (provider.auth.type !== 'oauth2') {
    const stored = await loadSecrets(deps.prisma, deps.keyRing, connection);
    return startForm(deps, { ...base, provider, connection, values: prefilledValues(provider, stored?.secrets), browserSecret });
  }

  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', { key: 'flow.notConfigured', values: { provider: provider.name } }, connection);
  return startOAuthState(deps, base, provider, client);
}

export type OAuthOutcome = { kind: 'reconnected'; connection: Connection } | ConnectOutcome;

/** The provider sent the person back: check everything, then store the tokens and reconnect (or connect). */
export async function completeOAuth(deps: FlowDeps, callbackUrl: URL, browserSecret: string | undefined): Promise<OAuthOutcome> {
  const state = callbackUrl.searchParams.get('state');
  if (!state) throw new FlowError('state_missing', { key: 'flow.noState' });
  const now = deps.clock.now();
  const tokenHash = hashToken(state);
  const flow = await consume(deps.prisma, tokenHash, 'oauth_state', now, 'state', (row) => checkBrowser(deps, row, browserSecret));
  if (flow.connectionId === null) {
    const connectSecret = deps.keyRing.openJson<FlowSecret>({ keyId: flow.secretKeyId!, ciphertext: flow.secretData! }, flowAad(tokenHash));
    return completeConnect(deps, flow, connectSecret, callbackUrl, browserSecret!);
  }
  const connection = await findConnection(deps.prisma, flow.connectionId);
  if (!connection) throw new FlowError('connection_gone', { key: 'flow.connectionGone' });
  // Mix-up defence: the state was issued for this provider, so the answer must be this provider's.
  if (flow.provider !== connection.provider) throw new FlowError('state_unknown', { key: 'flow.otherProvider' }, connection);
  const provider = deps.catalog.forConnection(connection);
  const secret = deps.keyRing.openJson<FlowSecret>({ keyId: flow.secretKeyId!, ciphertext: flow.secretData! }, flowAad(tokenHash));
  const client = deps.clientFor(provider.id);
  if (!client) throw new FlowError('not_configured', { key: 'flow.notConfigured', values: { provider: provider.name } }, connection);

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
  const grant: UnusedGrant = { provider, client, tokens, teamId: connection.teamId, connectionId: connection.id, userId: flow.userId };

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
  const facts = await grantFacts(deps, provider, client, tokens, grant.signedInAs);
  const replaced = (await loadSecrets(deps.prisma, deps.keyRing, connection))?.secrets;
  try {
    const reconnected = await finish(deps, connection, flow.userId, tokenSecrets(tokens), facts);
    await endReplacedGrant(deps, grant, replaced?.refreshToken ?? replaced?.accessToken);
    return { kind: 'reconnected', connection: reconnected };
  } catch (error) {
    if (error instanceof FlowError) await discard(deps, grant);
    throw error;
  }
}

/**
 * The grant a reauthorization replaced is ended where that ends only it (Salesforce, LinkedIn, HubSpot):
 * providers keep few grants per person (Salesforce 5) and each leftover one brings the next sign-in
 * closer to silently ending the oldest. A grant-wide revocation (Google) would end the new one too.
 */
async function endReplacedGrant(deps: FlowDeps, grant: UnusedGrant, oldToken: string | undefined): Promise<void> {
  const { revoke } = oauth2AuthOf(grant.provider);
  if (!revoke || revoke.ends !== 'token' || !oldToken || oldToken === grant.tokens.refreshToken || oldToken === grant.tokens.accessToken) return;
  const revoked = await revokeToken({ provider: grant.provider, client: grant.client, token: oldToken, ...httpOf(deps) });
  await recordAudit(deps.prisma, {
    teamId: grant.teamId,
    connectionId: grant.connectionId,
    action: revoked.ok ? 'replaced_grant_revoked' : 'replaced_grant_revoke_failed',
    actor: { type: 'user', id: grant.userId ?? undefined },
    detail: revoked.ok ? {} : { detail: revoked.error.detail },
    at: deps.clock.now(),
  });
}

/** Accounts named on the page and in the thread; the rest are counted. */
const MAX_ACCOUNTS_LISTED = 10;

async function wrongAccount(deps: FlowDeps, connection: Connection, userId: string | null, provider: ProviderDefinition, access: AccountAccess): Promise<FlowError> {
  const reach = reachOf(provider, access);
  await recordReauthEvent(deps, connection, userId, 'reauth_wrong_account', { expected: connection.externalAccountId, reachableCount: access.accounts.length }, {
    event: 'wrong_account',
    userId: userId ?? undefined,
    expected: connection.externalAccountId,
    reach,
  });
  return new FlowError('wrong_account', { key: 'flow.wrongAccount', values: { provider: provider.name, expected: connection.externalAccountId }, reach }, connection);
}

/** Org-level providers (Salesforce, HubSpot…) have one account per sign-in; ad platforms list what the person reaches. */
export function reachOf(provider: ProviderDefinition, access: AccountAccess): Reach {
  const reachable = access.accounts.map((account) => (account.label ? `${account.label} (${account.ids[0]})` : account.ids[0]!));
  if (oauth2AuthOf(provider).accounts.length === 0 && reachable.length === 1) return { kind: 'org', account: reachable[0]! };
  return {
    kind: 'list',
    who: access.person.label ?? access.person.id ?? null,
    provider: provider.name,
    accounts: reachable.slice(0, MAX_ACCOUNTS_LISTED),
    more: Math.max(0, reachable.length - MAX_ACCOUNTS_LISTED),
  };
}

/** A form was posted: CSRF and browser checks, then the values are verified with the provider before anything is stored. */
export async function completeForm(
  deps: FlowDeps,
  input: { flowToken: string; csrfToken: string; values: FormValues },
  browserSecret: string | undefined,
): Promise<{ kind: 'reconnected' | 'connected'; connection: Connection }> {
  const now = deps.clock.now();
  const { row, secret, tokenHash } = await openPostedPage<FlowSecret>(deps, input, 'api_key_form', browserSecret);
  const connection = row.connectionId === null ? undefined : ((await findConnection(deps.prisma, row.connectionId)) ?? undefined);
  if (row.connectionId !== null && !connection) throw new FlowError('connection_gone', { key: 'flow.connectionGone' });
  const provider = connection ? deps.catalog.forConnection(connection) : deps.catalog.require(row.provider ?? '');

  const checked = await verifyForm(provider, input.values, { allowInsecureHttp: deps.allowInsecureHttp, timeoutMs: deps.timeoutMs, databaseHosts: deps.databaseHosts });
  if (!checked.ok) {
    // A typo may be corrected: the form stays usable until it expires.
    const words: FlowWords =
      checked.error.kind === 'refused'
        ? { key: 'form.notAccepted', values: { provider: provider.name, detail: checked.error.failure.detail } }
        : checked.error.kind === 'not_allowed'
          ? { key: 'form.hostNotAllowed', values: { host: checked.error.host } }
          : { key: checked.error.kind === 'missing' ? 'form.fillIn' : 'form.check', fields: checked.error.fields };
    throw new FormRefused(words, provider, input.values, connection);
  }
  if (!(await spendAuthFlow(deps.prisma, tokenHash, now))) throw new FlowError('link_used', { key: 'flow.used', values: { what: 'form', restart: 'slack' } });
  const secrets = secretsOfForm(provider, input.values);
  if (!connection) {
    return { kind: 'connected', connection: await createFromForm(deps, row, provider, checked.value, secrets, secret.connect ?? {}) };
  }
  if (checked.value.id !== connection.externalAccountId) {
    const what = provider.auth.type === 'api_key' ? 'key' : 'details';
    await recordReauthEvent(deps, connection, row.userId, 'reauth_wrong_account', { expected: connection.externalAccountId, reachableCount: 1 }, {
      event: 'wrong_account',
      userId: row.userId ?? undefined,
      expected: connection.externalAccountId,
      reach: { kind: what, account: checked.value.id },
    });
    throw new FlowError('wrong_account', { key: 'flow.wrongFormAccount', values: { what, account: checked.value.id, expected: connection.externalAccountId } }, connection);
  }
  return { kind: 'reconnected', connection: await finish(deps, connection, row.userId, secrets) };
}

/** The values were not accepted; the page shows the form again with what was entered (never a secret). */
export class FormRefused extends FlowError {
  constructor(
    words: FlowWords,
    readonly provider: ProviderDefinition,
    readonly values: FormValues,
    connection: Connection | undefined,
  ) {
    super('invalid_key', words, connection);
    this.name = 'FormRefused';
  }
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
      throw new FlowError('connection_gone', { key: 'flow.disabledMeanwhile', values: { name: connection.name } }, connection);
    }
    await saveSecrets(tx, deps.keyRing, connection, secrets, facts);
    await recordAudit(tx, { teamId: connection.teamId, connectionId: connection.id, action: 'reauth_completed', actor, at: now });
    // A new grant: warnings about the old one's expiry are settled, and their messages say so.
    for (const id of await closeWarnings(tx, connection.id, now, userId ?? 'user')) {
      await enqueueExpiryWarning(tx, { id, teamId: connection.teamId, connectionId: connection.id }, 'closed');
    }
    await applyStatusChange(deps.engine, tx, { connectionId: connection.id, status: 'connected', actor, occurredAt: now });
    await warnAtGrantLimit(tx, deps.catalog.forConnection(connection), connection, userId, facts.signedInAs);
    return recordCredentialsWork(tx, connection.id, now);
  });
}

async function failed(deps: FlowDeps, connection: Connection, userId: string | null, failure: OAuthFailure): Promise<FlowError> {
  const why: SignInFailure = { kind: failure.kind === 'provider_error' ? 'provider_error' : 'not_completed', detail: failure.detail };
  await recordReauthEvent(deps, connection, userId, 'reauth_failed', { kind: failure.kind, detail: failure.detail }, { event: 'reauth_failed', userId: userId ?? undefined, failure: why });
  return new FlowError(failure.kind === 'provider_error' ? 'provider_error' : 'exchange_failed', { key: 'flow.reauthFailed', values: { kind: why.kind, detail: why.detail } }, connection);
}

async function recordReauthEvent(deps: FlowDeps, connection: Connection, userId: string | null, action: string, detail: Record<string, unknown>, thread: ThreadEvent) {
  const incident = await openIncidentOf(deps.prisma, connection.id);
  await recordAudit(deps.prisma, { teamId: connection.teamId, connectionId: connection.id, incidentId: incident?.id, action, actor: { type: 'user', id: userId ?? undefined }, detail, at: deps.clock.now() });
  if (incident) await notify(deps.prisma, incident, thread);
}

