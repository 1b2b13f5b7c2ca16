import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { startLinkedInAdsSimulator, type LinkedInAdsSimulator } from '../fakes/providers/linkedin-ads';
import { startReplicaPair, type TestApp } from '../support/test-app';
import { ShiftedClock } from '../support/clock';
import { clickReauthorize, consentAndReturn, openLink } from '../support/reauth-driver';
import { waitFor } from '../support/wait';
import { runExpiryWarnings } from '../../src/jobs/expiry-warnings';
import { checkNow } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';

/**
 * Warnings before a known hard expiry. LinkedIn refresh tokens live 365 days from the first consent and
 * refreshing doesn't extend them; each refresh answer restates the time left in `refresh_token_expires_in`
 * (https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens). The simulator
 * consents 351 days in the past, so the app learns from a real refresh that 14 days are left.
 */

const DAY_MS = 24 * 60 * 60_000;
const CHANNEL = 'C0ADS0001';
const OWNER = 'U0OWNER01';
const MEMBER = 'member-351';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`expiry warnings [${kind}]`, () => {
    let simOffsetMs = 0;
    let sim: LinkedInAdsSimulator;
    let slack: FakeSlack;
    let replicas: { a: TestApp; b: TestApp; stop(): Promise<void> };

    beforeAll(async () => {
      sim = await startLinkedInAdsSimulator({ now: () => Date.now() + simOffsetMs });
      sim.addUser({ id: MEMBER, label: 'Member', accounts: [{ id: '508915001', name: 'Acme' }] });
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      replicas = await startReplicaPair(kind, { ...fakeSlackEnv(slack), ...sim.env() });
    });
    afterAll(async () => {
      await replicas.stop();
      await Promise.all([sim.close(), slack.close()]);
    });
    beforeEach(async () => {
      await truncateAll(replicas.a.app.core.db);
      slack.reset();
    });

    const warningsPosted = () => slack.callsTo('chat.postMessage').filter((call) => String(call.args.text).includes('stops working in'));
    const runOn = (replica: TestApp, clock: ShiftedClock) =>
      runExpiryWarnings({ prisma: replica.app.core.db.prisma, clock, logger: replica.app.core.logger, thresholds: replica.app.core.config.expiryWarningDays });
    // Replicas share PostgreSQL (README, "Running several replicas"), so they race there; two in-process
    // clients of one SQLite file would only block each other's synchronous driver, so they take turns.
    const runOnBoth = async (clock: ShiftedClock) =>
      kind === 'postgresql'
        ? Promise.all([runOn(replicas.a, clock), runOn(replicas.b, clock)])
        : [await runOn(replicas.a, clock), await runOn(replicas.b, clock)];

    async function linkedInConnectionGranted351DaysAgo(): Promise<string> {
      simOffsetMs = -351 * DAY_MS;
      const tokens = sim.issueTokens(MEMBER);
      simOffsetMs = 0;
      const created = await adminRequest(replicas.a.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'linkedin_ads',
        name: 'LinkedIn Ads — Acme',
        externalAccountId: '508915001',
        channelId: CHANNEL,
        owners: [OWNER],
        credentials: tokens,
      });
      return created.json.id as string;
    }
    const probe = async (connectionId: string) => expect((await checkNow(probeDepsFromCore(replicas.a.app.core), connectionId)).result).toBe('ok');
    const hardExpiry = async (connectionId: string) =>
      (await replicas.a.app.core.db.prisma.credential.findUniqueOrThrow({ where: { connectionId } })).hardExpiresAt?.getTime() ?? null;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

    it('refreshes that restate the expiry a little differently each time warn once per threshold', async () => {
      const connectionId = await linkedInConnectionGranted351DaysAgo();
      await probe(connectionId);
      const clock = new ShiftedClock();
      await runOnBoth(clock);
      await waitFor(() => warningsPosted().length === 1);

      // LinkedIn counts refresh_token_expires_in down in whole seconds on its own clock: each refresh
      // restates the same expiry a little off. Here its clock runs 2.5 s, then 4 s ahead of ours.
      const first = await hardExpiry(connectionId);
      simOffsetMs = 2_500;
      await probe(connectionId);
      expect(await hardExpiry(connectionId)).not.toBe(first);
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);

      clock.offsetMs = 11.5 * DAY_MS;
      expect((await runOnBoth(clock)).map((run) => run.warned).sort()).toEqual([0, 1]);
      const second = await hardExpiry(connectionId);
      simOffsetMs = 4_000;
      await probe(connectionId);
      expect(await hardExpiry(connectionId)).not.toBe(second);
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);

      await waitFor(() => warningsPosted().length === 2);
      await settle();
      expect(warningsPosted()).toHaveLength(2);
      const rows = await replicas.a.app.core.db.prisma.expiryWarning.findMany({ orderBy: { thresholdDays: 'desc' } });
      expect(rows.map((row) => [row.thresholdDays, row.closedAt])).toEqual([[14, null], [3, null]]);
    });

    it('closes the open warning, and says so, when the grant is replaced outside Slack; its new expiry warns no one', async () => {
      const connectionId = await linkedInConnectionGranted351DaysAgo();
      await probe(connectionId);
      const clock = new ShiftedClock();
      await runOnBoth(clock);
      await waitFor(() => warningsPosted().length === 1);

      // A new consent handed over through the admin API: its expiry is unknown until a refresh states a year.
      const patched = await adminRequest(replicas.a.url, 'PATCH', `/api/v1/connections/${connectionId}`, { credentials: sim.issueTokens(MEMBER) });
      expect(patched.status).toBe(200);
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);
      await waitFor(() => slack.callsTo('chat.update').some((call) => String(call.args.text).includes('ahead of its expiry')));
      await probe(connectionId);
      expect(Math.abs((await hardExpiry(connectionId))! - (Date.now() + 365 * DAY_MS))).toBeLessThan(60_000);

      clock.offsetMs = 11.5 * DAY_MS;
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);
      await settle();
      expect(warningsPosted()).toHaveLength(1);
      expect(slack.callsTo('chat.update').filter((call) => String(call.args.text).includes('ahead of its expiry'))).toHaveLength(1);
      expect((await replicas.a.app.core.db.prisma.expiryWarning.findMany()).map((row) => row.closedBy)).toEqual(['expiry_moved']);
    });

    it('a credential granted 351 days ago gets the 14-day warning once, the 3-day warning once, and none after a reauthorization', async () => {
      const connectionId = await linkedInConnectionGranted351DaysAgo();
      expect((await checkNow(probeDepsFromCore(replicas.a.app.core), connectionId)).result).toBe('ok');
      const credential = await replicas.a.app.core.db.prisma.credential.findUniqueOrThrow({ where: { connectionId } });
      expect(credential.hardExpiryKind).toBe('refresh_token');
      expect(Math.abs(credential.hardExpiresAt!.getTime() - (Date.now() + 14 * DAY_MS))).toBeLessThan(60_000);

      const clock = new ShiftedClock();
      const first = await runOnBoth(clock);
      expect(first.map((run) => run.warned).sort()).toEqual([0, 1]);
      await waitFor(() => warningsPosted().length === 1);
      expect(warningsPosted()[0]!.args.channel).toBe(CHANNEL);
      expect(JSON.stringify(warningsPosted()[0]!.args.blocks)).toContain('connection:');
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);

      clock.offsetMs = 11.5 * DAY_MS;
      expect((await runOnBoth(clock)).map((run) => run.warned).sort()).toEqual([0, 1]);
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);
      await waitFor(() => warningsPosted().length === 2);
      const rows = await replicas.a.app.core.db.prisma.expiryWarning.findMany({ orderBy: { thresholdDays: 'desc' } });
      expect(rows.map((row) => row.thresholdDays)).toEqual([14, 3]);

      // Reauthorizing ahead of the expiry: no outage, the warnings say so, and the new grant has a year.
      const message = slack.messages(CHANNEL).find((posted) => String(posted.text).includes('stops working in'))!;
      sim.signInAs(MEMBER);
      const page = await consentAndReturn(await openLink(await clickReauthorize(replicas.a, slack, { channelId: CHANNEL, userId: OWNER, messageTs: message.ts })));
      expect(page.status).toBe(200);
      expect(await replicas.a.app.core.db.prisma.incident.count()).toBe(0);
      await waitFor(() => slack.callsTo('chat.update').filter((call) => String(call.args.text).includes('ahead of its expiry')).length === 2);
      expect((await replicas.a.app.core.db.prisma.expiryWarning.findMany()).every((row) => row.closedAt !== null)).toBe(true);

      clock.offsetMs = 13.9 * DAY_MS;
      expect((await runOnBoth(clock)).map((run) => run.warned)).toEqual([0, 0]);
    });
  });
}
