import { createHmac, randomBytes } from 'node:crypto';
import {
  bearerOf,
  startSimulator,
  type FaultMode,
  type ProviderSimulator,
  type RecordedRequest,
  type SimAnswer,
  type SimUser,
  type SimulatorOptions,
  type SimulatorState,
  type TokenRecord,
} from './simulator';

/**
 * Facebook Login (manual flow) and the two Graph API reads Reconnect makes, answering in Graph's
 * documented wire format. Graph documents its error bodies but not the HTTP statuses that carry them;
 * the statuses here are the ones real answers show (cited where used).
 */

/** The Graph version Reconnect's catalog uses. */
export const META_GRAPH_VERSION = 'v23.0';

/**
 * User tokens from the web login flow are long-lived, "about 60 days"
 * (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived); real code
 * exchanges answer `expires_in` values like this one.
 */
export const META_TOKEN_TTL_SECONDS = 5183944;

/** Graph's default page size for edges (https://developers.facebook.com/docs/graph-api/results). */
export const META_PAGE_SIZE = 25;

/** What one Login dialog was asked: permissions by `scope`, or a Facebook Login for Business configuration. */
export type MetaConsent = { via: 'scope'; scope: string[]; authType?: string } | { via: 'config_id'; configId: string; authType?: string };

export interface MetaAdsSimulator extends ProviderSimulator {
  /** "Require app secret" in the app's advanced settings: Graph calls then need `appsecret_proof`. */
  requireAppSecretProof(on: boolean): void;
  /** Ends every token of a person the way a password change does (subcode 460, not revokeUser's 458). */
  changePassword(userId: string): void;
  /** Every Login dialog that led to a code, in order. */
  readonly consents: MetaConsent[];
  /** Days until the app's data access ends for a person, as debug_token reports it (Meta's default: 90). */
  setDataAccessDays(days: number): void;
}

const V = META_GRAPH_VERSION;

