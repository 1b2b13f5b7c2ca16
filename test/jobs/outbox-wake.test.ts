import { databaseKinds } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { runProbeSweep } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';
import { waitFor } from '../support/wait';

/**
 * With OUTBOX_POLL_MS=0 a replica never polls: what it enqueues reaches Slack only because the commit
 * itself wakes the dispatcher. Before that was one mechanism, the probe sweep and the admin API enqueued
 * alerts that stayed pending forever.
 */

const OWNER = 'U0OWNER01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`OUTBOX_POLL_MS=0: every enqueue wakes the dispatcher [${kind}]`, () => {
    let slack: FakeSlack;
    let oauth: FakeOAuthProvider;
    let t: TestApp;

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      oauth = await startFakeOAuthProvider();
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), ...genericOAuthEnv(oauth), OUTBOX_POLL_MS: '0' });
    });
    afterAll(async () => {
      await t.stop();
      await oauth.close();
      await slack.close();
    });
    afterEach(() => slack.reset());

    async function addConnection(name: string, accountId: string) {
      const tokens = oauth.issueTokens(accountId);
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'generic_oauth2',
        name,
        externalAccountId: accountId,
        channelId: 'C0ALERTS1',
        owners: [OWNER],
        credentials: tokens,
      });
      expect(created.status).toBe(201);
      return { id: created.json.id as string, tokens };
    }

    it('a drop found by the probe sweep is posted', async () => {
      const { tokens } = await addConnection('Probed', 'probed-account');
      oauth.revoke(tokens.refreshToken);

      expect(await runProbeSweep(probeDepsFromCore(t.app.core))).toMatchObject({ probed: 1, needsReauth: 1 });

      const [post] = await slack.waitForCalls('chat.postMessage', 1, 5000);
      expect(post!.args.channel).toBe('C0ALERTS1');
      expect(String(post!.args.text)).toContain('Probed');
    });

    it('a connection disabled through the admin API updates its alert in Slack', async () => {
      const { id, tokens } = await addConnection('Disabled', 'disabled-account');
      oauth.revoke(tokens.refreshToken);
      await runProbeSweep(probeDepsFromCore(t.app.core));
      await slack.waitForCalls('chat.postMessage', 1, 5000);

      expect((await adminRequest(t.url, 'DELETE', `/api/v1/connections/${id}`)).status).toBe(200);

      const [update] = await slack.waitForCalls('chat.update', 1, 5000);
      expect(update!.args.channel).toBe('C0ALERTS1');
      await waitFor(async () => (await t.app.core.db.prisma.outboxMessage.count({ where: { state: { not: 'sent' } } })) === 0);
    });
  });
}
