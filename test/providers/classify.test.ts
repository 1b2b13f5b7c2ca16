import type { Config } from '../../src/config';
import { buildCatalog } from '../../src/providers/catalog';
import { classifyProviderAnswer, type ClassifiedAnswer, type ProviderAnswer } from '../../src/providers/classify';
import { PROVIDER_IDS } from '../../src/lib/provider-ids';

const genericOAuth: NonNullable<Config['genericOAuth']> = {
  name: 'Acme Warehouse',
  kind: 'integration',
  authorizeUrl: 'http://127.0.0.1:4010/authorize',
  tokenUrl: 'http://127.0.0.1:4010/token',
  userinfoUrl: 'http://127.0.0.1:4010/userinfo',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  scopes: [],
  accountClaim: 'sub',
};
const genericApiKey: NonNullable<Config['genericApiKey']> = {
  name: 'Acme Database',
  kind: 'integration',
  probeUrl: 'http://127.0.0.1:4020/whoami',
  header: 'Authorization',
  accountClaim: 'account_id',
};
const catalog = buildCatalog({ genericOAuth, genericApiKey });

const classify = (providerId: string, answer: ProviderAnswer) => classifyProviderAnswer(catalog.require(providerId), answer);

const meta = (code: number, subcode?: number) => ({
  error: {
    message: 'Error validating access token: The session has been invalidated.',
    type: 'OAuthException',
    code,
    ...(subcode === undefined ? {} : { error_subcode: subcode }),
    fbtrace_id: 'EJplcsCHuLu',
  },
});
const microsoft = (error: string, description: string) => ({
  error,
  error_description: `${description}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2025-03-10 12:00:00Z`,
  error_codes: [Number(description.slice(6, description.indexOf(':')))],
});

type Expected = Pick<ClassifiedAnswer, 'classification' | 'reason'>;
const reauth = (reason: ClassifiedAnswer['reason']): Expected => ({ classification: 'needs_reauth', reason });
const retry = (reason?: ClassifiedAnswer['reason']): Expected =>
  reason === undefined ? { classification: 'transient' } : { classification: 'transient', reason };

