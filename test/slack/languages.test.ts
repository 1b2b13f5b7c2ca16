import type { WorkspaceConnection } from '../../src/domain/overview';
import type { Digest } from '../../src/domain/digest';
import { impactOf } from '../../src/domain/impact';
import { LANGUAGES, type Language } from '../../src/lib/i18n';
import { buildCatalog } from '../../src/providers/catalog';
import { alertMessage, type AlertView } from '../../src/slack/blocks/alert';
import { burstMessage } from '../../src/slack/blocks/burst';
import {
  checkAnswer,
  digestNotPostedAnswer,
  helpAnswer,
  languageChangedAnswer,
  languageShownAnswer,
  listAnswer,
  nameMatchAnswer,
  snoozeAnswer,
  somethingWentWrongAnswer,
  statusAnswer,
  subscribedAnswer,
  unknownProviderAnswer,
  unsubscribedAnswer,
  usageAnswer,
} from '../../src/slack/blocks/commands';
import { detailsText } from '../../src/slack/blocks/details';
import { digestMessage } from '../../src/slack/blocks/digest';
import { expiryMessage } from '../../src/slack/blocks/expiry';
import { homeView } from '../../src/slack/blocks/home';
import { CATALOGS, translator, type MessageKey } from '../../src/slack/blocks/messages';
import { noticeText } from '../../src/slack/blocks/notice';
import { connectAnswer, reauthAnswer } from '../../src/slack/blocks/reauthorize';
import { reminderText } from '../../src/slack/blocks/reminder';
import { threadText } from '../../src/slack/blocks/thread';
import { parseCommandText } from '../../src/slack/command-syntax';
import { credentialsFormPage, pickAccountPage, resultPage } from '../../src/http/pages';
import { validateBlocks } from '../fakes/block-kit';

/**
 * Every message and page rendered in every language: within Block Kit's limits without cutting a word
 * off, with counts of 0, 1 and 2 in the language's plural forms, and no English left where a translation
 * belongs.
 */

const catalog = buildCatalog({});
const NOW = new Date('2026-12-02T10:00:00Z');
const OPENED = new Date('2026-12-02T07:45:00Z');
const LONG_NAME = 'Brand campaigns — Benelux & France (EUR, paid social retargeting)';

const connection = (n: number, status: WorkspaceConnection['status'] = 'connected', name = `HubSpot ${n}`): WorkspaceConnection => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  teamId: 'T1',
  provider: 'hubspot',
  providerName: 'HubSpot',
  kind: 'crm',
  name,
  externalAccountId: String(1000 + n),
  channelId: null,
  owners: ['U0OWNER01'],
  options: {},
  status,
  reason: status === 'connected' ? null : 'token_revoked',
  statusChangedAt: OPENED,
  lastCheckedAt: null,
  lastSuccessAt: n % 2 ? OPENED : null,
  nextProbeAt: NOW,
  consecutiveFailures: 0,
  disabledAt: null,
  createdAt: OPENED,
  updatedAt: OPENED,
  openIncidentId: status === 'authorization_required' ? `10000000-0000-4000-8000-${String(n).padStart(12, '0')}` : null,
});

function alertView(state: 'open' | 'closed'): AlertView {
  const provider = catalog.require('google_ads');
  return {
    incidentId: '3f1c2a54-0000-4000-8000-000000000001',
    connectionName: LONG_NAME,
    providerName: provider.name,
    kind: provider.kind,
    externalAccountId: '123-456-7890',
    reason: 'admin_changed',
    openedAt: OPENED,
    closedAt: state === 'closed' ? NOW : null,
    closedBy: state === 'closed' ? 'U0OWNER01' : null,
    state,
    connectionStatus: state === 'closed' ? 'connected' : 'authorization_required',
    owners: ['U0OWNER01', 'U0OWNER02'],
    impact: impactOf({ provider, options: { autotagging: true }, outage: state === 'closed' ? { from: OPENED, to: NOW } : { from: OPENED }, counts: { adsCreated: 2 }, now: NOW }),
    acknowledgedBy: 'U0OWNER02',
    snoozedUntil: new Date(NOW.getTime() + 3_600_000),
    reauthStartedBy: 'U0OWNER01',
    reopenCount: 1,
    now: NOW,
  };
}

