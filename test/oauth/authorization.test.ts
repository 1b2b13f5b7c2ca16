import { completeAuthorization, createAuthorization, readAccountAccess, type CompleteAuthorizationInput } from '../../src/oauth';
import type { ProviderDefinition } from '../../src/providers/definition';
import {
  followAuthorize,
  oauth2ProviderFor,
  startFakeOAuthProvider,
  type FakeOAuthProvider,
} from '../fakes/fake-oauth-provider';
import { createHash } from 'node:crypto';

const REDIRECT_URI = 'https://reconnect.example.test/oauth/callback';

let fake: FakeOAuthProvider;
let provider: ProviderDefinition;

beforeAll(async () => {
  fake = await startFakeOAuthProvider();
  provider = oauth2ProviderFor(fake, { authorizeParams: { access_type: 'offline', prompt: 'consent' } });
});
afterAll(() => fake.close());
afterEach(() => fake.clearFaults());

async function startFlow(definition: ProviderDefinition = provider) {
  const request = await createAuthorization({ provider: definition, clientId: fake.clientId, redirectUri: REDIRECT_URI, allowInsecureHttp: true });
  return { request, callbackUrl: await followAuthorize(request.url) };
}

function completion(
  flow: Awaited<ReturnType<typeof startFlow>>,
  overrides: Partial<CompleteAuthorizationInput> = {},
): Promise<Awaited<ReturnType<typeof completeAuthorization>>> {
  return completeAuthorization({
    provider,
    client: { clientId: fake.clientId, clientSecret: fake.clientSecret },
    redirectUri: REDIRECT_URI,
    callbackUrl: flow.callbackUrl,
    expectedState: flow.request.state,
    codeVerifier: flow.request.codeVerifier,
    allowInsecureHttp: true,
    ...overrides,
  });
}

