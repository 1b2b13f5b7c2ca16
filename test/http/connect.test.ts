import { databaseKinds, truncateAll } from '../support/databases';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv, postSigned, slashCommand } from '../fakes/slack-requests';
import { startGoogleAdsSimulator, type GoogleAdsSimulator } from '../fakes/providers/google-ads';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { clickReauthorize, consentAndReturn, openLink } from '../support/reauth-driver';
import { waitFor } from '../support/wait';
import { ShiftedClock } from '../support/clock';

/**
 * The loop closed, end to end: a person connects a Google Ads account from Slack (picking one of the two
 * they can reach), the data platform reads its token, Google revokes the grant, the next read answers
 * 409 and one alert is posted, the person reauthorizes, and the token reads again; the platform's
 * receiver sees each step. Google's token lifetime is an hour
 * (https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code),
 * so the app's clock is moved past it for the read that must refresh.
 */

const KEY = 'pipeline-key-0123456789abcdef0123456789';
const CHANNEL = 'C0MARKET1';
const PERSON = 'U0PERSON1';
const GOOGLE_USER = '110000000000000000042';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`connect from Slack, then the credentials API [${kind}]`, () => {
    let sim: GoogleAdsSimulator;
    let slack: FakeSlack;
    let hooks: WebhookReceiver;
    let clock: ShiftedClock;
    let t: TestApp;

    beforeAll(async () => {
      sim = await startGoogleAdsSimulator();
      sim.addUser({ id: GOOGLE_USER, label: 'marketer@acme.example', accounts: [{ id: '1112223333', name: 'Acme Brand' }, { id: '4445556666', name: 'Acme Performance' }] });
      slack = await startFakeSlack({ users: [{ id: PERSON, name: 'marketer' }] });
      hooks = await startWebhookReceiver();
      clock = new ShiftedClock();
      t = await startTestApp(
        kind,
        { ...fakeSlackEnv(slack), ...sim.env(), DATA_PLATFORM_KEYS: `pipeline:${KEY}`, OUTBOUND_WEBHOOK_URL: hooks.url, OUTBOUND_WEBHOOK_SECRET: TEST_SECRETS.webhook },
        { clock },
      );
    });
    afterAll(async () => {
      await t.stop();
      await Promise.all([sim.close(), slack.close(), hooks.close()]);
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      hooks.received.length = 0;
      clock.offsetMs = 0;
    });

    async function command(text: string): Promise<string> {
      const before = slack.callsTo('response_url').length;
      const answer = await postSigned(t.url, '/slack/events', slashCommand({ text, response_url: slack.responseUrl(), channel_id: CHANNEL, user_id: PERSON }));
      expect(answer.status).toBe(200);
      const calls = await slack.waitForCalls('response_url', before + 1);
      return String(calls.at(-1)!.args.text);
    }

    const linkIn = (text: string) => /<(http[^|>]+)\|/.exec(text)![1]!;
    const read = async (id: string) => fetch(`${t.url}/api/v1/connections/${id}/access-token`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    const hookTypes = () => hooks.received.map((hook) => (JSON.parse(hook.body) as { type: string }).type);

    it('connect → pick one of two accounts → token → revoked → 409 and one alert → reauthorize → token again', async () => {
      const answer = await command('connect google_ads Brand campaigns');
      expect(answer).toContain('Connect Google Ads');
      sim.signInAs(GOOGLE_USER);
      const opened = await openLink(linkIn(answer));
      const pickPage = await consentAndReturn(opened);
      expect(pickPage.status).toBe(200);
      expect(pickPage.html).toContain('Which Google Ads account?');
      expect(pickPage.html).toContain('1112223333');
      expect(pickPage.html).toContain('4445556666');

      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(pickPage.html)![1]!;
      const picked = await fetch(`${t.url}/oauth/connect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pickPage.cookie },
        body: new URLSearchParams({ flow: field('flow'), csrf: field('csrf'), account: '1' }).toString(),
      });
      expect(picked.status).toBe(200);
      expect(await picked.text()).toContain('Brand campaigns is connected');

      const connection = await t.app.core.db.prisma.connection.findFirstOrThrow();
      expect(connection).toMatchObject({ provider: 'google_ads', externalAccountId: '4445556666', channelId: CHANNEL, name: 'Brand campaigns', owners: JSON.stringify([PERSON]) });
      await waitFor(() => slack.callsTo('chat.postMessage').some((call) => call.args.channel === CHANNEL && String(call.args.text).includes('connected *Brand campaigns*')));

      const first = (await (await read(connection.id)).json()) as { accessToken: string };
      expect(sim.live(first.accessToken, 'access')).toBeDefined();

      sim.revokeUser(GOOGLE_USER);
      clock.offsetMs = 2 * 60 * 60_000;
      const refused = await read(connection.id);
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: 'authorization_required' });
      await waitFor(async () => Boolean((await t.app.core.db.prisma.incident.findFirst())?.messageTs));
      expect(slack.callsTo('chat.postMessage').filter((call) => call.args.channel === CHANNEL && Array.isArray(call.args.blocks))).toHaveLength(1);

      // Time only moves forward: the click is signed at the app's (moved) time, which its replay check compares.
      sim.signInAs(GOOGLE_USER);
      const click = { connectionId: connection.id, channelId: CHANNEL, userId: PERSON, signedAt: clock.now() };
      const page = await consentAndReturn(await openLink(await clickReauthorize(t, slack, click)));
      expect(page.status).toBe(200);
      expect(page.html).toContain('is reconnected');

      const again = await read(connection.id);
      expect(again.status).toBe(200);
      expect(sim.live(((await again.json()) as { accessToken: string }).accessToken, 'access')).toBeDefined();
      await waitFor(() => hookTypes().includes('connection.reauthorized'));
      expect(hookTypes()).toEqual(['connection.created', 'connection.authorization_required', 'connection.reauthorized']);
    });

    it('refuses a reused and an expired connect link, and a provider that is not configured, creating nothing', async () => {
      const link = linkIn(await command('connect google_ads'));
      expect((await openLink(link)).status).toBe(302);
      const reused = await openLink(link);
      expect(reused.status).toBe(410);

      const expiring = linkIn(await command('connect google_ads'));
      clock.offsetMs = 11 * 60_000;
      expect((await openLink(expiring)).status).toBe(410);
      clock.offsetMs = 0;

      expect(await command('connect hubspot')).toContain("HubSpot isn't set up on this server yet");
      expect(await command('connect nosuchthing')).toContain('There is no provider "nosuchthing"');
      expect(await t.app.core.db.prisma.connection.count()).toBe(0);
    });
  });
}

