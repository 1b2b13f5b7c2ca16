import { databaseKinds, truncateAll } from '../support/databases';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { eventCallback, postSigned, TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { waitFor } from '../support/wait';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`multi-workspace install [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;

    beforeAll(async () => {
      slack = await startFakeSlack({ oauthAccess: { access_token: 'xoxb-installed-token-1' } });
      t = await startTestApp(kind, {
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_CLIENT_ID: '111.222',
        SLACK_CLIENT_SECRET: 'slack-client-secret-0123456789',
        SLACK_STATE_SECRET: 'slack-state-secret-0123456789',
        SLACK_API_URL: slack.url,
      });
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
    });
    afterEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
    });

    async function beginInstall(): Promise<{ state: string; cookie: string }> {
      const response = await fetch(`${t.url}/slack/install`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('scope')).toContain('chat:write');
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
      return { state: location.searchParams.get('state')!, cookie };
    }

    const callback = (state: string, cookie?: string) =>
      fetch(`${t.url}/slack/oauth_redirect?code=code-1&state=${encodeURIComponent(state)}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

    it('stores the installation encrypted after a callback with the state cookie, and only once per state', async () => {
      const { state, cookie } = await beginInstall();
      const done = await callback(state, cookie);
      expect(done.status).toBeLessThan(400);
      const row = await t.app.core.db.prisma.installation.findUniqueOrThrow({ where: { teamId: FAKE_SLACK_DEFAULTS.team.id } });
      expect(row.secretData).not.toContain('xoxb-installed-token-1');
      expect(slack.callsTo('oauth.v2.access')).toHaveLength(1);

      const replay = await callback(state, cookie);
      expect(replay.status).toBeGreaterThanOrEqual(400);
      expect(slack.callsTo('oauth.v2.access')).toHaveLength(1);
    });

    it('refuses a callback without the state cookie and stores nothing', async () => {
      const { state } = await beginInstall();
      const response = await callback(state);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(await t.app.core.db.prisma.installation.count()).toBe(0);
      expect(slack.callsTo('oauth.v2.access')).toHaveLength(0);
    });

    it('forgets the bot token when the app is uninstalled', async () => {
      const { state, cookie } = await beginInstall();
      await callback(state, cookie);
      const event = eventCallback({ type: 'app_uninstalled' }, { teamId: FAKE_SLACK_DEFAULTS.team.id });
      expect((await postSigned(t.url, '/slack/events', event)).status).toBe(200);
      await waitFor(async () => Boolean((await t.app.core.db.prisma.installation.findFirst())?.uninstalledAt));
      expect((await t.app.core.db.prisma.installation.findFirstOrThrow()).secretData).toBe('');
    });
  });
}