describe('createAuthorization', () => {
  it('sends an S256 challenge of the verifier, the state, the scopes and the catalog parameters', async () => {
    const { request } = await startFlow();
    const params = request.url.searchParams;

    expect(`${request.url.origin}${request.url.pathname}`).toBe(fake.config().authorizeUrl);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(fake.clientId);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.get('state')).toBe(request.state);
    expect(params.get('scope')).toBe('read offline');
    expect(params.get('access_type')).toBe('offline');
    expect(params.get('prompt')).toBe('consent');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toBe(createHash('sha256').update(request.codeVerifier).digest('base64url'));
    expect(fake.authorizeRequests.at(-1)).toMatchObject({ state: request.state, codeChallengeMethod: 'S256', scope: 'read offline' });
  });

  it('makes a fresh state and verifier for every flow', async () => {
    const first = await createAuthorization({ provider, clientId: 'c', redirectUri: REDIRECT_URI, allowInsecureHttp: true });
    const second = await createAuthorization({ provider, clientId: 'c', redirectUri: REDIRECT_URI, allowInsecureHttp: true });

    expect(first.state).not.toBe(second.state);
    expect(first.codeVerifier).not.toBe(second.codeVerifier);
    expect(first.codeVerifier.length).toBeGreaterThanOrEqual(43);
  });

  it('joins scopes with the provider separator and honours a scope override', async () => {
    const commaSeparated = oauth2ProviderFor(fake, { scopes: ['ads_read', 'business_management'], scopeSeparator: ',' });
    const request = await createAuthorization({ provider: commaSeparated, clientId: 'c', redirectUri: REDIRECT_URI, allowInsecureHttp: true });
    const overridden = await createAuthorization({
      provider: commaSeparated,
      clientId: 'c',
      redirectUri: REDIRECT_URI,
      scopesOverride: ['ads_read'],
      allowInsecureHttp: true,
    });

    expect(request.url.searchParams.get('scope')).toBe('ads_read,business_management');
    expect(overridden.url.searchParams.get('scope')).toBe('ads_read');
  });

  it('never lets catalog parameters replace the protocol parameters', async () => {
    const hostile = oauth2ProviderFor(fake, { authorizeParams: { state: 'fixed', redirect_uri: 'https://evil.example', code_challenge_method: 'plain' } });
    const { url, state } = await createAuthorization({ provider: hostile, clientId: 'c', redirectUri: REDIRECT_URI, allowInsecureHttp: true });

    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('refuses an http authorize endpoint unless insecure http is allowed', async () => {
    await expect(createAuthorization({ provider, clientId: 'c', redirectUri: REDIRECT_URI })).rejects.toThrow(/HTTPS/);
  });
});

describe('completeAuthorization', () => {
  it('exchanges the code and returns the tokens, whose account the identity endpoint names', async () => {
    fake.nextAccount('account-42');
    const before = Date.now();
    const result = await completion(await startFlow());

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.accessToken).toMatch(/^at_/);
    expect(result.value.refreshToken).toMatch(/^rt_/);
    expect(result.value.scope).toBe('read offline');
    const access = await readAccountAccess({ provider, accessToken: result.value.accessToken, allowInsecureHttp: true });
    expect(access).toEqual({ ok: true, value: { person: { id: 'account-42', label: 'account-42@example.test' }, accounts: [{ ids: ['account-42'], label: 'account-42@example.test' }] } });
    expect(result.value.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(result.value.expiresAt!.getTime()).toBeLessThan(Date.now() + 3600_000 + 1000);
  });

  it('sends client_secret_post or client_secret_basic as the definition says', async () => {
    const basicOnly = await startFakeOAuthProvider({ clientAuth: 'client_secret_basic', clientSecret: 'secret with spaces & symbols:' });
    try {
      const definition = oauth2ProviderFor(basicOnly, { clientAuth: 'client_secret_basic' });
      const request = await createAuthorization({ provider: definition, clientId: basicOnly.clientId, redirectUri: REDIRECT_URI, allowInsecureHttp: true });
      const result = await completeAuthorization({
        provider: definition,
        client: { clientId: basicOnly.clientId, clientSecret: basicOnly.clientSecret },
        redirectUri: REDIRECT_URI,
        callbackUrl: await followAuthorize(request.url),
        expectedState: request.state,
        codeVerifier: request.codeVerifier,
        allowInsecureHttp: true,
      });

      expect(result.ok).toBe(true);
      const tokenRequest = basicOnly.requests.find((entry) => entry.path === '/token');
      expect(tokenRequest?.headers.authorization).toMatch(/^Basic /);
      expect(tokenRequest?.form.client_secret).toBeUndefined();
    } finally {
      await basicOnly.close();
    }
  });

  it('omits PKCE entirely for a provider whose definition turns it off', async () => {
    const withoutPkce = oauth2ProviderFor(fake, { pkce: false });
    const flow = await startFlow(withoutPkce);
    const result = await completion(flow, { provider: withoutPkce });

    expect(flow.request.url.searchParams.has('code_challenge')).toBe(false);
    expect(result.ok).toBe(true);
    expect(fake.requests.filter((entry) => entry.path === '/token').at(-1)?.form.code_verifier).toBeUndefined();
  });

  it('reports a tampered state as state_mismatch without calling the token endpoint', async () => {
    const flow = await startFlow();
    const tokenCalls = fake.requests.filter((entry) => entry.path === '/token').length;
    const result = await completion(flow, { expectedState: 'a-state-from-another-flow' });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'state_mismatch', classification: 'needs_reauth' }) });
    expect(fake.requests.filter((entry) => entry.path === '/token')).toHaveLength(tokenCalls);
  });

  it('reports a declined consent as provider_error with the OAuth error code', async () => {
    fake.denyNext('access_denied');
    const result = await completion(await startFlow());

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'provider_error', classification: 'needs_reauth' });
    expect(result.error.detail).toContain('access_denied');
  });

  it('treats temporarily_unavailable from the authorize endpoint as transient', async () => {
    fake.denyNext('temporarily_unavailable');
    const result = await completion(await startFlow());

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'provider_error', classification: 'transient' }) });
  });

  it('answers a wrong PKCE verifier with exchange_failed needs_reauth (invalid_grant)', async () => {
    const result = await completion(await startFlow(), { codeVerifier: 'x'.repeat(64) });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'exchange_failed', classification: 'needs_reauth', httpStatus: 400 });
    expect(result.error.detail).toContain('invalid_grant');
  });

  it('refuses to redeem the same code twice', async () => {
    const flow = await startFlow();
    expect((await completion(flow)).ok).toBe(true);

    const replay = await completion(flow);
    expect(replay).toEqual({ ok: false, error: expect.objectContaining({ kind: 'exchange_failed', httpStatus: 400 }) });
  });

  it('treats a 500 from the token endpoint as transient', async () => {
    const flow = await startFlow();
    fake.failNext('/token', 500, '<html>Internal Server Error</html>');
    const result = await completion(flow);

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'exchange_failed', classification: 'transient', httpStatus: 500 }),
    });
  });

  it('reports a failing identity endpoint after a good exchange as identity_failed', async () => {
    const tokens = await completion(await startFlow());
    fake.failNext('/userinfo', 503);
    const result = await readAccountAccess({ provider, accessToken: tokens.ok ? tokens.value.accessToken : '', allowInsecureHttp: true });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'identity_failed', classification: 'transient', httpStatus: 503 }) });
  });

  it('ignores an ID token it never asked for, even one from another issuer', async () => {
    const flow = await startFlow();
    const { accessToken } = fake.issueTokens('account-7');
    fake.failNext('/token', 200, { access_token: accessToken, token_type: 'Bearer', id_token: unsignedJwt({ iss: 'https://login.example/tenant-1/v2.0' }) });
    const result = await completion(flow);

    expect(result.ok && result.value.accessToken).toBe(accessToken);
  });

  it('refuses http token endpoints unless insecure http is allowed (oauth4webapi check)', async () => {
    const flow = await startFlow();
    const calls = fake.requests.length;
    const result = await completion(flow, { allowInsecureHttp: false });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'exchange_failed', classification: 'transient', reason: 'internal' });
    expect(result.error.detail).toContain('https');
    expect(fake.requests).toHaveLength(calls);
  });

  describe('issuer identification (RFC 9207)', () => {
    afterEach(() => fake.sendIssuer(false));

    it('accepts the expected iss', async () => {
      const withIssuer = oauth2ProviderFor(fake, { issuer: fake.issuer });
      fake.sendIssuer();
      const result = await completion(await startFlow(withIssuer), { provider: withIssuer });

      expect(result.ok).toBe(true);
    });

    it('rejects a response from another issuer (mix-up)', async () => {
      const withIssuer = oauth2ProviderFor(fake, { issuer: fake.issuer });
      fake.sendIssuer('https://attacker.example');
      const result = await completion(await startFlow(withIssuer), { provider: withIssuer });

      expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'issuer_mismatch', classification: 'needs_reauth' }) });
    });

    it('rejects a response without iss when the catalog says the provider sends one', async () => {
      const withIssuer = oauth2ProviderFor(fake, { issuer: fake.issuer });
      const result = await completion(await startFlow(withIssuer), { provider: withIssuer });

      expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'issuer_mismatch' }) });
    });

    it('checks an iss that arrives unannounced against the authorize URL origin', async () => {
      fake.sendIssuer('https://attacker.example');
      const result = await completion(await startFlow());

      expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'issuer_mismatch' }) });
    });
  });
});

function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ sub: 's', aud: 'other', iat: now, exp: now + 60, ...claims })}.c2ln`;
}
