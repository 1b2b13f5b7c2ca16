import { timeHasPassed } from '../../src/domain/local-time';
import { changeStatus } from '../../src/domain/status-engine';
import { databaseKinds, truncateAll } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack, type FakeSlackCall } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';
import { adminRequest } from '../fakes/ingest-requests';
import { postSigned, slashCommand, type SignedResponse, type SlackRequest, fakeSlackEnv } from '../fakes/slack-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const ALERTS = 'C0ALERTS1';
const HERE = 'C0TEAMCHAN';
const OWNER = 'U0OWNER01';
const OTHER = 'U0OTHER01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`/reconnect [${kind}]`, () => {
    let slack: FakeSlack;
    let oauth: FakeOAuthProvider;
    let t: TestApp;
    let ids: Record<'ads' | 'meta' | 'crm' | 'sheets' | 'generic', string>;

    beforeAll(async () => {
      slack = await startFakeSlack({
        users: [
          { id: OWNER, name: 'owner', tz: 'America/New_York' },
          { id: OTHER, name: 'other', tz: 'Asia/Kolkata' },
        ],
        channels: [
          { id: HERE, name: 'team' },
          { id: 'C0PRIVATE', name: 'private', is_private: true, is_member: false },
        ],
      });
      oauth = await startFakeOAuthProvider();
      t = await startTestApp(kind, {
        ...fakeSlackEnv(slack),
        GENERIC_OAUTH_NAME: 'Pipeline CRM',
        ...genericOAuthEnv(oauth),
      });
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
      await oauth.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      oauth.clearFaults();
      const create = async (provider: string, name: string, options = {}, credentials?: Record<string, string>) =>
        (
          await adminRequest(t.url, 'POST', '/api/v1/connections', {
            teamId: TEAM,
            provider,
            name,
            externalAccountId: `acct-${provider}`,
            channelId: ALERTS,
            owners: [OWNER],
            options,
            ...(credentials ? { credentials } : {}),
          })
        ).json.id as string;
      ids = {
        ads: await create('google_ads', 'Google Ads — Brand', { autotagging: true }),
        meta: await create('meta_ads', 'Meta Ads — Retargeting'),
        crm: await create('hubspot', 'HubSpot EU'),
        sheets: await create('salesforce', 'Salesforce Prod'),
        generic: await create('generic_oauth2', 'Pipeline CRM — EU', {}, oauth.issueTokens('acct-generic_oauth2')),
      };
      const engine = t.app.core.engine;
      const now = new Date();
      await changeStatus(engine, { connectionId: ids.ads, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: now });
      await changeStatus(engine, { connectionId: ids.crm, status: 'degraded', reason: 'third_party_outage', actor: { type: 'probe' }, occurredAt: now });
    });

    const send = (request: SlackRequest) => postSigned(t.url, '/slack/events', request);

    /** Sends the command and resolves with the HTTP answer and the next message sent to its response_url. */
    async function run(text: string, fields: { user_id?: string; channel_id?: string } = {}): Promise<{ response: SignedResponse; answer: FakeSlackCall }> {
      const before = slack.callsTo('response_url').length;
      const response = await send(slashCommand({ text, response_url: slack.responseUrl(), channel_id: HERE, user_id: OWNER, ...fields }));
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      const calls = await slack.waitForCalls('response_url', before + 1);
      return { response, answer: calls[before]! };
    }

    /** Quick answers come back in the HTTP response itself. */
    async function runQuick(text: string): Promise<{ response_type: string; text: string }> {
      const response = await send(slashCommand({ text, response_url: slack.responseUrl(), channel_id: HERE, user_id: OWNER }));
      expect(response.status).toBe(200);
      return response.json as { response_type: string; text: string };
    }

    it('help (or nothing) lists every subcommand in the HTTP answer', async () => {
      for (const text of ['help', '', '  HELP ']) {
        const answer = await runQuick(text);
        expect(answer.response_type).toBe('ephemeral');
        for (const sub of ['status', 'list', 'reauth', 'check', 'snooze', 'subscribe', 'unsubscribe', 'digest']) expect(answer.text).toContain(`/reconnect ${sub}`);
      }
      expect(slack.callsTo('response_url')).toEqual([]);
      expect(slack.callsTo('chat.postMessage').filter((call) => call.args.channel === HERE)).toEqual([]);
    });

    it('answers unknown subcommands and bad arguments with ephemeral usage help', async () => {
      const cases: [string, RegExp][] = [
        ['frobnicate', /I don't know `frobnicate`[\s\S]*\/reconnect status/],
        ['status now', /`status` takes no arguments\.\nUsage: `\/reconnect status`/],
        ['reauth', /^Which connection\? Give its name\.\nUsage: `\/reconnect reauth <name>`\n`\/reconnect help` lists everything\.$/],
        ['snooze Google Ads forever', /Give the connection and how long[\s\S]*Usage: `\/reconnect snooze <name> <duration>`/],
        ['snooze Google Ads 3 weeks', /`3 weeks` is not a duration/],
        ['subscribe 25:00', /`25:00` is not a time of day/],
        ['subscribe Mars/Olympus_Mons', /`Mars\/Olympus_Mons` is not a time zone I know/],
        ['subscribe #general', /I can't tell which channel `#general` is/],
        ['subscribe 09:00 10:00', /Give one time of day/],
        ['unsubscribe general', /I can't tell which channel/],
      ];
      for (const [text, expected] of cases) {
        const answer = await runQuick(text);
        expect(answer.response_type).toBe('ephemeral');
        expect(answer.text).toMatch(expected);
      }
      expect(slack.callsTo('response_url')).toEqual([]);
      expect(await t.app.core.db.prisma.channelSubscription.count()).toBe(0);
    });

    it('status counts by status and lists what needs attention, red keys first', async () => {
      const { answer } = await run('status');
      expect(answer.args.response_type).toBe('ephemeral');
      expect(validateBlocks(answer.args.blocks, 'message')).toEqual([]);
      const json = JSON.stringify(answer.args.blocks);
      expect(json).toContain('*5 connections* · 🔑 1 needs reauthorization · ⚠️ 1 degraded · ✅ 3 connected');
      expect(json.indexOf('🔑 *Google Ads — Brand*')).toBeGreaterThan(0);
      expect(json.indexOf('🔑 *Google Ads — Brand*')).toBeLessThan(json.indexOf('⚠️ *HubSpot EU*'));
      expect(json).not.toContain('Salesforce Prod');
      expect(json).toContain(`owners <@${OWNER}>`);
    });

    it('list shows every connection, or one provider\'s by id or name', async () => {
      const all = JSON.stringify((await run('list')).answer.args.blocks);
      for (const name of ['Google Ads — Brand', 'Meta Ads — Retargeting', 'HubSpot EU', 'Salesforce Prod']) expect(all).toContain(name);
      const hubspot = JSON.stringify((await run('list hubspot')).answer.args.blocks);
      expect(hubspot).toContain('1 connection for HubSpot');
      expect(hubspot).not.toContain('Salesforce Prod');
      const google = JSON.stringify((await run('list google ads')).answer.args.blocks);
      expect(google).toContain('Google Ads — Brand');
      expect(google).not.toContain('Meta Ads');
      expect((await run('list myspace')).answer.args.text).toMatch(/I don't know the provider “myspace”. Try one of: `google_ads`/);
    });

    it('reauth gives an owner a single-use link and refuses others, like the button', async () => {
      const owner = await run('reauth google ads brand');
      expect(owner.answer.args.text).toMatch(/^<http:\/\/[^/]+\/oauth\/start\?t=[A-Za-z0-9_-]{40,}\|Reauthorize Google Ads — Brand> — sign in with account `acct-google_ads`/);
      expect(await t.app.core.db.prisma.authFlow.count({ where: { purpose: 'reauth_link', userId: OWNER, connectionId: ids.ads } })).toBe(1);
      const incident = await t.app.core.db.prisma.incident.findFirstOrThrow({ where: { connectionId: ids.ads } });
      expect(incident.reauthStartedBy).toBe(OWNER);

      const other = await run('reauth Google Ads — Brand', { user_id: OTHER });
      expect(other.answer.args.text).toBe(`Only <@${OWNER}> or a workspace admin can reauthorize *Google Ads — Brand*. Ask one of them to click Reauthorize.`);
      expect(await t.app.core.db.prisma.authFlow.count({ where: { userId: OTHER } })).toBe(0);
    });

    it('matches names ignoring case and accents, asks when several fit, and suggests when none does', async () => {
      expect((await run('reauth HÜBSPOT eu')).answer.args.text).toMatch(/Reauthorize HubSpot EU/);
      // Slack escapes &, < and > in the command text; quotes around a name are fine.
      await t.app.core.db.prisma.connection.update({ where: { id: ids.sheets }, data: { name: 'Sales & Marketing' } });
      expect((await run('reauth "sales &amp; marketing"')).answer.args.text).toMatch(/Reauthorize Sales &amp; Marketing/);
      const ambiguous = String((await run('reauth ads')).answer.args.text);
      expect(ambiguous).toMatch(/^“ads” matches 2 connections\. Which one\?/);
      expect(ambiguous).toContain('• *Google Ads — Brand* (Google Ads, account `acct-google_ads`)');
      expect(ambiguous).toContain('• *Meta Ads — Retargeting* (Meta Ads, account `acct-meta_ads`)');
      expect((await run('check gogle')).answer.args.text).toBe('No connection is called “gogle”. Did you mean *Google Ads — Brand*?');
      expect((await run('check zzzzzz')).answer.args.text).toBe('No connection is called “zzzzzz”. `/reconnect list` shows them all.');
      expect(await t.app.core.db.prisma.authFlow.count()).toBe(2);
    });

    it('check probes now through the real probe and says what it found', async () => {
      expect((await run('check pipeline')).answer.args.text).toBe('✅ *Pipeline CRM — EU* works: the check just succeeded.');

      oauth.failNext('/token', 503, 'Service Unavailable');
      expect((await run('check pipeline crm')).answer.args.text).toMatch(/^⚠️ \*Pipeline CRM — EU\* couldn't be checked just now: the provider had a temporary problem\. Checks continue/);

      expect((await run('check salesforce')).answer.args.text).toMatch(/^⏸️ \*Salesforce Prod\* wasn't checked: .*credentials/);

      oauth.failNext('/token', 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      expect((await run('check pipeline')).answer.args.text).toMatch(/^🔑 \*Pipeline CRM — EU\* needs reauthorization.*`\/reconnect reauth Pipeline CRM — EU`/);
      const connection = await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: ids.generic } });
      expect(connection.status).toBe('authorization_required');
      // The probe's status change posts the alert through the outbox right away.
      await waitFor(async () =>
        slack.callsTo('chat.postMessage').some((post) => post.result === 'ok' && String(post.args.text).startsWith('Pipeline CRM — EU (Pipeline CRM) needs reauthorization')),
      );
    });

    it('snooze pauses reminders on the open incident, caps at 7 days, and acts once for a replayed request', async () => {
      const request = slashCommand({ text: 'snooze google 2h', response_url: slack.responseUrl(), channel_id: HERE, user_id: OWNER });
      const started = Date.now();
      expect((await send(request)).status).toBe(200);
      const [answer] = await slack.waitForCalls('response_url', 1);
      expect(answer!.args.text).toMatch(/^💤 Reminders for \*Google Ads — Brand\* are snoozed until <!date\^\d+\^/);
      const { prisma } = t.app.core.db;
      const snoozed = await prisma.incident.findFirstOrThrow({ where: { connectionId: ids.ads } });
      expect(snoozed.snoozedUntil!.getTime() - started).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
      expect(snoozed.snoozedUntil!.getTime() - started).toBeLessThan(2 * 3_600_000 + 10_000);

      expect((await send(request)).status).toBe(200);
      await slack.waitForCalls('response_url', 2);
      expect(await prisma.auditEvent.count({ where: { action: 'snoozed' } })).toBe(1);

      const capped = await run('snooze Google Ads — Brand 30d');
      expect(capped.answer.args.text).toContain('(7 days is the longest snooze.)');
      const week = await prisma.incident.findFirstOrThrow({ where: { connectionId: ids.ads } });
      expect(week.snoozedUntil!.getTime() - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);
      expect(week.snoozedUntil!.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);

      expect((await run('snooze hubspot 1h')).answer.args.text).toBe('*HubSpot EU* has no open incident, so there is nothing to snooze.');
    });

    it('subscribe defaults to this channel, 09:00 and the person\'s time zone; unsubscribe stops it', async () => {
      const here = await run('subscribe');
      const { prisma } = t.app.core.db;
      const row = await prisma.channelSubscription.findUniqueOrThrow({ where: { teamId_channelId: { teamId: TEAM, channelId: HERE } } });
      expect(row).toMatchObject({ localTime: '09:00', timezone: 'America/New_York', quiet: false, createdBy: OWNER });
      const today = timeHasPassed(new Date(), 'America/New_York', '09:00');
      expect(row.lastDigestDate).toBe(today.passed ? today.date : null);
      expect(here.answer.args.text).toBe(
        `📬 <#${HERE}> will get the daily digest at 09:00 (America/New_York), starting ${today.passed ? 'tomorrow' : 'today'}.`,
      );

      const there = await run('subscribe <#C0PRIVATE|private> 7:30 Asia/Kolkata quiet', { user_id: OTHER });
      expect(there.answer.args.text).toMatch(/^📬 <#C0PRIVATE> will get the daily digest at 07:30 \(Asia\/Kolkata\), only on days when something needs attention, starting/);
      expect(await prisma.channelSubscription.findUniqueOrThrow({ where: { teamId_channelId: { teamId: TEAM, channelId: 'C0PRIVATE' } } })).toMatchObject({
        localTime: '07:30',
        timezone: 'Asia/Kolkata',
        quiet: true,
      });

      expect((await run('subscribe 18:00 utc')).answer.args.text).toMatch(/^📬 <#C0TEAMCHAN> now gets the daily digest at 18:00 \(UTC\)/);
      expect((await run('unsubscribe')).answer.args.text).toBe(`<#${HERE}> won't get the daily digest any more.`);
      expect((await run('unsubscribe')).answer.args.text).toBe(`<#${HERE}> wasn't getting the daily digest.`);
      expect((await run('unsubscribe <#C0PRIVATE>')).answer.args.text).toBe("<#C0PRIVATE> won't get the daily digest any more.");
      expect(await prisma.channelSubscription.count()).toBe(0);
    });

    it('digest posts in the channel once, and explains when it can\'t post there', async () => {
      const request = slashCommand({ text: 'digest', response_url: slack.responseUrl(), channel_id: HERE, user_id: OWNER });
      expect((await send(request)).status).toBe(200);
      const digestPosts = async () => (await slack.waitForCalls('chat.postMessage', 1)).filter((call) => call.args.channel === HERE);
      await waitFor(async () => (await digestPosts()).length === 1);
      const [post] = await digestPosts();
      expect(post!.result).toBe('ok');
      expect(validateBlocks(post!.args.blocks, 'message')).toEqual([]);
      const json = JSON.stringify(post!.args.blocks);
      expect(json).toContain('Daily connection digest');
      expect(json).toContain('Google Ads — Brand');
      expect(json).toContain('UTM tags');

      expect((await send(request)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await digestPosts()).length).toBe(1);
      expect(slack.callsTo('response_url')).toEqual([]);

      const refused = await run('digest', { channel_id: 'C0PRIVATE' });
      expect(refused.answer.args.text).toBe("I can't post in this channel yet: invite me with `/invite @Reconnect`, then try again.");
    });
  });
}
