import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { completeForm, completeOAuth, FlowError, FormRefused, openLink, type FlowDeps } from '../domain/reauth-complete';
import { formFieldsOf, formHelpOf } from '../domain/credential-forms';
import type { ProviderDefinition } from '../providers/definition';
import { completePick } from '../domain/connect';
import type { Connection } from '../db/connections';
import { HTTP_STATUS } from './errors';
import { hashToken } from '../domain/reauth-start';
import type { Metrics } from '../lib/metrics';
import { credentialsFormPage, pickAccountPage, resultPage } from './pages';
import { readBody, sendHtml, type Router } from './router';

/**
 * GET /oauth/start?t=… (the single-use link from Slack), GET /oauth/callback (the provider's answer) and
 * POST /oauth/api-key (the API-key form). The browser that opened the link gets an HttpOnly cookie, and
 * only that browser can finish the flow.
 */

/**
 * One cookie per flow, named after a hash of the flow's public token (the OAuth `state` or the form's
 * flow token): two flows open in one browser must not overwrite each other's proof of origin.
 */
const cookieName = (flowToken: string) => `reconnect_flow_${hashToken(flowToken).slice(0, 16)}`;

export function mountOAuthRoutes(router: Router, deps: FlowDeps & { metrics: Metrics }): void {
  const secure = deps.publicUrl.startsWith('https://');
  const setCookie = (res: ServerResponse, flowToken: string, value: string) =>
    res.setHeader('set-cookie', `${cookieName(flowToken)}=${value}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=600${secure ? '; Secure' : ''}`);

  router.add('GET', '/oauth/start', async ({ res, url }) => {
    const token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/).safeParse(url.searchParams.get('t'));
    if (!token.success) return refuse(res, deps, new FlowError('link_unknown', 'This link is not valid; ask for a new one with the Reauthorize button in Slack.'));
    try {
      const started = await openLink(deps, token.data);
      setCookie(res, started.kind === 'redirect' ? started.state : started.flowToken, started.browserSecret);
      if (started.kind === 'redirect') {
        res.writeHead(302, { location: started.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
        return;
      }
      sendHtml(res, 200, formPage(started.provider, started.values, started.flowToken, started.csrfToken, started.connection));
    } catch (error) {
      refuse(res, deps, error);
    }
  });

  router.add('GET', '/oauth/callback', async ({ req, res, url }) => {
    try {
      const browserSecret = readCookie(req, url.searchParams.get('state') ?? '');
      const outcome = await completeOAuth(deps, callbackUrl(deps.publicUrl, url), browserSecret);
      if (outcome.kind === 'pick') {
        // The page's form is a flow of its own, bound to this browser like the sign-in was.
        setCookie(res, outcome.flowToken, browserSecret!);
        return sendHtml(res, 200, pickAccountPage({ providerName: outcome.provider.name, choices: outcome.choices, flowToken: outcome.flowToken, csrfToken: outcome.csrfToken }));
      }
      const { connection } = outcome;
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, outcome.kind === 'reconnected' ? reconnectedPage(connection) : connectedPage(connection));
    } catch (error) {
      refuse(res, deps, error);
    }
  });

  router.add('POST', '/oauth/connect', async ({ req, res }) => {
    const form = z
      .object({ flow: z.string().min(20).max(100), csrf: z.string().min(20).max(100), account: z.coerce.number().int().min(0).max(10_000) })
      .safeParse(Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'))));
    if (!form.success) return sendHtml(res, 400, resultPage('bad', 'Pick an account', 'Choose one of the accounts, or start again from Slack.'));
    try {
      const connection = await completePick(deps, { flowToken: form.data.flow, csrfToken: form.data.csrf, choice: form.data.account }, readCookie(req, form.data.flow));
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, connectedPage(connection));
    } catch (error) {
      refuse(res, deps, error);
    }
  });

  router.add('POST', '/oauth/api-key', async ({ req, res }) => {
    const body = Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
    const form = z.object({ flow: z.string().min(20).max(100), csrf: z.string().min(20).max(100) }).safeParse(body);
    const values = z.record(z.string().max(64), z.string().max(8000)).safeParse(Object.fromEntries(Object.entries(body).filter(([name]) => name !== 'flow' && name !== 'csrf')));
    if (!form.success || !values.success) return sendHtml(res, 400, resultPage('bad', 'That form was incomplete', 'Fill in the form again from the link in Slack.'));
    try {
      const done = await completeForm(deps, { flowToken: form.data.flow, csrfToken: form.data.csrf, values: values.data }, readCookie(req, form.data.flow));
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: done.connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, done.kind === 'reconnected' ? reconnectedPage(done.connection) : connectedPage(done.connection));
    } catch (error) {
      if (error instanceof FormRefused) {
        deps.metrics.inc('reconnect_oauth_refusals_total', { reason: error.code }, 1, 'Reauthorizations refused');
        return sendHtml(res, 400, formPage(error.provider, error.values, form.data.flow, form.data.csrf, error.connection, error.message));
      }
      refuse(res, deps, error);
    }
  });

}

function formPage(provider: ProviderDefinition, values: Record<string, string>, flowToken: string, csrfToken: string, connection?: Connection, error?: string): string {
  return credentialsFormPage({
    ...(connection ? { connectionName: connection.name, account: connection.externalAccountId } : {}),
    providerName: provider.name,
    fields: formFieldsOf(provider),
    values,
    help: formHelpOf(provider),
    flowToken,
    csrfToken,
    ...(error ? { error } : {}),
  });
}

const reconnectedPage = (connection: Connection) =>
  resultPage('ok', `${connection.name} is reconnected`, 'Data starts flowing again; the alert in Slack now says so.', slackLink(connection.teamId));

const connectedPage = (connection: Connection) =>
  resultPage('ok', `${connection.name} is connected`, `Reconnect watches account ${connection.externalAccountId} from now on and tells the channel when it needs you.`, slackLink(connection.teamId));

function refuse(res: ServerResponse, deps: { metrics: Metrics }, error: unknown): void {
  if (!(error instanceof FlowError)) throw error;
  deps.metrics.inc('reconnect_oauth_refusals_total', { reason: error.code }, 1, 'Reauthorizations refused');
  sendHtml(res, HTTP_STATUS[error.code], resultPage('bad', 'That did not go through', error.message));
}

/** The redirect URI is built from PUBLIC_URL, never from the request's Host header (RFC 9700). */
function callbackUrl(publicUrl: string, url: URL): URL {
  const callback = new URL(`${publicUrl}/oauth/callback`);
  callback.search = url.search;
  return callback;
}

function readCookie(req: IncomingMessage, flowToken: string): string | undefined {
  const wanted = cookieName(flowToken);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === wanted) return value.join('=');
  }
  return undefined;
}

const slackLink = (teamId: string) => `https://slack.com/app_redirect?team=${encodeURIComponent(teamId)}`;
