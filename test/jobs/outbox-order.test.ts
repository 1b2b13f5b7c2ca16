import { databaseKinds } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { changeStatus } from '../../src/domain/status-engine';
import { waitFor } from '../support/wait';

/**
 * An incident's Slack messages leave the outbox in order across replicas. Before the claim took only the
 * head of each incident, two replicas could each post the alert (one of them never updated again), and a
 * thread reply spent its attempts waiting for an alert held back by a 429 until it failed for good.
 */

const CHANNEL = 'C0ALERTS1';

/** Real time plus an offset the test moves forward: rows the app stamps with the wall clock stay due. */
class ShiftedClock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

async function addConnection(t: TestApp, name: string) {
  const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
    teamId: 'T0TEAM001',
    provider: 'google_ads',
    name,
    externalAccountId: `acct-${name}`,
    channelId: CHANNEL,
    options: { autotagging: true },
  });
  return created.json.id as string;
}

const drop = (t: TestApp, connectionId: string, extra: Record<string, unknown> = {}) =>
  changeStatus(t.app.core.engine, {
    connectionId,
    status: 'authorization_required',
    reason: 'token_revoked',
    actor: { type: 'webhook' },
    occurredAt: t.app.core.clock.now(),
    ...extra,
  });

const topLevelPosts = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((call) => call.result === 'ok' && !call.args.thread_ts);

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`outbox order across replicas [${kind}]`, () => {
    let slack: FakeSlack;
    beforeAll(async () => {
      slack = await startFakeSlack();
    });
    afterAll(async () => slack.close());
    afterEach(() => slack.reset());

    it('two replicas and a slow Slack: a counts update while the alert is being posted updates it, never posts a second one', async () => {
      const a = await startTestApp(kind, { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '20' });
      const b = await startTestApp(kind, { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '20' }, { databaseUrl: a.databaseUrl });
      try {
        slack.delay('chat.postMessage', 1500);
        const connectionId = await addConnection(a, 'Brand');
        await drop(a, connectionId);
        await waitFor(() => slack.callsTo('chat.postMessage').length === 1);
        // While replica A waits for Slack, the data platform's counts reach replica B.
        await drop(b, connectionId, { counts: { adsCreated: 3 } });
        await waitFor(async () => (await a.app.core.db.prisma.outboxMessage.count({ where: { state: { not: 'sent' } } })) === 0, 10_000);

        expect(topLevelPosts(slack)).toHaveLength(1);
        expect(slack.callsTo('chat.update').filter((call) => call.result === 'ok').length).toBeGreaterThanOrEqual(1);
        const incident = await a.app.core.db.prisma.incident.findFirstOrThrow();
        expect(slack.message(CHANNEL, incident.messageTs!)?.text).toContain('Brand');
      } finally {
        await b.stop({ keepDatabase: true });
        await a.stop();
      }
    });

    it('a reply waits, without spending attempts, for an alert held back by 429s', async () => {
      const clock = new ShiftedClock();
      const t = await startTestApp(kind, { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '20' }, { clock });
      try {
        // Slack keeps the channel rate-limited: the alert's post and its next try both get a 429.
        slack.rateLimitNext('chat.postMessage', 20, 2);
        const connectionId = await addConnection(t, 'Limited');
        await drop(t, connectionId);
        await waitFor(() => slack.callsTo('chat.postMessage').some((call) => call.result === 'ratelimited'));
        clock.advance(1000);
        await changeStatus(t.app.core.engine, { connectionId, status: 'connected', actor: { type: 'user', id: 'U0OWNER01' }, occurredAt: clock.now() });
        // Slack's Retry-After runs out one second at a time; the dispatcher polls meanwhile.
        for (let second = 0; second < 50; second += 1) {
          clock.advance(1000);
          await new Promise((resolve) => setTimeout(resolve, 60));
        }
        await waitFor(async () => (await t.app.core.db.prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0, 10_000);

        const prisma = t.app.core.db.prisma;
        expect(await prisma.outboxMessage.count({ where: { state: 'failed' } })).toBe(0);
        const reply = await prisma.outboxMessage.findFirstOrThrow({ where: { kind: 'alert.thread' } });
        expect(reply).toMatchObject({ state: 'sent', attempts: 1 });
        const incident = await prisma.incident.findFirstOrThrow();
        expect(slack.replies(CHANNEL, incident.messageTs!).map((message) => message.text).join('\n')).toMatch(/reconnected|back/i);
        expect(topLevelPosts(slack)).toHaveLength(1);
      } finally {
        await t.stop();
      }
    });
  });
}
