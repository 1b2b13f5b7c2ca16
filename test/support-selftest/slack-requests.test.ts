import type { AddressInfo } from 'node:net';
import { App, LogLevel, type BlockAction, type ButtonAction, type StaticSelectAction } from '@slack/bolt';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import {
  TEST_CHANNEL,
  TEST_SIGNING_SECRET,
  TEST_USER,
  blockAction,
  blockActionPayload,
  eventCallback,
  postSigned,
  signSlackBody,
  slashCommand,
  urlVerification,
  type SignedRequestOverrides,
} from '../fakes/slack-requests';

describe('signSlackBody', () => {
  it("reproduces Slack's documented example", () => {
    // docs.slack.dev/authentication/verifying-requests-from-slack, the worked example.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const signed = signSlackBody('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618);
    expect(signed.signature).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    expect(signed.headers).toEqual({ 'X-Slack-Request-Timestamp': '1531420618', 'X-Slack-Signature': signed.signature });
  });
});

describe('blockActionPayload', () => {
  it('takes block_id, value and type from the clicked element in a posted message', () => {
    const message = {
      ts: '1700000000.000200',
      blocks: [
        { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: 'Google Ads' } },
        { type: 'actions', block_id: 'incident:42', elements: [{ type: 'button', action_id: 'reauthorize', value: 'inc_42', text: { type: 'plain_text', text: 'Reauthorize' } }] },
      ],
    };
    const payload = blockActionPayload({ actionId: 'reauthorize', message });
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: message.ts, channel_id: TEST_CHANNEL.id },
      message: { ts: message.ts, blocks: message.blocks },
      actions: [{ action_id: 'reauthorize', block_id: 'incident:42', value: 'inc_42', type: 'button', text: { text: 'Reauthorize' } }],
    });
  });
});

describe('signed requests, accepted by a real Bolt app', () => {
  let fake: FakeSlack;
  let app: App;
  let baseUrl: string;
  const seen: { commands: string[]; clicks: (ButtonAction | StaticSelectAction)[]; homes: string[] } = { commands: [], clicks: [], homes: [] };

  beforeAll(async () => {
    fake = await startFakeSlack();
    app = new App({
      token: FAKE_SLACK_DEFAULTS.botToken,
      signingSecret: TEST_SIGNING_SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.command('/reconnect', async ({ ack, command, respond }) => {
      seen.commands.push(command.text);
      await ack(`Got ${command.text}`);
      if (command.text === 'later') await respond({ text: 'Done later', response_type: 'ephemeral' });
    });
    app.action<BlockAction<ButtonAction | StaticSelectAction>>(/^(reauthorize|snooze)$/, async ({ ack, action }) => {
      seen.clicks.push(action);
      await ack();
    });
    app.event('app_home_opened', async ({ event, client }) => {
      seen.homes.push(event.user);
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [{ type: 'divider' }] } });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('answers url_verification with the challenge', async () => {
    const response = await postSigned(baseUrl, '/slack/events', urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'));
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('delivers a slash command', async () => {
    const response = await postSigned(baseUrl, '/slack/events', slashCommand({ text: 'status google_ads' }));
    expect(response.status).toBe(200);
    expect(response.text).toContain('Got status google_ads');
    expect(seen.commands).toContain('status google_ads');
  });

  it("routes the app's response_url posts to the fake Slack", async () => {
    await postSigned(baseUrl, '/slack/events', slashCommand({ text: 'later', response_url: fake.responseUrl() }));
    const [call] = await fake.waitForCalls('response_url', 1);
    expect(call).toMatchObject({ result: 'ok', args: { text: 'Done later', response_type: 'ephemeral' } });
  });

  it('delivers button clicks and static select choices', async () => {
    await postSigned(baseUrl, '/slack/events', blockAction({ actionId: 'reauthorize', value: 'inc_1', userId: TEST_USER.id }));
    await postSigned(baseUrl, '/slack/events', blockAction({ actionId: 'snooze', selectedOption: { value: '4h', text: '4 hours' } }));
    expect(seen.clicks).toEqual([
      expect.objectContaining({ action_id: 'reauthorize', type: 'button', value: 'inc_1' }),
      expect.objectContaining({ action_id: 'snooze', type: 'static_select', selected_option: expect.objectContaining({ value: '4h' }) }),
    ]);
  });

  it('delivers an event whose handler reaches the fake Slack', async () => {
    const response = await postSigned(baseUrl, '/slack/events', eventCallback({ type: 'app_home_opened', user: TEST_USER.id, channel: 'D0HOME001', tab: 'home' }));
    expect(response.status).toBe(200);
    await fake.waitForCalls('views.publish', 1);
    expect(fake.homeView(TEST_USER.id)).toMatchObject({ type: 'home' });
  });

  it.each<[string, (body: string) => SignedRequestOverrides]>([
    ['a flipped body byte', (body) => ({ body: body.replace('status', 'statuz') })],
    ['a stale timestamp', () => ({ timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })],
    ['a wrong secret', () => ({ signingSecret: 'not-the-secret' })],
    ['a forged signature', () => ({ signature: `v0=${'0'.repeat(64)}` })],
  ])('is refused by Bolt with %s', async (_name, overridesFor) => {
    const before = seen.commands.length;
    const request = slashCommand({ text: 'status' });
    const response = await postSigned(baseUrl, '/slack/events', request, overridesFor(request.body));
    expect(response.status).toBe(401);
    expect(seen.commands).toHaveLength(before);
  });

  it('marks redeliveries with X-Slack-Retry-Num', () => {
    expect(eventCallback({ type: 'app_mention' }, { retryNum: 1 }).headers).toEqual({ 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' });
  });
});
