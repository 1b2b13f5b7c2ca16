import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Receiver, ReceiverEvent } from '@slack/bolt';
// Straight from their modules: Bolt's index also loads its ExpressReceiver and with it Express, about 6 MB
// resident in a process that serves Slack through Node's own http server.
import App from '@slack/bolt/dist/App';
import HTTPReceiver from '@slack/bolt/dist/receivers/HTTPReceiver';
import SocketModeReceiver from '@slack/bolt/dist/receivers/SocketModeReceiver';
import type { InstallationStore } from '@slack/oauth';
import type { Config } from '../config';
import { MAX_BODY_BYTES } from '../http/router';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { boltLogger } from './bolt-logger';
import { createInstallationStore, type InstallationDeps } from './installation-store';
import { createStateStore } from './state-store';

/** The bot scopes Reconnect needs, kept minimal; manifest.json lists the same. */
/**
 * `channels:history` and `groups:history` only let a retried alert find the message an earlier attempt
 * posted (by its metadata) instead of posting a second one; without them delivery is at least once.
 */
export const BOT_SCOPES = ['chat:write', 'chat:write.public', 'commands', 'users:read', 'channels:read', 'groups:read', 'channels:history', 'groups:history'];

export interface SlackApp {
  app: App;
  installationStore?: InstallationStore;
  /** Handles /slack/* on our own HTTP server (HTTP mode); null in Socket Mode. */
  handle: ((req: IncomingMessage, res: ServerResponse) => void) | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackApp(deps: { config: Config; logger: Logger; installations: InstallationDeps; metrics?: Metrics }): SlackApp | null {
  const { config } = deps;
  const slack = config.slack;
  if (!slack) return null;
  const logger = boltLogger(deps.logger.child({ component: 'slack' }));
  const clientOptions = { slackApiUrl: config.slackApiUrl };
  const timed = (receiver: Receiver) => (deps.metrics ? new AckTimingReceiver(receiver, deps.metrics) : receiver);

  if (slack.mode === 'socket') {
    // Built here rather than by Bolt (`socketMode: true`) so that apps.connections.open goes to
    // SLACK_API_URL too: the Socket Mode client has a WebClient of its own, configured only through
    // installerOptions.clientOptions.
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      logger,
      installerOptions: { clientOptions: { ...clientOptions } },
      customPropertiesExtractor: () => ({ [RECEIVED_AT]: performance.now() }),
    });
    const app = new App({ receiver: timed(receiver), token: slack.botToken, logger, clientOptions });
    return { app, handle: null, start: async () => void (await app.start()), stop: async () => void (await app.stop()) };
  }

  const installationStore = slack.install ? createInstallationStore(deps.installations) : undefined;
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: '/slack/events',
    logger,
    processBeforeResponse: false,
    // Bolt buffers up to 4 MB before it checks the signature; hold unauthenticated bodies to our 1 MB limit.
    bodyLimit: MAX_BODY_BYTES,
    // When the request reached our server, for the ack latency (set in `handle` below).
    customPropertiesExtractor: (req) => ({ [RECEIVED_AT]: receivedAt.get(req) ?? performance.now() }),
    ...(slack.install
      ? {
          clientId: slack.install.clientId,
          clientSecret: slack.install.clientSecret,
          stateSecret: slack.install.stateSecret,
          scopes: BOT_SCOPES,
          installationStore,
          redirectUri: `${config.publicUrl}/slack/oauth_redirect`,
          installerOptions: {
            installPath: '/slack/install',
            redirectUriPath: '/slack/oauth_redirect',
            // Single-use state in the database; @slack/oauth's state cookie check stays on.
            stateStore: createStateStore(deps.installations.prisma),
            stateVerification: true,
            directInstall: true,
            clientOptions,
          },
        }
      : {}),
  });
  const app = new App({
    receiver: timed(receiver as Receiver),
    ...(slack.install ? { installationStore } : { token: slack.botToken }),
    logger,
    clientOptions,
    // In single-workspace mode Bolt would call auth.test at construction; defer it to the first request.
    ...(slack.install ? {} : { tokenVerificationEnabled: false }),
  });
  return {
    app,
    installationStore,
    handle: (req, res) => {
      receivedAt.set(req, performance.now());
      receiver.requestListener(req, res);
    },
    start: async () => undefined,
    stop: async () => undefined,
  };
}

/** `context.reconnectReceivedAt`: when the request reached the app (performance.now()), for the ack latency. */
const RECEIVED_AT = 'reconnectReceivedAt';
const receivedAt = new WeakMap<IncomingMessage, number>();

/** Slack's retries and error pages start at 3 s without an ack; the buckets resolve around it. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

/**
 * Wraps a Bolt receiver to time each request from its arrival (the HTTP request reaching our server, or
 * the Socket Mode envelope being read) to its ack (the HTTP response written, or the ack envelope sent),
 * in `reconnect_slack_ack_seconds{type}`. Receivers hand every request to `app.processEvent`; this one
 * gives its receiver an app whose `processEvent` wraps the event's `ack`, and changes nothing else.
 */
export class AckTimingReceiver implements Receiver {
  constructor(
    private readonly inner: Receiver,
    private readonly metrics: Metrics,
  ) {}

  init(app: App): void {
    const processEvent = (event: ReceiverEvent) => app.processEvent(this.timed(event));
    this.inner.init(new Proxy(app, { get: (target, key, self) => (key === 'processEvent' ? processEvent : Reflect.get(target, key, self)) }));
  }

  /** Bolt takes `authorize` from an HTTP receiver's installer (multi-workspace install). */
  get installer(): unknown {
    return (this.inner as { installer?: unknown }).installer;
  }

  start(...args: unknown[]): Promise<unknown> {
    return this.inner.start(...args);
  }

  stop(...args: unknown[]): Promise<unknown> {
    return this.inner.stop(...args);
  }

  private timed(event: ReceiverEvent): ReceiverEvent {
    const stamped = event.customProperties?.[RECEIVED_AT];
    const started = typeof stamped === 'number' ? stamped : performance.now();
    const type = requestType(event.body);
    let timed = false;
    return {
      ...event,
      ack: async (response?: unknown) => {
        try {
          return await event.ack(response);
        } finally {
          if (!timed) {
            timed = true;
            const seconds = (performance.now() - started) / 1000;
            this.metrics.observe('reconnect_slack_ack_seconds', { type }, seconds, 'From a Slack request arriving to its ack, by request type', ACK_BUCKETS);
          }
        }
      },
    };
  }
}

const INTERACTION_TYPES = new Set(['block_actions', 'view_submission', 'view_closed', 'block_suggestion', 'shortcut', 'message_action']);

/** A small closed set of label values: `slash_command`, `event`, an interaction type, or `other`. */
function requestType(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return 'slash_command';
  if (body.type === 'event_callback') return 'event';
  return typeof body.type === 'string' && INTERACTION_TYPES.has(body.type) ? body.type : 'other';
}
