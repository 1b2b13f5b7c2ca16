import { databaseKinds } from '../support/databases';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { startReplicaPair, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';

/** Two replicas on one database share the outbox: every alert goes out exactly once. */
for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`two replicas on one database [${kind}]`, () => {
    let slack: FakeSlack;
    let a: TestApp;
    let b: TestApp;
    let replicas: Awaited<ReturnType<typeof startReplicaPair>>;

    beforeAll(async () => {
      slack = await startFakeSlack();
      const env = { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '20' };
      replicas = await startReplicaPair(kind, env);
      ({ a, b } = replicas);
    });
    afterAll(async () => {
      await replicas.stop();
      await slack.close();
    });

    it('20 connections dropping through both replicas post 20 alerts, none twice', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const created = await adminRequest(i % 2 ? a.url : b.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'meta_ads',
          name: `Meta Ads ${i}`,
          externalAccountId: `act_${i}`,
          channelId: `C0CHAN${String(i).padStart(3, '0')}`,
        });
        ids.push(created.json.id as string);
      }
      await Promise.all(
        ids.flatMap((connectionId, i) => [
          postIngest(a.url, { eventId: `evt-${i}`, connectionId, status: 'authorization_required', occurredAt: new Date().toISOString() }),
          postIngest(b.url, { eventId: `evt-${i}`, connectionId, status: 'authorization_required', occurredAt: new Date().toISOString() }),
        ]),
      );
      await slack.waitForCalls('chat.postMessage', 20, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const channels = slack.callsTo('chat.postMessage').map((call) => call.args.channel);
      expect(channels).toHaveLength(20);
      expect(new Set(channels).size).toBe(20);
      expect(await a.app.core.db.prisma.incident.count()).toBe(20);
    });
  });
}