function digest(counts: { bad: number; healthy: number }): Digest {
  const provider = catalog.require('salesforce');
  return {
    counts: { total: counts.bad + counts.healthy, authorization_required: counts.bad, degraded: 0, connected: counts.healthy },
    strips: [{ connectionName: 'Salesforce EU', strip: counts.bad ? '🟩🟩🟥🟥🟩🟩🟥' : '🟩🟩🟩🟩🟩🟩🟩' }],
    openIncidents: Array.from({ length: counts.bad }, (_, index) => ({
      incidentId: `i${index}`,
      connectionName: `Salesforce ${index}`,
      providerName: provider.name,
      openedAt: OPENED,
      ageMinutes: 135,
      impact: impactOf({ provider, options: {}, outage: { from: OPENED }, counts: { queuedTouchpoints: index }, now: NOW }),
      losingData: false,
    })),
    reconnected: counts.bad ? [{ connectionName: 'HubSpot EU', providerName: 'HubSpot', closedAt: NOW, outageMinutes: 61 }] : [],
    now: NOW,
  };
}

/** Everything Reconnect can say, in one language: [what, text]. */
function everything(language: Language): [string, string][] {
  const t = translator(language);
  const out: [string, string][] = [];
  const add = (what: string, value: { text: string; blocks?: unknown } | string, surface: 'message' | 'home' = 'message') => {
    const text = typeof value === 'string' ? value : value.text;
    if (typeof value !== 'string' && value.blocks) {
      expect([what, validateBlocks(value.blocks, surface)]).toEqual([what, []]);
      out.push([what, JSON.stringify(value.blocks)]);
    }
    out.push([what, text]);
  };
  add('alert open', alertMessage(t, alertView('open')));
  add('alert closed', alertMessage(t, alertView('closed')));
  add('alert disabled', alertMessage(t, { ...alertView('closed'), connectionStatus: 'disabled' }));
  const entry = (n: number, open: boolean) => ({ incidentId: `b${n}`, connectionName: `Meta ${n}`, providerName: 'Meta Ads', externalAccountId: `act_${n}`, open, signedInAs: n % 2 ? 'ops@acme.example' : null });
  add('burst all', burstMessage(t, { entries: [entry(1, true), entry(2, true)], openedAt: OPENED, command: '/reconnect' }));
  add('burst some', burstMessage(t, { entries: Array.from({ length: 60 }, (_, n) => entry(n, n !== 1)), openedAt: OPENED, command: '/reconnect' }));
  add('burst back', burstMessage(t, { entries: [entry(1, false), entry(2, false)], openedAt: OPENED, command: '/reconnect' }));
  for (const bad of [0, 1, 2]) add(`digest ${bad} bad`, digestMessage(t, digest({ bad, healthy: 2 }), { quiet: false })!);
  for (const total of [0, 1, 2]) add(`digest all healthy ${total}`, digestMessage(t, { ...digest({ bad: 0, healthy: total }), strips: [] }, { quiet: false })!);
  const home = homeView(t, {
    connections: [connection(1, 'authorization_required', LONG_NAME), connection(2, 'degraded'), ...Array.from({ length: 150 }, (_, n) => connection(n + 3))],
    strips: new Map([[connection(1).id, '🟩🟥🟥🟩🟩🟩🟩']]),
    timeZone: 'Europe/Amsterdam',
    now: NOW,
    command: '/reconnect',
    connectable: catalog.list().map((provider) => ({ id: provider.id, name: provider.name })),
  });
  add('home', { text: '', blocks: home.blocks }, 'home');
  add('help', helpAnswer(t, '/reconnect'));
  for (const typed of ['frobnicate', 'status now', 'reauth', 'snooze Ads forever', 'snooze Ads 3 weeks', 'subscribe 25:00', 'subscribe Mars/Olympus', 'subscribe #general', 'subscribe 09:00 10:00', 'subscribe lang=de', 'language klingon']) {
    const parsed = parseCommandText(typed);
    if (parsed.ok) throw new Error(`${typed} parsed`);
    add(`usage: ${typed}`, usageAnswer(t, '/reconnect', parsed.problem, parsed.subcommand));
  }
  for (const count of [0, 1, 2]) {
    add(`status ${count} healthy`, statusAnswer(t, Array.from({ length: count }, (_, n) => connection(n))));
    add(`status ${count} broken`, statusAnswer(t, [...Array.from({ length: count }, (_, n) => connection(n, 'authorization_required')), connection(9)]));
    add(`list ${count}`, listAnswer(t, Array.from({ length: count }, (_, n) => connection(n)), count === 2 ? 'HubSpot' : undefined));
  }
  add('list 200', listAnswer(t, Array.from({ length: 600 }, (_, n) => connection(n, 'connected', `${LONG_NAME} ${n}`))));
  add('ambiguous', nameMatchAnswer(t, 'hub', { kind: 'ambiguous', candidates: Array.from({ length: 12 }, (_, n) => connection(n)) }, { command: '/reconnect', subcommand: 'check' }));
  add('did you mean', nameMatchAnswer(t, 'hubspt', { kind: 'none', suggestions: [connection(1), connection(2)] }, { command: '/reconnect', subcommand: 'reauth' }));
  add('no such', nameMatchAnswer(t, 'zzz', { kind: 'none', suggestions: [] }, { command: '/reconnect', subcommand: 'reauth' }));
  add('unknown provider', unknownProviderAnswer(t, 'myspace', catalog.list()));
  for (const result of ['ok', 'needs_reauth', 'transient'] as const) add(`check ${result}`, checkAnswer(t, { result, connection: connection(1, 'degraded') }, '/reconnect'));
  for (const skip of ['disabled', 'provider_unknown', 'no_credentials', 'no_api_key', 'no_account_details', 'incomplete_details', 'no_oauth_client', 'refresh_busy', 'no_access_token'] as const) {
    add(`check skipped ${skip}`, checkAnswer(t, { result: 'skipped', skip, connection: connection(1) }, '/reconnect'));
  }
  for (const outcome of ['done', 'duplicate', 'closed', 'no_incident'] as const) add(`snooze ${outcome}`, snoozeAnswer(t, outcome, connection(1), NOW, outcome === 'done'));
  const subscription = { id: 's', teamId: 'T1', channelId: 'C1', localTime: '09:00', timezone: 'Europe/Paris', quiet: true, lastDigestDate: null, createdBy: 'U1', createdAt: NOW, updatedAt: NOW };
  add('subscribed', subscribedAnswer(t, { subscription, created: true, firstDigestDate: 'tomorrow' }));
  add('subscribed again', subscribedAnswer(t, { subscription: { ...subscription, quiet: false }, created: false, firstDigestDate: 'today' }));
  add('unsubscribed', unsubscribedAnswer(t, 'C1', true));
  add('not subscribed', unsubscribedAnswer(t, 'C1', false));
  for (const error of ['not_in_channel', 'is_archived', 'ratelimited', 'fatal_error']) add(`digest ${error}`, digestNotPostedAnswer(t, error));
  add('went wrong', somethingWentWrongAnswer(t));
  add('language shown', languageShownAnswer(t, { workspace: 'nl', channelId: 'C1', channel: 'fr', person: language }));
  add('language shown default', languageShownAnswer(t, { workspace: 'es', channelId: 'C1', channel: null, person: language }));
  add('language workspace', languageChangedAnswer(t, { scope: 'workspace', language: 'fr' }));
  add('language channel', languageChangedAnswer(t, { scope: 'channel', channelId: 'C1', language: 'nl' }));
  add('language cleared', languageChangedAnswer(t, { scope: 'channel_cleared', channelId: 'C1', workspace: 'en' }));
  add('language refused', languageChangedAnswer(t, { scope: 'refused', language: 'es', command: '/reconnect' }));
  const linked = { url: 'https://reconnect.example/oauth/start?t=abc', connection: connection(1), expiresAt: new Date(NOW.getTime() + 600_000) };
  for (const method of ['oauth2', 'api_key', 'credentials_form'] as const) add(`reauth ${method}`, reauthAnswer(t, { outcome: 'link', method, ...linked }, NOW));
  add('reauth 1 minute', reauthAnswer(t, { outcome: 'link', method: 'oauth2', ...linked, expiresAt: new Date(NOW.getTime() + 60_000) }, NOW));
  add('reauth refused', reauthAnswer(t, { outcome: 'refused', connection: connection(1), allowed: ['U1', 'U2'] }, NOW));
  add('reauth not found', reauthAnswer(t, { outcome: 'not_found' }, NOW));
  add('connect here', connectAnswer(t, { url: linked.url, expiresAt: linked.expiresAt, provider: { name: 'Google Ads' } }, NOW));
  add('connect default', connectAnswer(t, { url: linked.url, expiresAt: linked.expiresAt, provider: { name: 'Google Ads' } }, NOW, false));
  const events = [
    { event: 'reopened' as const },
    { event: 'acknowledged' as const, userId: 'U1' },
    { event: 'snoozed' as const, userId: 'U1', until: NOW.toISOString() },
    { event: 'reauth_started' as const, userId: 'U1' },
    { event: 'reauth_failed' as const, userId: 'U1', failure: { kind: 'provider_error' as const, detail: 'invalid_grant' } },
    { event: 'reauth_failed' as const, failure: { kind: 'not_completed' as const, detail: 'timeout' } },
    { event: 'wrong_account' as const, userId: 'U1', expected: '123', reach: { kind: 'list' as const, who: null, provider: 'Google Ads', accounts: ['9', '8'], more: 3 } },
    { event: 'wrong_account' as const, expected: '123', reach: { kind: 'org' as const, account: '00D' } },
    { event: 'reconnected' as const, by: 'U1', actorType: 'user', durationMinutes: 61, backfill: ['cost_data' as const] },
    { event: 'reconnected' as const, actorType: 'probe', durationMinutes: 0, backfill: [] },
    { event: 'disabled' as const },
  ];
  events.forEach((event, index) => add(`thread ${index}`, threadText(t, event)));
  add('reminder', reminderText(t, { connectionName: LONG_NAME, owners: ['U1'], affectedMinutes: 1500, impact: alertView('open').impact }));
  const expiry = { connectionId: 'c1', connectionName: LONG_NAME, providerName: 'LinkedIn Ads', hardExpiresAt: new Date(NOW.getTime() + 3 * 86_400_000), hardExpiryKind: 'refresh_token', owners: ['U1'], closedAt: null, closedBy: null, now: NOW };
  add('expiry', expiryMessage(t, expiry));
  add('expiry 1 day', expiryMessage(t, { ...expiry, hardExpiresAt: new Date(NOW.getTime() + 3_600_000), hardExpiryKind: 'unknown' }));
  add('expiry renewed', expiryMessage(t, { ...expiry, closedAt: NOW, closedBy: 'U1' }));
  add('expiry moved', expiryMessage(t, { ...expiry, closedAt: NOW, closedBy: 'expiry_moved' }));
  add('notice connected', noticeText(t, { kind: 'connected', userId: 'U1', connectionName: 'X', providerName: 'HubSpot', account: '42' }));
  add('notice grants', noticeText(t, { kind: 'grant_limit', userId: 'U1', providerName: 'Salesforce', signedInAs: 'ops@acme', grants: 5, limit: 5, connectionNames: ['A', 'B'] }));
  const open = alertView('open');
  const state = {
    incident: { id: open.incidentId, state: 'open', openedAt: OPENED },
    connection: { name: LONG_NAME, externalAccountId: '1', status: 'authorization_required' },
    provider: { name: 'Google Ads' },
    reason: 'token_expired',
    impact: open.impact,
  } as unknown as Parameters<typeof detailsText>[1];
  const trail = [
    { createdAt: NOW, action: 'status_changed', fromStatus: 'connected', toStatus: 'authorization_required', actorType: 'probe', actorId: null },
    { createdAt: NOW, action: 'reauth_refused', fromStatus: null, toStatus: null, actorType: 'user', actorId: 'U1' },
    { createdAt: NOW, action: 'reauth_completed', fromStatus: null, toStatus: null, actorType: 'user', actorId: 'U1' },
    { createdAt: NOW, action: 'grant_revoked', fromStatus: null, toStatus: null, actorType: 'system', actorId: null },
  ] as unknown as Parameters<typeof detailsText>[2];
  add('details', detailsText(t, state, trail));
  add('page ok', resultPage(t, 'ok', t.t('page.reconnected', { name: 'X' }), t.t('page.reconnectedBody'), 'https://slack.com/app_redirect?team=T1'));
  add('page bad', resultPage(t, 'bad', t.t('page.failed'), t.t('flow.expired', { what: 'link', restart: 'link' })));
  const fields = catalog.require('postgresql').auth;
  if (fields.type !== 'credentials_form') throw new Error('postgresql has a form');
  add('form', credentialsFormPage(t, { connectionName: 'X', providerName: 'PostgreSQL database', account: 'db:5432/x', fields: fields.fields, values: { host: 'db' }, help: t.t('form.helpDatabase'), flowToken: 'f', csrfToken: 'c', error: t.t('form.fillIn', { fields: 'Host' }) }));
  add('pick', pickAccountPage(t, { providerName: 'Google Ads', choices: [{ id: '1', label: 'A', connected: false }, { id: '2', connected: true }], flowToken: 'f', csrfToken: 'c' }));
  return out;
}

