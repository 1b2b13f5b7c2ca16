import { createHash, randomBytes } from 'node:crypto';
import { GOOGLE_ADS_API_VERSION, GOOGLE_ADS_DEVELOPER_TOKEN, startGoogleAdsSimulator, type GoogleAdsSimulator } from '../fakes/providers/google-ads';

// Plain fetch only: the simulator is checked against Google's wire format, not against the app's client.

const V = GOOGLE_ADS_API_VERSION;
const REDIRECT_URI = 'https://reconnect.test/oauth/callback';
const SCOPE = 'https://www.googleapis.com/auth/adwords openid email';
const ADA = { id: '109876543210987654321', label: 'ada@example.com', accounts: [{ id: '1234567890', name: 'Ada Shoes' }, { id: '5550001111', name: 'Ada Agency MCC' }] };
const NOBODY = { id: '100000000000000000001', label: 'nobody@example.com', accounts: [] };

interface Json {
  [key: string]: unknown;
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

describe('Google Ads simulator', () => {
  let sim: GoogleAdsSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5);
    sim = await startGoogleAdsSimulator({ now: () => clock });
    sim.addUser(ADA);
    sim.addUser(NOBODY);
    sim.addManager('5550001111', [{ id: '7770001111', name: 'Client A' }, '1234567890']);
    sim.signInAs(ADA.id);
  });
  afterEach(() => sim.close());

  async function authorize(extra: Record<string, string> = {}): Promise<{ location: URL; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: sim.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: SCOPE,
      state: 'st-1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
      ...extra,
    });
    const response = await fetch(`${sim.origin}/o/oauth2/v2/auth?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return { location: new URL(response.headers.get('location')!), verifier };
  }

  function token(form: Record<string, string>): Promise<Response> {
    return fetch(`${sim.origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  }

  function exchange(code: string, verifier: string, overrides: Record<string, string> = {}): Promise<Response> {
    return token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: sim.clientId, client_secret: sim.clientSecret, ...overrides });
  }

  async function connect(): Promise<{ access_token: string; refresh_token: string }> {
    const { location, verifier } = await authorize();
    return (await json(await exchange(location.searchParams.get('code')!, verifier))) as { access_token: string; refresh_token: string };
  }

  function ads(path: string, accessToken: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
    return fetch(`${sim.origin}/${V}/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${accessToken}`, 'developer-token': GOOGLE_ADS_DEVELOPER_TOKEN, 'content-type': 'application/json', ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  }

  function searchClients(accessToken: string, customerId: string, headers: Record<string, string> = {}): Promise<Response> {
    return ads(`customers/${customerId}/googleAds:search`, accessToken, {
      method: 'POST',
      headers,
      body: { query: 'SELECT customer_client.id, customer_client.descriptive_name FROM customer_client' },
    });
  }

  it('gives the app its environment: client, origins and the developer token', () => {
    const env = sim.env();
    expect(env.GOOGLE_ADS_CLIENT_ID).toMatch(/\.apps\.googleusercontent\.com$/);
    expect(env.GOOGLE_ADS_CLIENT_SECRET).toBe(sim.clientSecret);
    expect(env.GOOGLE_ADS_DEVELOPER_TOKEN).toBe(GOOGLE_ADS_DEVELOPER_TOKEN);
    expect(env.PROVIDER_ORIGINS!.split(',')).toEqual([
      `https://accounts.google.com=${sim.origin}`,
      `https://oauth2.googleapis.com=${sim.origin}`,
      `https://openidconnect.googleapis.com=${sim.origin}`,
      `https://googleads.googleapis.com=${sim.origin}`,
    ]);
  });

  it('redirects back with code, state, iss (the rewritten origin) and the granted scope', async () => {
    const { location } = await authorize();
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('iss')).toBe(sim.origin);
    expect(location.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/adwords openid https://www.googleapis.com/auth/userinfo.email');
  });

  it('leaves iss out of the next consent only, or always when sendIssuer is false', async () => {
    sim.omitIssuerOnce();
    expect((await authorize()).location.searchParams.has('iss')).toBe(false);
    expect((await authorize()).location.searchParams.get('iss')).toBe(sim.origin);

    const quiet = await startGoogleAdsSimulator({ sendIssuer: false });
    try {
      quiet.addUser(ADA);
      quiet.signInAs(ADA.id);
      const response = await fetch(`${quiet.origin}/o/oauth2/v2/auth?${new URLSearchParams({ client_id: quiet.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: SCOPE })}`, { redirect: 'manual' });
      expect(new URL(response.headers.get('location')!).searchParams.has('iss')).toBe(false);
    } finally {
      await quiet.close();
    }
  });

  it('refuses a malformed authorization request with an error page, not a redirect', async () => {
    const response = await fetch(`${sim.origin}/o/oauth2/v2/auth?${new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT_URI, response_type: 'token', scope: SCOPE })}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('invalid_request');
  });

  it('exchanges a code once, with PKCE, for Google-shaped tokens', async () => {
    const { location, verifier } = await authorize();
    const code = location.searchParams.get('code')!;
    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      refresh_token: expect.stringMatching(/^1\/\//),
      scope: 'https://www.googleapis.com/auth/adwords openid https://www.googleapis.com/auth/userinfo.email',
      token_type: 'Bearer',
    });
    expect(await json(await exchange(code, verifier))).toEqual({ error: 'invalid_grant', error_description: 'Bad Request' });
  });

  it('answers the code exchange mistakes in Google words', async () => {
    const first = await authorize();
    const code = first.location.searchParams.get('code')!;
    expect(await json(await exchange(code, first.verifier, { redirect_uri: 'https://elsewhere.test/cb' }))).toEqual({ error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
    expect(await json(await exchange(code, 'wrong-verifier-wrong-verifier-wrong-verifier'))).toEqual({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });
    expect(await json(await exchange(code, ''))).toEqual({ error: 'invalid_grant', error_description: 'Missing code verifier.' });

    const wrongSecret = await exchange(code, first.verifier, { client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    expect(await json(wrongSecret)).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });
    const basic = Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64');
    const viaBasic = await fetch(`${sim.origin}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: first.verifier, redirect_uri: REDIRECT_URI }),
    });
    expect(viaBasic.status).toBe(200);
  });

  it('sends a refresh token on a repeat consent only with prompt=consent, and never without access_type=offline', async () => {
    await connect();
    const again = await authorize({ prompt: 'select_account' });
    expect(await json(await exchange(again.location.searchParams.get('code')!, again.verifier))).not.toHaveProperty('refresh_token');
    const online = await authorize({ access_type: 'online' });
    expect(await json(await exchange(online.location.searchParams.get('code')!, online.verifier))).not.toHaveProperty('refresh_token');
    const forced = await authorize();
    expect(await json(await exchange(forced.location.searchParams.get('code')!, forced.verifier))).toHaveProperty('refresh_token');
  });

  it('tells who consented at userinfo', async () => {
    const tokens = await connect();
    const response = await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await json(response)).toEqual({ sub: ADA.id, email: ADA.label, email_verified: true });
  });

  it('lists the accessible customers, and refuses a call without the developer token', async () => {
    const tokens = await connect();
    expect(await json(await ads('customers:listAccessibleCustomers', tokens.access_token))).toEqual({ resourceNames: ['customers/1234567890', 'customers/5550001111'] });

    const bare = await fetch(`${sim.origin}/${V}/customers:listAccessibleCustomers`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(bare.status).toBe(400);
    expect(await json(bare)).toEqual({
      error: {
        code: 400,
        message: 'Request contains an invalid argument.',
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': `type.googleapis.com/google.ads.googleads.${V}.errors.GoogleAdsFailure`,
            errors: [{ errorCode: { requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, message: 'developer-token parameter is missing.' }],
            requestId: expect.any(String),
          },
        ],
      },
    });
    const wrongToken = await ads('customers:listAccessibleCustomers', tokens.access_token, { headers: { 'developer-token': 'not-ours' } });
    expect(wrongToken.status).toBe(401);
    expect(JSON.stringify(await json(wrongToken))).toContain('DEVELOPER_TOKEN_INVALID');
  });

  it('says NOT_ADS_USER for a Google account without Ads accounts', async () => {
    const { accessToken } = sim.issueTokens(NOBODY.id);
    const response = await ads('customers:listAccessibleCustomers', accessToken);
    expect(response.status).toBe(401);
    expect(JSON.stringify(await json(response))).toContain('"authenticationError":"NOT_ADS_USER"');
  });

  it('lists a manager’s clients, the manager itself included, as a SearchGoogleAdsResponse', async () => {
    const tokens = await connect();
    const response = await searchClients(tokens.access_token, '5550001111', { 'login-customer-id': '5550001111' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      results: [
        { customerClient: { resourceName: 'customers/5550001111/customerClients/5550001111', id: '5550001111', descriptiveName: 'Ada Agency MCC' } },
        { customerClient: { resourceName: 'customers/5550001111/customerClients/7770001111', id: '7770001111', descriptiveName: 'Client A' } },
        { customerClient: { resourceName: 'customers/5550001111/customerClients/1234567890', id: '1234567890', descriptiveName: 'Ada Shoes' } },
      ],
      fieldMask: 'customerClient.id,customerClient.descriptiveName',
    });
    // The manager is Ada's own account, so login-customer-id may be left out.
    expect((await searchClients(tokens.access_token, '5550001111')).status).toBe(200);
  });

  it('reaches a client only through a manager named in login-customer-id', async () => {
    const tokens = await connect();
    const denied = await searchClients(tokens.access_token, '7770001111');
    expect(denied.status).toBe(403);
    expect(JSON.stringify(await json(denied))).toContain('USER_PERMISSION_DENIED');
    const viaManager = await searchClients(tokens.access_token, '7770001111', { 'login-customer-id': '5550001111' });
    expect(viaManager.status).toBe(200);
    // Not a manager: no customer_client rows, and proto3 JSON drops the empty `results`.
    expect(await json(viaManager)).toEqual({ fieldMask: 'customerClient.id,customerClient.descriptiveName' });
    const hyphens = await searchClients(tokens.access_token, '7770001111', { 'login-customer-id': '555-000-1111' });
    expect(JSON.stringify(await json(hyphens))).toContain('INVALID_LOGIN_CUSTOMER_ID');
  });

  it('refreshes without a new refresh token', async () => {
    const tokens = await connect();
    const response = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: sim.clientId, client_secret: sim.clientSecret });
    const body = await json(response);
    expect(body).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, scope: expect.any(String), token_type: 'Bearer' });
    expect(body.access_token).not.toBe(tokens.access_token);
  });

  it('revokes the whole grant from either token, and refuses an unknown one', async () => {
    const tokens = await connect();
    const revoke = (value: string) => fetch(`${sim.origin}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: value }) });
    const response = await revoke(tokens.access_token);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({});
    expect(sim.revoked).toEqual([tokens.access_token]);

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: sim.clientId, client_secret: sim.clientSecret });
    expect(refreshed.status).toBe(400);
    expect(await json(refreshed)).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const userinfo = await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/", error="invalid_token"');
    expect(JSON.stringify(await json(await ads('customers:listAccessibleCustomers', tokens.access_token)))).toContain('OAUTH_TOKEN_REVOKED');

    const second = await connect();
    expect((await revoke(second.refresh_token)).status).toBe(200);
    expect((await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(401);

    const unknown = await revoke('never-issued');
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toEqual({ error: 'invalid_token', error_description: 'Token expired or revoked' });
  });

  it('ends access tokens after 3599 seconds and everything at revokeUser', async () => {
    const tokens = await connect();
    clock += 3599 * 1000;
    expect((await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect(JSON.stringify(await json(await ads('customers:listAccessibleCustomers', tokens.access_token)))).toContain('OAUTH_TOKEN_EXPIRED');

    sim.revokeUser(ADA.id);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: sim.clientId, client_secret: sim.clientSecret });
    expect(await json(refreshed)).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('answers injected faults in Google’s shapes, then recovers', async () => {
    const { accessToken, refreshToken } = sim.issueTokens(ADA.id);
    const refresh = () => token({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: sim.clientId, client_secret: sim.clientSecret });

    sim.fail('token', 'expired');
    const expired = await refresh();
    expect([expired.status, await json(expired)]).toEqual([400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }]);
    sim.fail('token', 'throttled');
    expect((await refresh()).status).toBe(429);
    sim.fail('token', 'server_error');
    expect((await refresh()).status).toBe(503);
    expect((await refresh()).status).toBe(200);

    sim.fail('identity', 'revoked');
    const userinfo = await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect([userinfo.status, await json(userinfo)]).toEqual([401, { error: 'invalid_request', error_description: 'Invalid Credentials' }]);
    sim.fail('identity', 'throttled');
    expect(await json(await fetch(`${sim.origin}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }))).toEqual({
      error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' },
    });

    sim.fail('accounts', 'throttled');
    const throttled = await ads('customers:listAccessibleCustomers', accessToken);
    expect(throttled.status).toBe(429);
    const failure = ((await json(throttled)).error as { status: string; details: Array<{ errors: unknown[] }> });
    expect(failure.status).toBe('RESOURCE_EXHAUSTED');
    expect(failure.details[0]!.errors[0]).toMatchObject({ errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' }, details: { quotaErrorDetails: { retryDelay: '30s' } } });
    sim.fail('accounts', 'revoked');
    expect((await ads('customers:listAccessibleCustomers', accessToken)).status).toBe(401);
    sim.fail('accounts', 'server_error', 2);
    expect((await searchClients(accessToken, '5550001111')).status).toBe(500);
    expect((await ads('customers:listAccessibleCustomers', accessToken)).status).toBe(500);
    expect((await ads('customers:listAccessibleCustomers', accessToken)).status).toBe(200);
  });
});