/** Real error answers, from the providers' documentation (the table in docs/SECURITY.md). */
const cases: [string, string, ProviderAnswer, Expected][] = [
  ['Google: refresh token expired or revoked', 'google_ads',
    { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }, reauth('token_revoked')],
  ['Google: Workspace session control requires signing in again', 'google_ads',
    { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'reauth related error (invalid_rapt)', error_subtype: 'invalid_rapt' } }, reauth('admin_changed')],
  ['Google: our client secret is wrong (reauthorizing would not help)', 'google_ads',
    { httpStatus: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } }, retry('internal')],

  ['Salesforce: expired refresh token (or the oldest of 5 grants)', 'salesforce',
    { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } }, reauth('token_expired')],
  ['Salesforce: password changed or user deactivated', 'salesforce',
    { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'authentication failure' } }, reauth('admin_changed')],
  ['Salesforce: inactive user', 'salesforce',
    { httpStatus: 400, body: { error: 'inactive_user', error_description: 'user is inactive' } }, reauth('admin_changed')],
  ['Salesforce: daily API allowance used up', 'salesforce',
    { httpStatus: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] }, retry()],

  ['Meta: app removed by the user (190/458)', 'meta_ads', { httpStatus: 400, body: meta(190, 458) }, reauth('token_revoked')],
  ['Meta: account checkpointed (190/459)', 'meta_ads', { httpStatus: 400, body: meta(190, 459) }, reauth('admin_changed')],
  ['Meta: password changed (190/460)', 'meta_ads', { httpStatus: 400, body: meta(190, 460) }, reauth('admin_changed')],
  ['Meta: token expired (190/463)', 'meta_ads', { httpStatus: 400, body: meta(190, 463) }, reauth('token_expired')],
  ['Meta: token invalid (190/467)', 'meta_ads', { httpStatus: 400, body: meta(190, 467) }, reauth('token_revoked')],
  ['Meta: invalid token without a subcode (190)', 'meta_ads', { httpStatus: 400, body: meta(190) }, reauth('unknown')],
  ['Meta: application rate limit (4)', 'meta_ads', { httpStatus: 400, body: meta(4) }, retry()],
  ['Meta: user rate limit (17)', 'meta_ads', { httpStatus: 400, body: meta(17) }, retry()],
  ['Meta: application limit reached (341)', 'meta_ads', { httpStatus: 400, body: meta(341) }, retry()],

  ['LinkedIn: refresh token invalid, expired or revoked', 'linkedin_ads',
    { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked' } }, reauth('token_revoked')],
  ['LinkedIn: API answers 401 for a revoked token', 'linkedin_ads',
    { httpStatus: 401, body: { serviceErrorCode: 65601, message: 'The token used in the request has been revoked by the user', status: 401 } }, reauth('token_revoked')],

  ['HubSpot: bad refresh token', 'hubspot',
    { httpStatus: 400, body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token', correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf' } }, reauth('token_revoked')],
  ['HubSpot: invalid grant', 'hubspot', { httpStatus: 400, body: { error: 'invalid_grant' } }, reauth('token_revoked')],
  ['HubSpot: expired access token (refreshing fixes it)', 'hubspot',
    { httpStatus: 401, body: { status: 'error', message: 'The OAuth token used to make this call expired 1 day(s) ago.', category: 'EXPIRED_AUTHENTICATION' } }, retry()],

  ['Microsoft Advertising: refresh token unused for 90 days (AADSTS700082)', 'microsoft_ads',
    { httpStatus: 400, body: microsoft('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.') }, reauth('token_expired')],
  ['Microsoft Advertising: refresh token expired (AADSTS70008)', 'microsoft_ads',
    { httpStatus: 400, body: microsoft('invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.') }, reauth('token_expired')],
  ['Microsoft Advertising: grant revoked after a password reset (AADSTS50173)', 'microsoft_ads',
    { httpStatus: 400, body: microsoft('invalid_grant', 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.') }, reauth('admin_changed')],
  ['Microsoft Advertising: MFA now required by the tenant (AADSTS50076)', 'microsoft_ads',
    { httpStatus: 400, body: microsoft('interaction_required', 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.') }, reauth('admin_changed')],
  ['Microsoft Advertising: consent withdrawn (AADSTS65001)', 'microsoft_ads',
    { httpStatus: 400, body: microsoft('invalid_grant', "AADSTS65001: The user or administrator has not consented to use the application.") }, reauth('token_revoked')],
  ['Microsoft Advertising: our client secret expired (AADSTS7000222)', 'microsoft_ads',
    { httpStatus: 401, body: microsoft('invalid_client', 'AADSTS7000222: The provided client secret keys are expired.') }, retry('internal')],
  ['Dynamics 365: refresh token unused for 90 days (AADSTS700082)', 'dynamics365',
    { httpStatus: 400, body: microsoft('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.') }, reauth('token_expired')],
  ['Dynamics 365: blocked by Conditional Access (AADSTS53003)', 'dynamics365',
    { httpStatus: 400, body: microsoft('interaction_required', 'AADSTS53003: Access has been blocked by Conditional Access policies.') }, reauth('admin_changed')],

  ['generic OAuth2: invalid grant', 'generic_oauth2', { httpStatus: 400, body: { error: 'invalid_grant' } }, reauth('token_revoked')],
  ['generic OAuth2: userinfo answers 401', 'generic_oauth2', { httpStatus: 401, body: '' }, reauth('token_revoked')],
  ['generic OAuth2: the server is temporarily unavailable', 'generic_oauth2', { httpStatus: 400, body: { error: 'temporarily_unavailable' } }, retry('third_party_outage')],
  ['generic API key: key rejected (401)', 'generic_api_key', { httpStatus: 401, body: { message: 'invalid key' } }, reauth('token_revoked')],
  ['generic API key: key lacks access (403)', 'generic_api_key', { httpStatus: 403, body: { message: 'forbidden' } }, reauth('token_revoked')],
];

describe('classifying real provider error answers', () => {
  it.each(cases)('%s', (_name, providerId, answer, expected) => {
    const verdict = classify(providerId, answer);
    expect({ classification: verdict.classification, reason: verdict.reason }).toEqual({ reason: undefined, ...expected });
  });
});

describe.each(PROVIDER_IDS)('%s', (providerId) => {
  it('retries on 503 without asking anyone to reauthorize', () => {
    expect(classify(providerId, { httpStatus: 503, body: '<html>Service Unavailable</html>' })).toMatchObject({
      classification: 'transient',
      reason: 'third_party_outage',
    });
  });

  it('retries on 429', () => {
    expect(classify(providerId, { httpStatus: 429, body: { message: 'slow down' } }).classification).toBe('transient');
  });

  it('retries when the network fails or times out', () => {
    expect(classify(providerId, { networkError: true })).toEqual({
      classification: 'transient',
      reason: 'third_party_outage',
      detail: 'no answer (network error or timeout)',
    });
  });

  it('calls a 2xx answer ok', () => {
    expect(classify(providerId, { httpStatus: 200, body: { sub: '123' } })).toEqual({ classification: 'ok', detail: 'HTTP 200' });
  });
});

describe('answers no rule names', () => {
  const bare = { errors: [] };

  it('treats an unexplained 401 as needing reauthorization for an unknown reason', () => {
    expect(classifyProviderAnswer(bare, { httpStatus: 401 })).toEqual({
      classification: 'needs_reauth',
      reason: 'unknown',
      detail: 'HTTP 401',
    });
  });

  it('retries any other unexplained 4xx, keeping the status and code for the log', () => {
    expect(classifyProviderAnswer(bare, { httpStatus: 404, body: { error: 'not_found', error_description: 'No such route' } })).toEqual({
      classification: 'transient',
      detail: 'HTTP 404 not_found: No such route',
    });
  });

  it('never lets a rule turn a success into a failure', () => {
    const provider = { errors: [{ classification: 'needs_reauth' as const, includes: 'revoked' }] };
    expect(classifyProviderAnswer(provider, { httpStatus: 200, body: { name: 'revoked' } }).classification).toBe('ok');
  });
});

describe('reading the answer', () => {
  it('parses a JSON body that arrives as text', () => {
    expect(classify('hubspot', { httpStatus: 400, body: '{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token"}' })).toEqual({
      classification: 'needs_reauth',
      reason: 'token_revoked',
      detail: 'HTTP 400 BAD_REFRESH_TOKEN: missing or invalid refresh token',
    });
  });

  it('matches descriptions regardless of capitalisation', () => {
    expect(classify('salesforce', { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'Authentication failure' } }).reason).toBe(
      'admin_changed',
    );
  });

  it('keeps AADSTS70008 and AADSTS700082 apart', () => {
    const provider = {
      errors: [{ classification: 'needs_reauth' as const, reason: 'token_expired' as const, path: 'error_description', includes: 'AADSTS70008:' }],
    };
    const answer = { httpStatus: 400, body: { error_description: 'AADSTS700082: The refresh token has expired due to inactivity.' } };
    expect(classifyProviderAnswer(provider, answer).classification).toBe('transient');
  });

  it('describes an answer by its status, error codes and the first line of its description', () => {
    expect(classify('google_ads', { httpStatus: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }).detail).toBe(
      'HTTP 400 invalid_grant: Token has been expired or revoked.',
    );
    expect(classify('meta_ads', { httpStatus: 400, body: meta(190, 460) }).detail).toBe(
      'HTTP 400 OAuthException 190 460: Error validating access token: The session has been invalidated.',
    );
    expect(classify('microsoft_ads', { httpStatus: 400, body: microsoft('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.') }).detail).toBe(
      'HTTP 400 invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.',
    );
  });
});

describe('keeping secrets out of the detail', () => {
  const accessToken = 'ya29.a0AfH6SMBx3kT9Zq8yLw2VnRr5p7uJcD4eHgKsQ1';
  const refreshToken = '1//0gL3xKp9QzR7wN2vY8sTfHjUe4bDcA6mPo5';
  const metaToken = 'EAAGm0PX4ZCpsBAOZBZCZBZAxyz123456789abcdefGHI';

  it('leaves out token fields a provider echoes back', () => {
    const { detail } = classify('google_ads', {
      httpStatus: 400,
      body: { error: 'invalid_grant', error_description: 'Bad Request', access_token: accessToken, refresh_token: refreshToken },
    });
    expect(detail).toBe('HTTP 400 invalid_grant: Bad Request');
  });

  it('redacts a token quoted inside an error message', () => {
    const body = { error: { message: `Malformed access token ${metaToken}`, type: 'OAuthException', code: 190 } };
    const { detail } = classify('meta_ads', { httpStatus: 400, body });
    expect(detail).toBe('HTTP 400 OAuthException 190: Malformed access token [redacted]');
    expect(detail).not.toContain(metaToken);
  });

  it('never copies a body that is not JSON', () => {
    const { detail } = classify('salesforce', { httpStatus: 502, body: `<html>upstream refresh_token=${refreshToken}</html>` });
    expect(detail).toBe('HTTP 502');
  });

  it('shortens long descriptions', () => {
    const { detail } = classify('hubspot', { httpStatus: 400, body: { status: 'BAD_REFRESH_TOKEN', message: 'x '.repeat(200) } });
    expect(detail.length).toBeLessThanOrEqual('HTTP 400 BAD_REFRESH_TOKEN: '.length + 160);
  });
});
