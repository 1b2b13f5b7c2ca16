import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { err, ok, type Result } from '../lib/errors';
import type { ProviderDefinition } from '../providers/definition';
import { apiKeyAuthOf, oauth2AuthOf, timeoutOf } from './authorization-server';
import { classifiedFailure, failure, failureFromError, parseAnswer, readErrorBody, type FailureContext } from './failures';
import type { AccountIdentity, HttpOptions, OAuthFailure } from './types';
import { valueAt } from '../lib/json-path';

/** Which account a credential belongs to, read from the provider's identity or probe endpoint. */

export interface FetchIdentityInput extends HttpOptions {
  provider: ProviderDefinition;
  accessToken: string;
}

export interface CheckApiKeyInput extends HttpOptions {
  provider: ProviderDefinition;
  apiKey: string;
}

const ACCESS_TOKEN_PLACEHOLDER = '{accessToken}';

/** Providers send numeric ids (HubSpot's hub_id) or strings; both become strings so ids compare reliably. */
const accountIdSchema = z.union([z.string().min(1), z.number().finite()]).transform(String);
const labelSchema = z.union([z.string().min(1), z.number().finite()]).transform(String).optional().catch(undefined);

export async function fetchIdentity(input: FetchIdentityInput): Promise<Result<AccountIdentity, OAuthFailure>> {
  const { identity } = oauth2AuthOf(input.provider);
  // HubSpot identifies a token by putting it in the path; everyone else takes it as a bearer token.
  const inPath = identity.url.includes(ACCESS_TOKEN_PLACEHOLDER);
  const url = new URL(inPath ? identity.url.replace(ACCESS_TOKEN_PLACEHOLDER, encodeURIComponent(input.accessToken)) : identity.url);
  const headers = { accept: 'application/json', ...identity.headers, ...(inPath ? {} : { authorization: `Bearer ${input.accessToken}` }) };
  const context = { provider: input.provider, kind: 'identity_failed' as const, endpoint: 'identity endpoint', timeoutMs: timeoutOf(input), secrets: [input.accessToken] };
  const answer = await requestJson(url, identity.method, headers, input, context);
  if (!answer.ok) return answer;
  return accountFrom(answer.value, identity.accountPath, identity.labelPath, context);
}

export async function checkApiKey(input: CheckApiKeyInput): Promise<Result<AccountIdentity, OAuthFailure>> {
  const auth = apiKeyAuthOf(input.provider);
  const key = auth.header.toLowerCase() === 'authorization' ? `Bearer ${input.apiKey}` : input.apiKey;
  const headers = { accept: 'application/json', [auth.header]: key };
  const context = { provider: input.provider, kind: 'identity_failed' as const, endpoint: 'API-key probe endpoint', timeoutMs: timeoutOf(input), secrets: [input.apiKey] };
  const answer = await requestJson(new URL(auth.probeUrl), 'GET', headers, input, context);
  if (!answer.ok) return answer;
  return accountFrom(answer.value, auth.accountPath, undefined, context);
}

async function requestJson(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  http: HttpOptions,
  context: FailureContext,
): Promise<Result<unknown, OAuthFailure>> {
  try {
    oauth.checkProtocol(url, http.allowInsecureHttp !== true);
    // Never follow redirects: the request carries a credential, and oauth4webapi doesn't follow them either.
    const response = await fetch(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(context.timeoutMs) });
    if (!response.ok) return err(classifiedFailure({ httpStatus: response.status, body: await readErrorBody(response) }, context));
    return ok(parseAnswer(await response.text()));
  } catch (error) {
    return err(await failureFromError(error, context));
  }
}

function accountFrom(body: unknown, accountPath: string, labelPath: string | undefined, context: FailureContext): Result<AccountIdentity, OAuthFailure> {
  const id = accountIdSchema.safeParse(valueAt(body, accountPath));
  if (!id.success) return err(failure(context, 'transient', 'unknown', `${context.endpoint} answer has no account id at "${accountPath}"`));
  const label = labelPath ? labelSchema.parse(valueAt(body, labelPath)) : undefined;
  return ok({ id: id.data, ...(label ? { label } : {}) });
}

