import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, postIngest, tableCounts } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeSlack, type FakeSlack, FAKE_SLACK_DEFAULTS } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';
import { blockAction, homeClick, postSigned, fakeSlackEnv } from '../fakes/slack-requests';
import { waitFor } from '../support/wait';

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = 'C0ALERTS1';
const OWNER = 'U0OWNER01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`Slack alerts end to end [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;
    let connectionId: string;

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }, { id: 'U0OTHER01', name: 'other' }] });
      t = await startTestApp(kind, {
        ...fakeSlackEnv(slack),
      });
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: 'google_ads',
        name: 'Google Ads — Brand',
        externalAccountId: '123-456-7890',
        channelId: CHANNEL,
        owners: [OWNER],
        options: { autotagging: true },
      });
      connectionId = created.json.id as string;
    });

    /** The alert's ts once the app has recorded it (it records it right after Slack answers). */
    const alertTs = async (): Promise<string> => {
      let ts: string | null = null;
      await waitFor(async () => {
        ts = (await t.app.core.db.prisma.incident.findFirst())?.messageTs ?? null;
        return ts !== null;
      });
      return ts!;
    };

    const waitForIncident = async (): Promise<string> => {
      await alertTs();
      return (await t.app.core.db.prisma.incident.findFirstOrThrow()).id;
    };

    const drop = (eventId = 'evt-drop', counts?: Record<string, number>) =>
      postIngest(t.url, { eventId, connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString(), counts });

    it('posts exactly one alert with the impact lines and the four controls; a repeated event posts nothing', async () => {
      expect((await drop('evt-1', { adsCreated: 4 })).status).toBe(202);
      const [post] = await slack.waitForCalls('chat.postMessage', 1);
      expect(post!.args.channel).toBe(CHANNEL);
      const blocks = post!.args.blocks as Record<string, unknown>[];
      expect(validateBlocks(blocks, 'message')).toEqual([]);
      const text = JSON.stringify(blocks);
      expect(text).toContain('Google Ads — Brand needs reauthorization');
      expect(text).toMatch(/Cost data/);
      expect(text).toMatch(/UTM tags/);
      expect(text).toMatch(/ads created untagged: 4/);
      expect(text).toContain(`<@${OWNER}>`);
      expect(text).toMatch(/<!date\^\d+\^/);
      const actions = blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value?: string; style?: string }[] };
      expect(actions.elements.map((e) => e.action_id)).toEqual(['reauthorize', 'acknowledge', 'snooze', 'details']);
      expect(actions.elements[0]!.style).toBe('primary');
      expect(typeof post!.args.text).toBe('string');

      expect((await drop('evt-1')).status).toBe(202);
      await t.app.dispatcher.runOnce();
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    });

    it('updates the same message in place when the connection is back, and says so in the thread', async () => {
      await drop();
      const ts = await alertTs();
      await postIngest(t.url, { eventId: 'evt-back', connectionId, status: 'connected', occurredAt: new Date().toISOString() });
      const [update] = await slack.waitForCalls('chat.update', 1);
      expect(update!.args).toMatchObject({ channel: CHANNEL, ts });
      expect(JSON.stringify(update!.args.blocks)).toContain('reconnected');
      const replies = await slack.waitForCalls('chat.postMessage', 2);
      expect(replies[1]!.args).toMatchObject({ channel: CHANNEL, thread_ts: ts });
      expect(String(replies[1]!.args.text)).toMatch(/Reconnected by the data platform/);
    });

    it('honours Retry-After on a 429 and posts once', async () => {
      slack.rateLimitNext('chat.postMessage', 2);
      const started = Date.now();
      await drop();
      const deadline = Date.now() + 10_000;
      while (slack.callsTo('chat.postMessage').filter((c) => c.result === 'ok').length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const ok = slack.callsTo('chat.postMessage').filter((c) => c.result === 'ok');
      expect(ok).toHaveLength(1);
      expect(ok[0]!.at - started).toBeGreaterThanOrEqual(2000);
    });

    it('"I\'m on it" acks at once, updates the alert and replies in the thread; the same signed click twice acts once', async () => {
      await drop();
      const ts = await alertTs();
      const click = blockAction({ actionId: 'acknowledge', message: slack.message(CHANNEL, ts)!, channelId: CHANNEL, userId: OWNER, actionTs: '1700000001.000001' });
      const started = Date.now();
      const first = await postSigned(t.url, '/slack/events', click);
      expect(first.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
      await slack.waitForCalls('chat.update', 1);
      const second = await postSigned(t.url, '/slack/events', click);
      expect(second.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await t.app.dispatcher.runOnce();
      expect(slack.callsTo('chat.update')).toHaveLength(1);
      expect(JSON.stringify(slack.message(CHANNEL, ts)!.blocks)).toContain(`<@${OWNER}> is on it`);
      expect(await t.app.core.db.prisma.auditEvent.count({ where: { action: 'acknowledged' } })).toBe(1);
    });

    it('Snooze updates the alert with the snooze time and replies in the thread', async () => {
      await drop();
      const ts = await alertTs();
      const click = blockAction({ actionId: 'snooze', selectedOption: { value: '4h', text: '4 hours' }, message: slack.message(CHANNEL, ts)!, channelId: CHANNEL, userId: OWNER });
      expect((await postSigned(t.url, '/slack/events', click)).status).toBe(200);
      await slack.waitForCalls('chat.update', 1);
      const incident = await t.app.core.db.prisma.incident.findFirstOrThrow();
      expect(incident.snoozedUntil!.getTime() - Date.now()).toBeGreaterThan(3.9 * 3600_000);
      expect(JSON.stringify(slack.message(CHANNEL, ts)!.blocks)).toContain('Reminders snoozed until');
      await waitFor(() => slack.replies(CHANNEL, ts).some((reply) => String(reply.text).includes('snoozed reminders')));
    });

    it('Details answers privately with the cause, the impact and the history', async () => {
      await drop();
      const ts = await alertTs();
      const click = blockAction({ actionId: 'details', message: slack.message(CHANNEL, ts)!, channelId: CHANNEL, userId: OWNER, responseUrl: slack.responseUrl() });
      expect((await postSigned(t.url, '/slack/events', click)).status).toBe(200);
      await waitFor(() => slack.callsTo('response_url').length === 1);
      const answer = slack.callsTo('response_url')[0]!.args;
      expect(answer.response_type).toBe('ephemeral');
      expect(String(answer.text)).toMatch(/Cause: Access was revoked/);
      expect(String(answer.text)).toMatch(/connected → authorization required \(the data platform\)/);
    });

    it('Reauthorize clicked in App Home answers in a modal (a Home click has no response_url)', async () => {
      await drop();
      const incident = await waitForIncident();
      const click = homeClick({ actionId: 'reauthorize', value: incident, type: 'button', userId: OWNER });
      expect((await postSigned(t.url, '/slack/events', click)).status).toBe(200);
      await slack.waitForCalls('views.open', 1);
      expect(JSON.stringify(slack.callsTo('views.open')[0]!.args.view)).toMatch(/oauth\/start\?t=/);
    });

    it('refuses unsigned, tampered and stale clicks with 401 and changes nothing', async () => {
      await drop();
      const ts = await alertTs();
      const click = blockAction({ actionId: 'acknowledge', message: slack.message(CHANNEL, ts)!, channelId: CHANNEL, userId: OWNER });
      const before = await tableCounts(t.app.core.db.prisma);
      const now = Math.floor(Date.now() / 1000);
      for (const overrides of [
        { signature: 'v0=deadbeef' },
        { body: click.body.replace('acknowledge', 'acknowledgf') },
        { timestamp: now - 360 },
        { timestamp: now + 360 },
        { signingSecret: 'wrong-secret' },
      ]) {
        expect((await postSigned(t.url, '/slack/events', click, overrides)).status).toBe(401);
      }
      expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
    });

    it('Reauthorize gives an owner a single-use link and refuses others, creating no link for them', async () => {
      await drop();
      const ts = await alertTs();
      const message = slack.message(CHANNEL, ts)!;
      await postSigned(t.url, '/slack/events', blockAction({ actionId: 'reauthorize', message, channelId: CHANNEL, userId: 'U0OTHER01', responseUrl: slack.responseUrl() }));
      await waitFor(() => slack.callsTo('response_url').length === 1);
      expect(slack.callsTo('response_url')[0]!.args.text).toMatch(/Only <@U0OWNER01> or a workspace admin can reauthorize/);
      expect(await t.app.core.db.prisma.authFlow.count()).toBe(0);

      await postSigned(t.url, '/slack/events', blockAction({ actionId: 'reauthorize', message, channelId: CHANNEL, userId: OWNER, responseUrl: slack.responseUrl() }));
      await waitFor(() => slack.callsTo('response_url').length === 2);
      expect(slack.callsTo('response_url')[1]!.args.text).toMatch(/\/oauth\/start\?t=[A-Za-z0-9_-]{40,}/);
      expect(await t.app.core.db.prisma.authFlow.count({ where: { purpose: 'reauth_link', userId: OWNER } })).toBe(1);
    });
  });
}
