import { randomBytes } from 'node:crypto';
import type { DatabaseHostAllowList } from '../config';
import type { AuthFlow } from '../db/auth-flows';
import { findAuthFlow, spendAuthFlow } from '../db/auth-flows';
import type { Prisma, Tx } from '../db/client';
import type { Connection } from '../db/connections';
import { connectionsGrantedBy, countGrantsBy, type CredentialFacts } from '../db/credentials';
import { enqueueChannelNotice, type Reach } from './notifications';
import { recordAudit, type Actor } from '../db/audit';
import type { Clock } from '../lib/clock';
import { DomainError, type ErrorCode } from '../lib/errors';
import type { KeyRing } from '../lib/key-ring';
import type { Catalog } from '../providers/catalog';
import type { ProviderDefinition } from '../providers/definition';
import { createAuthorization, fetchDataAccessExpiry, oauth2AuthOf, revokeToken, type ClientCredentials, type TokenSet } from '../oauth';
import type { StatusEngineDeps } from './status-engine';
import { hashToken } from './reauth-start';
import type { FormValues } from './credential-forms';
import { createAuthFlow } from '../db/auth-flows';

/**
 * What reauthorizing (reauth-complete.ts) and connecting from Slack (connect.ts) share: the single-use
 * rows and how they are spent, the browser binding, the refusals, and revoking grants not kept.
 */

export interface FlowDeps {
  prisma: Prisma;
  clock: Clock;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
  publicUrl: string;
  allowInsecureHttp: boolean;
  timeoutMs: number;
  /** Internal hosts a database form may name (DATABASE_CONNECT_HOSTS). */
  databaseHosts: DatabaseHostAllowList;
  clientFor(providerId: string): ClientCredentials | undefined;
}

/**
 * What the page says about a refusal: a message of the catalogs (src/slack/blocks/messages) and its
 * values, put in words in the reader's language at the edge. `reach` is who signed in and what they reach.
 */
export interface FlowWords {
  key: FlowMessage;
  values?: Record<string, string | number>;
  reach?: Reach;
  /** Form fields (by name) the refusal is about. */
  fields?: string[];
}

export type FlowMessage =
  | 'flow.invalid'
  | 'flow.used'
  | 'flow.expired'
  | 'flow.otherBrowser'
  | 'flow.csrf'
  | 'flow.noState'
  | 'flow.otherProvider'
  | 'flow.connectionGone'
  | 'flow.disabledMeanwhile'
  | 'flow.notConfigured'
  | 'flow.reauthFailed'
  | 'flow.connectFailed'
  | 'flow.wrongAccount'
  | 'flow.wrongFormAccount'
  | 'flow.connectNone'
  | 'flow.connectAllConnected'
  | 'flow.pickUnconnected'
  | 'flow.conflict'
  | 'form.fillIn'
  | 'form.check'
  | 'form.notAccepted'
  | 'form.hostNotAllowed'
  | 'answer.notConfigured'
  | 'answer.noProvider';

/** A refused step of the flow; its code is one of the flow's refusals in the error vocabulary. */
export class FlowError extends DomainError {
  constructor(
    code: ErrorCode,
    readonly words: FlowWords,
    readonly connection?: Connection,
  ) {
    super(code, `${words.key} ${JSON.stringify(words.values ?? {})}`);
    this.name = 'FlowError';
  }
}

export interface FlowSecret {
  codeVerifier?: string;
  browserHash: string;
  csrfHash?: string;
  /** A connect flow (no connection yet): what to create. */
  connect?: { channelId?: string; name?: string };
}

export const FLOW_TTL_MS = 10 * 60_000;
export const redirectUri = (publicUrl: string) => `${publicUrl}/oauth/callback`;
export const flowAad = (tokenHash: string) => `authflow|${tokenHash}`;

/** A fresh secret for the browser cookie that binds a flow to the browser that opened its link. */
export const newBrowserSecret = () => randomBytes(24).toString('base64url');

export interface UnusedGrant {
  provider: ProviderDefinition;
  client: ClientCredentials;
  tokens: TokenSet;
  /** Where the audit goes: the connection being reauthorized, or only the workspace when connecting. */
  teamId: string;
  connectionId?: string;
  userId: string | null;
  signedInAs?: string;
  /** How the audit tells it when the person's own step isn't what ends it (the sweep of abandoned pickers). */
  audit?: { actor: Actor; detail: Record<string, unknown> };
}

/**
 * Revokes tokens Reconnect got but won't keep (a refused account, a connection disabled meanwhile, an
 * account connected meanwhile, an account picker left unused), where the provider can: Salesforce keeps at most 5 grants per user and app and Google 100 refresh tokens per
 * account and client, and each leftover silently ends the oldest. A provider whose revocation ends the
 * person's whole grant (Google) is left alone while a connection still relies on that person's grant.
 */
