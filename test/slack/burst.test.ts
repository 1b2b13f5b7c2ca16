import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { validateBlocks } from '../fakes/block-kit';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { WebClient } from '@slack/web-api';
import { claim, enqueue } from '../../src/db/outbox';
import { burstMessage, type BurstEntry } from '../../src/slack/blocks/burst';
import { translator } from '../../src/slack/blocks/messages';
import { ALERT_EVENT_TYPE } from '../../src/slack/delivery/alert';

const en = translator('en');

/**
 * One alert for a burst: connections of one channel dropping within BURST_WINDOW_SECONDS (default 60)
 * share the first one's alert, updated in place as they come back. The drops' times are their
 * `occurredAt`, so a burst 10 seconds long and a drop 5 minutes later are written as such.
 */

const CHANNEL = 'C0BURST01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`burst alerts [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;

    beforeAll(async () => {
      slack = await startFakeSlack();
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), BURST_WINDOW_SECONDS: '60' });
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
    });

    const alertPosts = () => slack.callsTo('chat.postMessage').filter((call) => Array.isArray(call.args.blocks) && !call.args.thread_ts);
    const lastAlertText = () => String([...slack.callsTo('chat.update'), ...alertPosts()].sort((a, b) => a.at - b.at).at(-1)!.args.text);
    const outboxIdle = () => waitFor(async () => (await t.app.core.db.prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0, 15_000);

    it('12 drops within 10 s → one alert listing 12; 3 back → 9 open; the last back → resolved; a drop 5 minutes later → its own alert', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 13; index += 1) {
        const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: index % 2 === 0 ? 'hubspot' : 'salesforce',
          name: `Connection ${String(index + 1).padStart(2, '0')}`,
          externalAccountId: `acct-${index}`,
          channelId: CHANNEL,
        });
        ids.push(created.json.id as string);
      }
      const base = Date.now() - 10 * 60_000;
      const event = (id: string, status: string, at: number, suffix: string) =>
        postIngest(t.url, { eventId: `${status}-${id}-${suffix}`, connectionId: id, status, reason: 'admin_changed', occurredAt: new Date(at).toISOString() });

      for (const [index, id] of ids.slice(0, 12).entries()) expect((await event(id, 'authorization_required', base + index * 800, 'a')).status).toBe(202);
      await outboxIdle();
      expect(alertPosts()).toHaveLength(1);
      expect(lastAlertText()).toMatch(/^🔑 12 connections need reauthorization/);
      for (const id of ids.slice(0, 12)) expect(JSON.stringify(slack.messages(CHANNEL)[0]!.blocks)).toContain(`"value":"${(await t.app.core.db.prisma.incident.findFirstOrThrow({ where: { connectionId: id } })).id}"`);

      for (const id of ids.slice(0, 3)) await event(id, 'connected', base + 60_000, 'b');
      await outboxIdle();
      expect(lastAlertText()).toMatch(/^🔑 9 of 12 connections still need reauthorization/);

      for (const id of ids.slice(3, 12)) await event(id, 'connected', base + 120_000, 'c');
      await outboxIdle();
      expect(lastAlertText()).toBe('✅ All 12 connections reconnected.');
      expect(alertPosts()).toHaveLength(1);

      await event(ids[12]!, 'authorization_required', base + 5 * 60_000, 'd');
      await outboxIdle();
      expect(alertPosts()).toHaveLength(2);
      expect(String(alertPosts()[1]!.args.text)).toContain('Connection 13');
    });

    const makeConnection = async (name: string) =>
      (await adminRequest(t.url, 'POST', '/api/v1/connections', { teamId: FAKE_SLACK_DEFAULTS.team.id, provider: 'hubspot', name, externalAccountId: name, channelId: CHANNEL })).json.id as string;
    const incidentOf = (connectionId: string) => t.app.core.db.prisma.incident.findFirstOrThrow({ where: { connectionId } });
    // Slack gives a parent the thread_ts of its own thread once it has replies.
    const topLevel = () => slack.messages(CHANNEL).filter((message) => !message.thread_ts || message.thread_ts === message.ts);
    /** Every thread reply Slack was asked for, with the thread it named and how Slack answered. */
    const threadCalls = () => slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts !== undefined).map((call) => ({ thread: call.args.thread_ts, result: call.result }));

    it('a member that drops while the lead is being posted replies in the lead\'s thread', async () => {
      const lead = await makeConnection('Lead');
      const member = await makeConnection('Member');
      const at = Date.now() - 60_000;
      slack.delay('chat.postMessage', 1500);
      await postIngest(t.url, { eventId: 'slow-1', connectionId: lead, status: 'authorization_required', occurredAt: new Date(at).toISOString() });
      await waitFor(() => slack.callsTo('chat.postMessage').length === 1);
      // The lead's post has reached Slack and is not answered yet.
      await postIngest(t.url, { eventId: 'slow-2', connectionId: member, status: 'authorization_required', occurredAt: new Date(at + 1000).toISOString() });
      await outboxIdle();
      slack.delay('chat.postMessage', 0);
      expect((await incidentOf(member)).burstOf).toBe((await incidentOf(lead)).id);

      await postIngest(t.url, { eventId: 'slow-3', connectionId: member, status: 'connected', occurredAt: new Date(at + 2000).toISOString() });
      await outboxIdle();
      const [alert] = topLevel();
      expect(topLevel()).toHaveLength(1);
      expect(threadCalls()).toEqual([{ thread: alert!.ts, result: 'ok' }]);
      expect(slack.replies(CHANNEL, alert!.ts).map((reply) => reply.text)).toEqual([expect.stringMatching(/^✅ Reconnected by the data platform/)]);
      expect(await t.app.core.db.prisma.outboxMessage.count({ where: { state: 'failed' } })).toBe(0);
    });

    it('a retried lead post that adopts the message an earlier attempt posted gives its members the thread too', async () => {
      const lead = await makeConnection('Lead');
      const member = await makeConnection('Member');
      const prisma = t.app.core.db.prisma;
      let earlierTs: string | undefined;
      await t.app.dispatcher.stop();
      try {
        const at = Date.now() - 60_000;
        await postIngest(t.url, { eventId: 'adopt-1', connectionId: lead, status: 'authorization_required', occurredAt: new Date(at).toISOString() });
        await postIngest(t.url, { eventId: 'adopt-2', connectionId: member, status: 'authorization_required', occurredAt: new Date(at + 1000).toISOString() });
        const leadIncident = await incidentOf(lead);
        // The replica that dies: claims the lead's post under a short lease, reaches Slack, never records it.
        const [row] = await claim(prisma, { owner: 'replica-that-dies', now: new Date(), leaseMs: 200, limit: 1 });
        expect(row).toMatchObject({ kind: 'alert.sync', payload: { incidentId: leadIncident.id } });
        ({ ts: earlierTs } = await new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url }).chat.postMessage({
          channel: CHANNEL,
          text: '🔑 Lead needs reauthorization',
          metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { incident_id: leadIncident.id } },
        }));
        await postIngest(t.url, { eventId: 'adopt-3', connectionId: member, status: 'connected', occurredAt: new Date(at + 2000).toISOString() });
        await new Promise((resolve) => setTimeout(resolve, 250));
      } finally {
        t.app.dispatcher.start();
      }
      await outboxIdle();
      const [alert] = topLevel();
      expect(topLevel()).toHaveLength(1);
      expect(alert!.ts).toBe(earlierTs);
      expect(slack.callsTo('conversations.history')).toHaveLength(1);
      expect(threadCalls()).toEqual([{ thread: alert!.ts, result: 'ok' }]);
      expect(slack.replies(CHANNEL, alert!.ts).map((reply) => reply.text)).toEqual([expect.stringMatching(/^✅ Reconnected by the data platform/)]);
      expect((await incidentOf(member)).messageTs).toBe(alert!.ts);
      expect(await prisma.outboxMessage.count({ where: { state: 'failed' } })).toBe(0);
    });

    it('a member\'s reply queued by an earlier version on the member\'s own order waits for the lead\'s post', async () => {
      const lead = await makeConnection('Lead');
      const member = await makeConnection('Member');
      const prisma = t.app.core.db.prisma;
      await t.app.dispatcher.stop();
      try {
        const at = Date.now() - 60_000;
        await postIngest(t.url, { eventId: 'legacy-1', connectionId: lead, status: 'authorization_required', occurredAt: new Date(at).toISOString() });
        await postIngest(t.url, { eventId: 'legacy-2', connectionId: member, status: 'authorization_required', occurredAt: new Date(at + 1000).toISOString() });
        const memberIncident = await incidentOf(member);
        await enqueue(prisma, {
          kind: 'alert.thread',
          idempotencyKey: `thread:${memberIncident.id}:acknowledged:legacy`,
          teamId: memberIncident.teamId,
          incidentId: memberIncident.id,
          orderKey: `incident:${memberIncident.id}`,
          payload: { incidentId: memberIncident.id, event: 'acknowledged', userId: 'U0OWNER01' },
        });
        slack.delay('chat.postMessage', 1000);
      } finally {
        t.app.dispatcher.start();
      }
      await outboxIdle();
      const [alert] = topLevel();
      expect(topLevel()).toHaveLength(1);
      expect(threadCalls()).toEqual([{ thread: alert!.ts, result: 'ok' }]);
      expect(slack.replies(CHANNEL, alert!.ts).map((reply) => reply.text)).toEqual([expect.stringContaining('is on it')]);
      expect(await prisma.outboxMessage.count({ where: { state: 'failed' } })).toBe(0);
    });

    it('a drop in another channel within the window gets its own alert', async () => {
      const make = async (channelId: string, n: number) =>
        (await adminRequest(t.url, 'POST', '/api/v1/connections', { teamId: FAKE_SLACK_DEFAULTS.team.id, provider: 'hubspot', name: `Other ${n}`, externalAccountId: `other-${n}`, channelId })).json.id as string;
      const here = await make(CHANNEL, 1);
      const there = await make('C0ELSEWHR', 2);
      const at = new Date(Date.now() - 60_000).toISOString();
      await postIngest(t.url, { eventId: 'x-1', connectionId: here, status: 'authorization_required', occurredAt: at });
      await postIngest(t.url, { eventId: 'x-2', connectionId: there, status: 'authorization_required', occurredAt: at });
      await outboxIdle();
      expect(alertPosts().map((call) => call.args.channel).sort()).toEqual([CHANNEL, 'C0ELSEWHR']);
    });
  });
}

