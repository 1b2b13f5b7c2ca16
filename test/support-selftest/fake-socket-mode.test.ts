import WebSocket from 'ws';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/fake-socket-mode';

/** The Socket Mode stand-in behaves as docs.slack.dev/apis/events-api/using-socket-mode describes. */

const APP_TOKEN = 'xapp-1-A0APP0001-1-selftest';

async function open(slack: FakeSlack, init: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(`${slack.url}apps.connections.open`, { method: 'POST', ...init })).json()) as Record<string, unknown>;
}

function connect(url: string): Promise<{ ws: WebSocket; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) as Record<string, unknown> }));
    ws.once('error', reject);
  });
}

describe('fake Socket Mode', () => {
  let slack: FakeSlack;
  let socket: FakeSocketMode;

  beforeAll(async () => {
    slack = await startFakeSlack();
    socket = await startFakeSocketMode(slack, { appToken: APP_TOKEN });
  });
  afterAll(async () => {
    await socket.close();
    await slack.close();
  });

  it('answers apps.connections.open only for the app-level token in the Authorization header', async () => {
    expect(await open(slack, { headers: { authorization: `Bearer ${APP_TOKEN}` } })).toEqual({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/) });
    expect(await open(slack, { body: new URLSearchParams({ token: APP_TOKEN }) })).toEqual({ ok: false, error: 'not_authed' });
    expect(await open(slack, { headers: { authorization: `Bearer ${FAKE_SLACK_DEFAULTS.botToken}` } })).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await open(slack, { headers: { authorization: 'Bearer xapp-1-unknown' } })).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('says hello first, sends envelopes, resolves with the ack, and takes each ticket once', async () => {
    const { url } = (await open(slack, { headers: { authorization: `Bearer ${APP_TOKEN}` } })) as { url: string };
    const { ws, first } = await connect(url);
    expect(first).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: FAKE_SLACK_DEFAULTS.appId } });
    ws.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { envelope_id: string };
      ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'ok' } }));
    });
    const ack = await socket.deliver('slash_commands', { command: '/reconnect', text: 'help' });
    expect(socket.sent[0]).toEqual({ envelope_id: ack.envelope_id, type: 'slash_commands', payload: { command: '/reconnect', text: 'help' }, accepts_response_payload: true });
    expect(ack.payload).toEqual({ text: 'ok' });
    await expect(connect(url)).rejects.toThrow(/401/);
    ws.close();
  });
});
