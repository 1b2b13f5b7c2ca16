import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { genericOAuthEnv, startFakeOAuthProvider, followAuthorize, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { loadSecrets } from '../../src/db/credentials';
import { verifySignature } from '../../src/lib/signature';
import { waitFor } from '../support/wait';
import { clickReauthorize, openLink } from '../support/reauth-driver';

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = 'C0ALERTS1';
const OWNER = 'U0OWNER01';
const ACCOUNT = 'acct-1';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`Reauthorization, button to working connection [${kind}]`, () => {
    let slack: FakeSlack;
    let provider: FakeOAuthProvider;
    let hooks: WebhookReceiver;
    let t: TestApp;
    let connectionId: string;
    let original: { accessToken: string; refreshToken: string };

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      provider = await startFakeOAuthProvider({ defaultAccount: ACCOUNT });
      hooks = await startWebhookReceiver();
      const urls = provider.config();
      t = await startTestApp(kind, {
        ...fakeSlackEnv(slack),
        ...genericOAuthEnv(provider),
        GENERIC_OAUTH_SCOPES: 'read offline_access',
        GENERIC_API_KEY_PROBE_URL: urls.apiKeyProbeUrl,
        OUTBOUND_WEBHOOK_URL: hooks.url,
        OUTBOUND_WEBHOOK_SECRET: TEST_SECRETS.webhook,
      });
    });
    afterAll(async () => {
      await t.stop();
      await Promise.all([slack.close(), provider.close(), hooks.close()]);
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      hooks.received.length = 0;
      provider.clearFaults();
      original = provider.issueTokens(ACCOUNT);
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: 'generic_oauth2',
        name: 'Warehouse sync',
        externalAccountId: ACCOUNT,
        channelId: CHANNEL,
        owners: [OWNER],
        credentials: original,
      });
      connectionId = created.json.id as string;
      await postIngest(t.url, { eventId: 'evt-drop', connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() });
      await waitFor(async () => Boolean((await t.app.core.db.prisma.incident.findFirst())?.messageTs));
    });

    const reauthorizeLink = () => clickReauthorize(t, slack, { channelId: CHANNEL, userId: OWNER });

    const storedSecrets = async () => (await loadSecrets(t.app.core.db.prisma, t.app.core.keyRing, { id: connectionId, provider: 'generic_oauth2' }))!.secrets;

    it('click → link → provider consent → callback: connected, tokens replaced, alert updated, webhook sent', async () => {
      const opened = await openLink(await reauthorizeLink());
      expect(opened.status).toBe(302);
      const authorize = new URL(opened.location!);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.url.replace('127.0.0.1', '127.0.0.1')}/oauth/callback`);
      const callback = await followAuthorize(authorize);
      const page = await fetch(callback, { headers: { cookie: opened.cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Warehouse sync is reconnected');

      const connection = await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } });
      expect(connection.status).toBe('connected');
      expect((await storedSecrets()).accessToken).not.toBe(original.accessToken);
      expect((await t.app.core.db.prisma.incident.findFirstOrThrow()).state).toBe('closed');

      const updates = await slack.waitForCalls('chat.update', 2);
      expect(JSON.stringify(updates.at(-1)!.args.blocks)).toContain('reconnected');
      await waitFor(() => slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes(`Reconnected by <@${OWNER}>`)));

      const typeOf = (hook: { body: string }) => (JSON.parse(hook.body) as { type: string }).type;
      await waitFor(() => hooks.received.some((hook) => typeOf(hook) === 'connection.reauthorized'));
      expect(hooks.received.map(typeOf)).toEqual(['connection.created', 'connection.authorization_required', 'connection.reauthorized']);
      const hook = hooks.received.find((received) => typeOf(received) === 'connection.reauthorized')!;
      expect(verifySignature(TEST_SECRETS.webhook, { timestamp: String(hook.headers['x-reconnect-timestamp']), signature: String(hook.headers['x-reconnect-signature']) }, hook.body, new Date())).toBeNull();
      expect(JSON.parse(hook.body)).toMatchObject({ type: 'connection.reauthorized', connectionId, provider: 'generic_oauth2', externalAccountId: ACCOUNT, backfill: ['data_pulls'] });

      const actions = (await t.app.core.db.prisma.auditEvent.findMany({ orderBy: { createdAt: 'asc' } })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['reauth_started', 'reauth_completed', 'status_changed']));
    });

    it('a redirect_uri is built from PUBLIC_URL even when the Host header is spoofed', async () => {
      const link = await reauthorizeLink();
      const response = await fetch(link, { redirect: 'manual', headers: { host: 'evil.example' } });
      expect(new URL(response.headers.get('location')!).searchParams.get('redirect_uri')).toBe(`${t.url}/oauth/callback`);
    });

    it('two flows open in one browser: each keeps its own cookie, and the first still finishes', async () => {
      const first = await openLink(await reauthorizeLink());
      const second = await openLink(await reauthorizeLink());
      // A browser keeps one cookie per name; a second flow under the same name replaced the first's.
      const jar = new Map<string, string>();
      for (const cookie of [first.cookie, second.cookie]) jar.set(cookie.split('=')[0]!, cookie);
      const page = await fetch(await followAuthorize(first.location!), { headers: { cookie: [...jar.values()].join('; ') } });
      expect(page.status).toBe(200);
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe('connected');
    });

    it('a connection disabled while the person is at the provider is not stored as reconnected', async () => {
      const opened = await openLink(await reauthorizeLink());
      expect((await adminRequest(t.url, 'DELETE', `/api/v1/connections/${connectionId}`)).status).toBe(200);
      const page = await fetch(await followAuthorize(opened.location!), { headers: { cookie: opened.cookie } });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('was disabled while you were signing in');
      expect(await storedSecrets()).toEqual(original);
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe('disabled');
      expect(await t.app.core.db.prisma.auditEvent.count({ where: { action: 'reauth_completed' } })).toBe(0);
    });

    describe('refusals leave the stored credentials unchanged', () => {
      afterEach(async () => {
        expect(await storedSecrets()).toEqual(original);
        expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe('authorization_required');
      });

      it('a reused link', async () => {
        const link = await reauthorizeLink();
        await openLink(link);
        const again = await openLink(link);
        expect(again.status).toBe(410);
        expect(again.body).toContain('already used');
      });

      it('an expired link', async () => {
        const link = await reauthorizeLink();
        await t.app.core.db.prisma.authFlow.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
        const opened = await openLink(link);
        expect(opened.status).toBe(410);
        expect(opened.body).toContain('expired');
      });

      it("another person's flow (the callback in a browser without the flow cookie)", async () => {
        const opened = await openLink(await reauthorizeLink());
        const callback = await followAuthorize(opened.location!);
        const response = await fetch(callback);
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('another browser');
      });

      it('a tampered state', async () => {
        const opened = await openLink(await reauthorizeLink());
        const callback = await followAuthorize(opened.location!);
        callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
        const response = await fetch(callback, { headers: { cookie: opened.cookie } });
        expect(response.status).toBe(400);
      });

      it('a different account signing in', async () => {
        provider.nextAccount('acct-2');
        const opened = await openLink(await reauthorizeLink());
        const response = await fetch(await followAuthorize(opened.location!), { headers: { cookie: opened.cookie } });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('but you signed in to account acct-2');
        await waitFor(() => slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes('you signed in to account acct-2')));
      });

      it('access_denied at the provider', async () => {
        provider.denyNext('access_denied');
        const opened = await openLink(await reauthorizeLink());
        const response = await fetch(await followAuthorize(opened.location!), { headers: { cookie: opened.cookie } });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('access_denied');
        await waitFor(() => slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes('Reauthorization failed')));
      });

      it('the token endpoint answering 500', async () => {
        provider.failNext('/token', 500);
        const opened = await openLink(await reauthorizeLink());
        const response = await fetch(await followAuthorize(opened.location!), { headers: { cookie: opened.cookie } });
        expect(response.status).toBe(400);
        const audit = await t.app.core.db.prisma.auditEvent.findMany({ where: { action: 'reauth_failed' } });
        expect(audit).toHaveLength(1);
      });
    });
  });
}