describe('the burst message', () => {
  const entry = (index: number, open: boolean, signedInAs: string | null): BurstEntry => ({
    incidentId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    connectionName: `Connexion publicitaire numéro ${index} — campagne de marque`,
    providerName: 'Google Ads',
    externalAccountId: `123-456-${String(index).padStart(4, '0')}`,
    open,
    signedInAs,
  });

  it('keeps within Block Kit limits with 100 connections, and says how many it leaves out', () => {
    const entries = Array.from({ length: 100 }, (_, index) => entry(index, index >= 10, index % 3 === 0 ? null : `admin${index % 4}@acme.example`));
    const message = burstMessage(en, { entries, openedAt: new Date('2026-12-01T09:00:00Z'), command: '/reconnect' });
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks)).toMatch(/…and \d+ more need reauthorization: `\/reconnect status` lists them/);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it('groups the connections by the account that signed them in', () => {
    const message = burstMessage(en, {
      entries: [entry(1, true, 'ops@acme.example'), entry(2, true, null), entry(3, true, 'ops@acme.example')],
      openedAt: new Date('2026-12-01T09:00:00Z'),
      command: '/reconnect',
    });
    const texts = message.blocks.map((block) => JSON.stringify(block));
    expect(texts[2]).toContain('Signed in by `ops@acme.example`');
    expect(texts[3]).toContain('numéro 1');
    expect(texts[4]).toContain('numéro 3');
    expect(texts[5]).toContain('not seen');
  });
});