export async function discard(deps: FlowDeps, grant: UnusedGrant): Promise<void> {
  const { revoke } = oauth2AuthOf(grant.provider);
  if (!revoke) return;
  const actor: Actor = grant.audit?.actor ?? { type: 'user', id: grant.userId ?? undefined };
  const audit = (action: string, detail: Record<string, unknown>) =>
    recordAudit(deps.prisma, { teamId: grant.teamId, connectionId: grant.connectionId, action, actor, detail: { ...grant.audit?.detail, ...detail }, at: deps.clock.now() });
  if (revoke.ends === 'grant' && grant.signedInAs && (await countGrantsBy(deps.prisma, grant.provider.id, grant.signedInAs)) > 0) {
    await audit('grant_kept', { why: 'the same person granted another connection, which revoking would end too' });
    return;
  }
  const token = grant.tokens.refreshToken ?? grant.tokens.accessToken;
  const revoked = await revokeToken({ provider: grant.provider, client: grant.client, token, ...httpOf(deps) });
  await audit(revoked.ok ? 'grant_revoked' : 'grant_revoke_failed', revoked.ok ? {} : { detail: revoked.error.detail });
}

export function httpOf(deps: FlowDeps) {
  return { allowInsecureHttp: deps.allowInsecureHttp, timeoutMs: deps.timeoutMs, clock: deps.clock };
}

export function tokenSecrets(tokens: TokenSet) {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt?.toISOString() };
}

export type FlowRow = AuthFlow;

/** Marks a single-use row used, or says exactly why it can't be used. */
export async function consume(prisma: Prisma, tokenHash: string, purpose: string | readonly string[], now: Date, noun: 'link' | 'state', check?: (row: FlowRow) => void): Promise<FlowRow> {
  const row = await findAuthFlow(prisma, tokenHash);
  const values = { what: noun, restart: noun };
  if (!row || !(typeof purpose === 'string' ? [purpose] : purpose).includes(row.purpose)) throw new FlowError(noun === 'link' ? 'link_unknown' : 'state_unknown', { key: 'flow.invalid', values });
  if (row.usedAt) throw new FlowError(noun === 'link' ? 'link_used' : 'state_used', { key: 'flow.used', values });
  if (row.expiresAt <= now) throw new FlowError(noun === 'link' ? 'link_expired' : 'state_expired', { key: 'flow.expired', values });
  check?.(row);
  if (!(await spendAuthFlow(prisma, tokenHash, now))) throw new FlowError(noun === 'link' ? 'link_used' : 'state_used', { key: 'flow.used', values });
  return row;
}

export function checkBrowser(deps: FlowDeps, row: FlowRow, browserSecret: string | undefined): void {
  const secret = deps.keyRing.openJson<FlowSecret>({ keyId: row.secretKeyId!, ciphertext: row.secretData! }, flowAad(row.tokenHash));
  if (!browserSecret || hashToken(browserSecret) !== secret.browserHash) {
    throw new FlowError('other_browser', { key: 'flow.otherBrowser', values: { what: 'state' } });
  }
}

/** A form to fill in: for a connection being reauthorized, or (connect) for a new one. */
export interface StartedForm {
  kind: 'form';
  flowToken: string;
  csrfToken: string;
  browserSecret: string;
  provider: ProviderDefinition;
  connection?: Connection;
  /** Values to show: the stored ones that aren't secret, or defaults. */
  values: FormValues;
}

/** A form flow bound to this browser, for a connection (reauthorize) or none yet (connect). */
export async function startForm(
  deps: FlowDeps,
  input: FlowOrigin & { provider: ProviderDefinition; connection?: Connection; values: FormValues; browserSecret: string; connect?: FlowSecret['connect'] },
): Promise<StartedForm> {
  const now = deps.clock.now();
  const flowToken = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const tokenHash = hashToken(flowToken);
  const secret: FlowSecret = { browserHash: hashToken(input.browserSecret), csrfHash: hashToken(csrfToken), ...(input.connect ? { connect: input.connect } : {}) };
  const sealed = deps.keyRing.sealJson(secret, flowAad(tokenHash));
  await createAuthFlow(deps.prisma, {
    purpose: 'api_key_form',
    tokenHash,
    teamId: input.teamId,
    userId: input.userId,
    connectionId: input.connectionId,
    provider: input.provider.id,
    secretData: sealed.ciphertext,
    secretKeyId: sealed.keyId,
    expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
    createdAt: now,
    language: input.language,
  });
  return { kind: 'form', flowToken, csrfToken, browserSecret: input.browserSecret, provider: input.provider, values: input.values, ...(input.connection ? { connection: input.connection } : {}) };
}


export type StartedRedirect = { kind: 'redirect'; url: string; state: string; browserSecret: string };

/** Where a flow started: who, for which connection (none yet when connecting), and the person's language. */
export interface FlowOrigin {
  teamId: string | null;
  userId: string | null;
  connectionId: string | null;
  language: string | null;
}

