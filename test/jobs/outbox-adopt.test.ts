import { WebClient } from '@slack/web-api';
import { databaseKinds } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { claim } from '../../src/db/outbox';
import { ALERT_EVENT_TYPE } from '../../src/slack/delivery/alert';
import { dropNow } from '../support/status';
import { waitFor } from '../support/wait';

/**
 * `chat.postMessage` has no idempotency key. A replica that posted an alert and died before recording it
 * left a row that another replica claims again; that retry finds the alert by its message metadata in the
 * channel's history (docs.slack.dev/reference/methods/conversations.history, `include_all_metadata`) and
 * updates it instead of posting a second one.
 */

const CHANNEL = 'C0ALERTS1';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`a retried alert adopts the message an earlier attempt posted [${kind}]`, () => {
    let slack: FakeSlack;
    beforeAll(async () => {
      slack = await startFakeSlack();
    });
    afterAll(async () => slack.close());

    it('posts nothing new when Slack already has the alert, and records where it is', async () => {
      const t = await startTestApp(kind, { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '50' });
      try {
        await t.app.dispatcher.stop();
        const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'hubspot',
          name: 'HubSpot EU',
          externalAccountId: '42',
          channelId: CHANNEL,
        });
        const outcome = await dropNow(t.app.core.engine, created.json.id as string);
        const prisma = t.app.core.db.prisma;
        // The replica that dies: claims the row under a short lease, reaches Slack, never records the post.
        const [row] = await claim(prisma, { owner: 'replica-that-dies', now: new Date(), leaseMs: 200, limit: 1 });
        expect(row!.kind).toBe('alert.sync');
        const client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url });
        const earlier = await client.chat.postMessage({
          channel: CHANNEL,
          text: 'HubSpot EU needs reauthorization',
          metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { incident_id: outcome.incidentId! } },
        });
        await client.chat.postMessage({ channel: CHANNEL, text: 'someone else talking' });
        slack.calls.length = 0;

        t.app.dispatcher.start();
        await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id: row!.id } })).state === 'sent');

        expect(slack.callsTo('chat.postMessage')).toEqual([]);
        expect(slack.callsTo('conversations.history')[0]!.args).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true' });
        expect(slack.callsTo('chat.update').map((call) => call.args.ts)).toEqual([earlier.ts]);
        expect((await prisma.incident.findUniqueOrThrow({ where: { id: outcome.incidentId! } })).messageTs).toBe(earlier.ts);
        expect(slack.messages(CHANNEL).filter((message) => !message.thread_ts)).toHaveLength(2);
      } finally {
        await t.stop();
      }
    });
  });
}
