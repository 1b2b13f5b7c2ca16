import { refreshAccessToken, revokeToken, type RefreshInput } from '../../src/oauth';
import type { ProviderDefinition } from '../../src/providers/definition';
import { oauth2ProviderFor, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';

let fake: FakeOAuthProvider;
let provider: ProviderDefinition;

beforeAll(async () => {
  fake = await startFakeOAuthProvider();
  provider = oauth2ProviderFor(fake);
});
afterAll(() => fake.close());
afterEach(() => fake.clearFaults());

function refresh(refreshToken: string, overrides: Partial<RefreshInput> = {}) {
  return refreshAccessToken({
    provider,
    client: { clientId: fake.clientId, clientSecret: fake.clientSecret },
    refreshToken,
    allowInsecureHttp: true,
    ...overrides,
  });
}

describe('refreshAccessToken', () => {
  it('returns a new access token and the rotated refresh token, after which the old one is dead', async () => {
    const seeded = fake.issueTokens('account-1');
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    const first = await refresh(seeded.refreshToken, { clock });

    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.accessToken).not.toBe(seeded.accessToken);
    expect(first.value.refreshToken).toMatch(/^rt_/);
    expect(first.value.refreshToken).not.toBe(seeded.refreshToken);
    expect(first.value.expiresAt).toEqual(new Date('2026-01-01T01:00:00Z'));

    const reused = await refresh(seeded.refreshToken);
    expect(reused).toEqual({ ok: false, error: expect.objectContaining({ kind: 'refresh_failed', classification: 'needs_reauth' }) });

    const second = await refresh(first.value.refreshToken!);
    expect(second.ok).toBe(true);
  });

  it('keeps the old refresh token when the provider sends none', async () => {
    const steady = await startFakeOAuthProvider({ rotateRefreshTokens: false });
    try {
      const seeded = steady.issueTokens('account-1');
      const result = await refreshAccessToken({
        provider: oauth2ProviderFor(steady),
        client: { clientId: steady.clientId, clientSecret: steady.clientSecret },
        refreshToken: seeded.refreshToken,
        allowInsecureHttp: true,
      });

      expect(result.ok && result.value.refreshToken).toBe(seeded.refreshToken);
    } finally {
      await steady.close();
    }
  });

  it('classifies a revoked refresh token as needs_reauth, reason token_revoked', async () => {
    const seeded = fake.issueTokens('account-1');
    fake.revoke(seeded.refreshToken);
    const result = await refresh(seeded.refreshToken);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'refresh_failed', classification: 'needs_reauth', reason: 'token_revoked', httpStatus: 400 });
    expect(result.error.detail).toContain('invalid_grant');
    expect(result.error.detail).toContain('Token has been expired or revoked.');
  });

  it.each([
    [503, { error: 'temporarily_unavailable' }],
    [503, 'Service Unavailable'],
    [429, { error: 'rate_limited' }],
  ])('classifies %s (%j) as transient', async (status, body) => {
    const seeded = fake.issueTokens('account-1');
    fake.failNext('/token', status, body);
    const result = await refresh(seeded.refreshToken);

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'refresh_failed', classification: 'transient', httpStatus: status }) });
  });

  it('classifies invalid_client as transient: a wrong client secret is not fixed by reauthorizing', async () => {
    const seeded = fake.issueTokens('account-1');
    const result = await refresh(seeded.refreshToken, { client: { clientId: fake.clientId, clientSecret: 'wrong-secret' } });

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'refresh_failed', classification: 'transient', reason: 'internal', httpStatus: 401 }),
    });
  });

  it('reads the body behind a WWW-Authenticate challenge too (client_secret_basic with a wrong secret)', async () => {
    const basic = oauth2ProviderFor(fake, { clientAuth: 'client_secret_basic' });
    const result = await refresh(fake.issueTokens('account-1').refreshToken, {
      provider: basic,
      client: { clientId: fake.clientId, clientSecret: 'wrong-secret' },
    });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'refresh_failed', classification: 'transient', reason: 'internal', httpStatus: 401 });
    expect(result.error.detail).toContain('invalid_client');
  });

  it.each([
    ['no access token', { token_type: 'Bearer' }],
    ['an unknown token type', { access_token: 'at_x', token_type: 'mac' }],
    ['a body that is not JSON', 'ok'],
  ])('treats a 200 answer with %s as transient', async (_case, body) => {
    fake.failNext('/token', 200, body);
    const result = await refresh(fake.issueTokens('account-1').refreshToken);

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'refresh_failed', classification: 'transient' }) });
  });

  it('gives up on a hanging token endpoint after timeoutMs, as a transient network failure', async () => {
    const seeded = fake.issueTokens('account-1');
    fake.hang('/token');
    const started = Date.now();
    const result = await refresh(seeded.refreshToken, { timeoutMs: 200 });

    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'network', classification: 'transient', detail: 'token endpoint did not answer within 200 ms' }),
    });
  });

  it('reports an unreachable provider as a transient network failure', async () => {
    const gone = await startFakeOAuthProvider();
    const definition = oauth2ProviderFor(gone);
    await gone.close();
    const result = await refreshAccessToken({
      provider: definition,
      client: { clientId: 'c', clientSecret: 's' },
      refreshToken: 'rt_whatever',
      allowInsecureHttp: true,
    });

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'network', classification: 'transient', detail: 'token endpoint unreachable (ECONNREFUSED)' }),
    });
  });

  it('refuses an http token endpoint unless insecure http is allowed, without calling it', async () => {
    const seeded = fake.issueTokens('account-1');
    const calls = fake.requests.length;
    const result = await refresh(seeded.refreshToken, { allowInsecureHttp: undefined });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'refresh_failed', classification: 'transient', reason: 'internal' }) });
    expect(fake.requests).toHaveLength(calls);
  });

  it('sends parallel refreshes in parallel (the fake counts them)', async () => {
    fake.latency(100);
    fake.resetMaxInFlight();
    const results = await Promise.all(Array.from({ length: 4 }, () => refresh(fake.issueTokens('account-1').refreshToken)));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(fake.maxInFlight).toBe(4);
    expect(fake.inFlight).toBe(0);
  });
});

describe('revokeToken', () => {
  it('ends the grant at the provider', async () => {
    const seeded = fake.issueTokens('account-1');
    const revoked = await revokeToken({
      provider,
      client: { clientId: fake.clientId, clientSecret: fake.clientSecret },
      token: seeded.refreshToken,
      allowInsecureHttp: true,
    });

    expect(revoked).toEqual({ ok: true, value: undefined });
    expect(await refresh(seeded.refreshToken)).toMatchObject({ ok: false, error: { reason: 'token_revoked' } });
  });

  it('fails plainly for a provider without a revocation endpoint', async () => {
    const result = await revokeToken({
      provider: oauth2ProviderFor(fake, { revoke: undefined }),
      client: { clientId: fake.clientId, clientSecret: fake.clientSecret },
      token: 'rt_anything',
      allowInsecureHttp: true,
    });

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'revoke_failed', classification: 'transient' }) });
  });
});
