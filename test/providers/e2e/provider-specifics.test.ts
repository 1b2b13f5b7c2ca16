import { startGoogleAdsSimulator, type GoogleAdsSimulator } from '../../fakes/providers/google-ads';
import { startLinkedInAdsSimulator, type LinkedInAdsSimulator } from '../../fakes/providers/linkedin-ads';
import { startMetaAdsSimulator, type MetaAdsSimulator } from '../../fakes/providers/meta-ads';
import { MICROSOFT_ADS_SCOPE, startMicrosoftSimulator, type MicrosoftSimulator } from '../../fakes/providers/microsoft';
import { startSalesforceSimulator, type SalesforceSimulator } from '../../fakes/providers/salesforce';
import { adminRequest } from '../../fakes/ingest-requests';
import { FAKE_SLACK_DEFAULTS } from '../../fakes/fake-slack';
import { databaseKinds, truncateAll } from '../../support/databases';
import { startProviderWorld, type ProviderWorld } from '../../support/provider-e2e';
import { waitFor } from '../../support/wait';
import { clickReauthorize, consentAndReturn, openLink } from '../../support/reauth-driver';

/**
 * What each provider does differently from the others, through the real app and its simulator: the
 * fixes of the real-providers issue that the shared end-to-end matrix (describeProviderEndToEnd) doesn't reach.
 */

