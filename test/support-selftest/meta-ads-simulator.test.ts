import { createHmac } from 'node:crypto';
import { META_GRAPH_VERSION, META_PAGE_SIZE, META_TOKEN_TTL_SECONDS, startMetaAdsSimulator, type MetaAdsSimulator } from '../fakes/providers/meta-ads';

// Plain fetch only: the simulator is checked against Graph's wire format, not against the app's client.

const V = META_GRAPH_VERSION;
const REDIRECT_URI = 'https://reconnect.test/oauth/callback';
const ACCOUNTS = Array.from({ length: 30 }, (_, index) => ({ id: String(100000 + index), name: `Account ${index + 1}` }));
const BEA = { id: '10229876543210', label: 'Bea Meta', accounts: ACCOUNTS };

interface GraphError {
  error: { message: string; type: string; code: number; error_subcode?: number; fbtrace_id: string };
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('Meta Ads simulator', () => {
  let sim: MetaAdsSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5);
    sim = await startMetaAdsSimulator({ now: () => clock });
    sim.addUser(BEA);
    sim.signInAs(BEA.id);
  });
  afterEach(() => sim.close());

  async function dialog(params: Record<string, string>): Promise<URL> {
    const query = new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT_URI, state: 'st-9', ...params });
    const response = await fetch(`${sim.origin}/${V}/dialog/oauth?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  function exchange(code: string, overrides: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET'): Promise<Response> {
    const params = new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, redirect_uri: REDIRECT_URI, code, ...overrides });
    return method === 'GET'
      ? fetch(`${sim.origin}/${V}/oauth/access_token?${params}`)
      : fetch(`${sim.origin}/${V}/oauth/access_token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params });
  }

  async function connect(): Promise<string> {
    const location = await dialog({ scope: 'ads_read,ads_management,business_management', auth_type: 'rerequest' });
    return (await json<{ access_token: string }>(await exchange(location.searchParams.get('code')!))).access_token;
  }

  function graph(path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${sim.origin}/${V}/${path}?${new URLSearchParams(params)}`, { headers });
  }

  it('gives the app its environment: a numeric app id, its secret and both origins', () => {
    const env = sim.env();
    expect(env.META_ADS_CLIENT_ID).toMatch(/^[1-9]\d{15}$/);
    expect(env.META_ADS_CLIENT_SECRET).toMatch(/^[0-9a-f]{32}$/);
    expect(env.PROVIDER_ORIGINS!.split(',')).toEqual([`https://www.facebook.com=${sim.origin}`, `https://graph.facebook.com=${sim.origin}`]);
  });

  it('records whether a dialog asked by scope or by Facebook Login for Business config_id', async () => {
    const location = await dialog({ scope: 'ads_read,ads_management,business_management', auth_type: 'rerequest' });
    expect(location.searchParams.get('state')).toBe('st-9');
    expect(location.searchParams.get('code')).toBeTruthy();
    await dialog({ config_id: '987654321' });
    expect(sim.consents).toEqual([
      { via: 'scope', scope: ['ads_read', 'ads_management', 'business_management'], authType: 'rerequest' },
      { via: 'config_id', configId: '987654321' },
    ]);
  });

  it('exchanges a code once, by GET or form POST, for a 60-day bearer token and no refresh token', async () => {
    const code = (await dialog({ scope: 'ads_read' })).searchParams.get('code')!;
    const response = await exchange(code, {}, 'POST');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer', expires_in: META_TOKEN_TTL_SECONDS });

    const reused = await exchange(code);
    expect(reused.status).toBe(400);
    expect(await json<GraphError>(reused)).toEqual({ error: { message: 'This authorization code has been used.', type: 'OAuthException', code: 100, error_subcode: 36009, fbtrace_id: expect.any(String) } });
  });

  it('answers the code exchange mistakes with Graph errors', async () => {
    const code = (await dialog({ scope: 'ads_read' })).searchParams.get('code')!;
    expect((await json<GraphError>(await exchange(code, { redirect_uri: 'https://elsewhere.test/cb' }))).error).toMatchObject({ code: 100, error_subcode: 36008 });
    expect((await json<GraphError>(await exchange(code, { client_secret: 'nope' }))).error).toMatchObject({ message: 'Error validating client secret.', code: 1 });
    expect((await json<GraphError>(await exchange(code, { client_id: '42' }))).error).toMatchObject({ code: 101 });
    expect((await json<GraphError>(await exchange('garbage'))).error).toMatchObject({ message: 'Invalid verification code format.', code: 100 });
    clock += 11 * 60_000;
    expect((await json<GraphError>(await exchange(code))).error).toMatchObject({ message: 'This authorization code has expired.', error_subcode: 36007 });
  });

  it('tells who consented at /me, with the token as parameter or bearer header', async () => {
    const token = await connect();
    expect(await json(await graph('me', { fields: 'id,name', access_token: token }))).toEqual({ id: BEA.id, name: BEA.label });
    expect(await json(await graph('me', { fields: 'id,name' }, { authorization: `Bearer ${token}` }))).toEqual({ id: BEA.id, name: BEA.label });
    expect((await json<GraphError>(await graph('me', { fields: 'id,email', access_token: token }))).error.message).toBe('(#100) Tried accessing nonexisting field (email) on node type (User)');
    expect((await json<GraphError>(await graph('me', { fields: 'id,name' }))).error.code).toBe(2500);
  });

  it('pages /me/adaccounts by cursor, with absolute next and previous links on the simulator', async () => {
    const token = await connect();
    const first = await json<{ data: Array<Record<string, string>>; paging: { cursors: { before: string; after: string }; next?: string; previous?: string } }>(
      await graph('me/adaccounts', { fields: 'account_id,name' }, { authorization: `Bearer ${token}` }),
    );
    expect(first.data).toHaveLength(META_PAGE_SIZE);
    expect(first.data[0]).toEqual({ account_id: '100000', name: 'Account 1', id: 'act_100000' });
    expect(first.paging.previous).toBeUndefined();
    const next = new URL(first.paging.next!);
    expect(next.origin).toBe(sim.origin);
    expect(next.pathname).toBe(`/${V}/me/adaccounts`);
    expect(Object.fromEntries(next.searchParams)).toEqual({ fields: 'account_id,name', access_token: token, limit: '25', after: first.paging.cursors.after });

    const second = await json<{ data: Array<Record<string, string>>; paging: { next?: string; previous?: string } }>(await fetch(next));
    expect(second.data.map((account) => account.account_id)).toEqual(ACCOUNTS.slice(25).map((account) => account.id));
    expect(second.paging.next).toBeUndefined();
    const back = await json<{ data: Array<Record<string, string>> }>(await fetch(second.paging.previous!));
    expect(back.data.map((account) => account.account_id)).toEqual(ACCOUNTS.slice(0, 25).map((account) => account.id));

    const small = await json<{ data: unknown[]; paging: { next?: string } }>(await graph('me/adaccounts', { fields: 'account_id', limit: '10', access_token: token }));
    expect(small.data).toEqual([{ account_id: '100000', id: 'act_100000' }, ...ACCOUNTS.slice(1, 10).map((account) => ({ account_id: account.id, id: `act_${account.id}` }))]);
    expect(new URL(small.paging.next!).searchParams.get('limit')).toBe('10');
  });

  it('demands a valid appsecret_proof once required', async () => {
    const token = await connect();
    sim.requireAppSecretProof(true);
    const missing = await graph('me', { fields: 'id,name', access_token: token });
    expect(missing.status).toBe(400);
    expect((await json<GraphError>(missing)).error).toMatchObject({ message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException', code: 100 });
    const wrong = await graph('me/adaccounts', { access_token: token, appsecret_proof: 'ab'.repeat(32) });
    expect((await json<GraphError>(wrong)).error.message).toBe('Invalid appsecret_proof provided in the API argument');
    const proof = createHmac('sha256', sim.clientSecret).update(token).digest('hex');
    expect((await graph('me', { fields: 'id,name', access_token: token, appsecret_proof: proof })).status).toBe(200);
    sim.requireAppSecretProof(false);
    expect((await graph('me', { access_token: token })).status).toBe(200);
  });

  it('answers dead tokens with 190 and the subcode of why, on /me and /me/adaccounts alike', async () => {
    const subcode = async (token: string) => {
      const answers = [await graph('me', { access_token: token }), await graph('me/adaccounts', { access_token: token })];
      return Promise.all(
        answers.map(async (answer) => {
          const { error } = await json<GraphError>(answer);
          return [answer.status, error.code, error.error_subcode];
        }),
      );
    };
    const removed = await connect();
    sim.revokeUser(BEA.id);
    expect(await subcode(removed)).toEqual([[400, 190, 458], [400, 190, 458]]);

    const changed = await connect();
    sim.changePassword(BEA.id);
    expect(await subcode(changed)).toEqual([[400, 190, 460], [400, 190, 460]]);

    const { accessToken } = sim.issueTokens(BEA.id);
    clock += META_TOKEN_TTL_SECONDS * 1000;
    expect(await subcode(accessToken)).toEqual([[400, 190, 463], [400, 190, 463]]);
    expect((await json<GraphError>(await graph('me', { access_token: 'not-a-token' }))).error).toMatchObject({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
  });

  it('ends the login at DELETE /me/permissions', async () => {
    const token = await connect();
    const response = await fetch(`${sim.origin}/${V}/me/permissions?access_token=${token}`, { method: 'DELETE' });
    expect(await json(response)).toEqual({ success: true });
    expect((await json<GraphError>(await graph('me', { access_token: token }))).error.error_subcode).toBe(458);
  });

  it('answers injected faults in Graph’s shapes, then recovers', async () => {
    const { accessToken } = sim.issueTokens(BEA.id);
    const me = () => graph('me', { access_token: accessToken });
    const accounts = () => graph('me/adaccounts', { access_token: accessToken });

    sim.fail('identity', 'revoked');
    expect((await json<GraphError>(await me())).error).toMatchObject({ code: 190, error_subcode: 458 });
    sim.fail('identity', 'expired');
    expect((await json<GraphError>(await me())).error).toMatchObject({ code: 190, error_subcode: 463 });
    sim.fail('identity', 'throttled');
    expect((await json<GraphError>(await me())).error).toMatchObject({ code: 17, is_transient: true });
    sim.fail('accounts', 'throttled');
    expect((await json<GraphError>(await accounts())).error).toMatchObject({ code: 17, error_subcode: 2446079 });
    sim.fail('accounts', 'server_error');
    const down = await accounts();
    expect([down.status, (await json<GraphError>(down)).error.code]).toEqual([500, 2]);
    expect((await me()).status).toBe(200);
    expect((await accounts()).status).toBe(200);

    const code = (await dialog({ scope: 'ads_read' })).searchParams.get('code')!;
    sim.fail('token', 'throttled');
    const throttled = await exchange(code);
    expect([throttled.status, (await json<GraphError>(throttled)).error.code]).toEqual([403, 4]);
    sim.fail('token', 'expired');
    expect((await json<GraphError>(await exchange(code))).error.error_subcode).toBe(36007);
    expect((await exchange(code)).status).toBe(200);
  });
});
