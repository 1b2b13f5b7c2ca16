import { createHmac } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { err, ok, type Result } from '../lib/errors';
import type { AccountList, OAuth2Auth, ProviderDefinition, ProviderRequest } from '../providers/definition';
import { apiKeyAuthOf, oauth2AuthOf, timeoutOf } from './authorization-server';
import { classifiedFailure, failure, failureFromError, parseAnswer, readErrorBody, type FailureContext } from './failures';
import type { AccountAccess, AccountIdentity, ClientCredentials, HttpOptions, OAuthFailure, ReachableAccount } from './types';
import { valueAt } from '../lib/json-path';

/**
 * Who a credential belongs to and which accounts it reaches, read from the provider's identity endpoint
 * and account lists as the catalog describes them; and the API-key check.
 */

export interface FetchIdentityInput extends HttpOptions {
  provider: ProviderDefinition;
  accessToken: string;
  /** The OAuth client with its settings (developer tokens…); identity calls of some providers need them. */
  client?: ClientCredentials;
}

export interface CheckApiKeyInput extends HttpOptions {
  provider: ProviderDefinition;
  apiKey: string;
}

/** Providers send numeric ids (HubSpot's hub_id) or strings; both become strings so ids compare reliably. */
const idSchema = z.union([z.string().min(1), z.number().finite()]).transform(String);
const labelSchema = z.union([z.string().min(1), z.number().finite()]).transform(String).optional().catch(undefined);

/** A person can reach thousands of ad accounts through agencies; past this the check stops reading pages. */
const MAX_PAGES = 20;
/** The item itself, in `idPaths`: the list holds plain ids (Google's `customers/123` resource names). */
const ITEM_ITSELF = '$';

/** Whether the token still works: the identity endpoint answers for it. */
export async function fetchIdentity(input: FetchIdentityInput): Promise<Result<AccountIdentity, OAuthFailure>> {
  const answer = await identityAnswer(input);
  if (!answer.ok) return answer;
  const { identity } = oauth2AuthOf(input.provider);
  const label = identity.labelPath ? labelSchema.parse(valueAt(answer.value, identity.labelPath)) : undefined;
  const idPath = identity.subjectPath ?? identity.accountPath;
  if (idPath === undefined) return ok({ id: '', ...(label ? { label } : {}) });
  // A 200 without the id is a changed or broken API, not a credential Reconnect can trust.
  const id = idSchema.safeParse(valueAt(answer.value, idPath));
  if (!id.success) return err(failure(context(input, 'identity endpoint'), 'transient', 'unknown', `identity endpoint answer has no account id at "${idPath}"`));
  return ok({ id: id.data, ...(label ? { label } : {}) });
}

/** The person who signed in and every account they can reach, for the same-account check. */
export async function readAccountAccess(input: FetchIdentityInput): Promise<Result<AccountAccess, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  const answer = await identityAnswer(input);
  if (!answer.ok) return answer;
  const { identity } = auth;
  const subject = identity.subjectPath ? idSchema.safeParse(valueAt(answer.value, identity.subjectPath)) : undefined;
  const label = identity.labelPath ? labelSchema.parse(valueAt(answer.value, identity.labelPath)) : undefined;
  const person = { ...(subject?.success ? { id: subject.data } : {}), ...(label ? { label } : {}) };
  const vars: Record<string, string> = { ...settingsOf(input), accessToken: input.accessToken, ...(person.id ? { subject: person.id } : {}) };

  const accounts: ReachableAccount[] = [];
  if (identity.accountPath) {
    const account = idSchema.safeParse(valueAt(answer.value, identity.accountPath));
    if (!account.success) return err(failure(context(input, 'identity endpoint'), 'transient', 'unknown', `identity endpoint answer has no account id at "${identity.accountPath}"`));
    accounts.push({ ids: [account.data], ...(label ? { label } : {}) });
  }
  for (const list of auth.accounts) {
    if (list.when && !vars[list.when]) continue;
    const read = list.request ? await readList(input, auth, list, list.request, vars) : ok(itemsOf(answer.value, list));
    if (!read.ok) return read;
    accounts.push(...read.value);
  }
  return ok({ person, accounts });
}

export async function checkApiKey(input: CheckApiKeyInput): Promise<Result<AccountIdentity, OAuthFailure>> {
  const auth = apiKeyAuthOf(input.provider);
  const key = auth.header.toLowerCase() === 'authorization' ? `Bearer ${input.apiKey}` : input.apiKey;
  const headers = { accept: 'application/json', [auth.header]: key };
  const where = { ...context(input, 'API-key probe endpoint'), secrets: [input.apiKey] };
  const answer = await requestJson(new URL(auth.probeUrl), 'GET', headers, undefined, input, where);
  if (!answer.ok) return answer;
  const id = idSchema.safeParse(valueAt(answer.value, auth.accountPath));
  if (!id.success) return err(failure(where, 'transient', 'unknown', `API-key probe endpoint answer has no account id at "${auth.accountPath}"`));
  return ok({ id: id.data });
}

async function identityAnswer(input: FetchIdentityInput): Promise<Result<unknown, OAuthFailure>> {
  const auth = oauth2AuthOf(input.provider);
  return call(input, auth, auth.identity, { ...settingsOf(input), accessToken: input.accessToken }, 'identity endpoint');
}

