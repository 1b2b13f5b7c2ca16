import { checkApiKey, fetchIdentity } from '../../src/oauth';
import type { ProviderDefinition } from '../../src/providers/definition';
import {
  apiKeyProviderFor,
  oauth2ProviderFor,
  startFakeOAuthProvider,
  type FakeOAuthProvider,
} from '../fakes/fake-oauth-provider';

let fake: FakeOAuthProvider;
let provider: ProviderDefinition;

beforeAll(async () => {
  fake = await startFakeOAuthProvider();
  provider = oauth2ProviderFor(fake);
});
afterAll(() => fake.close());
afterEach(() => fake.clearFaults());

describe('fetchIdentity', () => {
  it('reads the account id and label with the bearer token', async () => {
    const { accessToken } = fake.issueTokens('account-9');
    const result = await fetchIdentity({ provider, accessToken, allowInsecureHttp: true });

    expect(result).toEqual({ ok: true, value: { id: 'account-9', label: 'account-9@example.test' } });
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${accessToken}`);
  });

  it('puts the token in the URL instead when the definition has the {accessToken} placeholder (HubSpot)', async () => {
    const hubspotLike = oauth2ProviderFor(fake, {
      identity: { url: `${fake.baseUrl}/access-tokens/{accessToken}`, method: 'GET', accountPath: 'hub_id', labelPath: 'user', headers: {} },
    });
    const { accessToken } = fake.issueTokens('hub-4242');
    const result = await fetchIdentity({ provider: hubspotLike, accessToken, allowInsecureHttp: true });

    expect(result).toEqual({ ok: true, value: { id: '4242', label: 'hub-4242@example.test' } });
    expect(fake.requests.at(-1)?.path).toBe(`/access-tokens/${accessToken}`);
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('follows dotted paths, including array indexes, and turns numeric ids into strings', async () => {
    const nested = oauth2ProviderFor(fake, {
      identity: { url: fake.config().userinfoUrl, method: 'GET', accountPath: 'value.0.TenantId', labelPath: 'value.0.FriendlyName', headers: {} },
    });
    fake.failNext('/userinfo', 200, { value: [{ TenantId: 1234567, FriendlyName: 'Contoso' }] });
    const result = await fetchIdentity({ provider: nested, accessToken: 'at_any', allowInsecureHttp: true });

    expect(result).toEqual({ ok: true, value: { id: '1234567', label: 'Contoso' } });
  });

  it('sends the definition headers', async () => {
    const withHeaders = oauth2ProviderFor(fake, {
      identity: { url: fake.config().userinfoUrl, method: 'GET', accountPath: 'sub', headers: { 'x-developer-token': 'dev-token' } },
    });
    await fetchIdentity({ provider: withHeaders, accessToken: fake.issueTokens('a').accessToken, allowInsecureHttp: true });

    expect(fake.requests.at(-1)?.headers['x-developer-token']).toBe('dev-token');
  });

  it('classifies a revoked access token (401) as needs_reauth', async () => {
    const { accessToken } = fake.issueTokens('account-1');
    fake.revoke(accessToken);
    const result = await fetchIdentity({ provider, accessToken, allowInsecureHttp: true });

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'identity_failed', classification: 'needs_reauth', reason: 'token_revoked', httpStatus: 401 }),
    });
  });

  it.each([
    ['no account id', { email: 'someone@example.test' }],
    ['an empty account id', { sub: '' }],
    ['an object where the id should be', { sub: { id: 1 } }],
    ['a JSON array', []],
    ['text', 'not json'],
  ])('reports an answer with %s as a transient identity failure', async (_case, body) => {
    fake.failNext('/userinfo', 200, body);
    const result = await fetchIdentity({ provider, accessToken: 'at_any', allowInsecureHttp: true });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'identity_failed', classification: 'transient' }) });
  });

  it('does not follow redirects with the token', async () => {
    fake.failNext('/userinfo', 302, '');
    const result = await fetchIdentity({ provider, accessToken: 'at_any', allowInsecureHttp: true });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'identity_failed', httpStatus: 302 }) });
  });

  it('times out a hanging identity endpoint', async () => {
    fake.hang('/userinfo');
    const result = await fetchIdentity({ provider, accessToken: 'at_any', allowInsecureHttp: true, timeoutMs: 150 });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'network', classification: 'transient' }) });
  });

  it('refuses an http identity endpoint unless insecure http is allowed', async () => {
    const calls = fake.requests.length;
    const result = await fetchIdentity({ provider, accessToken: 'at_any' });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'identity_failed', reason: 'internal' }) });
    expect(fake.requests).toHaveLength(calls);
  });
});

describe('checkApiKey', () => {
  it('returns the account of a valid key, sent as a bearer token', async () => {
    fake.addApiKey('key_valid_0001', 'acct-77');
    const result = await checkApiKey({ provider: apiKeyProviderFor(fake), apiKey: 'key_valid_0001', allowInsecureHttp: true });

    expect(result).toEqual({ ok: true, value: { id: 'acct-77' } });
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer key_valid_0001');
  });

  it('classifies a rejected key (401) as needs_reauth', async () => {
    const result = await checkApiKey({ provider: apiKeyProviderFor(fake), apiKey: 'key_unknown_0002', allowInsecureHttp: true });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'identity_failed', classification: 'needs_reauth', httpStatus: 401 }) });
  });

  it('classifies a 503 from the probe endpoint as transient', async () => {
    fake.failNext('/apikey/me', 503);
    const result = await checkApiKey({ provider: apiKeyProviderFor(fake), apiKey: 'key_any_0003', allowInsecureHttp: true });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ classification: 'transient', httpStatus: 503 }) });
  });
});
