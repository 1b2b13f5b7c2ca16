import {
  checkApiKey,
  completeAuthorization,
  createAuthorization,
  fetchIdentity,
  refreshAccessToken,
  type CompleteAuthorizationInput,
  type OAuthFailure,
} from '../../src/oauth';
import type { Result } from '../../src/lib/errors';
import type { ProviderDefinition } from '../../src/providers/definition';
import {
  apiKeyProviderFor,
  followAuthorize,
  oauth2ProviderFor,
  startFakeOAuthProvider,
  type FakeOAuthProvider,
  type RecordedRequest,
} from '../fakes/fake-oauth-provider';

/**
 * Every failure path, fed providers that echo secrets back in their error answers. Short secrets that
 * don't look like tokens are used on purpose: only the module's own scrubbing can catch those.
 */

const REDIRECT_URI = 'https://reconnect.example.test/oauth/callback';
const CLIENT_SECRET = 'swordfish';
const API_KEY = 'open-sesame';

let fake: FakeOAuthProvider;
let provider: ProviderDefinition;
const secrets = new Set<string>([CLIENT_SECRET, API_KEY]);
const failures: { name: string; failure: OAuthFailure }[] = [];

beforeAll(async () => {
  fake = await startFakeOAuthProvider({ clientSecret: CLIENT_SECRET });
  provider = oauth2ProviderFor(fake);
});
afterAll(() => fake.close());
afterEach(() => fake.clearFaults());

function seed(account = 'account-1') {
  const tokens = fake.issueTokens(account);
  secrets.add(tokens.accessToken).add(tokens.refreshToken);
  return tokens;
}

async function flow(overrides: Partial<CompleteAuthorizationInput> = {}, editCallback?: (url: URL, code: string) => void) {
  const request = await createAuthorization({ provider, clientId: fake.clientId, redirectUri: REDIRECT_URI, allowInsecureHttp: true });
  const callbackUrl = await followAuthorize(request.url);
  const code = callbackUrl.searchParams.get('code') ?? '';
  secrets.add(request.codeVerifier).add(request.state).add(code);
  editCallback?.(callbackUrl, code);
  return completeAuthorization({
    provider,
    client: { clientId: fake.clientId, clientSecret: CLIENT_SECRET },
    redirectUri: REDIRECT_URI,
    callbackUrl,
    expectedState: request.state,
    codeVerifier: request.codeVerifier,
    allowInsecureHttp: true,
    ...overrides,
  });
}

function refresh(refreshToken: string, timeoutMs?: number) {
  return refreshAccessToken({
    provider,
    client: { clientId: fake.clientId, clientSecret: CLIENT_SECRET },
    refreshToken,
    allowInsecureHttp: true,
    timeoutMs,
  });
}

function echo(...values: string[]) {
  return { error: 'invalid_grant', error_description: `rejected ${values.join(' and ')}` };
}

const cases: [string, () => Promise<Result<unknown, OAuthFailure>>][] = [
  ['state mismatch', () => flow({ expectedState: 'another-flow' })],
  ['provider error with the code in its description', () => flow({}, (url, code) => {
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', `no thanks to ${code} and ${CLIENT_SECRET}`);
  })],
  ['issuer mismatch', () => flow({}, (url) => url.searchParams.set('iss', 'https://attacker.example'))],
  ['wrong verifier', () => flow({ codeVerifier: 'v'.repeat(50) })],
  ['token endpoint echoing code, verifier and secret', async () => {
    fake.failNext('/token', 400, (request: RecordedRequest) => echo(request.form.code ?? '', request.form.code_verifier ?? '', CLIENT_SECRET));
    return flow();
  }],
  ['token endpoint 500 page echoing the secret', async () => {
    fake.failNext('/token', 500, `<html>client_secret=${CLIENT_SECRET}</html>`);
    return flow();
  }],
  ['revoked refresh token echoed back', async () => {
    const { refreshToken } = seed();
    fake.failNext('/token', 400, (request: RecordedRequest) => echo(request.form.refresh_token ?? '', request.form.client_secret ?? ''));
    return refresh(refreshToken);
  }],
  ['HubSpot-shaped refresh failure echoing the token', async () => {
    const { refreshToken } = seed();
    fake.failNext('/token', 400, { status: 'BAD_REFRESH_TOKEN', message: `refresh token ${refreshToken} is invalid` });
    return refresh(refreshToken);
  }],
  ['Meta-shaped error echoing the token', async () => {
    const { refreshToken } = seed();
    fake.failNext('/token', 400, { error: { type: 'OAuthException', code: 190, message: `Malformed access token ${refreshToken}` } });
    return refresh(refreshToken);
  }],
  ['wrong client secret', async () => {
    const { refreshToken } = seed();
    return refreshAccessToken({ provider, client: { clientId: fake.clientId, clientSecret: 'not-the-secret' }, refreshToken, allowInsecureHttp: true });
  }],
  ['hanging token endpoint', async () => {
    const { refreshToken } = seed();
    fake.hang('/token');
    return refresh(refreshToken, 100);
  }],
  ['identity 401 echoing the token', async () => {
    const { accessToken } = seed();
    fake.failNext('/userinfo', 401, { error: 'invalid_token', error_description: `token ${accessToken} revoked` });
    return fetchIdentity({ provider, accessToken, allowInsecureHttp: true });
  }],
  ['unreachable identity URL that contains the token', async () => {
    const { accessToken } = seed();
    const hubspotLike = oauth2ProviderFor(fake, {
      identity: { url: 'http://127.0.0.1:9/access-tokens/{accessToken}', method: 'GET', accountPath: 'hub_id', headers: {} },
    });
    return fetchIdentity({ provider: hubspotLike, accessToken, allowInsecureHttp: true });
  }],
  ['rejected API key echoed back', async () => {
    fake.failNext('/apikey/me', 401, { error: 'invalid_api_key', error_description: `key ${API_KEY} unknown` });
    return checkApiKey({ provider: apiKeyProviderFor(fake), apiKey: API_KEY, allowInsecureHttp: true });
  }],
];

describe('failure details', () => {
  it.each(cases)('%s: fails without any secret in the failure', async (name, run) => {
    const result = await run();

    expect(result.ok).toBe(false);
    if (result.ok) return;
    failures.push({ name, failure: result.error });
    const serialized = JSON.stringify(result.error);
    for (const secret of secrets) expect(serialized).not.toContain(secret);
  });

  it('covered every kind a flow can fail with, and each detail still says what happened', () => {
    expect(new Set(failures.map(({ failure }) => failure.kind))).toEqual(
      new Set(['state_mismatch', 'provider_error', 'issuer_mismatch', 'exchange_failed', 'refresh_failed', 'identity_failed', 'network']),
    );
    for (const { failure } of failures) expect(failure.detail.length).toBeGreaterThan(10);
    const echoed = failures.find(({ name }) => name === 'revoked refresh token echoed back');
    expect(echoed?.failure.detail).toContain('invalid_grant');
    expect(echoed?.failure.detail).toContain('[redacted]');
  });
});
