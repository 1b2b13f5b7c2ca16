import { createHash, randomBytes } from 'node:crypto';
import { HUBSPOT_ACCESS_TOKEN_TTL_SECONDS, startHubSpotSimulator, type HubSpotSimulator } from '../fakes/providers/hubspot';

// Plain fetch only: the simulator is checked against HubSpot's wire format, not against the app's client.

const REDIRECT_URI = 'https://reconnect.test/oauth/callback';
const SCOPE = 'oauth crm.objects.contacts.read crm.objects.deals.read';
const ADA = { id: '293199', label: 'ada@acme.example', accounts: [{ id: '62515', name: 'Acme Corp' }, { id: '62516', name: 'Acme Labs' }] };

interface Json {
  [key: string]: unknown;
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

describe('HubSpot simulator', () => {
  let sim: HubSpotSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5);
    sim = await startHubSpotSimulator({ now: () => clock, appId: 111111 });
    sim.addUser(ADA);
    sim.signInAs(ADA.id);
  });
  afterEach(() => sim.close());

  async function authorize(pkce = true): Promise<{ code: string; verifier: string; location: URL }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: sim.clientId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      state: 'st-1',
      ...(pkce ? { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' } : {}),
    });
    const response = await fetch(`${sim.origin}/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    return { code: location.searchParams.get('code')!, verifier, location };
  }

  function token(form: Record<string, string>): Promise<Response> {
    return fetch(`${sim.origin}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, ...form }),
    });
  }

  async function connect(): Promise<Json> {
    const { code, verifier } = await authorize();
    const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI });
    expect(response.status).toBe(200);
    return json(response);
  }

  function metadata(accessToken: string): Promise<Response> {
    return fetch(`${sim.origin}/oauth/v1/access-tokens/${encodeURIComponent(accessToken)}`);
  }

  function deleteRefreshToken(refreshToken: string): Promise<Response> {
    return fetch(`${sim.origin}/oauth/v1/refresh-tokens/${encodeURIComponent(refreshToken)}`, { method: 'DELETE' });
  }

  it('serves app.hubspot.com and api.hubapi.com with the HUBSPOT client', () => {
    expect(sim.env().PROVIDER_ORIGINS).toBe(`https://app.hubspot.com=${sim.origin},https://api.hubapi.com=${sim.origin}`);
    expect(sim.env().HUBSPOT_CLIENT_SECRET).toBe(sim.clientSecret);
  });

  it('exchanges a code for the documented token answer', async () => {
    const { location } = await authorize();
    expect(location.searchParams.get('state')).toBe('st-1');
    const answer = await connect();
    expect(answer).toMatchObject({
      token_type: 'bearer',
      hub_id: 62515,
      scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.deals.read'],
      expires_in: 1800,
    });
    expect(Object.keys(answer).sort()).toEqual(['access_token', 'expires_in', 'hub_id', 'refresh_token', 'scopes', 'token_type']);
  });

  it('checks PKCE when a challenge was sent, and accepts a code without one', async () => {
    const withChallenge = await authorize();
    const wrong = await token({ grant_type: 'authorization_code', code: withChallenge.code, code_verifier: 'x'.repeat(43), redirect_uri: REDIRECT_URI });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).status).toBe('BAD_CODE_VERIFIER');

    const plain = await authorize(false);
    expect((await token({ grant_type: 'authorization_code', code: plain.code, redirect_uri: REDIRECT_URI })).status).toBe(200);
    const reused = await token({ grant_type: 'authorization_code', code: plain.code, redirect_uri: REDIRECT_URI });
    expect(await json(reused)).toMatchObject({ error: 'invalid_grant', status: 'BAD_AUTH_CODE' });
    expect((await json(await token({ grant_type: 'refresh_token', refresh_token: 'x', client_secret: 'wrong' }))).status).toBe('BAD_CLIENT_SECRET');
  });

  it('installs into the hub the user picks', async () => {
    sim.selectHub('62516');
    expect((await connect()).hub_id).toBe(62516);
  });

  it('describes a live access token at /oauth/v1/access-tokens/{token}', async () => {
    const { access_token: accessToken } = await connect();
    clock += 46_000;
    const response = await metadata(String(accessToken));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      token: accessToken,
      user: 'ada@acme.example',
      hub_domain: 'acmecorp.com',
      scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.deals.read'],
      hub_id: 62515,
      app_id: 111111,
      expires_in: 1754,
      user_id: 293199,
      token_type: 'access',
    });
    expect(body.signed_access_token).toMatchObject({ hubId: 62515, userId: 293199, appId: 111111, hublet: 'na1' });
  });

  it('answers a dead access token with HubSpot 401 categories', async () => {
    const unknown = await metadata('CNnot-a-token');
    expect(unknown.status).toBe(401);
    expect((await json(unknown)).category).toBe('INVALID_AUTHENTICATION');

    const { access_token: accessToken } = await connect();
    clock += (HUBSPOT_ACCESS_TOKEN_TTL_SECONDS + 5) * 1000;
    const expired = await metadata(String(accessToken));
    expect(expired.status).toBe(401);
    expect(await json(expired)).toMatchObject({
      status: 'error',
      message: 'The OAuth token used to make this call expired 5 second(s) ago.',
      category: 'EXPIRED_AUTHENTICATION',
    });
  });

  it('refreshes with the same refresh token, and refuses an unknown one as BAD_REFRESH_TOKEN', async () => {
    const first = await connect();
    const refreshed = await json(await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
    expect(refreshed).toMatchObject({ token_type: 'bearer', refresh_token: first.refresh_token, hub_id: 62515, expires_in: 1800 });
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect((await metadata(String(refreshed.access_token))).status).toBe(200);

    const bad = await token({ grant_type: 'refresh_token', refresh_token: 'na1-0000-unknown' });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token is invalid, expired or revoked',
      status: 'BAD_REFRESH_TOKEN',
      message: 'refresh token is invalid, expired or revoked',
    });
  });

  it('deletes only the refresh token, leaving its access tokens alive', async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = await connect();
    const response = await deleteRefreshToken(String(refreshToken));
    expect(response.status).toBe(204);
    expect(sim.revoked).toEqual([refreshToken]);
    expect((await json(await token({ grant_type: 'refresh_token', refresh_token: String(refreshToken) }))).status).toBe('BAD_REFRESH_TOKEN');
    expect((await metadata(String(accessToken))).status).toBe(200);
    expect((await deleteRefreshToken(String(refreshToken))).status).toBe(400);
  });

  it('ends every token when the app is uninstalled', async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = await connect();
    sim.revokeUser(ADA.id);
    expect((await json(await metadata(String(accessToken)))).category).toBe('INVALID_AUTHENTICATION');
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(refreshToken) })).status).toBe(400);
  });

  it('answers injected faults in HubSpot shapes per route group', async () => {
    const issued = sim.issueTokens(ADA.id);
    const refreshForm = { grant_type: 'refresh_token', refresh_token: issued.refreshToken! };

    for (const mode of ['revoked', 'expired'] as const) {
      sim.fail('token', mode);
      expect((await json(await token(refreshForm))).status).toBe('BAD_REFRESH_TOKEN');
    }
    sim.fail('identity', 'revoked');
    expect((await json(await metadata(issued.accessToken))).category).toBe('INVALID_AUTHENTICATION');
    sim.fail('identity', 'expired');
    expect((await json(await metadata(issued.accessToken))).category).toBe('EXPIRED_AUTHENTICATION');

    sim.fail('token', 'throttled');
    const throttled = await token(refreshForm);
    expect(throttled.status).toBe(429);
    expect(await json(throttled)).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    sim.fail('token', 'server_error');
    expect((await token(refreshForm)).status).toBe(502);
    sim.fail('identity', 'server_error');
    expect((await metadata(issued.accessToken)).status).toBe(503);

    expect((await token(refreshForm)).status).toBe(200);
    expect(await json(await metadata(issued.accessToken))).toMatchObject({ hub_id: 62515, scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  });
});
