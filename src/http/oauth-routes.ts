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
import { credentialsFormPage, fieldLabel, pickAccountPage, resultPage } from './pages';
import { readBody, sendHtml, type Router } from './router';
import { flowLanguage } from '../domain/flow-steps';
import { DEFAULT_LANGUAGE, languageFromAcceptLanguage, languageOf } from '../lib/i18n';
import { flowText } from '../slack/blocks/flow';
import { translator, type T } from '../slack/blocks/messages';

/**
 * GET /oauth/start?t=… (the single-use link from Slack), GET /oauth/callback (the provider's answer) and
 * POST /oauth/api-key (the API-key form). The browser that opened the link gets an HttpOnly cookie, and
 * only that browser can finish the flow. Pages speak the language of the person the link was made for
 * (their Slack language, kept with the flow), else the browser's `Accept-Language`, else English.
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

  /** The reader of the page a flow token leads to; read before the flow is spent, so a refusal speaks it too. */
  const readerOf = async (req: IncomingMessage, flowToken: string | null | undefined): Promise<T> => {
    const stored = flowToken ? languageOf(await flowLanguage(deps.prisma, flowToken)) : null;
    const header = req.headers['accept-language'];
    return translator(stored ?? languageFromAcceptLanguage(Array.isArray(header) ? header.join(',') : header) ?? DEFAULT_LANGUAGE);
  };

  router.add('GET', '/oauth/start', async ({ req, res, url }) => {
    const token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/).safeParse(url.searchParams.get('t'));
    const t = await readerOf(req, token.data);
    if (!token.success) return refuse(res, deps, t, new FlowError('link_unknown', { key: 'flow.invalid', values: { what: 'link', restart: 'link' } }));
    try {
      const started = await openLink(deps, token.data);
      setCookie(res, started.kind === 'redirect' ? started.state : started.flowToken, started.browserSecret);
      if (started.kind === 'redirect') {
        res.writeHead(302, { location: started.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
        return;
      }
      sendHtml(res, 200, formPage(t, started.provider, started.values, started.flowToken, started.csrfToken, started.connection));
    } catch (error) {
      refuse(res, deps, t, error);
    }
  });

  router.add('GET', '/oauth/callback', async ({ req, res, url }) => {
    const state = url.searchParams.get('state');
    const t = await readerOf(req, state && state.length <= 200 ? state : null);
    try {
      const browserSecret = readCookie(req, state ?? '');
      const outcome = await completeOAuth(deps, callbackUrl(deps.publicUrl, url), browserSecret);
      if (outcome.kind === 'pick') {
        // The page's form is a flow of its own, bound to this browser like the sign-in was.
        setCookie(res, outcome.flowToken, browserSecret!);
        return sendHtml(res, 200, pickAccountPage(t, { providerName: outcome.provider.name, choices: outcome.choices, flowToken: outcome.flowToken, csrfToken: outcome.csrfToken }));
      }
      const { connection } = outcome;
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, outcome.kind === 'reconnected' ? reconnectedPage(t, connection) : connectedPage(t, connection));
    } catch (error) {
      refuse(res, deps, t, error);
    }
  });

  router.add('POST', '/oauth/connect', async ({ req, res }) => {
    const form = z
      .object({ flow: z.string().min(20).max(100), csrf: z.string().min(20).max(100), account: z.coerce.number().int().min(0).max(10_000) })
      .safeParse(Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'))));
    const t = await readerOf(req, form.data?.flow);
    if (!form.success) return sendHtml(res, 400, resultPage(t, 'bad', t.t('page.pickAccount'), t.t('page.pickAccountBody')));
    try {
      const connection = await completePick(deps, { flowToken: form.data.flow, csrfToken: form.data.csrf, choice: form.data.account }, readCookie(req, form.data.flow));
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, connectedPage(t, connection));
    } catch (error) {
      refuse(res, deps, t, error);
    }
  });

  router.add('POST', '/oauth/api-key', async ({ req, res }) => {
    const body = Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
    const form = z.object({ flow: z.string().min(20).max(100), csrf: z.string().min(20).max(100) }).safeParse(body);
    const values = z.record(z.string().max(64), z.string().max(8000)).safeParse(Object.fromEntries(Object.entries(body).filter(([name]) => name !== 'flow' && name !== 'csrf')));
    const t = await readerOf(req, form.data?.flow);
    if (!form.success || !values.success) return sendHtml(res, 400, resultPage(t, 'bad', t.t('page.incomplete'), t.t('page.incompleteBody')));
    try {
      const done = await completeForm(deps, { flowToken: form.data.flow, csrfToken: form.data.csrf, values: values.data }, readCookie(req, form.data.flow));
      deps.metrics.inc('reconnect_oauth_completions_total', { provider: done.connection.provider }, 1, 'Reauthorizations completed');
      sendHtml(res, 200, done.kind === 'reconnected' ? reconnectedPage(t, done.connection) : connectedPage(t, done.connection));
    } catch (error) {
      if (error instanceof FormRefused) {
        deps.metrics.inc('reconnect_oauth_refusals_total', { reason: error.code }, 1, 'Reauthorizations refused');
        const message = flowText(t, error.words, (name) => fieldLabel(t, formFieldsOf(error.provider).find((field) => field.name === name) ?? { name, label: name }));
        return sendHtml(res, 400, formPage(t, error.provider, error.values, form.data.flow, form.data.csrf, error.connection, message));
      }
      refuse(res, deps, t, error);
    }
  });
}

function formPage(t: T, provider: ProviderDefinition, values: Record<string, string>, flowToken: string, csrfToken: string, connection?: Connection, error?: string): string {
  return credentialsFormPage(t, {
    ...(connection ? { connectionName: connection.name, account: connection.externalAccountId } : {}),
    providerName: provider.name,
    fields: formFieldsOf(provider),
    values,
    help: formHelpOf(provider) ?? t.t('form.helpDatabase'),
    flowToken,
    csrfToken,
    ...(error ? { error } : {}),
  });
}

const reconnectedPage = (t: T, connection: Connection) =>
  resultPage(t, 'ok', t.t('page.reconnected', { name: connection.name }), t.t('page.reconnectedBody'), slackLink(connection.teamId));

const connectedPage = (t: T, connection: Connection) =>
  resultPage(t, 'ok', t.t('page.connected', { name: connection.name }), t.t('page.connectedBody', { account: connection.externalAccountId }), slackLink(connection.teamId));

function refuse(res: ServerResponse, deps: { metrics: Metrics }, t: T, error: unknown): void {
  if (!(error instanceof FlowError)) throw error;
  deps.metrics.inc('reconnect_oauth_refusals_total', { reason: error.code }, 1, 'Reauthorizations refused');
  sendHtml(res, HTTP_STATUS[error.code], resultPage(t, 'bad', t.t('page.failed'), flowText(t, error.words)));
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
