import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { escapeHtml } from '../src/http/pages';
import { blocksHtml, byline, content, ephemeral, findElement, str, textOf, userNames, type Json, type Target } from './block-kit-html';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack, type StoredMessage } from '../test/fakes/fake-slack';
import { startFakeOAuthProvider } from '../test/fakes/fake-oauth-provider';
import { adminRequest, postIngest } from '../test/fakes/ingest-requests';
import { blockAction, blockActionPayload, eventCallback, postSigned, slashCommand, type SlackRequest } from '../test/fakes/slack-requests';
import { freePort } from '../test/support/test-app';

/**
 * `npm run demo`: the real app, with no Slack workspace and no provider account. Slack is the test suite's
 * fake Web API, the ad platform is the fake OAuth server, and a small page shows the alert channel the way
 * Slack would. Its buttons make this server send the signed requests Slack would send, so every click runs
 * the app's real listeners, and Reauthorize runs the real OAuth flow in the browser.
 */

const TEAM_ID = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = { id: 'C0DEMO001', name: 'data-alerts' };
/** A channel that reads Dutch: its alert is the same app's, in the channel's language. */
const CHANNEL_NL = { id: 'C0DEMO002', name: 'marketing-benelux' };
const CHANNELS = [CHANNEL, CHANNEL_NL];
const USER = { id: 'U0DEMO001', name: 'alex' };
const TEAMMATE = { id: 'U0DEMO002', name: 'sam' };
userNames.set(USER.id, USER.name).set(TEAMMATE.id, TEAMMATE.name);
const AD_ACCOUNT = '123-456-7890';
const AD_ACCOUNT_NL = '987-654-3210';
const WAREHOUSE_ACCOUNT = 'wh-eu-1';
/** The drop is reported as if it happened a while ago, so the alert has an outage length worth reading. */
const OUTAGE_MINUTES = 95;

type Tab = 'channel' | 'home' | 'both';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', nl: 'Nederlands', es: 'Español', fr: 'Français' };

export interface Demo {
  /** The demo page. */
  url: string;
  stop(): Promise<void>;
}

