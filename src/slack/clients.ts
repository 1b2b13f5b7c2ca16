import { WebClient, LogLevel as SlackLogLevel } from '@slack/web-api';
import type { Config } from '../config';
import { lightFetch } from '../oauth/http-client';
import { fetchInstallationForTeam, type BotTokenRefresher, type InstallationDeps } from './installation-store';

/**
 * A WebClient per workspace. The outbox owns retries, so clients reject rate-limited calls at once
 * (with Retry-After) instead of pausing the whole process queue as @slack/web-api does by default. They
 * call through the app's one small fetch on node:http: undici's costs about 0.5 ms more CPU per call, a
 * sixth of an alert's whole budget.
 */
export interface SlackClients {
  forTeam(teamId: string): Promise<WebClient | null>;
}

export function createSlackClients(deps: { config: Config; installations: InstallationDeps }): SlackClients {
  const options = {
    slackApiUrl: deps.config.slackApiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logLevel: SlackLogLevel.ERROR,
    fetch: lightFetch as typeof fetch,
  };
  const cache = new Map<string, WebClient>();
  const clientFor = (token: string) => {
    let client = cache.get(token);
    if (!client) {
      client = new WebClient(token, options);
      cache.set(token, client);
    }
    return client;
  };
  return {
    async forTeam(teamId) {
      const slack = deps.config.slack;
      if (!slack) return null;
      // In install mode a workspace gets its own installation's token or nothing: SLACK_BOT_TOKEN belongs to
      // one workspace, and using it for a team that never installed (or uninstalled) would post elsewhere.
      const token =
        slack.mode === 'http' && slack.install ? (await fetchInstallationForTeam(deps.installations, teamId))?.bot?.token : slack.botToken;
      return token ? clientFor(token) : null;
    },
  };
}

/** Exchanges a rotating bot token's refresh token (oauth.v2.access, grant_type=refresh_token). */
export function slackTokenRefresher(config: Config): BotTokenRefresher | undefined {
  const install = config.slack?.mode === 'http' ? config.slack.install : undefined;
  if (!install) return undefined;
  const client = new WebClient(undefined, { slackApiUrl: config.slackApiUrl, retryConfig: { retries: 2 }, timeout: 10_000, logLevel: SlackLogLevel.ERROR });
  return async (refreshToken) => {
    const answer = await client.oauth.v2.access({
      client_id: install.clientId,
      client_secret: install.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    if (!answer.access_token || !answer.refresh_token || !answer.expires_in) throw new Error('Slack token refresh returned no token');
    return { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresInSeconds: answer.expires_in };
  };
}
