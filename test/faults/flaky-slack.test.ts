import { databaseKinds } from '../support/databases';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { startReplicaPair, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Slack failing 30 % of chat.postMessage calls and answering some with 429, while two replicas share the
 * outbox: every alert still reaches its channel exactly once. Slack recovers after a few seconds so the
 * retries' exponential backoff (1 s, 2 s, 4 s …) ends within the test's time.
 */

const ALERTS = 20;
const FLAKY_FOR_MS = 5000;

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`alerts through a flaky Slack [${kind}]`, () => {
    let slack: FakeSlack;
    let a: TestApp;
    let b: TestApp;
    let replicas: Awaited<ReturnType<typeof startReplicaPair>>;

    beforeAll(async () => {
      slack = await startFakeSlack({ seed: 20 });
      const env = { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '20' };
      replicas = await startReplicaPair(kind, env);
      ({ a, b } = replicas);
    });
    afterAll(async () => {
      await replicas.stop();
      await slack.close();
    });

    it('every alert is posted exactly once despite errors and rate limits', async () => {
      const prisma = a.app.core.db.prisma;
      const channels: string[] = [];
      const ids: string[] = [];
      for (let i = 0; i < ALERTS; i += 1) {
        const channelId = `C0FLAKY${String(i).padStart(3, '0')}`;
        const created = await adminRequest(a.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'linkedin_ads',
          name: `LinkedIn Ads ${i}`,
          externalAccountId: `li_${i}`,
          channelId,
        });
        expect(created.status).toBe(201);
        channels.push(channelId);
        ids.push(created.json.id as string);
      }

      slack.failRate('chat.postMessage', 0.3);
      slack.rateLimitNext('chat.postMessage', 1, 2);
      const recovered = setTimeout(() => slack.failRate('chat.postMessage', 0), FLAKY_FOR_MS);
      try {
        const sent = await Promise.all(
          ids.map((connectionId, i) =>
            postIngest(i % 2 ? a.url : b.url, { eventId: `flaky-${i}`, connectionId, status: 'authorization_required', reason: 'token_expired', occurredAt: new Date().toISOString() }),
          ),
        );
        expect(sent.map((answer) => answer.status)).toEqual(ids.map(() => 202));
        await waitFor(() => slack.callsTo('chat.postMessage').length >= ALERTS / 2);
        slack.rateLimitNext('chat.postMessage', 1, 2);
        await waitFor(async () => (await prisma.outboxMessage.count({ where: { kind: 'alert.sync', state: { not: 'sent' } } })) === 0, 30_000, 100);
      } finally {
        clearTimeout(recovered);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));

      const results = slack.callsTo('chat.postMessage').map((call) => call.result);
      expect(results).toContain('internal_error');
      expect(results).toContain('ratelimited');
      const okPerChannel = new Map<string, number>();
      for (const call of slack.callsTo('chat.postMessage')) {
        if (call.result === 'ok') okPerChannel.set(String(call.args.channel), (okPerChannel.get(String(call.args.channel)) ?? 0) + 1);
      }
      expect(channels.map((channel) => [channel, okPerChannel.get(channel) ?? 0])).toEqual(channels.map((channel) => [channel, 1]));
      expect(await prisma.incident.count({ where: { messageTs: null } })).toBe(0);
    }, 45_000);
  });
}