export async function startDemo(options: { port?: number } = {}): Promise<Demo> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const secrets = {
      signing: randomBytes(24).toString('hex'),
      ingest: randomBytes(24).toString('hex'),
      admin: randomBytes(24).toString('hex'),
      warehouseKey: `key_${randomBytes(18).toString('hex')}`,
    };
    const slack = await startFakeSlack({
      users: [USER, TEAMMATE],
      channels: CHANNELS.map((channel) => ({ id: channel.id, name: channel.name, is_member: true })),
    });
    cleanups.push(() => slack.close());
    const provider = await startFakeOAuthProvider({ defaultAccount: AD_ACCOUNT });
    cleanups.push(() => provider.close());
    provider.addApiKey(secrets.warehouseKey, WAREHOUSE_ACCOUNT);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconnect-demo-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    // OAuth redirects are built from PUBLIC_URL, so the app's port is picked before it listens.
    const appPort = await freePort();
    const urls = provider.config();
    const app = await createApp(
      loadConfig({
        NODE_ENV: 'development',
        PORT: String(appPort),
        PUBLIC_URL: `http://127.0.0.1:${appPort}`,
        DATABASE_URL: `file:${path.join(dir, 'demo.db')}`,
        LOG_LEVEL: 'warn',
        ENCRYPTION_KEYS: `demo:${randomBytes(32).toString('base64')}`,
        SLACK_SIGNING_SECRET: secrets.signing,
        SLACK_BOT_TOKEN: FAKE_SLACK_DEFAULTS.botToken,
        SLACK_API_URL: slack.url,
        INGEST_SECRET: secrets.ingest,
        ADMIN_TOKEN: secrets.admin,
        GENERIC_OAUTH_NAME: 'Demo Ads',
        GENERIC_OAUTH_KIND: 'ad_platform',
        GENERIC_OAUTH_AUTHORIZE_URL: urls.authorizeUrl,
        GENERIC_OAUTH_TOKEN_URL: urls.tokenUrl,
        GENERIC_OAUTH_USERINFO_URL: urls.userinfoUrl,
        GENERIC_OAUTH_REVOKE_URL: urls.revokeUrl,
        GENERIC_OAUTH_CLIENT_ID: provider.clientId,
        GENERIC_OAUTH_CLIENT_SECRET: provider.clientSecret,
        GENERIC_OAUTH_SCOPES: 'ads.read offline_access',
        GENERIC_API_KEY_NAME: 'Demo Warehouse',
        GENERIC_API_KEY_PROBE_URL: urls.apiKeyProbeUrl,
        OAUTH_ALLOW_INSECURE_HTTP: 'true',
        // The CRM has no local provider to answer probes, so nothing is probed; the ingest event drives the story.
        PROBE_INTERVAL_MINUTES: '0',
        OUTBOX_POLL_MS: '100',
      }),
    );
    const appUrl = await app.start();
    cleanups.push(() => app.stop());

    const register = async (connection: Json): Promise<string> => {
      const created = await adminRequest(appUrl, 'POST', '/api/v1/connections', { teamId: TEAM_ID, channelId: CHANNEL.id, ...connection }, secrets.admin);
      if (created.status !== 201) throw new Error(`Registering ${String(connection.name)} failed: ${JSON.stringify(created.json)}`);
      return String(created.json.id);
    };
    const send = async (request: SlackRequest) => {
      const answer = await postSigned(appUrl, '/slack/events', request, { signingSecret: secrets.signing });
      if (answer.status !== 200) throw new Error(`The app answered ${answer.status}: ${answer.text}`);
    };
    // The Benelux channel reads Dutch, set the way a person would: `/reconnect language nl here` in it.
    await send(slashCommand({ text: 'language nl here', channel_id: CHANNEL_NL.id, channel_name: CHANNEL_NL.name, user_id: USER.id, user_name: USER.name, response_url: slack.responseUrl() }));
    const adsId = await register({
      provider: 'generic_oauth2',
      name: 'Demo Ads',
      externalAccountId: AD_ACCOUNT,
      owners: [USER.id, TEAMMATE.id],
      options: { autotagging: true },
      credentials: provider.issueTokens(AD_ACCOUNT),
    });
    const adsNlId = await register({
      provider: 'generic_oauth2',
      name: 'Demo Ads Benelux',
      channelId: CHANNEL_NL.id,
      externalAccountId: AD_ACCOUNT_NL,
      owners: [USER.id],
      options: { autotagging: true },
      credentials: provider.issueTokens(AD_ACCOUNT_NL),
    });
    await register({ provider: 'hubspot', name: 'HubSpot — Sales', externalAccountId: '4815162', owners: [TEAMMATE.id] });
    await register({
      provider: 'generic_api_key',
      name: 'Warehouse sync',
      externalAccountId: WAREHOUSE_ACCOUNT,
      owners: [USER.id],
      credentials: { apiKey: secrets.warehouseKey },
    });
    for (const connectionId of [adsId, adsNlId]) {
      const drop = await postIngest(
        appUrl,
        {
          eventId: `demo-${randomBytes(6).toString('hex')}`,
          connectionId,
          status: 'authorization_required',
          reason: 'token_revoked',
          occurredAt: new Date(Date.now() - OUTAGE_MINUTES * 60_000).toISOString(),
          counts: { adsCreated: 7 },
        },
        { secret: secrets.ingest },
      );
      if (drop.status !== 202) throw new Error(`The ingest event was refused: ${JSON.stringify(drop.json)}`);
    }
    await slack.waitForCalls('chat.postMessage', 2);

    // Whoever reauthorizes in a channel signs in to that channel's ad account at the fake provider.
    const page = new DemoPage(slack, send, appUrl, (channelId) => provider.nextAccount(channelId === CHANNEL_NL.id ? AD_ACCOUNT_NL : AD_ACCOUNT));
    const server = http.createServer((req, res) => {
      page.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`The demo could not do that: ${(error as Error).message}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The page's server: renders what the fake Slack holds and turns clicks into signed Slack requests. */
type Channel = { id: string; name: string };

class DemoPage {
  /** Modals opened before this count were closed in the page. */
  private closedModals = 0;
  /** Which channel each handed-out response URL belongs to. */
  private readonly answeredIn = new Map<string, string>();
  /** Each channel's language as last set through the switch; Slack shows date tokens in it. */
  private readonly languages = new Map<string, string>([[CHANNEL_NL.id, 'nl']]);

  constructor(
    private readonly slack: FakeSlack,
    private readonly send: (request: SlackRequest) => Promise<void>,
    private readonly appUrl: string,
    private readonly beforeReauthorize: (channelId: string) => void,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const route = `${req.method} ${url.pathname}`;
    const channel = CHANNELS.find((candidate) => candidate.id === url.searchParams.get('c')) ?? CHANNEL;
    if (route === 'GET /') return sendHtml(res, this.page('channel', channel));
    if (route === 'GET /home') return sendHtml(res, this.page('home', channel));
    if (route === 'GET /both') return sendHtml(res, this.page('both', channel));
    if (route === 'GET /fragment') {
      const tab = url.searchParams.get('tab');
      const html = this.fragment(tab === 'home' || tab === 'both' ? tab : 'channel', channel);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ version: version(html), html }));
      return;
    }
    if (req.method !== 'POST') return sendText(res, 404, 'Not found.');
    const form = new URLSearchParams(await readBody(req));
    const back = (tab: string | null) => (tab === 'home' ? '/home' : tab === 'both' ? '/both' : `/?c=${channel.id}`);
    switch (url.pathname) {
      case '/click':
        await this.click(form, channel);
        return redirect(res, back(form.get('tab')));
      case '/language': {
        // The language switch is the slash command a person would type in the channel.
        const language = form.get('lang') ?? 'en';
        if (!(language in LANGUAGE_NAMES)) return sendText(res, 400, 'Pick one of the languages.');
        await this.send(
          slashCommand({
            text: `language ${language} here`,
            channel_id: channel.id,
            channel_name: channel.name,
            user_id: USER.id,
            user_name: USER.name,
            response_url: this.responseUrlIn(channel),
          }),
        );
        this.languages.set(channel.id, language);
        return redirect(res, `/?c=${channel.id}`);
      }
      case '/open-home':
        // Slack sends app_home_opened every time someone switches to the app's Home tab.
        await this.send(eventCallback({ type: 'app_home_opened', user: USER.id, channel: this.slack.dmChannel(USER.id), tab: 'home' }));
        return redirect(res, '/home');
      case '/digest':
        await this.send(
          slashCommand({
            command: '/reconnect',
            text: 'digest',
            channel_id: channel.id,
            channel_name: channel.name,
            user_id: USER.id,
            user_name: USER.name,
            response_url: this.responseUrlIn(channel),
          }),
        );
        return redirect(res, `/?c=${channel.id}`);
      case '/close-modal':
        this.closedModals = this.slack.openedViews().length;
        return redirect(res, '/home');
      default:
        return sendText(res, 404, 'Not found.');
    }
  }

  /** Sends the block_actions payload Slack would send for this click, from a message or from App Home. */
  private async click(form: URLSearchParams, channel: { id: string; name: string }): Promise<void> {
    const blockId = form.get('blockId') ?? '';
    const actionId = form.get('actionId') ?? '';
    const option = form.get('option');
    const selectedOption = option ? { value: option } : undefined;
    const person = { userId: USER.id, userName: USER.name };
    if (form.get('tab') === 'home') {
      const view = this.slack.homeView(USER.id);
      const element = view && findElement(view.blocks, blockId, actionId);
      if (!view || !element) throw new Error('That button is no longer on the page.');
      // Slack sends no message, channel or response_url for a click in App Home; the app answers in a modal.
      const { message: _message, channel: _channel, response_url: _responseUrl, ...payload } = blockActionPayload({
        actionId,
        blockId,
        value: str(element.value),
        ...person,
      });
      await this.send({
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ payload: JSON.stringify({ ...payload, container: { type: 'view', view_id: view.id }, view }) }).toString(),
        headers: {},
      });
      return;
    }
    const message = this.slack.message(channel.id, form.get('ts') ?? '');
    if (!message || !findElement(message.blocks, blockId, actionId)) throw new Error('That button is no longer on the page.');
    if (actionId === 'reauthorize') this.beforeReauthorize(channel.id);
    await this.send(
      blockAction({ actionId, blockId, selectedOption, message, channelId: channel.id, channelName: channel.name, ...person, responseUrl: this.responseUrlIn(channel) }),
    );
  }

  private page(tab: Tab, channel: Channel): string {
    const live = this.fragment(tab, channel);
    const title = tab === 'home' ? 'Reconnect · App Home' : tab === 'both' ? 'Two channels' : `#${channel.name}`;
    const language = this.languages.get(channel.id) ?? 'en';
    const languageSwitch =
      tab === 'channel'
        ? `<form method="post" action="/language?c=${channel.id}" class="switch"><label>Channel language <select name="lang" class="btn" onchange="this.form.submit()">${Object.entries(LANGUAGE_NAMES)
            .map(([code, name]) => `<option value="${code}"${code === language ? ' selected' : ''}>${escapeHtml(name)}</option>`)
            .join('')}</select></label></form>`
        : '';
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Reconnect demo</title><style>${STYLE}</style></head>
<body><div class="app">
<nav class="sidebar" aria-label="Workspace">
  <div class="workspace">${escapeHtml(FAKE_SLACK_DEFAULTS.team.name)}</div>
  <div class="label">Channels</div>
  ${CHANNELS.map((candidate) => `<a class="item${tab === 'channel' && candidate.id === channel.id ? ' active' : ''}" href="/?c=${candidate.id}"># ${escapeHtml(candidate.name)}</a>`).join('\n  ')}
  <a class="item${tab === 'both' ? ' active' : ''}" href="/both">Side by side</a>
  <div class="label">Apps</div>
  <form method="post" action="/open-home"><button class="item${tab === 'home' ? ' active' : ''}">Reconnect</button></form>
</nav>
<main>
  <header class="topbar"><h1>${tab === 'home' ? 'Reconnect <span class="tab">Home</span>' : tab === 'both' ? 'Side by side' : `# ${escapeHtml(channel.name)}`}</h1>
  <div class="tools">${languageSwitch}${tab === 'channel' ? `<form method="post" action="/digest?c=${channel.id}"><button class="btn" title="Sends /reconnect digest in #${escapeHtml(channel.name)}">Digest</button></form>` : ''}</div></header>
  <div id="live" class="live${tab === 'both' ? ' columns' : ''}" data-tab="${tab}" data-channel="${channel.id}" data-version="${version(live)}">${live}</div>
  <footer class="note">Local demo: Slack is a fake on this machine, and every button sends the app
  (<a href="${escapeHtml(this.appUrl)}/health">${escapeHtml(this.appUrl)}</a>) the signed request Slack would send.</footer>
</main></div>
<script>
const live = document.getElementById('live');
setInterval(async () => {
  const answer = await (await fetch('/fragment?tab=' + live.dataset.tab + '&c=' + live.dataset.channel, { cache: 'no-store' })).json();
  if (answer.version !== live.dataset.version) {
    live.innerHTML = answer.html;
    live.dataset.version = answer.version;
  }
}, 1000);
</script></body></html>`;
  }

  /** The part of the page that changes; the page polls it so the alert updates in place. */
  private fragment(tab: Tab, channel: Channel): string {
    if (tab === 'home') return this.home();
    if (tab === 'both') return CHANNELS.map((candidate) => `<section class="column"><h2># ${escapeHtml(candidate.name)}</h2>${this.channel(candidate, 'both')}</section>`).join('');
    return this.channel(channel, 'channel');
  }

  private channel(channel: Channel, tab: 'channel' | 'both'): string {
    const target = (ts: string) => ({ tab, ts, channel: channel.id, language: this.languages.get(channel.id) ?? 'en' });
    const all = this.slack.messages(channel.id);
    const topLevel = all.filter((message) => message.thread_ts === undefined || message.thread_ts === message.ts);
    const postedAt = this.postedAt(channel, undefined);
    const items = [
      ...topLevel.map((message, index) => ({ at: postedAt[index] ?? Date.now(), html: this.message(channel, message, postedAt[index], target) })),
      ...this.slack
        .callsTo('response_url')
        .filter((call) => call.url !== undefined && this.answeredIn.get(call.url) === channel.id)
        .map((call) => ({ at: call.at, html: ephemeral(call.args, call.at, target('')) })),
    ].sort((a, b) => a.at - b.at);
    return items.length ? items.map((item) => item.html).join('') : '<p class="muted">No messages yet.</p>';
  }

  /**
   * When each message of the channel (or of one thread) was posted. The fake's ts values are counters, not
   * clock times, but each successful chat.postMessage stored exactly one message, in order.
   */
  private postedAt(channel: Channel, threadTs: string | undefined): number[] {
    return this.slack
      .callsTo('chat.postMessage')
      .filter((call) => call.result === 'ok' && call.args.channel === channel.id && str(call.args.thread_ts) === threadTs)
      .map((call) => call.at);
  }

  private message(channel: Channel, message: StoredMessage, at: number | undefined, target: (ts: string) => Target): string {
    const replies = this.slack.replies(channel.id, message.ts);
    const repliedAt = this.postedAt(channel, message.ts);
    const thread = replies.length
      ? `<div class="thread"><div class="count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${replies
          .map((reply, index) => `<div class="reply">${byline('Reconnect', repliedAt[index])}${content(reply.blocks, reply.text, target(reply.ts))}</div>`)
          .join('')}</div>`
      : '';
    return `<article class="message" data-ts="${escapeHtml(message.ts)}"><div class="avatar" aria-hidden="true">R</div><div class="body">${byline(
      'Reconnect',
      at,
    )}${content(message.blocks, message.text, target(message.ts))}${thread}</div></article>`;
  }

  private home(): string {
    const view = this.slack.homeView(USER.id);
    const opened = this.slack.openedViews();
    const modal = opened.length > this.closedModals ? opened.at(-1) : undefined;
    const modalHtml = modal
      ? `<div class="overlay"><div class="modal" role="dialog" aria-label="${escapeHtml(textOf(modal.title))}"><h2>${escapeHtml(textOf(modal.title))}</h2>${blocksHtml(
          modal.blocks,
          { tab: 'home', language: 'en' },
        )}<form method="post" action="/close-modal"><button class="btn">${escapeHtml(textOf(modal.close) || 'Close')}</button></form></div></div>`
      : '';
    return `<div class="home">${view ? blocksHtml(view.blocks, { tab: 'home', language: 'en' }) : '<p class="muted">Opening App Home…</p>'}</div>${modalHtml}`;
  }

  /** A response URL for an interaction in `channel`: its answer is shown in that channel only. */
  private responseUrlIn(channel: Channel): string {
    const url = this.slack.responseUrl();
    this.answeredIn.set(url, channel.id);
    return url;
  }
}