/** The provider's authorize URL, with the state, PKCE verifier and browser binding kept server-side. */
export async function startOAuthState(
  deps: FlowDeps,
  origin: FlowOrigin,
  provider: ProviderDefinition,
  client: ClientCredentials,
  connect?: FlowSecret['connect'],
): Promise<StartedRedirect> {
  const now = deps.clock.now();
  const browserSecret = newBrowserSecret();
  const request = await createAuthorization({
    provider,
    clientId: client.clientId,
    settings: client.settings,
    redirectUri: redirectUri(deps.publicUrl),
    allowInsecureHttp: deps.allowInsecureHttp,
    language: origin.language,
  });
  const tokenHash = hashToken(request.state);
  const secret: FlowSecret = { codeVerifier: request.codeVerifier, browserHash: hashToken(browserSecret), ...(connect ? { connect } : {}) };
  const sealed = deps.keyRing.sealJson(secret, flowAad(tokenHash));
  await createAuthFlow(deps.prisma, {
    ...origin,
    purpose: 'oauth_state',
    tokenHash,
    provider: provider.id,
    secretData: sealed.ciphertext,
    secretKeyId: sealed.keyId,
    expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
    createdAt: now,
  });
  return { kind: 'redirect', url: request.url.toString(), state: request.state, browserSecret };
}

/**
 * A posted single-use page (a credentials form, the account picker): unknown, used or expired rows, another
 * browser and a wrong CSRF token are each refused in plain words. The row is not spent here.
 */
export async function openPostedPage<T extends { browserHash: string; csrfHash?: string }>(
  deps: FlowDeps,
  input: { flowToken: string; csrfToken: string },
  purpose: 'api_key_form' | 'connect_pick',
  browserSecret: string | undefined,
): Promise<{ row: FlowRow; secret: T; tokenHash: string }> {
  const values = { what: purpose === 'api_key_form' ? 'form' : 'page', restart: 'slack' };
  const tokenHash = hashToken(input.flowToken);
  const row = await findAuthFlow(deps.prisma, tokenHash);
  if (!row || row.purpose !== purpose) throw new FlowError('link_unknown', { key: 'flow.invalid', values });
  if (row.usedAt) throw new FlowError('link_used', { key: 'flow.used', values });
  if (row.expiresAt <= deps.clock.now()) throw new FlowError('link_expired', { key: 'flow.expired', values });
  const secret = deps.keyRing.openJson<T>({ keyId: row.secretKeyId!, ciphertext: row.secretData! }, flowAad(tokenHash));
  if (!browserSecret || hashToken(browserSecret) !== secret.browserHash) throw new FlowError('other_browser', { key: 'flow.otherBrowser', values });
  if (hashToken(input.csrfToken) !== secret.csrfHash) throw new FlowError('csrf', { key: 'flow.csrf', values });
  return { row, secret, tokenHash };
}

/**
 * What is known about a new grant: who consented, and the earliest hard expiry the token answer or the
 * provider's data-access endpoint states (Meta ends data access 90 days after the person last used the app).
 */
export async function grantFacts(deps: FlowDeps, provider: ProviderDefinition, client: ClientCredentials, tokens: TokenSet, signedInAs: string | undefined): Promise<CredentialFacts> {
  const dataAccess = await fetchDataAccessExpiry({ provider, client, accessToken: tokens.accessToken, ...httpOf(deps) });
  const expiries = [tokens.hardExpiry, ...(dataAccess.at ? [{ at: dataAccess.at, kind: 'data_access' as const }] : [])].filter((expiry) => expiry !== undefined);
  const earliest = expiries.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  return { ...(signedInAs ? { signedInAs } : {}), ...(earliest ? { hardExpiry: earliest } : {}) };
}

/**
 * After storing a grant: when its person now holds as many of this provider's grants as it keeps
 * (Salesforce: 5 per user and app), the channel hears that the next sign-in by them ends the oldest.
 */
export async function warnAtGrantLimit(tx: Prisma | Tx, provider: ProviderDefinition, connection: Connection, userId: string | null, signedInAs: string | undefined): Promise<void> {
  const limit = provider.maxGrantsPerPerson;
  if (!limit || !signedInAs || !connection.channelId) return;
  const holders = await connectionsGrantedBy(tx, provider.id, signedInAs);
  if (holders.length < limit) return;
  await enqueueChannelNotice(tx, connection.teamId, connection.channelId, `grant-limit:${connection.id}:${holders.length}:${Date.now()}`, {
    kind: 'grant_limit',
    userId: userId ?? '',
    providerName: provider.name,
    signedInAs,
    grants: holders.length,
    limit,
    connectionNames: holders.map((holder) => holder.name),
  });
}

/** The language stored with a flow's row (its person's), if the token names one. */
export async function flowLanguage(prisma: Prisma, flowToken: string): Promise<string | null> {
  return (await findAuthFlow(prisma, hashToken(flowToken)))?.language ?? null;
}
