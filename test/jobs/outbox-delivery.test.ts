import { databaseKinds, describeEachDatabase, truncateAll } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { claim, enqueue } from '../../src/db/outbox';
import { dropNow } from '../support/status';
import { waitFor } from '../support/wait';

const OWNER = 'U0OWNER01';

describeEachDatabase('outbox claiming', (db) => {
  it('two claimers racing never get the same row', async () => {
    for (let i = 0; i < 40; i += 1) await enqueue(db().prisma, { kind: 'test', idempotencyKey: `k${i}`, payload: { i } });
    const now = new Date();
    const [a, b] = await Promise.all([
      claim(db().prisma, { owner: 'a', now, leaseMs: 60_000, limit: 40 }),
      claim(db().prisma, { owner: 'b', now, leaseMs: 60_000, limit: 40 }),
    ]);
    const ids = [...a, ...b].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
  });

  it('enqueueing the same idempotency key twice keeps one row', async () => {
    expect(await enqueue(db().prisma, { kind: 'test', idempotencyKey: 'same', payload: {} })).toBe(true);
    expect(await enqueue(db().prisma, { kind: 'test', idempotencyKey: 'same', payload: {} })).toBe(false);
    expect(await db().prisma.outboxMessage.count()).toBe(1);
  });
});

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`alert delivery under failure [${kind}]`, () => {
    let slack: FakeSlack;
    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
    });
    afterAll(async () => slack.close());
    afterEach(() => slack.reset());

    const env = (pollMs: string) => ({
      ...fakeSlackEnv(slack),
      OUTBOX_POLL_MS: pollMs,
    });

    async function dropConnection(t: TestApp): Promise<string> {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'hubspot',
        name: 'HubSpot',
        externalAccountId: 'hub-1',
        channelId: 'C0ALERTS1',
        owners: [OWNER],
      });
      const outcome = await dropNow(t.app.core.engine, created.json.id as string);
      return outcome.incidentId!;
    }

    it('a replica that died after claiming the alert: after restart it is posted exactly once', async () => {
      const first = await startTestApp(kind, env('0'));
      // The replica that dies claimed the row before its own dispatcher could.
      await first.app.dispatcher.stop();
      await dropConnection(first);
      const claimed = await claim(first.app.core.db.prisma, { owner: 'replica-that-dies', now: new Date(), leaseMs: 300, limit: 10 });
      expect(claimed.map((message) => message.kind)).toContain('alert.sync');
      await first.stop({ keepDatabase: true });

      const second = await startTestApp(kind, env('50'), { databaseUrl: first.databaseUrl });
      try {
        await slack.waitForCalls('chat.postMessage', 1, 5000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
        expect((await second.app.core.db.prisma.outboxMessage.findFirstOrThrow({ where: { kind: 'alert.sync' } })).state).toBe('sent');
      } finally {
        await second.stop();
      }
    });

    it('a channel Slack says is gone: recorded on the incident, owners told by DM, not retried forever', async () => {
      const t = await startTestApp(kind, env('50'));
      try {
        await truncateAll(t.app.core.db);
        slack.failNext('chat.postMessage', 'channel_not_found');
        const incidentId = await dropConnection(t);
        t.app.dispatcher.kick();
        await waitFor(async () => (await t.app.core.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } })).deliveryError === 'channel_not_found');
        await waitFor(() => slack.callsTo('chat.postMessage').some((c) => c.args.channel === OWNER && String(c.args.text).includes('HubSpot')));
        // The handler tells the owners, then the dispatcher records the row as failed for good.
        await waitFor(async () => (await t.app.core.db.prisma.outboxMessage.findFirstOrThrow({ where: { kind: 'alert.sync' } })).state === 'failed');
      } finally {
        await t.stop();
      }
    });
  });
}
