import {
  LINKEDIN_API_VERSION,
  LINKEDIN_ACCESS_TOKEN_TTL_SECONDS,
  LINKEDIN_REFRESH_TOKEN_TTL_SECONDS,
  startLinkedInAdsSimulator,
  type LinkedInAdsSimulator,
} from '../fakes/providers/linkedin-ads';

// Plain fetch only: the simulator is checked against LinkedIn's wire format, not against the app's client.

const REDIRECT_URI = 'https://reconnect.test/oauth/callback';
const SCOPE = 'r_ads r_ads_reporting openid profile';
const DAY_MS = 86_400_000;
const ADA = { id: '782bbtaQ', label: 'Ada Lovelace', accounts: [{ id: '516413367', name: 'Ada Shoes' }, { id: '516413368', name: 'Ada Hats' }] };

interface Json {
  [key: string]: unknown;
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

describe('LinkedIn Ads simulator', () => {
  let sim: LinkedInAdsSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5);
    sim = await startLinkedInAdsSimulator({ now: () => clock });
    sim.addUser(ADA);
    sim.signInAs(ADA.id);
  });
  afterEach(() => sim.close());

  async function authorize(scope = SCOPE): Promise<URL> {
    const query = new URLSearchParams({ response_type: 'code', client_id: sim.clientId, redirect_uri: REDIRECT_URI, state: 'st-1', scope });
    const response = await fetch(`${sim.origin}/oauth/v2/authorization?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  function token(form: Record<string, string>): Promise<Response> {
    return fetch(`${sim.origin}/oauth/v2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, ...form }),
    });
  }

  async function connect(scope = SCOPE): Promise<Json> {
    const code = (await authorize(scope)).searchParams.get('code')!;
    const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    expect(response.status).toBe(200);
    return json(response);
  }

  function userinfo(accessToken?: string): Promise<Response> {
    return fetch(`${sim.origin}/v2/userinfo`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
  }

  function adAccountUsers(accessToken: string, headers: Record<string, string> = { 'linkedin-version': LINKEDIN_API_VERSION }, query = 'q=authenticatedUser'): Promise<Response> {
    return fetch(`${sim.origin}/rest/adAccountUsers?${query}`, {
      headers: { authorization: `Bearer ${accessToken}`, 'x-restli-protocol-version': '2.0.0', ...headers },
    });
  }

  it('serves both real origins and the LINKEDIN_ADS client', () => {
    const env = sim.env();
    expect(env.LINKEDIN_ADS_CLIENT_ID).toBe(sim.clientId);
    expect(env.LINKEDIN_ADS_CLIENT_SECRET).toBe(sim.clientSecret);
    expect(env.PROVIDER_ORIGINS).toBe(`https://www.linkedin.com=${sim.origin},https://api.linkedin.com=${sim.origin}`);
  });

  it('redirects with a code and the state, and exchanges it for the documented answer without token_type', async () => {
    const location = await authorize();
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('st-1');

    const answer = await connect();
    expect(Object.keys(answer).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'refresh_token_expires_in', 'scope']);
    expect(answer.expires_in).toBe(LINKEDIN_ACCESS_TOKEN_TTL_SECONDS);
    expect(answer.expires_in).toBe(5_184_000);
    expect(answer.refresh_token_expires_in).toBe(LINKEDIN_REFRESH_TOKEN_TTL_SECONDS);
    expect(answer.refresh_token_expires_in).toBe(31_536_000);
    expect(answer.scope).toBe('r_ads,r_ads_reporting,openid,profile');
    const claims = JSON.parse(Buffer.from(String(answer.id_token).split('.')[1]!, 'base64url').toString()) as Json;
    expect(claims).toMatchObject({ iss: 'https://www.linkedin.com', aud: sim.clientId, sub: ADA.id, name: 'Ada Lovelace' });
  });

  it('leaves out the ID token without openid, and refuses codes that are reused or sent with another redirect_uri', async () => {
    expect((await connect('r_ads')).id_token).toBeUndefined();

    const code = (await authorize()).searchParams.get('code')!;
    const wrongRedirect = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://elsewhere.test/cb' });
    expect(wrongRedirect.status).toBe(400);
    expect((await json(wrongRedirect)).error).toBe('invalid_redirect_uri');
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).status).toBe(200);
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).status).toBe(400);
  });

  it('wants the client in the form and names a missing parameter', async () => {
    const noSecret = await fetch(`${sim.origin}/oauth/v2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: sim.clientId, refresh_token: 'x' }),
    });
    expect(noSecret.status).toBe(400);
    expect(await json(noSecret)).toEqual({ error: 'invalid_request', error_description: 'A required parameter "client_secret" is missing' });
    expect((await token({ grant_type: 'refresh_token', client_secret: 'wrong', refresh_token: 'x' })).status).toBe(401);
  });

  it('answers userinfo with the OIDC claims the scopes allow', async () => {
    const { access_token: accessToken } = await connect();
    const response = await userinfo(String(accessToken));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      sub: ADA.id,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      picture: `https://media.licdn-ei.com/dms/image/${ADA.id}/profile-displayphoto-shrink_100_100/0/`,
      locale: 'en-US',
    });

    const withEmail = await json(await userinfo(String((await connect(`${SCOPE} email`)).access_token)));
    expect(withEmail).toMatchObject({ email: 'ada.lovelace@example.com', email_verified: true });

    const withoutOpenid = await userinfo(String((await connect('r_ads')).access_token));
    expect(withoutOpenid.status).toBe(403);
    expect((await json(withoutOpenid)).code).toBe('ACCESS_DENIED');
  });

  it('tells empty, unknown, revoked and expired tokens apart in LinkedIn 401s', async () => {
    expect(await json(await userinfo())).toEqual({ message: 'Empty oauth2_access_token', serviceErrorCode: 401, status: 401 });
    const unknown = await userinfo('AQVnot-a-token');
    expect(unknown.status).toBe(401);
    expect(await json(unknown)).toEqual({ status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' });

    const revoked = sim.issueTokens(ADA.id);
    sim.revokeUser(ADA.id);
    expect((await json(await userinfo(revoked.accessToken))).code).toBe('REVOKED_ACCESS_TOKEN');

    const expired = sim.issueTokens(ADA.id);
    clock += LINKEDIN_ACCESS_TOKEN_TTL_SECONDS * 1000;
    expect((await json(await userinfo(expired.accessToken))).code).toBe('EXPIRED_ACCESS_TOKEN');
  });

  it('lists the ad accounts of the authenticated member with their roles, ten to a page', async () => {
    sim.roles.set('516413368', 'VIEWER');
    const { access_token: accessToken } = await connect();
    const response = await adAccountUsers(String(accessToken));
    expect(response.status).toBe(200);
    const stamp = { actor: 'urn:li:unknown:0', time: Date.UTC(2026, 0, 5) };
    expect(await json(response)).toEqual({
      elements: [
        { account: 'urn:li:sponsoredAccount:516413367', changeAuditStamps: { created: stamp, lastModified: stamp }, role: 'ACCOUNT_BILLING_ADMIN', user: 'urn:li:person:782bbtaQ' },
        { account: 'urn:li:sponsoredAccount:516413368', changeAuditStamps: { created: stamp, lastModified: stamp }, role: 'VIEWER', user: 'urn:li:person:782bbtaQ' },
      ],
      paging: { count: 10, start: 0, links: [] },
    });
    const second = await json(await adAccountUsers(String(accessToken), undefined, 'q=authenticatedUser&start=1&count=1'));
    expect(second.paging).toEqual({ count: 1, start: 1, links: [] });
    expect((second.elements as Json[]).map((element) => element.account)).toEqual(['urn:li:sponsoredAccount:516413368']);
    expect(sim.requestsTo('/rest/adAccountUsers')[0]!.headers['x-restli-protocol-version']).toBe('2.0.0');
  });

  it('refuses the versioned API without an active LinkedIn-Version, or without an ads scope', async () => {
    const { access_token: accessToken } = await connect();
    const missing = await adAccountUsers(String(accessToken), {});
    expect(missing.status).toBe(400);
    expect((await json(missing)).code).toBe('VERSION_MISSING');
    const sunset = await adAccountUsers(String(accessToken), { 'linkedin-version': '202401' });
    expect(sunset.status).toBe(426);
    expect((await json(sunset)).code).toBe('NONEXISTENT_VERSION');
    expect((await adAccountUsers(String(accessToken), { 'linkedin-version': '202510' })).status).toBe(200);
    expect((await adAccountUsers(String(accessToken), { 'linkedin-version': `${LINKEDIN_API_VERSION}.01` })).status).toBe(200);

    const profileOnly = await adAccountUsers(String((await connect('openid profile')).access_token));
    expect(profileOnly.status).toBe(403);
  });

  it('refreshes with the same refresh token, whose lifetime counts down from the first consent', async () => {
    const first = await connect();
    clock += 59 * DAY_MS;
    const response = await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(response.status).toBe(200);
    const refreshed = await json(response);
    expect(refreshed.refresh_token).toBe(first.refresh_token);
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(refreshed.expires_in).toBe(LINKEDIN_ACCESS_TOKEN_TTL_SECONDS);
    expect(refreshed.refresh_token_expires_in).toBe(306 * 86_400);
    expect(refreshed.id_token).toBeUndefined();

    // Day 360: both tokens end in five days.
    clock += 301 * DAY_MS;
    const late = await json(await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
    expect(late.expires_in).toBe(5 * 86_400);
    expect(late.refresh_token_expires_in).toBe(5 * 86_400);

    clock += 5 * DAY_MS;
    const dead = await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(dead.status).toBe(400);
    expect(await json(dead)).toEqual({
      error: 'invalid_request',
      error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked',
    });
  });

  it('revokes a token sent to /oauth/v2/revoke and records it', async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = await connect();
    const revoke = (form: Record<string, string>) =>
      fetch(`${sim.origin}/oauth/v2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    expect((await revoke({ client_id: sim.clientId, client_secret: 'wrong', token: String(refreshToken) })).status).toBe(401);
    const response = await revoke({ client_id: sim.clientId, client_secret: sim.clientSecret, token: String(refreshToken) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(sim.revoked).toEqual([refreshToken, refreshToken]);
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(refreshToken) })).status).toBe(400);
    // Only the token sent ends.
    expect((await userinfo(String(accessToken))).status).toBe(200);
  });

  it('answers injected faults in LinkedIn shapes per route group', async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = await connect();
    const refreshForm = { grant_type: 'refresh_token', refresh_token: String(refreshToken) };

    sim.fail('token', 'revoked');
    sim.fail('token', 'expired');
    for (let i = 0; i < 2; i += 1) {
      const response = await token(refreshForm);
      expect(response.status).toBe(400);
      expect((await json(response)).error).toBe('invalid_request');
    }
    sim.fail('token', 'throttled');
    const throttled = await token(refreshForm);
    expect(throttled.status).toBe(429);
    expect(await json(throttled)).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
    sim.fail('token', 'server_error');
    expect((await token(refreshForm)).status).toBe(500);

    sim.fail('identity', 'revoked');
    expect(await json(await userinfo(String(accessToken)))).toMatchObject({ status: 401, serviceErrorCode: 65601 });
    sim.fail('accounts', 'expired');
    expect(await json(await adAccountUsers(String(accessToken)))).toMatchObject({ status: 401, serviceErrorCode: 65602 });
    sim.fail('accounts', 'throttled', 2);
    expect((await adAccountUsers(String(accessToken))).status).toBe(429);
    expect((await adAccountUsers(String(accessToken))).status).toBe(429);
    expect((await adAccountUsers(String(accessToken))).status).toBe(200);
    expect((await token(refreshForm)).status).toBe(200);
  });
});