const DAY_MS = 24 * 60 * 60_000;
const near = (actual: Date | null, expectedMs: number) => Math.abs((actual?.getTime() ?? 0) - expectedMs) < 60_000;

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`provider specifics [${kind}]`, () => {
    describe('Google Ads', () => {
      let world: ProviderWorld<GoogleAdsSimulator>;
      beforeAll(async () => {
        const sim = await startGoogleAdsSimulator();
        sim.addUser({ id: 'g-owner', label: 'owner@acme.example', accounts: [{ id: '1234567890', name: 'Acme' }] });
        // Reaches the client account only through the manager account.
        sim.addUser({ id: 'g-agency', label: 'agency@example.org', accounts: [{ id: '7000000001', name: 'Agency MCC' }] });
        sim.addManager('7000000001', ['1234567890']);
        world = await startProviderWorld(kind, sim, { GOOGLE_ADS_LOGIN_CUSTOMER_ID: '700-000-0001', GOOGLE_ADS_PUBLISHING_STATUS: 'testing' });
      });
      afterAll(() => world.stop());
      beforeEach(async () => {
        await truncateAll(world.t.app.core.db);
        world.sim.revoked.length = 0;
      });

      it('accepts a callback without iss (Google sends it for some users only), reaches the account through the manager, and records the 7-day Testing expiry', async () => {
        const id = await world.connect('google_ads', '123-456-7890', world.sim.issueTokens('g-owner'));
        world.sim.omitIssuerOnce();
        const page = await world.reauthorizeAs(id, 'g-agency');

        expect(page.status).toBe(200);
        const search = world.sim.requestsTo('/v26/customers/7000000001/googleAds:search').at(-1)!;
        expect(search.headers['login-customer-id']).toBe('7000000001');
        expect(search.headers['developer-token']).toBeDefined();
        const credential = await world.credential(id);
        expect(credential.hardExpiryKind).toBe('testing_app');
        expect(near(credential.hardExpiresAt, Date.now() + 7 * DAY_MS)).toBe(true);
      });

      it("refuses a callback whose iss is another issuer's (mix-up), storing nothing", async () => {
        const id = await world.connect('google_ads', '1234567890', world.sim.issueTokens('g-owner'));
        const before = await world.secrets(id, 'google_ads');
        await world.dropAndAlert(id);
        world.sim.signInAs('g-owner');
        const opened = await openLink(await clickReauthorize(world.t, world.slack, { connectionId: id, channelId: 'C0ADS0001', userId: 'U0OWNER01' }));
        const consent = await fetch(opened.location!, { redirect: 'manual' });
        const callback = new URL(consent.headers.get('location')!);
        callback.searchParams.set('iss', 'https://attacker.example');
        const page = await fetch(callback, { headers: { cookie: opened.cookie } });

        expect(page.status).toBe(400);
        expect(await world.secrets(id, 'google_ads')).toEqual(before);
      });

      it("leaves a refused person's grant alone while another connection relies on it (revoking ends Google's whole grant)", async () => {
        await world.connect('google_ads', '700-000-0001', world.sim.issueTokens('g-agency'));
        const other = await world.connect('google_ads', '9999999999', world.sim.issueTokens('g-owner'));
        // Record who granted the first connection, as a reauthorization would.
        await world.t.app.core.db.prisma.credential.updateMany({ where: { connectionId: { not: other } }, data: { signedInAs: 'g-agency' } });
        const page = await world.reauthorizeAs(other, 'g-agency');

        expect(page.status).toBe(400);
        expect(world.sim.revoked).toEqual([]);
        const kept = await world.t.app.core.db.prisma.auditEvent.findFirst({ where: { connectionId: other, action: 'grant_kept' } });
        expect(kept).not.toBeNull();
      });
    });

    describe('Meta Ads', () => {
      let world: ProviderWorld<MetaAdsSimulator>;
      beforeAll(async () => {
        const sim = await startMetaAdsSimulator();
        // The connection's ad account sits on the second page of /me/adaccounts.
        const many = Array.from({ length: 130 }, (_, index) => ({ id: String(238100000 + index), name: `Account ${index}` }));
        sim.addUser({ id: 'm-agency', label: 'Agency Person', accounts: many });
        sim.requireAppSecretProof(true);
        world = await startProviderWorld(kind, sim, { META_ADS_APPSECRET_PROOF: 'true', META_ADS_CONFIG_ID: '998877665544' });
      });
      afterAll(() => world.stop());

      it('signs in with a Login for Business configuration, sends appsecret_proof, follows paging, and records the ~60-day token expiry', async () => {
        const id = await world.connect('meta_ads', 'act_238100120', world.sim.issueTokens('m-agency'));
        const page = await world.reauthorizeAs(id, 'm-agency');

        expect(page.status).toBe(200);
        expect(page.authorizeUrl.searchParams.get('config_id')).toBe('998877665544');
        expect(page.authorizeUrl.searchParams.has('scope')).toBe(false);
        expect(world.sim.requestsTo('/v23.0/me/adaccounts').length).toBeGreaterThan(1);
        const credential = await world.credential(id);
        expect(credential.hardExpiryKind).toBe('access_token');
        expect(near(credential.hardExpiresAt, Date.now() + 5183944 * 1000)).toBe(true);
        expect((await world.probe(id)).result).toBe('ok');
      });

      it("records the end of the app's data access when it comes before the token's (debug_token)", async () => {
        world.sim.setDataAccessDays(30);
        try {
          const id = await world.connect('meta_ads', '238100005', world.sim.issueTokens('m-agency'));
          expect((await world.reauthorizeAs(id, 'm-agency')).status).toBe(200);
          const credential = await world.credential(id);
          expect(credential.hardExpiryKind).toBe('data_access');
          expect(near(credential.hardExpiresAt, Date.now() + 30 * DAY_MS)).toBe(true);
          const debug = world.sim.requestsTo('/v23.0/debug_token').at(-1)!;
          expect(debug.query.access_token).toBe(`${world.sim.clientId}|${world.sim.clientSecret}`);
        } finally {
          world.sim.setDataAccessDays(90);
        }
      });
    });

    describe('LinkedIn Ads', () => {
      let world: ProviderWorld<LinkedInAdsSimulator>;
      beforeAll(async () => {
        const sim = await startLinkedInAdsSimulator();
        sim.addUser({ id: 'li-member', label: 'Member', accounts: [{ id: '508915001', name: 'Acme' }] });
        world = await startProviderWorld(kind, sim);
      });
      afterAll(() => world.stop());

      it('reads token answers without token_type and records the 365-day refresh token expiry, which refreshing restates', async () => {
        const id = await world.connect('linkedin_ads', 'urn:li:sponsoredAccount:508915001', world.sim.issueTokens('li-member'));
        expect((await world.reauthorizeAs(id, 'li-member')).status).toBe(200);
        const credential = await world.credential(id);
        expect(credential.hardExpiryKind).toBe('refresh_token');
        expect(near(credential.hardExpiresAt, Date.now() + 365 * DAY_MS)).toBe(true);

        expect((await world.probe(id)).result).toBe('ok');
        expect(near((await world.credential(id)).hardExpiresAt, credential.hardExpiresAt!.getTime())).toBe(true);
      });
    });

    describe('Microsoft Advertising', () => {
      let world: ProviderWorld<MicrosoftSimulator>;
      beforeAll(async () => {
        const sim = await startMicrosoftSimulator();
        sim.addUser({ id: '70001', label: 'owner@contoso.example', accounts: [{ id: '150000001', name: 'Contoso', customerId: '250000001' }] });
        world = await startProviderWorld(kind, sim);
      });
      afterAll(() => world.stop());

      it('sends the developer token and a JSON body to GetUser, repeats the scope on refresh, and records the 90-day idle expiry', async () => {
        const id = await world.connect('microsoft_ads', '150000001', world.sim.issueTokens('70001'));
        expect((await world.reauthorizeAs(id, '70001')).status).toBe(200);
        const getUser = world.sim.requestsTo('/CustomerManagement/v13/User/Query').at(-1)!;
        expect(getUser.headers.developertoken).toBeDefined();
        expect(getUser.json).toEqual({ UserId: null });
        expect((await world.credential(id)).hardExpiryKind).toBe('idle');

        expect((await world.probe(id)).result).toBe('ok');
        expect(world.sim.refreshes.at(-1)!.scope).toContain(MICROSOFT_ADS_SCOPE);
        expect(near((await world.credential(id)).hardExpiresAt, Date.now() + 90 * DAY_MS)).toBe(true);
      });
    });

    describe('Salesforce', () => {
      let world: ProviderWorld<SalesforceSimulator>;
      beforeAll(async () => {
        const sim = await startSalesforceSimulator();
        sim.addUser({ id: '0055g00000AAAAAAA1', label: 'owner@acme.example', accounts: [{ id: '00D5g000004ABCDEAU', name: 'Acme' }] });
        world = await startProviderWorld(kind, sim);
      });
      afterAll(() => world.stop());
      beforeEach(async () => {
        await truncateAll(world.t.app.core.db);
        world.sim.revoked.length = 0;
      });

      it('warns the channel when the person now holds the 5 grants Salesforce keeps per user and app', async () => {
        // Four other workspaces connected the same org as the same user earlier.
        for (let index = 1; index <= 4; index += 1) {
          const other = await adminRequest(world.t.url, 'POST', '/api/v1/connections', {
            teamId: `T0OTHER0${index}`,
            provider: 'salesforce',
            name: `Acme for workspace ${index}`,
            externalAccountId: '00D5g000004ABCDEAU',
            credentials: world.sim.issueTokens('0055g00000AAAAAAA1'),
          });
          await world.t.app.core.db.prisma.credential.update({ where: { connectionId: other.json.id as string }, data: { signedInAs: '0055g00000AAAAAAA1' } });
        }
        const id = await world.connect('salesforce', '00D5g000004ABCD', world.sim.issueTokens('0055g00000AAAAAAA1'));
        expect((await world.reauthorizeAs(id, '0055g00000AAAAAAA1')).status).toBe(200);

        await waitFor(() => world.slack.callsTo('chat.postMessage').some((call) => String(call.args.text).includes('now holds 5 Salesforce grants')));
        const notice = world.slack.callsTo('chat.postMessage').find((call) => String(call.args.text).includes('now holds 5 Salesforce grants'))!;
        expect(notice.args.channel).toBe('C0ADS0001');
        expect(String(notice.args.text)).toContain('the next sign-in by this user silently ends the oldest, Acme for workspace 1');
      });

      it('revokes the grant it got when the connection was disabled while the person was signing in', async () => {
        const id = await world.connect('salesforce', '00D5g000004ABCDEAU', world.sim.issueTokens('0055g00000AAAAAAA1'));
        await world.dropAndAlert(id);
        world.sim.signInAs('0055g00000AAAAAAA1');
        const opened = await openLink(await clickReauthorize(world.t, world.slack, { connectionId: id, channelId: 'C0ADS0001', userId: 'U0OWNER01' }));
        expect((await adminRequest(world.t.url, 'DELETE', `/api/v1/connections/${id}`)).status).toBe(200);
        const page = await consentAndReturn(opened);

        expect(page.html).toContain('disabled while you were signing in');
        expect(world.sim.revoked).toHaveLength(1);
        expect(world.sim.live(world.sim.revoked[0], 'refresh')).toBeUndefined();
      });

      it.each([
        ['a host that is not Salesforce', 'evil.example.com'],
        ['a URL instead of a host', 'https://test.salesforce.com'],
        ['a lookalike', 'login.salesforce.com.evil.example'],
      ])('refuses a loginHost option of %s and stores nothing', async (_, loginHost) => {
        const before = await world.t.app.core.db.prisma.connection.count();
        const answer = await adminRequest(world.t.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'salesforce',
          name: 'Sandbox',
          externalAccountId: '00D5g000004ABCD',
          options: { loginHost },
        });
        expect(answer.status).toBe(400);
        expect(JSON.stringify(answer.json)).toContain('options.loginHost');
        expect(await world.t.app.core.db.prisma.connection.count()).toBe(before);
      });
    });
  });
}
