import { ErrorCode, LogLevel, WebClient, type Button, type Logger, type WebClientOptions, type PlainTextOption, type SectionBlock, type WebAPIPlatformError } from '@slack/web-api';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';

const token = FAKE_SLACK_DEFAULTS.botToken;
const channel = 'C0ALERTS1';

// The WebClient logs every refusal at error level; these tests provoke refusals on purpose.
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

function webClient(slack: FakeSlack, botToken: string | undefined, options: WebClientOptions = {}): WebClient {
  return new WebClient(botToken, { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logger: silentLogger, ...options });
}

function section(text: string, blockId?: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text }, ...(blockId ? { block_id: blockId } : {}) };
}

function button(actionId: string, extra: Partial<Button> = {}): Button {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Reauthorize' }, ...extra };
}

function option(text: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text }, value };
}

async function slackError(promise: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  try {
    await promise;
  } catch (error) {
    expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
    return (error as WebAPIPlatformError).data;
  }
  throw new Error('expected Slack to refuse the call');
}

describe('fake Slack Web API, driven by the real WebClient', () => {
  let fake: FakeSlack;
  let client: WebClient;

  beforeAll(async () => {
    fake = await startFakeSlack({
      users: [{ id: 'U0ADMIN01', name: 'ada', is_admin: true, tz: 'Europe/Berlin', tz_offset: 3600 }],
      channels: [
        { id: channel, name: 'data-alerts' },
        { id: 'C0KICKED1', name: 'old-alerts', is_member: false },
      ],
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    client = webClient(fake, token);
  });

  it('answers auth.test with the workspace and bot identity', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: FAKE_SLACK_DEFAULTS.team.id,
      user_id: FAKE_SLACK_DEFAULTS.botUserId,
      bot_id: FAKE_SLACK_DEFAULTS.botId,
      url: 'https://reconnect-test.slack.com/',
    });
    expect(fake.callsTo('auth.test')).toEqual([expect.objectContaining({ token, result: 'ok', status: 200 })]);
  });

  it('posts a message with unique, increasing Slack timestamps and records the parsed blocks', async () => {
    const first = await client.chat.postMessage({ channel, text: 'Google Ads needs reauthorization', blocks: [section('*Google Ads*')] });
    const second = await client.chat.postMessage({ channel, text: 'second' });

    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({ text: 'Google Ads needs reauthorization', bot_id: FAKE_SLACK_DEFAULTS.botId });
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([section('*Google Ads*')]);
    expect(fake.messages(channel).map((message) => message.ts)).toEqual([first.ts, second.ts]);
  });

  it('accepts JSON bodies too, with the token in the body', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ token, channel, text: 'json', blocks: [section('json')] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel });
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ token, args: { channel, blocks: [section('json')] } });
  });

  it('warns, like Slack, when blocks come without fallback text', async () => {
    const result = await client.chat.postMessage({ channel, blocks: [section('no fallback')] });
    expect(result.response_metadata?.warnings).toEqual(['missing_text_or_fallback_or_attachments']);
  });

  it('updates a message in place and refuses an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel, text: 'Needs reauthorization' });
    await client.chat.update({ channel, ts: posted.ts!, text: 'Reconnected', blocks: [section('Reconnected ✅')] });

    expect(fake.message(channel, posted.ts!)).toMatchObject({ text: 'Reconnected', blocks: [section('Reconnected ✅')], edited: expect.any(Object) });
    const data = await slackError(client.chat.update({ channel, ts: '1600000000.000100', text: 'x' }));
    expect(data.error).toBe('message_not_found');
    expect(fake.callsTo('chat.update').map((call) => call.result)).toEqual(['ok', 'message_not_found']);
  });

  it('keeps thread replies and counts them on the parent', async () => {
    const parent = await client.chat.postMessage({ channel, text: 'Incident opened' });
    const reply = await client.chat.postMessage({ channel, thread_ts: parent.ts!, text: 'Still failing' });

    expect(fake.message(channel, reply.ts!)).toMatchObject({ thread_ts: parent.ts, text: 'Still failing' });
    expect(fake.message(channel, parent.ts!)).toMatchObject({ reply_count: 1, latest_reply: reply.ts });
    expect(fake.replies(channel, parent.ts!).map((message) => message.ts)).toEqual([reply.ts]);
  });

  it('posts to a user id into the DM with that user', async () => {
    const result = await client.chat.postMessage({ channel: 'U0ADMIN01', text: 'hello' });
    expect(result.channel).toBe(fake.dmChannel('U0ADMIN01'));
    expect(fake.messages(fake.dmChannel('U0ADMIN01'))).toHaveLength(1);
  });

  it('refuses a message without text or blocks, and text past 40,000 characters', async () => {
    expect((await slackError(client.apiCall('chat.postMessage', { channel }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel, text: 'x'.repeat(40_001) }))).error).toBe('msg_too_long');
  });

  it('publishes a home view and opens a modal', async () => {
    const published = await client.views.publish({ user_id: 'U0ADMIN01', view: { type: 'home', blocks: [section('Connections')] } });
    expect(published.view?.id).toMatch(/^V/);
    expect(fake.homeView('U0ADMIN01')).toMatchObject({ type: 'home', blocks: [section('Connections')] });

    await client.views.open({
      trigger_id: '123.456.abc',
      view: { type: 'modal', callback_id: 'snooze', title: { type: 'plain_text', text: 'Snooze' }, blocks: [section('For how long?')] },
    });
    expect(fake.openedViews()).toEqual([expect.objectContaining({ callback_id: 'snooze', trigger_id: '123.456.abc' })]);
  });

  it('refuses views past Slack limits with invalid_arguments and the details in response_metadata', async () => {
    const blocks = Array.from({ length: 101 }, (_, i) => section(`row ${i}`));
    const data = await slackError(client.views.publish({ user_id: 'U0ADMIN01', view: { type: 'home', blocks } }));
    expect(data.error).toBe('invalid_arguments');
    expect(data.response_metadata?.messages).toEqual(['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]']);

    const modal = await slackError(
      client.views.open({
        trigger_id: '1.2.3',
        view: { type: 'modal', title: { type: 'plain_text', text: 'A title that is far too long' }, blocks: [] },
      }),
    );
    expect(modal.response_metadata?.messages).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
  });

  it('answers invalid_blocks for 51 blocks in a message', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));
    const data = await slackError(client.chat.postMessage({ channel, text: 'too many', blocks }));
    expect(data).toMatchObject({ error: 'invalid_blocks', errors: ['no more than 50 items allowed [json-pointer:/blocks]'] });
    expect(fake.messages(channel)).toEqual([]);
    expect(fake.callsTo('chat.postMessage')[0]?.result).toBe('invalid_blocks');
  });

  it('answers invalid_blocks for a 151-character header, and accepts 150', async () => {
    const header = (length: number) => ({ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(length) } });
    const data = await slackError(client.chat.postMessage({ channel, text: 'header', blocks: [header(151)] }));
    expect(data).toMatchObject({ error: 'invalid_blocks', errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'] });
    await expect(client.chat.postMessage({ channel, text: 'header', blocks: [header(150)] })).resolves.toMatchObject({ ok: true });
  });

  it('answers invalid_auth for an unknown token and token_revoked for a revoked one', async () => {
    const stranger = webClient(fake, 'xoxb-not-a-real-token');
    expect((await slackError(stranger.auth.test())).error).toBe('invalid_auth');

    fake.revokeToken(FAKE_SLACK_DEFAULTS.botToken);
    expect((await slackError(client.auth.test())).error).toBe('token_revoked');
    expect(fake.callsTo('auth.test').map((call) => call.result)).toEqual(['invalid_auth', 'token_revoked']);
  });

  it('answers unknown_method for methods it does not implement', async () => {
    expect((await slackError(client.apiCall('reminders.add', { text: 'x' }))).error).toBe('unknown_method');
  });

  it('answers users.info with admin flags and time zone, and user_not_found otherwise', async () => {
    const { user } = await client.users.info({ user: 'U0ADMIN01' });
    expect(user).toMatchObject({ id: 'U0ADMIN01', is_admin: true, is_owner: false, tz: 'Europe/Berlin', tz_offset: 3600 });
    expect((await slackError(client.users.info({ user: 'U0NOBODY1' }))).error).toBe('user_not_found');
  });

  it('issues a bot token from oauth.v2.access that then passes auth.test', async () => {
    fake.setOAuthAccess({ team: { id: 'T0OTHER01', name: 'Other Co' } });
    const anonymous = webClient(fake, undefined);
    const install = await anonymous.oauth.v2.access({ client_id: 'cid', client_secret: 'secret', code: 'code-1' });
    expect(install).toMatchObject({ ok: true, token_type: 'bot', team: { id: 'T0OTHER01' } });

    const installed = webClient(fake, install.access_token);
    await expect(installed.auth.test()).resolves.toMatchObject({ team_id: 'T0OTHER01', team: 'Other Co' });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  describe('fault injection', () => {
    it('fails the next calls with a Slack error at HTTP 200, then recovers', async () => {
      fake.failNext('chat.postMessage', 'channel_not_found', 2);
      expect((await slackError(client.chat.postMessage({ channel, text: 'a' }))).error).toBe('channel_not_found');
      expect((await slackError(client.chat.postMessage({ channel, text: 'b' }))).error).toBe('channel_not_found');
      await expect(client.chat.postMessage({ channel, text: 'c' })).resolves.toMatchObject({ ok: true });
      expect(fake.callsTo('chat.postMessage').map((call) => [call.status, call.result])).toEqual([
        [200, 'channel_not_found'],
        [200, 'channel_not_found'],
        [200, 'ok'],
      ]);
    });

    it('answers 429 with Retry-After, which the WebClient reports as a rate-limited error', async () => {
      fake.rateLimitNext('chat.postMessage', 7);
      const limited = webClient(fake, token, { rejectRateLimitedCalls: true });
      await expect(limited.chat.postMessage({ channel, text: 'a' })).rejects.toMatchObject({
        code: ErrorCode.RateLimitedError,
        retryAfter: 7,
      });
      expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ status: 429, result: 'ratelimited' });
      expect(fake.messages(channel)).toEqual([]);
    });

    it('fails a seeded fraction of calls, the same ones on every run', async () => {
      const pattern = async (): Promise<(string | undefined)[]> => {
        fake.reset();
        fake.failRate('*', 0.5, 'internal_error');
        for (let i = 0; i < 20; i += 1) await client.auth.test().catch(() => undefined);
        return fake.calls.map((call) => call.result);
      };
      const first = await pattern();
      expect(first).toContain('internal_error');
      expect(first).toContain('ok');
      expect(await pattern()).toEqual(first);
    });

    it('delays answers, and the pending call is visible meanwhile', async () => {
      fake.delay('auth.test', 150);
      const started = Date.now();
      const pending = client.auth.test();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.callsTo('auth.test')).toHaveLength(1);
      expect(fake.callsTo('auth.test')[0]?.result).toBeUndefined();
      await pending;
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('enforces about one message per second per channel when asked', async () => {
      fake.enforceChannelRate({ perSecond: 1 });
      const limited = webClient(fake, token, { rejectRateLimitedCalls: true });
      await limited.chat.postMessage({ channel, text: 'first' });
      await expect(limited.chat.postMessage({ channel, text: 'too soon' })).rejects.toMatchObject({ retryAfter: 1 });
      await expect(limited.chat.postMessage({ channel: 'C0OTHER01', text: 'other channel' })).resolves.toMatchObject({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await expect(limited.chat.postMessage({ channel, text: 'a second later' })).resolves.toMatchObject({ ok: true });
    });
  });

  describe('waitForCalls', () => {
    it('resolves once enough calls were answered', async () => {
      const waiting = fake.waitForCalls('chat.postMessage', 2);
      await client.chat.postMessage({ channel, text: 'one' });
      await client.chat.postMessage({ channel, text: 'two' });
      await expect(waiting).resolves.toHaveLength(2);
    });

    it('rejects with what was received instead', async () => {
      await client.auth.test();
      await expect(fake.waitForCalls('chat.postMessage', 1, 50)).rejects.toThrow(
        'waited 50 ms for 1 chat.postMessage call(s); received auth.test → ok',
      );
    });
  });
});

describe('validateBlocks', () => {
  const longer = (length: number) => 'x'.repeat(length);

  it.each([
    ['a section text of 3001 characters', [section(longer(3001))], 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    [
      '11 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'a section field of 2001 characters',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: longer(2001) }] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
    ],
    ['a mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], 'must be one of: plain_text [json-pointer:/blocks/0/text/type]'],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      '26 action elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`a${i}`)) }],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'a button text of 76 characters',
      [{ type: 'actions', elements: [button('a', { text: { type: 'plain_text', text: longer(76) } })] }],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'an action_id of 256 characters',
      [{ type: 'actions', elements: [button(longer(256))] }],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'the same action_id twice in one block',
      [{ type: 'actions', elements: [button('reauthorize'), button('reauthorize')] }],
      'duplicate action_id: reauthorize [json-pointer:/blocks/0/elements/1/action_id]',
    ],
    [
      'a button value of 2001 characters',
      [{ type: 'actions', elements: [button('a', { value: longer(2001) })] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'a button url of 3001 characters',
      [{ type: 'actions', elements: [button('a', { url: `https://${longer(2993)}` })] }],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    ],
    [
      'a static select with 101 options',
      [{ type: 'actions', elements: [{ type: 'static_select', action_id: 'snooze', options: Array.from({ length: 101 }, (_, i) => option(`${i}`, `${i}`)) }] }],
      'no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'an option text of 76 characters',
      [{ type: 'actions', elements: [{ type: 'static_select', action_id: 'snooze', options: [option(longer(76), '1h')] }] }],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]',
    ],
    [
      'an option value of 151 characters',
      [{ type: 'actions', elements: [{ type: 'static_select', action_id: 'snooze', options: [option('1 hour', longer(151))] }] }],
      'must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]',
    ],
    ['a block_id of 256 characters', [section('s', longer(256))], 'must be less than 256 characters [json-pointer:/blocks/0/block_id]'],
    ['the same block_id twice', [section('a', 'incident'), section('b', 'incident')], 'duplicate block_id: incident [json-pointer:/blocks/1/block_id]'],
    ['an unknown block type', [{ type: 'sparkline' }], 'unsupported type: sparkline [json-pointer:/blocks/0/type]'],
    ['a section with neither text nor fields', [{ type: 'section' }], 'must provide either text or fields [json-pointer:/blocks/0]'],
  ])('reports %s', (_name, blocks, expected) => {
    expect(validateBlocks(blocks, 'message')).toEqual([expected]);
  });

  it('accepts the limits themselves, and one action_id reused across blocks', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: longer(150) } },
      section(longer(3000), longer(255)),
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: longer(2000) })) },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'plain_text', text: 'c' })) },
      { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => button(`a${i}`, { value: longer(2000) })) },
      { type: 'section', text: { type: 'mrkdwn', text: 'row 1' }, accessory: button('reauthorize', { value: 'conn_1' }) },
      { type: 'section', text: { type: 'mrkdwn', text: 'row 2' }, accessory: button('reauthorize', { value: 'conn_2' }) },
      {
        type: 'actions',
        elements: [
          {
            type: 'static_select',
            action_id: 'snooze',
            placeholder: { type: 'plain_text', text: 'Snooze' },
            options: Array.from({ length: 100 }, (_, i) => option(longer(75).slice(0, 70) + i, `${i}`.padStart(150, '0'))),
          },
        ],
      },
      { type: 'divider' },
    ];
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });

  it('allows 100 blocks in a home tab or modal and 50 in a message', () => {
    const blocks = (count: number) => Array.from({ length: count }, () => ({ type: 'divider' }));
    expect(validateBlocks(blocks(50), 'message')).toEqual([]);
    expect(validateBlocks(blocks(100), 'home')).toEqual([]);
    expect(validateBlocks(blocks(101), 'modal')).toEqual(['no more than 100 items allowed [json-pointer:/blocks]']);
  });
});
