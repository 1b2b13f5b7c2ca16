import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, type Receiver } from '@slack/bolt';
import type { InstallationStore } from '@slack/oauth';
import type { Config } from '../config';
import { MAX_BODY_BYTES } from '../http/router';
import type { Logger } from '../lib/logger';
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

export function createSlackApp(deps: { config: Config; logger: Logger; installations: InstallationDeps }): SlackApp | null {
  const { config } = deps;
  const slack = config.slack;
  if (!slack) return null;
  const logger = boltLogger(deps.logger.child({ component: 'slack' }));
  const clientOptions = { slackApiUrl: config.slackApiUrl };

  if (slack.mode === 'socket') {
    const app = new App({ token: slack.botToken, appToken: slack.appToken, socketMode: true, logger, clientOptions });
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
    receiver: receiver as Receiver,
    ...(slack.install ? { installationStore } : { token: slack.botToken }),
    logger,
    clientOptions,
    // In single-workspace mode Bolt would call auth.test at construction; defer it to the first request.
    ...(slack.install ? {} : { tokenVerificationEnabled: false }),
  });
  return {
    app,
    installationStore,
    handle: (req, res) => receiver.requestListener(req, res),
    start: async () => undefined,
    stop: async () => undefined,
  };
}
