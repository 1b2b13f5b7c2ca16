import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv, postSigned, slashCommand } from '../fakes/slack-requests';
import { startLinkedInAdsSimulator, type LinkedInAdsSimulator } from '../fakes/providers/linkedin-ads';
import { startTestApp, type TestApp } from '../support/test-app';
import { consentAndReturn, openLink } from '../support/reauth-driver';
import { ShiftedClock } from '../support/clock';
import { flowDepsOf } from '../../src/app';
import { runAbandonedFlows } from '../../src/jobs/abandoned-flows';

/**
 * A grant Reconnect got while connecting but doesn't keep is revoked, as when reauthorizing: the account
 * the person picked got connected meanwhile (by a colleague, or in another tab), or the account picker
 * was left unused until it expired. LinkedIn ends only the token revoked
 * (https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow), and a member who
 * reaches several ad accounts gets the picker.
 */

const CHANNEL = 'C0MARKET1';
const PERSON = 'U0PERSON1';
const MEMBER = 'li-member-7';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`connecting revokes the grant it doesn't keep [${kind}]`, () => {
    let sim: LinkedInAdsSimulator;
    let slack: FakeSlack;
    let clock: ShiftedClock;
    let t: TestApp;

    beforeAll(async () => {
      sim = await startLinkedInAdsSimulator();
      sim.addUser({ id: MEMBER, label: 'Ads Manager', accounts: [{ id: '508915001', name: 'Acme Brand' }, { id: '508915002', name: 'Acme Performance' }] });
      slack = await startFakeSlack({ users: [{ id: PERSON, name: 'marketer' }] });
      clock = new ShiftedClock();
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), ...sim.env() }, { clock });
    });
    afterAll(async () => {
      await t.stop();
      await Promise.all([sim.close(), slack.close()]);
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      sim.revoked.length = 0;
      clock.offsetMs = 0;
    });

    /** `/reconnect connect linkedin_ads` through the consent to the account picker. */
    async function reachPicker(): Promise<{ html: string; cookie: string; refreshToken: string }> {
      const before = slack.callsTo('response_url').length;
      const answer = await postSigned(t.url, '/slack/events', slashCommand({ text: 'connect linkedin_ads', response_url: slack.responseUrl(), channel_id: CHANNEL, user_id: PERSON }));
      expect(answer.status).toBe(200);
      const text = String((await slack.waitForCalls('response_url', before + 1)).at(-1)!.args.text);
      const issued = new Set(sim.tokens.keys());
      sim.signInAs(MEMBER);
      const page = await consentAndReturn(await openLink(/<(http[^|>]+)\|/.exec(text)![1]!));
      expect(page.status).toBe(200);
      expect(page.html).toContain('508915002');
      const refreshToken = [...sim.tokens].find(([token, record]) => !issued.has(token) && record.kind === 'refresh')![0];
      return { html: page.html, cookie: page.cookie, refreshToken };
    }

    const pick = (picker: { html: string; cookie: string }, account: number) => {
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(picker.html)![1]!;
      return fetch(`${t.url}/oauth/connect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: picker.cookie },
        body: new URLSearchParams({ flow: field('flow'), csrf: field('csrf'), account: String(account) }).toString(),
      });
    };
    const auditActions = async () => (await t.app.core.db.prisma.auditEvent.findMany({ orderBy: { createdAt: 'asc' } })).map((row) => row.action);

    it('an account connected while the picker was open: nothing is created and the fresh grant is revoked', async () => {
      const picker = await reachPicker();
      const meanwhile = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'linkedin_ads',
        name: 'Brand (by a colleague)',
        externalAccountId: '508915001',
        channelId: CHANNEL,
      });
      expect(meanwhile.status).toBe(201);

      const answer = await pick(picker, 0);
      expect(answer.status).toBe(409);
      expect(await answer.text()).toContain('Nothing was created');
      expect(await t.app.core.db.prisma.connection.count()).toBe(1);
      expect(sim.revoked).toEqual([picker.refreshToken]);
      expect(sim.live(picker.refreshToken, 'refresh')).toBeUndefined();
      expect(await auditActions()).toEqual(['connection_created', 'grant_revoked']);
    });

    it('an account picker left unused: once it expires the sweep revokes its grant and wipes its tokens, once', async () => {
      const picker = await reachPicker();
      const row = await t.app.core.db.prisma.authFlow.findFirstOrThrow({ where: { purpose: 'connect_pick' } });
      expect(row.secretData).not.toBeNull();

      const deps = { ...flowDepsOf(t.app.core), logger: t.app.core.logger };
      expect(await runAbandonedFlows(deps)).toEqual({ pickersEnded: 0 });
      expect(sim.revoked).toEqual([]);

      clock.offsetMs = 11 * 60_000;
      expect(await runAbandonedFlows(deps)).toEqual({ pickersEnded: 1 });
      expect(sim.revoked).toEqual([picker.refreshToken]);
      expect(sim.live(picker.refreshToken, 'refresh')).toBeUndefined();
      const audit = await t.app.core.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'grant_revoked' } });
      expect(audit).toMatchObject({ teamId: FAKE_SLACK_DEFAULTS.team.id, connectionId: null, actorType: 'system' });
      expect(JSON.parse(audit.detail)).toEqual({ why: 'the account picker expired unused', startedBy: PERSON });
      const swept = await t.app.core.db.prisma.authFlow.findUniqueOrThrow({ where: { tokenHash: row.tokenHash } });
      expect(swept).toMatchObject({ secretData: null, secretKeyId: null });
      expect(swept.usedAt).not.toBeNull();

      expect(await runAbandonedFlows(deps)).toEqual({ pickersEnded: 0 });
      expect(sim.revoked).toHaveLength(1);
      expect((await pick(picker, 1)).status).toBe(410);
      expect(await t.app.core.db.prisma.connection.count()).toBe(0);
    });

    it('a picker that was used keeps no tokens, and the sweep leaves its grant alone', async () => {
      const picker = await reachPicker();
      expect((await pick(picker, 1)).status).toBe(200);
      const row = await t.app.core.db.prisma.authFlow.findFirstOrThrow({ where: { purpose: 'connect_pick' } });
      expect(row).toMatchObject({ secretData: null, secretKeyId: null });

      clock.offsetMs = 11 * 60_000;
      expect(await runAbandonedFlows({ ...flowDepsOf(t.app.core), logger: t.app.core.logger })).toEqual({ pickersEnded: 0 });
      expect(sim.revoked).toEqual([]);
      expect(sim.live(picker.refreshToken, 'refresh')).toBeDefined();
    });
  });
}
