import { createHash, randomBytes } from 'node:crypto';
import {
  DYNAMICS_DISCOVERY_SCOPE,
  MICROSOFT_ADS_DEVELOPER_TOKEN,
  MICROSOFT_ADS_SCOPE,
  dynamicsInstance,
  startMicrosoftSimulator,
  type MicrosoftSimulator,
} from '../fakes/providers/microsoft';

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/callback';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const DAY = 24 * 60 * 60_000;

// Ada reaches one Contoso account by name, and every account of Fabrikam (customer 9002) as Super Admin.
const ADA = {
  id: '501',
  label: 'ada@contoso.com',
  accounts: [{ id: '180001', name: 'Contoso Search', customerId: '9001' }],
  wholeCustomers: ['9002'],
  environments: [dynamicsInstance('contoso', TENANT, { FriendlyName: 'Contoso Sales' })],
};

interface TokenAnswer {
  token_type: string;
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
}

interface EntraError {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

interface AdApiFault {
  TrackingId: string;
  Type: string;
  Errors: { Code: number; ErrorCode: string; Message: string }[];
}

describe('Microsoft simulator (Entra ID, Advertising Customer Management, Dynamics discovery), over plain fetch', () => {
  let sim: MicrosoftSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5, 9, 0, 0);
    sim = await startMicrosoftSimulator({ now: () => clock });
    sim.addUser(ADA);
    sim.addAdAccounts(
      { id: '180002', name: 'Fabrikam Brand', customerId: '9002' },
      { id: '180003', name: 'Fabrikam Shopping', customerId: '9002', status: 'Pause' },
      // A customer Ada has no role in.
      { id: '180004', name: 'Northwind', customerId: '9003' },
    );
    sim.signInAs(ADA.id);
  });
  afterEach(() => sim.close());

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  async function authorize(scope: string, challenge: string): Promise<URL> {
    const query = new URLSearchParams({
      client_id: sim.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope,
      state: 'st-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'select_account',
    });
    const response = await fetch(`${sim.origin}/common/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  function tokenRequest(fields: Record<string, string>): Promise<Response> {
    return fetch(`${sim.origin}/common/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, ...fields }),
    });
  }

  async function consentAndRedeem(scope: string): Promise<TokenAnswer> {
    const { verifier, challenge } = pkce();
    const code = (await authorize(scope, challenge)).searchParams.get('code')!;
    const response = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(response.status).toBe(200);
    return (await response.json()) as TokenAnswer;
  }

  function refresh(refreshToken: string, scope?: string): Promise<Response> {
    return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) });
  }

  function advertising(path: string, accessToken: string, body: unknown, developerToken: string | null = MICROSOFT_ADS_DEVELOPER_TOKEN): Promise<Response> {
    return fetch(`${sim.origin}/CustomerManagement/v13/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        ...(developerToken === null ? {} : { DeveloperToken: developerToken }),
      },
      body: JSON.stringify(body),
    });
  }

  // null leaves the DeveloperToken header out.
  const getUser = (accessToken: string, developerToken?: string | null) => advertising('User/Query', accessToken, { UserId: null }, developerToken);
  const searchAccounts = (accessToken: string) =>
    advertising('Accounts/Search', accessToken, { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: ADA.id }], Ordering: null, PageInfo: { Index: 0, Size: 1000 } });
  const instances = (accessToken: string) => fetch(`${sim.origin}/api/discovery/v2.0/Instances`, { headers: { authorization: `Bearer ${accessToken}` } });

  async function entraError(response: Response, status: number, code: number): Promise<EntraError> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as EntraError;
    expect(body.error_codes).toEqual([code]);
    expect(body.error_description.split('\r\n')[0]).toMatch(new RegExp(`^AADSTS${code}: `));
    return body;
  }

  async function adFault(response: Response, status: number, code: number, errorCode: string): Promise<void> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as AdApiFault;
    expect(body.Type).toBe('AdApiFaultDetail');
    expect(body.TrackingId).toEqual(expect.any(String));
    expect(body.Errors).toEqual([expect.objectContaining({ Code: code, ErrorCode: errorCode })]);
  }

  it('serves the app the environment of a registration shared by Microsoft Advertising and Dynamics 365', () => {
    const env = sim.env();
    expect(env).toMatchObject({
      MICROSOFT_ADS_CLIENT_ID: sim.clientId,
      MICROSOFT_ADS_CLIENT_SECRET: sim.clientSecret,
      DYNAMICS365_CLIENT_ID: sim.clientId,
      DYNAMICS365_CLIENT_SECRET: sim.clientSecret,
      MICROSOFT_ADS_DEVELOPER_TOKEN,
    });
    expect(env.PROVIDER_ORIGINS!.split(',')).toEqual([
      `https://login.microsoftonline.com=${sim.origin}`,
      `https://clientcenter.api.bingads.microsoft.com=${sim.origin}`,
      `https://globaldisco.crm.dynamics.com=${sim.origin}`,
    ]);
  });

  it('consents, redeems the code with PKCE, then reads the Advertising user and the accounts it reaches', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await authorize(`${MICROSOFT_ADS_SCOPE} offline_access`, challenge);
    expect(redirect.searchParams.get('state')).toBe('st-1');
    const code = redirect.searchParams.get('code')!;
    expect(sim.tokens.get(code)?.authorize).toMatchObject({ scope: `${MICROSOFT_ADS_SCOPE} offline_access`, prompt: 'select_account' });

    // A wrong verifier and a wrong redirect URI are refused without using the code up.
    await entraError(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier }), 400, 501481);
    await entraError(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: 'http://elsewhere/cb', code_verifier: verifier }), 401, 50011);

    const redeem = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(redeem.status).toBe(200);
    const tokens = (await redeem.json()) as TokenAnswer;
    expect(tokens).toEqual({
      token_type: 'Bearer',
      scope: MICROSOFT_ADS_SCOPE,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const again = await entraError(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }), 400, 54005);
    expect(again.error).toBe('invalid_grant');

    const user = await getUser(tokens.access_token);
    expect(user.status).toBe(200);
    const userBody = (await user.json()) as { User: Record<string, unknown>; CustomerRoles: Record<string, unknown>[] };
    expect(userBody.User).toMatchObject({ Id: '501', UserName: 'ada@contoso.com', CustomerId: '9001', UserLifeCycleStatus: 'Active' });
    expect(userBody.CustomerRoles).toEqual([
      { AccountIds: ['180001'], CustomerId: '9001', CustomerLinkPermission: null, LinkedAccountIds: null, RoleId: 203 },
      { AccountIds: null, CustomerId: '9002', CustomerLinkPermission: null, LinkedAccountIds: null, RoleId: 41 },
    ]);

    const search = await searchAccounts(tokens.access_token);
    expect(search.status).toBe(200);
    const { Accounts: accounts } = (await search.json()) as { Accounts: Record<string, unknown>[] };
    expect(accounts.map((account) => [account.Id, account.ParentCustomerId, account.AccountLifeCycleStatus])).toEqual([
      ['180001', '9001', 'Active'],
      ['180002', '9002', 'Active'],
      ['180003', '9002', 'Pause'],
    ]);
    expect(accounts[0]).toMatchObject({ Name: 'Contoso Search', Number: 'X0180001' });

    const noPredicate = await advertising('Accounts/Search', tokens.access_token, { Predicates: [], PageInfo: { Index: 0, Size: 10 } });
    expect(noPredicate.status).toBe(400);
    expect(await noPredicate.json()).toMatchObject({ Type: 'ApiFault', OperationErrors: [{ Code: 474 }] });
  });

  it('refreshes with and without scope, rotating the refresh token while the old one keeps working', async () => {
    const first = await consentAndRedeem(`${MICROSOFT_ADS_SCOPE} offline_access`);

    const withScope = await refresh(first.refresh_token!, `${MICROSOFT_ADS_SCOPE} offline_access`);
    expect(withScope.status).toBe(200);
    const second = (await withScope.json()) as TokenAnswer;
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await getUser(second.access_token)).status).toBe(200);

    const withoutScope = await refresh(first.refresh_token!);
    expect(withoutScope.status).toBe(200);
    expect(((await withoutScope.json()) as TokenAnswer).scope).toBe(MICROSOFT_ADS_SCOPE);
    expect(sim.refreshes.map((attempt) => attempt.scope)).toEqual([`${MICROSOFT_ADS_SCOPE} offline_access`, undefined]);

    // Dynamics was never consented to, so the Advertising grant can't be redeemed for it.
    const elsewhere = await entraError(await refresh(first.refresh_token!, `${DYNAMICS_DISCOVERY_SCOPE} offline_access`), 400, 65001);
    expect(elsewhere.error).toBe('invalid_grant');
  });

  it('gives a discovery-audience token the environments of the tenant, and keeps the audiences apart', async () => {
    const ads = await consentAndRedeem(`${MICROSOFT_ADS_SCOPE} offline_access`);
    const dynamics = await consentAndRedeem(`${DYNAMICS_DISCOVERY_SCOPE} offline_access`);
    expect(dynamics.scope).toBe(DYNAMICS_DISCOVERY_SCOPE);

    const refreshed = await refresh(dynamics.refresh_token!, `${DYNAMICS_DISCOVERY_SCOPE} offline_access`);
    const { access_token: discoveryToken } = (await refreshed.json()) as TokenAnswer;
    const response = await instances(discoveryToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('odata-version')).toBe('4.0');
    const body = (await response.json()) as { '@odata.context': string; value: Record<string, unknown>[] };
    expect(body['@odata.context']).toBe('https://globaldisco.crm.dynamics.com/api/discovery/v2.0/$metadata#Instances');
    expect(body.value).toEqual([
      expect.objectContaining({
        FriendlyName: 'Contoso Sales',
        UrlName: 'contoso',
        ApiUrl: 'https://contoso.api.crm.dynamics.com',
        Url: 'https://contoso.crm.dynamics.com',
        TenantId: TENANT,
        State: 0,
        Id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      }),
    ]);

    // Each API takes only tokens issued for it.
    const wrongAudience = await instances(ads.access_token);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=https:\/\/login\.microsoftonline\.com\/common\/oauth2\/authorize, resource_id=https:\/\/globaldisco\.crm\.dynamics\.com\/$/);
    await adFault(await getUser(discoveryToken), 401, 105, 'InvalidCredentials');
  });

  it('lets tokens die as Entra does: access tokens after an hour, refresh tokens after 90 days unused, all on revocation', async () => {
    const tokens = await consentAndRedeem(`${MICROSOFT_ADS_SCOPE} offline_access`);
    clock += 3600_000;
    await adFault(await getUser(tokens.access_token), 401, 109, 'AuthenticationTokenExpired');

    clock += 91 * DAY;
    const inactive = await entraError(await refresh(tokens.refresh_token!), 400, 700082);
    expect(inactive.error_description).toMatch(/inactive for 90\.00:00:00/);

    const fresh = sim.issueTokens(ADA.id);
    expect((await getUser(fresh.accessToken)).status).toBe(200);
    sim.revokeUser(ADA.id);
    const revoked = await entraError(await refresh(fresh.refreshToken!), 400, 50173);
    expect(revoked).toEqual({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS50173: The provided grant has expired due to it being revoked.*\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s),
      error_codes: [50173],
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
      trace_id: expect.any(String),
      correlation_id: expect.any(String),
      error_uri: 'https://login.microsoftonline.com/error?code=50173',
    });
    await adFault(await getUser(fresh.accessToken), 401, 105, 'InvalidCredentials');
  });

  it('answers injected token faults in Entra shapes', async () => {
    const { refreshToken } = sim.issueTokens(ADA.id);

    sim.fail('token', 'revoked');
    expect((await entraError(await refresh(refreshToken!), 400, 50173)).error).toBe('invalid_grant');
    sim.fail('token', 'expired');
    expect((await entraError(await refresh(refreshToken!), 400, 700082)).error).toBe('invalid_grant');
    sim.fail('token', 'throttled');
    const throttled = await refresh(refreshToken!);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');
    sim.fail('token', 'server_error');
    expect((await entraError(await refresh(refreshToken!), 503, 90033)).error).toBe('temporarily_unavailable');

    // One fault per fail() call: the next refresh works again.
    expect((await refresh(refreshToken!)).status).toBe(200);
  });

  it('answers injected Advertising and discovery faults in their shapes', async () => {
    const { accessToken } = sim.issueTokens(ADA.id);
    sim.fail('ads', 'revoked');
    await adFault(await getUser(accessToken), 401, 105, 'InvalidCredentials');
    sim.fail('ads', 'expired');
    await adFault(await searchAccounts(accessToken), 401, 109, 'AuthenticationTokenExpired');
    sim.fail('ads', 'throttled');
    await adFault(await getUser(accessToken), 400, 117, 'CallRateExceeded');
    sim.fail('ads', 'server_error');
    await adFault(await getUser(accessToken), 500, 0, 'InternalError');

    const { accessToken: discoveryToken } = sim.issueTokens(ADA.id, DYNAMICS_DISCOVERY_SCOPE);
    sim.fail('discovery', 'expired');
    expect((await instances(discoveryToken)).status).toBe(401);
    sim.fail('discovery', 'throttled');
    expect((await instances(discoveryToken)).status).toBe(429);
    sim.fail('discovery', 'server_error');
    expect((await instances(discoveryToken)).status).toBe(503);
    expect((await instances(discoveryToken)).status).toBe(200);
  });

  it('refuses Advertising calls without the developer token, or with a wrong one', async () => {
    const { accessToken } = sim.issueTokens(ADA.id);
    await adFault(await getUser(accessToken, null), 400, 116, 'RequestMissingHeaders');
    await adFault(await getUser(accessToken, 'someone-elses-token'), 401, 105, 'InvalidCredentials');
    expect(sim.requestsTo('/CustomerManagement/v13/User/Query').map((request) => request.headers.developertoken)).toEqual([undefined, 'someone-elses-token']);
  });

  it('sends authorize errors back to the redirect URI, and lets codes expire after ten minutes', async () => {
    const query = new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT_URI, response_type: 'token', scope: MICROSOFT_ADS_SCOPE, state: 'st-2' });
    const refused = await fetch(`${sim.origin}/common/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
    expect(refused.status).toBe(302);
    const location = new URL(refused.headers.get('location')!);
    expect([location.searchParams.get('error'), location.searchParams.get('state'), location.searchParams.has('code')]).toEqual(['unsupported_response_type', 'st-2', false]);

    const { verifier, challenge } = pkce();
    const code = (await authorize(`${MICROSOFT_ADS_SCOPE} offline_access`, challenge)).searchParams.get('code')!;
    clock += 11 * 60_000;
    await entraError(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }), 400, 70008);
  });

  it('refuses a wrong client secret and an unknown refresh token', async () => {
    const wrongSecret = await fetch(`${sim.origin}/common/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sim.clientId, client_secret: 'nope', grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect((await entraError(wrongSecret, 401, 7000215)).error).toBe('invalid_client');
    expect((await entraError(await refresh('rt-unknown'), 400, 9002313)).error).toBe('invalid_grant');
  });
});