/** Authentication error subcodes (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
type EndedBy = 458 | 460;

export async function startMetaAdsSimulator(options: SimulatorOptions = {}): Promise<MetaAdsSimulator> {
  // Meta app ids are numeric and app secrets 32 hex characters.
  const clientId = options.clientId ?? Array.from(randomBytes(16), (byte) => String(byte % 10)).join('').replace(/^0/, '1');
  const clientSecret = options.clientSecret ?? randomBytes(16).toString('hex');
  const consents: MetaConsent[] = [];
  const endedBy = new Map<string, EndedBy>();
  let proofRequired = false;
  let dataAccessDays = 90;
  const now = options.now ?? Date.now;

  /** Graph's error object (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
  function graphError(status: number, error: { message: string; type: string; code: number; error_subcode?: number; is_transient?: boolean }): SimAnswer {
    return { status, body: { error: { ...error, fbtrace_id: randomBytes(8).toString('base64url') } } };
  }

  /**
   * Code 190 with the subcode that says why the token is dead. The messages are those real answers
   * carry; 400 is the status they come with (e.g. https://github.com/adamwathan/eloquent-oauth-l5/issues/46).
   */
  function tokenEnded(subcode: 458 | 460 | 463, expiredAt = 0, at = 0): SimAnswer {
    const message = {
      458: `Error validating access token: The user has not authorized application ${clientId}.`,
      460: 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      // Graph names both times in Pacific time; the format here is approximate.
      463: `Error validating access token: Session has expired on ${new Date(expiredAt).toUTCString()}. The current time is ${new Date(at).toUTCString()}.`,
    }[subcode];
    return graphError(400, { message, type: 'OAuthException', code: 190, error_subcode: subcode });
  }

  /** The code exchange's errors: code 100 with the subcode for the code's state (observed in real answers). */
  function codeError(subcode: 36007 | 36008 | 36009): SimAnswer {
    const message = {
      36007: 'This authorization code has expired.',
      36008: 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      36009: 'This authorization code has been used.',
    }[subcode];
    return graphError(400, { message, type: 'OAuthException', code: 100, error_subcode: subcode });
  }

  /** Code 2, "temporary issue due to downtime", and the throttling codes 4 and 17 (same page). */
  function faultAnswer(group: string, mode: FaultMode): SimAnswer {
    if (mode === 'server_error') {
      return graphError(500, { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true });
    }
    if (group === 'token') {
      // The token endpoint sees codes, not access tokens: a dead grant there is a used or expired code.
      if (mode === 'revoked') return codeError(36009);
      if (mode === 'expired') return codeError(36007);
      // App-level limit; 403 as seen in https://github.com/facebook/facebook-android-sdk/issues/582.
      return graphError(403, { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, is_transient: true });
    }
    if (mode === 'revoked') return tokenEnded(458);
    if (mode === 'expired') return tokenEnded(463, now() - 60_000, now());
    // User-level limit; ad account reads add subcode 2446079 (https://developers.facebook.com/docs/marketing-api/api-rate-limiting).
    // The 400 is inferred: Graph documents no status for it, and its error bodies generally come with 400.
    return group === 'accounts'
      ? graphError(400, { message: 'User request limit reached', type: 'OAuthException', code: 17, error_subcode: 2446079, is_transient: true })
      : graphError(400, { message: '(#17) User request limit reached', type: 'OAuthException', code: 17, is_transient: true });
  }

  /** The person behind a Graph call, with the token and `appsecret_proof` checked as Graph checks them. */
  function caller(request: RecordedRequest, state: SimulatorState): { user: SimUser; token: string } | { answer: SimAnswer } {
    // Graph takes the token as the access_token parameter (https://developers.facebook.com/docs/graph-api/overview)
    // or in an `Authorization: Bearer` header.
    const token = request.query.access_token ?? bearerOf(request);
    if (token === undefined) {
      return { answer: graphError(400, { message: 'An active access token must be used to query information about the current user.', type: 'OAuthException', code: 2500 }) };
    }
    // https://developers.facebook.com/docs/graph-api/guides/secure-requests (appsecret_proof): the hex
    // HMAC-SHA256 of the token keyed with the app secret. Messages and GraphMethodException as in
    // https://github.com/scribejava/scribejava/issues/758 and https://github.com/Kdyby/Facebook/pull/22.
    const proof = request.query.appsecret_proof;
    if (proof !== undefined && proof !== createHmac('sha256', state.clientSecret).update(token).digest('hex')) {
      return { answer: graphError(400, { message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException', code: 100 }) };
    }
    if (proof === undefined && proofRequired) {
      return { answer: graphError(400, { message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException', code: 100 }) };
    }
    const record = state.tokens.get(token);
    const user = state.live(token, 'access') && record ? state.users.get(record.userId) : undefined;
    if (!user) return { answer: deadToken(token, record, state) };
    return { user, token };
  }

  function deadToken(token: string, record: TokenRecord | undefined, state: SimulatorState): SimAnswer {
    if (!record || record.kind !== 'access') return graphError(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    if (record.revoked) return tokenEnded(endedBy.get(token) ?? 458);
    return tokenEnded(463, record.expiresAt, state.now());
  }

  function endUser(state: SimulatorState, userId: string, why: EndedBy): void {
    for (const [token, record] of state.tokens) {
      if (record.userId !== userId || record.revoked) continue;
      record.revoked = true;
      endedBy.set(token, why);
    }
  }

  function mintToken(state: SimulatorState, userId: string): string {
    // Meta user access tokens start with EAA.
    return state.mint('EAA', { userId, kind: 'access', expiresAt: state.now() + META_TOKEN_TTL_SECONDS * 1000 });
  }

  // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow, "Exchanging Code for an
  // Access Token": GET with query parameters; a form POST is accepted as well.
  function exchangeCode(request: RecordedRequest, state: SimulatorState): SimAnswer {
    const params = { ...request.query, ...request.form };
    if (params.client_id !== state.clientId) return graphError(400, { message: 'Error validating application. Invalid application ID.', type: 'OAuthException', code: 101 });
    if (params.client_secret !== state.clientSecret) return graphError(400, { message: 'Error validating client secret.', type: 'OAuthException', code: 1 });
    const code = params.code === undefined ? undefined : state.tokens.get(params.code);
    if (!code || code.kind !== 'code') return graphError(400, { message: 'Invalid verification code format.', type: 'OAuthException', code: 100 });
    if (code.revoked) return codeError(36009);
    if (code.expiresAt !== undefined && code.expiresAt <= state.now()) return codeError(36007);
    if (params.redirect_uri !== code.authorize?.redirect_uri) return codeError(36008);
    code.revoked = true;
    // The documented answer: {"access_token", "token_type", "expires_in"}; no refresh token exists.
    return { status: 200, body: { access_token: mintToken(state, code.userId), token_type: 'bearer', expires_in: META_TOKEN_TTL_SECONDS } };
  }

  const sim = await startSimulator(
    {
      origins: ['https://www.facebook.com', 'https://graph.facebook.com'],
      envPrefixes: ['META_ADS'],
      accessTokenTtlSeconds: META_TOKEN_TTL_SECONDS,
      groupOf(_method, path) {
        if (path === `/${V}/oauth/access_token`) return 'token';
        if (path === `/${V}/me`) return 'identity';
        if (path === `/${V}/me/adaccounts`) return 'accounts';
        return undefined;
      },
      faultAnswer,
      routes: {
        // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow, "Invoking the Login Dialog" (client_id,
        // redirect_uri, state; scope comma-separated; auth_type=rerequest); Facebook Login for Business sends
        // config_id instead of scope (https://developers.facebook.com/docs/facebook-login/facebook-login-for-business).
        [`GET /${V}/dialog/oauth`]: (request, state) => {
          const { response_type: responseType, config_id: configId, scope, auth_type: authType } = request.query;
          // Other response types put tokens in the fragment; Reconnect's server-side flow uses code, the default.
          if (responseType !== undefined && responseType !== 'code') return { status: 400, body: { simulator: `response_type=${responseType} is not simulated` } };
          const answer = state.consent(request);
          if (answer.status === 302) {
            const extra = authType === undefined ? {} : { authType };
            consents.push(configId !== undefined ? { via: 'config_id', configId, ...extra } : { via: 'scope', scope: scope ? scope.split(',') : [], ...extra });
          }
          return answer;
        },

        // https://developers.facebook.com/docs/graph-api/reference/debug_token: metadata of `input_token`, read
        // with an app access token (`app_id|app_secret`). `data_access_expires_at` is the end of the app's data
        // access, 90 days after the person last used it (https://developers.facebook.com/docs/facebook-login/auth-vs-data/).
        [`GET /${V}/debug_token`]: (request, state) => {
          if (request.query.access_token !== `${state.clientId}|${state.clientSecret}`) {
            return graphError(400, { message: 'Invalid OAuth access token signature.', type: 'OAuthException', code: 190 });
          }
          const record = state.tokens.get(request.query.input_token ?? '');
          const now = Math.floor(state.now() / 1000);
          if (!record || record.kind !== 'access') return { status: 200, body: { data: { is_valid: false, scopes: [] } } };
          return {
            status: 200,
            body: {
              data: {
                app_id: state.clientId,
                type: 'USER',
                application: 'Reconnect (simulated)',
                data_access_expires_at: now + dataAccessDays * 86_400,
                expires_at: record.expiresAt ? Math.floor(record.expiresAt / 1000) : 0,
                is_valid: state.live(request.query.input_token, 'access') !== undefined,
                scopes: ['ads_read', 'ads_management', 'business_management'],
                user_id: record.userId,
              },
            },
          };
        },

        [`GET /${V}/oauth/access_token`]: exchangeCode,
        [`POST /${V}/oauth/access_token`]: exchangeCode,

        // https://developers.facebook.com/docs/graph-api/reference/user
        [`GET /${V}/me`]: (request, state) => {
          const who = caller(request, state);
          if ('answer' in who) return who.answer;
          return pickFields(request.query.fields ?? 'id,name', { id: who.user.id, name: who.user.label }, 'User');
        },

        // https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts, paged by cursors
        // (https://developers.facebook.com/docs/graph-api/results, cursor-based pagination).
        [`GET /${V}/me/adaccounts`]: (request, state) => {
          const who = caller(request, state);
          if ('answer' in who) return who.answer;
          return adAccountsPage(request, state, who.user, who.token);
        },

        // https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke ("Revoking Login"): the
        // person's whole login to the app ends, as when they remove it.
        [`DELETE /${V}/me/permissions`]: (request, state) => {
          const who = caller(request, state);
          if ('answer' in who) return who.answer;
          endUser(state, who.user.id, 458);
          return { status: 200, body: { success: true } };
        },
      },
    },
    { ...options, clientId, clientSecret },
  );

  function adAccountsPage(request: RecordedRequest, state: SimulatorState, user: SimUser, token: string): SimAnswer {
    // The edge's default field is account_id (inferred); `id` always comes, as on every Graph node.
    const fields = (request.query.fields ?? 'account_id').split(',').map((field) => field.trim());
    const unknown = fields.find((field) => !['id', 'account_id', 'name'].includes(field));
    if (unknown !== undefined) return nonexistingField(unknown, 'AdAccount');
    const requested = Number.parseInt(request.query.limit ?? '', 10);
    const limit = Number.isInteger(requested) && requested > 0 ? requested : META_PAGE_SIZE;
    const accounts = user.accounts;
    const cursorOf = (id: string) => Buffer.from(id).toString('base64');
    const indexOf = (cursor: string) => accounts.findIndex((account) => cursorOf(account.id) === cursor);
    const { after, before } = request.query;
    const anchor = after ?? before;
    // Inferred: Graph's answer to a cursor it never issued is not documented.
    if (anchor !== undefined && indexOf(anchor) < 0) return graphError(400, { message: '(#100) Invalid cursor', type: 'OAuthException', code: 100 });
    const start = after !== undefined ? indexOf(after) + 1 : before !== undefined ? Math.max(0, indexOf(before) - limit) : 0;
    const end = before !== undefined ? indexOf(before) : start + limit;
    const page = accounts.slice(start, end);
    const data = page.map((account) => {
      const node: Record<string, string> = { account_id: account.id, name: account.name, id: `act_${account.id}` };
      return Object.fromEntries([...fields.filter((field) => field !== 'id'), 'id'].map((field) => [field, node[field]]));
    });
    if (page.length === 0) return { status: 200, body: { data } };
    // Graph's paging links repeat the request's parameters, access token included.
    const link = (cursor: Record<string, string>) => {
      const params = new URLSearchParams({ ...request.query, access_token: token, limit: String(limit) });
      params.delete('after');
      params.delete('before');
      for (const [name, value] of Object.entries(cursor)) params.set(name, value);
      return `${state.origin}${request.path}?${params}`;
    };
    const first = cursorOf(page[0]!.id);
    const last = cursorOf(page[page.length - 1]!.id);
    return {
      status: 200,
      body: {
        data,
        paging: {
          cursors: { before: first, after: last },
          ...(start > 0 ? { previous: link({ before: first }) } : {}),
          ...(start + page.length < accounts.length ? { next: link({ after: last }) } : {}),
        },
      },
    };
  }

  return Object.assign(sim, {
    consents,
    requireAppSecretProof(on: boolean) {
      proofRequired = on;
    },
    setDataAccessDays(days: number) {
      dataAccessDays = days;
    },
    changePassword(userId: string) {
      endUser(sim, userId, 460);
    },
    revokeUser(userId: string) {
      endUser(sim, userId, 458);
    },
    // Meta has no refresh tokens: a person who consented earlier holds one long-lived access token.
    issueTokens(userId: string) {
      return { accessToken: mintToken(sim, userId) };
    },
  });
}

/** The requested fields of a node, `id` always among them, or Graph's error for a field the node lacks. */
function pickFields(requested: string, node: Record<string, string>, nodeType: string): SimAnswer {
  const fields = requested.split(',').map((field) => field.trim());
  const unknown = fields.find((field) => !(field in node));
  if (unknown !== undefined) return nonexistingField(unknown, nodeType);
  return { status: 200, body: Object.fromEntries([...fields.filter((field) => field !== 'id'), 'id'].map((field) => [field, node[field]])) };
}

/** Graph's "(#100) Tried accessing nonexisting field" error, as real answers word it. */
function nonexistingField(field: string, nodeType: string): SimAnswer {
  return {
    status: 400,
    body: { error: { message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`, type: 'OAuthException', code: 100, fbtrace_id: randomBytes(8).toString('base64url') } },
  };
}