function version(html: string): string {
  return createHash('sha256').update(html).digest('hex').slice(0, 16);
}

// ---- HTTP ---------------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** 303 after every POST, so reloading the page never repeats a click. */
function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.46668 "Lato","Helvetica Neue","Liberation Sans","DejaVu Sans",Arial,sans-serif;color:#1d1c1d;background:#fff}
.app{display:flex;min-height:100vh}
.sidebar{width:230px;flex:none;background:#3f0e40;color:#cfc3cf;padding:12px 0}
.workspace{color:#fff;font-weight:900;font-size:18px;padding:4px 16px 14px;border-bottom:1px solid #522653;margin-bottom:10px}
.label{font-size:13px;padding:10px 16px 4px;opacity:.8}
.item{display:block;width:100%;text-align:left;padding:4px 16px 4px 26px;color:#cfc3cf;text-decoration:none;font:inherit;background:none;border:0;cursor:pointer}
.item:hover{background:#350d36}.item.active{background:#1164a3;color:#fff}
.sidebar form{margin:0}
main{flex:1;display:flex;flex-direction:column;min-width:0}
.topbar{display:flex;align-items:center;justify-content:space-between;border-bottom:1px solid #ddd;padding:10px 20px}
.topbar h1{font-size:18px;font-weight:900;margin:0}.topbar .tab{font-weight:400;font-size:15px;color:#616061;margin-left:8px}
.topbar form{margin:0}
.live{flex:1;padding:8px 0 20px}
.message{display:flex;gap:10px;padding:8px 20px}.message:hover{background:#f8f8f8}
.avatar{width:36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;font-weight:900;display:flex;align-items:center;justify-content:center;flex:none}
.body{min-width:0;flex:1;max-width:760px}
.byline{display:flex;align-items:baseline;gap:6px}.byline b{font-weight:900}
.badge{font-size:10px;font-weight:700;color:#616061;background:#e8e8e8;border-radius:2px;padding:0 3px}
time{font-size:12px;color:#616061}
.header{font-size:18px;font-weight:900;margin:6px 0 4px}
.text,.context span{white-space:pre-wrap;overflow-wrap:anywhere}
.section{display:flex;gap:12px;justify-content:space-between;align-items:flex-start;margin:4px 0}
.context{color:#616061;font-size:13px;margin:6px 0;display:flex;gap:8px;flex-wrap:wrap}
.actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0 4px}.actions form,.section form{margin:0}
.btn{font:inherit;font-size:14px;font-weight:700;padding:0 12px;height:32px;border:1px solid #bbb;border-radius:4px;background:#fff;color:#1d1c1d;cursor:pointer}
.btn:hover{background:#f8f8f8}.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
select.btn{font-weight:400;padding-right:6px}
code{font:12px/1.5 Monaco,Menlo,"DejaVu Sans Mono",monospace;color:#e01e5a;background:#f6f6f6;border:1px solid #e8e8e8;border-radius:3px;padding:1px 3px}
.mention{color:#1264a3;background:#e8f5fa;border-radius:3px;padding:0 2px}
a{color:#1264a3}
.thread{border-left:3px solid #e8e8e8;margin:8px 0 0;padding:2px 0 2px 12px}
.thread .count{font-size:13px;font-weight:700;color:#1264a3;margin-bottom:4px}
.reply{font-size:14px;margin:4px 0}.reply .byline{font-size:13px}
.ephemeral .only{font-size:12px;color:#616061}
.home{padding:8px 20px;max-width:800px}
.muted{color:#616061;padding:0 20px}
.overlay{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center}
.modal{background:#fff;border-radius:8px;padding:20px 24px;width:520px;max-width:90vw;box-shadow:0 18px 48px rgba(0,0,0,.35)}
.modal h2{margin:0 0 12px;font-size:22px;font-weight:900}.modal form{text-align:right;margin-top:16px}
.note{font-size:12px;color:#616061;border-top:1px solid #eee;padding:8px 20px}
.tools{display:flex;gap:12px;align-items:center}.switch{margin:0;font-size:13px;color:#616061}.switch select{margin-left:6px;height:28px}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:0}.column{min-width:0;border-right:1px solid #eee}.column h2{font-size:14px;font-weight:900;margin:4px 20px 0;color:#616061}
.columns .message{padding:8px 14px}
`;

async function main(): Promise<void> {
  const portFlag = process.argv.indexOf('--port');
  const demo = await startDemo(portFlag > 0 ? { port: Number(process.argv[portFlag + 1]) } : {});
  console.log(`Reconnect demo: an alert channel with a dropped ad platform connection, on this machine only.\nOpen ${demo.url}\nCtrl+C stops it.`);
  const shutdown = () => {
    demo.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