const rendered = Object.fromEntries(LANGUAGES.map((language) => [language, everything(language)])) as Record<Language, [string, string][]>;

describe.each(LANGUAGES)('everything in %s', (language) => {
  it('renders within Slack limits, with no placeholder left unfilled', () => {
    for (const [what, text] of rendered[language]) {
      expect([what, /\{[a-z][A-Za-z]*\}/.test(text.replace(/\{(date_short_pretty|date_short|time)\}/g, ''))]).toEqual([what, false]);
    }
  });

  if (language !== 'en') {
    it('differs from the English wherever there are words to translate', () => {
      const english = new Map(rendered.en);
      const untranslated = rendered[language].filter(([what, text]) => text === english.get(what) && /[a-z]{4,}/.test(text)).map(([what]) => what);
      expect(untranslated).toEqual([]);
    });
  }
});

describe('words that must fit where Slack puts them, in every language', () => {
  const limits: [RegExp, number][] = [
    [/^button\.(?!connect)|^snooze\./, 75],
    [/^modal\./, 24],
  ];
  it.each(LANGUAGES)('%s buttons, options and modal titles are never cut off', (language) => {
    for (const [pattern, max] of limits) {
      for (const key of Object.keys(CATALOGS.en) as MessageKey[]) {
        if (pattern.test(key)) expect([key, CATALOGS[language][key].length <= max]).toEqual([key, true]);
      }
    }
    // The longest provider name on a Connect button.
    expect(translator(language).t('button.connect', { provider: 'MySQL / MariaDB database' }).length).toBeLessThanOrEqual(75);
  });

  it.each(LANGUAGES)('%s headers fit 150 characters with an 80-character connection name', (language) => {
    const t = translator(language);
    const name = 'x'.repeat(80);
    for (const key of ['alert.title', 'alert.disabledTitle', 'alert.reconnectedTitle'] as const) expect(t.t(key, { name }).length).toBeLessThanOrEqual(150);
  });
});

describe('plural forms for 0, 1 and 2 connections', () => {
  it.each(LANGUAGES)('%s', (language) => {
    const t = translator(language);
    const forms = [0, 1, 2].map((count) => statusAnswer(t, Array.from({ length: count }, (_, n) => connection(n))).text);
    // Three different sentences: no "1 connections", no "0 connection is".
    expect(new Set(forms).size).toBe(3);
    expect(forms[2]).toContain('2');
  });
});
