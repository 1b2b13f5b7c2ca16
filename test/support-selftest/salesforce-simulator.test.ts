import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  SALESFORCE_APPROVALS_PER_USER,
  SALESFORCE_SESSION_TIMEOUT_SECONDS,
  salesforceId15,
  startSalesforceSimulator,
  type SalesforceSimulator,
} from '../fakes/providers/salesforce';

// Plain fetch only: the simulator is checked against Salesforce's wire format, not against the app's client.

const REDIRECT_URI = 'https://reconnect.test/oauth/callback';
const SCOPE = 'api refresh_token id';
const ORG = '00D5g000004ABCDEAU';
const ADA = { id: '0055g00000ABCDEFGH', label: 'ada@acme.example', accounts: [{ id: ORG, name: 'Acme Corp' }] };

interface Json {
  [key: string]: unknown;
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

describe('Salesforce simulator', () => {
  let sim: SalesforceSimulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5);
    sim = await startSalesforceSimulator({ now: () => clock });
    sim.addUser(ADA);
    sim.signInAs(ADA.id);
  });
  afterEach(() => sim.close());

  async function authorize(target = sim): Promise<{ code: string; verifier: string; location: URL }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: target.clientId,
      redirect_uri: REDIRECT_URI,
      state: 'st-1',
      scope: SCOPE,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const response = await fetch(`${target.origin}/services/oauth2/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    return { code: location.searchParams.get('code')!, verifier, location };
  }

  function token(form: Record<string, string>, target = sim): Promise<Response> {
    return fetch(`${target.origin}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: target.clientId, client_secret: target.clientSecret, ...form }),
    });
  }

  async function connect(target = sim): Promise<Json> {
    const { code, verifier } = await authorize(target);
    const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI }, target);
    expect(response.status).toBe(200);
    return json(response);
  }

  function userinfo(accessToken?: string): Promise<Response> {
    return fetch(`${sim.origin}/services/oauth2/userinfo`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
  }

  function revoke(tokenToRevoke: string): Promise<Response> {
    return fetch(`${sim.origin}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokenToRevoke }),
    });
  }

  it('computes the 15-character org id', () => {
    expect(salesforceId15(ORG)).toBe('00D5g000004ABCD');
    expect(salesforceId15('00D5g000004ABCD')).toBe('00D5g000004ABCD');
    expect(() => salesforceId15('00D5g')).toThrow();
  });

  it('serves login.salesforce.com, or test.salesforce.com for a sandbox', async () => {
    expect(sim.env().PROVIDER_ORIGINS).toBe(`https://login.salesforce.com=${sim.origin}`);
    expect(sim.env().SALESFORCE_CLIENT_ID).toBe(sim.clientId);

    const sandbox = await startSalesforceSimulator({ host: 'test', now: () => clock });
    try {
      sandbox.addUser(ADA);
      sandbox.signInAs(ADA.id);
      expect(sandbox.originEntries()).toEqual([`https://test.salesforce.com=${sandbox.origin}`]);
      const answer = await connect(sandbox);
      expect(answer.id).toBe(`https://test.salesforce.com/id/${ORG}/${ADA.id}`);
      expect(answer.instance_url).toBe('https://acmecorp--sandbox.sandbox.my.salesforce.com');
    } finally {
      await sandbox.close();
    }
  });

  it('exchanges a PKCE code for the documented answer, without expires_in', async () => {
    const { location } = await authorize();
    expect(location.searchParams.get('state')).toBe('st-1');
    const answer = await connect();
    expect(Object.keys(answer).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type']);
    expect(answer).toMatchObject({
      scope: SCOPE,
      instance_url: 'https://acmecorp.my.salesforce.com',
      id: `https://login.salesforce.com/id/${ORG}/${ADA.id}`,
      token_type: 'Bearer',
      issued_at: String(clock),
    });
    expect(String(answer.access_token).startsWith('00D5g000004ABCD!')).toBe(true);
    expect(answer.signature).toBe(createHmac('sha256', sim.clientSecret).update(`${String(answer.id)}${String(answer.issued_at)}`).digest('base64'));
  });

  it('refuses a code without its verifier, with a wrong one, with another redirect_uri, or twice', async () => {
    const first = await authorize();
    const noVerifier = await token({ grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT_URI });
    expect((await json(noVerifier)).error).toBe('invalid_grant');
    const second = await authorize();
    const wrongVerifier = await token({ grant_type: 'authorization_code', code: second.code, code_verifier: 'x'.repeat(43), redirect_uri: REDIRECT_URI });
    expect((await json(wrongVerifier)).error).toBe('invalid_request');
    const third = await authorize();
    const wrongRedirect = await token({ grant_type: 'authorization_code', code: third.code, code_verifier: third.verifier, redirect_uri: 'https://elsewhere.test/cb' });
    expect((await json(wrongRedirect)).error).toBe('redirect_uri_mismatch');
    const good = { grant_type: 'authorization_code', code: third.code, code_verifier: third.verifier, redirect_uri: REDIRECT_URI };
    expect((await token(good)).status).toBe(200);
    const reused = await token(good);
    expect(reused.status).toBe(400);
    expect(await json(reused)).toEqual({ error: 'invalid_grant', error_description: 'invalid authorization code' });
    expect((await json(await token({ ...good, client_secret: 'wrong' }))).error).toBe('invalid_client');
  });

  it('answers userinfo in the OIDC shape with 18-character ids, and 403 Bad_OAuth_Token for a dead token', async () => {
    const { access_token: accessToken } = await connect();
    const response = await userinfo(String(accessToken));
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      sub: `https://login.salesforce.com/id/${ORG}/${ADA.id}`,
      user_id: ADA.id,
      organization_id: ORG,
      preferred_username: 'ada@acme.example',
      email: 'ada@acme.example',
      active: true,
    });

    const missing = await userinfo();
    expect(missing.status).toBe(403);
    expect(await missing.text()).toBe('Missing_OAuth_Token');
    clock += SALESFORCE_SESSION_TIMEOUT_SECONDS * 1000;
    const expired = await userinfo(String(accessToken));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toBe('Bad_OAuth_Token');
  });

  it('refreshes without rotating the refresh token, until it is revoked', async () => {
    const first = await connect();
    clock += SALESFORCE_SESSION_TIMEOUT_SECONDS * 1000;
    const response = await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(response.status).toBe(200);
    const refreshed = await json(response);
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed.expires_in).toBeUndefined();
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect((await userinfo(String(refreshed.access_token))).status).toBe(200);

    sim.revokeUser(ADA.id);
    const dead = await token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(dead.status).toBe(400);
    expect(await json(dead)).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });

  it('revokes an access token alone, and a refresh token with its sessions but not the other approvals', async () => {
    const one = await connect();
    const two = await connect();
    expect((await revoke(String(one.access_token))).status).toBe(200);
    expect((await userinfo(String(one.access_token))).status).toBe(403);
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(one.refresh_token) })).status).toBe(200);

    const session = await json(await token({ grant_type: 'refresh_token', refresh_token: String(one.refresh_token) }));
    expect((await revoke(String(one.refresh_token))).status).toBe(200);
    expect((await userinfo(String(session.access_token))).status).toBe(403);
    expect((await token({ grant_type: 'refresh_token', refresh_token: String(one.refresh_token) })).status).toBe(400);
    expect((await userinfo(String(two.access_token))).status).toBe(200);
    expect(sim.approvals(ADA.id)).toEqual([two.refresh_token]);

    const unknown = await revoke('nope');
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error).toBe('invalid_token');
    expect(sim.revoked).toEqual([one.access_token, one.refresh_token, 'nope']);
  });

  it('revokes the oldest approval when a sixth refresh token is issued', async () => {
    const oldest = await connect();
    for (let i = 1; i < SALESFORCE_APPROVALS_PER_USER; i += 1) await connect();
    expect(sim.approvals(ADA.id)).toHaveLength(5);
    expect(sim.approvals(ADA.id)[0]).toBe(oldest.refresh_token);

    const sixth = sim.issueTokens(ADA.id);
    expect(sim.approvals(ADA.id)).toHaveLength(5);
    expect(sim.approvals(ADA.id)).not.toContain(oldest.refresh_token);
    expect(sim.approvals(ADA.id).at(-1)).toBe(sixth.refreshToken);
    expect(await json(await token({ grant_type: 'refresh_token', refresh_token: String(oldest.refresh_token) }))).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect((await userinfo(String(oldest.access_token))).status).toBe(403);
  });

  it('refuses a deactivated user with inactive_user and a blocked login with authentication failure', async () => {
    const { refresh_token: refreshToken } = await connect();
    sim.blockUser(ADA.id, 'inactive_user');
    expect((await json(await token({ grant_type: 'refresh_token', refresh_token: String(refreshToken) }))).error).toBe('inactive_user');
    sim.blockUser(ADA.id, 'authentication_failure');
    expect(await json(await token({ grant_type: 'refresh_token', refresh_token: String(refreshToken) }))).toEqual({
      error: 'invalid_grant',
      error_description: 'authentication failure',
    });
    const { code, verifier } = await authorize();
    expect((await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI })).status).toBe(400);
  });

  it('answers injected faults in Salesforce shapes per route group', async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = await connect();
    const refreshForm = { grant_type: 'refresh_token', refresh_token: String(refreshToken) };

    for (const mode of ['revoked', 'expired'] as const) {
      sim.fail('token', mode);
      expect(await json(await token(refreshForm))).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
      sim.fail('identity', mode);
      expect(await (await userinfo(String(accessToken))).text()).toBe('Bad_OAuth_Token');
    }
    sim.fail('token', 'throttled');
    expect((await json(await token(refreshForm))).error).toBe('rate_limit_exceeded');
    sim.fail('identity', 'throttled');
    const limited = await userinfo(String(accessToken));
    expect(limited.status).toBe(403);
    expect(await limited.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    sim.fail('token', 'server_error');
    expect((await token(refreshForm)).status).toBe(503);
    expect((await token(refreshForm)).status).toBe(200);
  });
});