async function readList(
  input: FetchIdentityInput,
  auth: OAuth2Auth,
  list: AccountList,
  request: ProviderRequest,
  vars: Record<string, string>,
): Promise<Result<ReachableAccount[], OAuthFailure>> {
  const accounts: ReachableAccount[] = [];
  let page: ProviderRequest | undefined = request;
  for (let pages = 0; page && pages < MAX_PAGES; pages += 1) {
    const answer = await call(input, auth, page, vars, 'account list endpoint');
    if (!answer.ok) return answer;
    accounts.push(...itemsOf(answer.value, list));
    page = nextPage(page, list, answer.value);
  }
  return ok(accounts);
}

/** Meta's `paging.next` is absolute; following one to another origin would hand it the token. */
function nextPage(current: ProviderRequest, list: AccountList, answer: unknown): ProviderRequest | undefined {
  const next = list.nextPagePath ? valueAt(answer, list.nextPagePath) : undefined;
  if (typeof next !== 'string') return undefined;
  try {
    return new URL(next).origin === new URL(current.url).origin ? { ...current, url: next } : undefined;
  } catch {
    return undefined;
  }
}

function itemsOf(answer: unknown, list: AccountList): ReachableAccount[] {
  const items = valueAt(answer, list.listPath);
  if (!Array.isArray(items)) return [];
  const accounts: ReachableAccount[] = [];
  for (const item of items) {
    const ids = list.idPaths
      .map((path) => idSchema.safeParse(path === ITEM_ITSELF ? item : valueAt(item, path)))
      .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
    const label = list.labelPath ? labelSchema.parse(valueAt(item, list.labelPath)) : undefined;
    if (ids.length > 0) accounts.push({ ids, ...(label ? { label } : {}) });
  }
  return accounts;
}

async function call(
  input: FetchIdentityInput,
  auth: OAuth2Auth,
  request: ProviderRequest,
  vars: Record<string, string>,
  endpoint: string,
  /** False where the call authenticates with something else than the person's token (Meta's app token). */
  withAppSecretProof = true,
): Promise<Result<unknown, OAuthFailure>> {
  const where = context(input, endpoint);
  const urlText = fill(request.url, vars, encodeURIComponent);
  if (urlText === undefined) return err(failure(where, 'transient', 'internal', `${endpoint} URL needs a setting that has no value`));
  const url = new URL(urlText);
  // HubSpot identifies a token by putting it in the path; everyone else takes it as a bearer token.
  const tokenInUrl = request.url.includes('{accessToken}');
  const headers: Record<string, string> = { accept: 'application/json', ...(tokenInUrl ? {} : { authorization: `Bearer ${input.accessToken}` }) };
  for (const [name, template] of Object.entries(request.headers)) {
    const value = fill(template, vars);
    if (value !== undefined) headers[name] = value;
  }
  if (withAppSecretProof && auth.appSecretProof && input.client?.settings?.appSecretProof === 'true') {
    // https://developers.facebook.com/docs/graph-api/securing-requests#appsecret_proof
    url.searchParams.set('appsecret_proof', createHmac('sha256', input.client.clientSecret).update(input.accessToken).digest('hex'));
  }
  const body = request.method === 'POST' && request.body !== undefined ? JSON.stringify(fillJson(request.body, vars)) : undefined;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return requestJson(url, request.method, headers, body, input, where);
}

function context(input: HttpOptions & { provider: ProviderDefinition; accessToken?: string; client?: ClientCredentials }, endpoint: string): FailureContext {
  return {
    provider: input.provider,
    kind: 'identity_failed',
    endpoint,
    timeoutMs: timeoutOf(input),
    secrets: [input.accessToken, input.client?.clientSecret, input.client?.settings?.developerToken],
  };
}

function settingsOf(input: FetchIdentityInput): Record<string, string> {
  return { ...input.client?.settings };
}

/** Replaces `{name}` placeholders; undefined when one has no value. */
function fill(template: string, vars: Record<string, string>, encode: (value: string) => string = (value) => value): string | undefined {
  let missing = false;
  const filled = template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) missing = true;
    return encode(value ?? '');
  });
  return missing ? undefined : filled;
}

function fillJson(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, vars) ?? null;
  if (Array.isArray(value)) return value.map((item) => fillJson(item, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJson(item, vars)]));
  return value;
}

async function requestJson(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  http: HttpOptions,
  where: FailureContext,
): Promise<Result<unknown, OAuthFailure>> {
  try {
    oauth.checkProtocol(url, http.allowInsecureHttp !== true);
    // Never follow redirects: the request carries a credential, and oauth4webapi doesn't follow them either.
    const response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(where.timeoutMs) });
    if (!response.ok) return err(classifiedFailure({ httpStatus: response.status, body: await readErrorBody(response) }, where));
    return ok(parseAnswer(await response.text()));
  } catch (error) {
    return err(await failureFromError(error, where));
  }
}

/**
 * When the provider ends the app's data access for this person (Meta), if the catalog says where to ask;
 * undefined when it doesn't or the answer has no such time. An unreadable answer is no reason to refuse a
 * sign-in, so failures come back as undefined too, with the detail for the log.
 */
export async function fetchDataAccessExpiry(input: FetchIdentityInput & { client: ClientCredentials }): Promise<{ at?: Date; problem?: string }> {
  const auth = oauth2AuthOf(input.provider);
  const dataAccess = auth.hardExpiry.dataAccess;
  if (!dataAccess) return {};
  const vars = { accessToken: input.accessToken, clientId: input.client.clientId, clientSecret: input.client.clientSecret };
  const answer = await call(input, auth, { url: dataAccess.url, method: 'GET', headers: {} }, vars, 'data access endpoint', false);
  if (!answer.ok) return { problem: answer.error.detail };
  const seconds = valueAt(answer.value, dataAccess.path);
  return typeof seconds === 'number' && seconds > 0 ? { at: new Date(seconds * 1000) } : {};
}
