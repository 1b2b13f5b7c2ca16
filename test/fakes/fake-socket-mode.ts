import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FAKE_SLACK_DEFAULTS, type FakeSlack } from './fake-slack';

/**
 * A local stand-in for Slack's Socket Mode, next to the fake Web API. The protocol, as documented at
 * docs.slack.dev/apis/events-api/using-socket-mode (formerly api.slack.com/apis/socket-mode):
 * 1. the app calls `apps.connections.open` with its app-level token in the Authorization header and gets
 *    `{ ok: true, url: "wss://…/link/?ticket=…" }` — served by FakeSlack (`acceptAppToken`) on the same
 *    SLACK_API_URL the app's Web API calls use, since @slack/socket-mode's WebClient takes its
 *    `slackApiUrl` from the same client options;
 * 2. it opens a WebSocket to that URL (one ticket, one connection) and Slack sends
 *    `{ type: "hello", num_connections, connection_info: { app_id }, debug_info }`;
 * 3. every event or interaction comes as an envelope `{ envelope_id, type, payload, accepts_response_payload }`
 *    with `type` `events_api` (plus `retry_attempt`, `retry_reason`), `slash_commands` or `interactive`;
 * 4. the app acks each one by sending `{ envelope_id, payload? }` back; Slack retries what isn't acked.
 * @slack/socket-mode 3.1 implements the client side (SocketModeClient.onWebSocketMessage and send()).
 */

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

/** What the app sent back for an envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface FakeSocketModeOptions {
  appToken: string;
  appId?: string;
}

export async function startFakeSocketMode(slack: FakeSlack, options: FakeSocketModeOptions): Promise<FakeSocketMode> {
  const fake = new FakeSocketMode(options);
  await fake.listen();
  slack.acceptAppToken(options.appToken, () => fake.issueUrl());
  return fake;
}

export class FakeSocketMode {
  /** Every message the app sent over any connection, parsed, in order. */
  readonly received: unknown[] = [];
  /** Every envelope sent to the app. */
  readonly sent: SocketEnvelope[] = [];
  /** WebSocket connections the app opened (each with a ticket from apps.connections.open). */
  connectionsOpened = 0;
  private readonly server = http.createServer((_req, res) => res.writeHead(426).end());
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: SocketAck) => void>();
  private readonly connectionWaiters = new Set<() => void>();
  private origin = '';

  constructor(private readonly options: FakeSocketModeOptions) {
    this.server.on('upgrade', (req, socket, head) => {
      const ticket = new URL(req.url ?? '/', 'ws://fake.invalid').searchParams.get('ticket');
      // A ticket is good for one connection, as Slack's are.
      if (!ticket || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What apps.connections.open answers: a fresh single-use ticket. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.origin}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Resolves once at least `count` connections are open (the app has had its `hello`). */
  waitForConnections(count = 1, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.sockets.size < count) return;
        clearTimeout(timer);
        this.connectionWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectionWaiters.delete(check);
        reject(new Error(`Fake Socket Mode: ${this.sockets.size} connection(s) open after ${timeoutMs} ms, wanted ${count}`));
      }, timeoutMs);
      this.connectionWaiters.add(check);
      check();
    });
  }

  /**
   * Sends an envelope on an open connection and resolves with the app's ack. Slack retries an envelope
   * that isn't acked within 3 seconds; here that is a failure.
   */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, options: { acceptsResponsePayload?: boolean; timeoutMs?: number } = {}): Promise<SocketAck> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('Fake Socket Mode: the app has no open connection'));
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: options.acceptsResponsePayload ?? type !== 'events_api',
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    };
    const timeoutMs = options.timeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelope.envelope_id);
        reject(new Error(`Fake Socket Mode: no ack for ${type} envelope ${envelope.envelope_id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(envelope.envelope_id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.sent.push(envelope);
      socket.send(JSON.stringify(envelope));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private get appId(): string {
    return this.options.appId ?? FAKE_SLACK_DEFAULTS.appId;
  }

  private accept(socket: WebSocket): void {
    this.connectionsOpened += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      this.received.push(message);
      const id = typeof message === 'object' && message !== null ? (message as { envelope_id?: unknown }).envelope_id : undefined;
      if (typeof id === 'string') {
        const settle = this.waiting.get(id);
        this.waiting.delete(id);
        settle?.(message as SocketAck);
      }
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        connection_info: { app_id: this.appId },
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 3600 },
      }),
    );
    for (const check of [...this.connectionWaiters]) check();
  }
}
