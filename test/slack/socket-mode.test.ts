import { databaseKinds } from '../support/databases';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/fake-socket-mode';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { blockActionPayload, eventCallback, slashCommand } from '../fakes/slack-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Socket Mode end to end, for local development without a public URL: the real app with SLACK_APP_TOKEN
 * and SLACK_BOT_TOKEN opens its connection through apps.connections.open, then gets a slash command, a
 * click and an event as envelopes over the WebSocket, acks each one, and answers as it does over HTTP.
 * Envelope and ack shapes: docs.slack.dev/apis/events-api/using-socket-mode (see fakes/fake-socket-mode.ts).
 */

const APP_TOKEN = 'xapp-1-A0APP0001-1234567890-0123456789abcdef';
const CHANNEL = 'C0ALERTS1';
const OWNER = 'U0OWNER01';

/** A slash command's fields as Socket Mode sends them: the same fields as over HTTP, as a JSON object. */
function slashCommandPayload(fields: Parameters<typeof slashCommand>[0]): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(slashCommand(fields).body));
}

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`Socket Mode [${kind}]`, () => {
    let slack: FakeSlack;
    let socket: FakeSocketMode;
    let t: TestApp;
    let connectionId: string;

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      socket = await startFakeSocketMode(slack, { appToken: APP_TOKEN });
      // No signing secret: Socket Mode needs none (the WebSocket is authenticated by the app-level token).
      t = await startTestApp(kind, { SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: FAKE_SLACK_DEFAULTS.botToken, SLACK_API_URL: slack.url });
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'google_ads',
        name: 'Google Ads — Brand',
        externalAccountId: '123-456-7890',
        channelId: CHANNEL,
        owners: [OWNER],
      });
      connectionId = created.json.id as string;
    });
    afterAll(async () => {
      await t?.stop();
      await socket?.close();
      await slack?.close();
    });

    it('connects through apps.connections.open with the app-level token in the header, and serves no /slack/events', async () => {
      const opens = slack.callsTo('apps.connections.open');
      expect(opens.map((call) => [call.token, call.result])).toEqual([[APP_TOKEN, 'ok']]);
      expect(socket.connectionsOpened).toBe(1);
      await socket.waitForConnections(1);
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${t.url}/slack/events`, { method: 'POST' })).status).toBe(503);
    });

    it('acks a /reconnect status envelope and answers at its response_url', async () => {
      const drop = await postIngest(t.url, { eventId: 'sm-1', connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() });
      expect(drop.status).toBe(202);
      await slack.waitForCalls('chat.postMessage', 1);

      const before = slack.callsTo('response_url').length;
      const payload = slashCommandPayload({ text: 'status', response_url: slack.responseUrl(), channel_id: CHANNEL, user_id: OWNER });
      const ack = await socket.deliver('slash_commands', payload);
      const envelope = socket.sent[socket.sent.length - 1]!;
      expect(envelope).toMatchObject({ type: 'slash_commands', accepts_response_payload: true, payload: { command: '/reconnect', text: 'status' } });
      expect(ack.envelope_id).toBe(envelope.envelope_id);
      expect(ack.payload ?? {}).toEqual({});

      const [answer] = (await slack.waitForCalls('response_url', before + 1)).slice(before);
      expect(answer!.args.response_type).toBe('ephemeral');
      const text = JSON.stringify(answer!.args.blocks);
      expect(text).toContain('🔑 1 needs reauthorization');
      expect(text).toContain('🔑 *Google Ads — Brand*');
    });

    it('acks a Reauthorize click envelope and answers the owner privately with a single-use link', async () => {
      await waitFor(async () => (await t.app.core.db.prisma.incident.findFirst())?.messageTs != null);
      const incident = await t.app.core.db.prisma.incident.findFirstOrThrow();
      const message = slack.message(CHANNEL, incident.messageTs!)!;
      const before = slack.callsTo('response_url').length;

      const click = blockActionPayload({ actionId: 'reauthorize', message, channelId: CHANNEL, userId: OWNER, responseUrl: slack.responseUrl() });
      const ack = await socket.deliver('interactive', click);
      expect(ack.envelope_id).toBe(socket.sent[socket.sent.length - 1]!.envelope_id);
      expect(ack.payload ?? {}).toEqual({});

      const [answer] = (await slack.waitForCalls('response_url', before + 1)).slice(before);
      expect(answer!.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(String(answer!.args.text)).toMatch(/\/oauth\/start\?t=[A-Za-z0-9_-]{40,}/);
      expect(await t.app.core.db.prisma.authFlow.count({ where: { purpose: 'reauth_link', userId: OWNER } })).toBe(1);
    });

    it('acks an events_api envelope (App Home opened) and publishes the Home view', async () => {
      const event = JSON.parse(eventCallback({ type: 'app_home_opened', user: OWNER, channel: 'D0HOME', tab: 'home' }).body) as Record<string, unknown>;
      const ack = await socket.deliver('events_api', event);
      expect(ack.envelope_id).toBe(socket.sent[socket.sent.length - 1]!.envelope_id);
      await slack.waitForCalls('views.publish', 1);
      expect(JSON.stringify(slack.homeView(OWNER)?.blocks)).toContain('Google Ads — Brand');
    });

    it('times each ack in /metrics and keeps the app-level token out of the logs', async () => {
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/^reconnect_slack_ack_seconds_count\{type="slash_command"\} 1$/m);
      expect(metrics).toMatch(/^reconnect_slack_ack_seconds_count\{type="block_actions"\} 1$/m);
      expect(metrics).toMatch(/^reconnect_slack_ack_seconds_count\{type="event"\} 1$/m);
      expect(t.logs.some((line) => line.includes('"source":"bolt"'))).toBe(true);
      for (const line of t.logs) expect(line).not.toContain(APP_TOKEN);
    });
  });
}
