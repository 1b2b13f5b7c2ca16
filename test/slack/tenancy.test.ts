import { databaseKinds } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { blockAction, fakeSlackEnv, postSigned, TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { dropNow } from '../support/status';
import { waitFor } from '../support/wait';

/**
 * A click names an incident by the id Slack sends back; it must not reach another workspace's incident.
 * Before one check sat in front of every interaction, a user of workspace A could acknowledge, snooze and
 * read the details of workspace B's incident (multi-workspace mode puts both in one database).
 */

const OTHER_TEAM = 'T0OTHER01';
const OTHER_CHANNEL = 'C0OTHER01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`clicks stay inside their workspace [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;
    let otherIncident: string;

    beforeAll(async () => {
      slack = await startFakeSlack();
      t = await startTestApp(kind, fakeSlackEnv(slack));
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: OTHER_TEAM,
        provider: 'hubspot',
        name: 'Other team HubSpot',
        externalAccountId: 'secret-account-42',
        channelId: OTHER_CHANNEL,
        owners: ['U0OTHER01'],
      });
      const outcome = await dropNow(t.app.core.engine, created.json.id as string);
      otherIncident = outcome.incidentId!;
      await waitFor(async () => (await t.app.core.db.prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0);
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
    });

    async function clickFromDefaultTeam(actionId: string, extra: Record<string, unknown>) {
      slack.reset();
      const responseUrl = slack.responseUrl();
      const response = await postSigned(t.url, '/slack/events', blockAction({ actionId, responseUrl, messageTs: '1700000000.000100', channelId: 'C0ALERTS1', ...extra }));
      expect(response.status).toBe(200);
      await slack.waitForCalls('response_url', 1);
      return slack.callsTo('response_url').map((call) => String(call.args.text));
    }

    it('I\'m on it from another workspace changes nothing and posts nothing', async () => {
      const answers = await clickFromDefaultTeam('acknowledge', { value: otherIncident });
      expect(answers).toEqual(['That button belongs to another workspace, so it does nothing here.']);
      const incident = await t.app.core.db.prisma.incident.findUniqueOrThrow({ where: { id: otherIncident } });
      expect(incident.acknowledgedBy).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(slack.callsTo('chat.postMessage')).toEqual([]);
      expect(slack.callsTo('chat.update')).toEqual([]);
    });

    it('Snooze from another workspace leaves the reminders on', async () => {
      const answers = await clickFromDefaultTeam('snooze', { blockId: `incident:${otherIncident}`, selectedOption: { value: '1d' } });
      expect(answers).toEqual(['That button belongs to another workspace, so it does nothing here.']);
      expect((await t.app.core.db.prisma.incident.findUniqueOrThrow({ where: { id: otherIncident } })).snoozedUntil).toBeNull();
    });

    it('Details from another workspace shows nothing of it', async () => {
      const answers = await clickFromDefaultTeam('details', { value: otherIncident });
      expect(answers.join('\n')).not.toContain('secret-account-42');
      expect(answers.join('\n')).not.toContain('Other team HubSpot');
    });

    it('the same click from the incident\'s own workspace works', async () => {
      const answers = await clickFromDefaultTeam('details', { value: otherIncident, teamId: OTHER_TEAM });
      expect(answers.join('\n')).toContain('Other team HubSpot');
    });
  });

  (skip ? describe.skip : describe)(`install mode never falls back to SLACK_BOT_TOKEN [${kind}]`, () => {
    it('a workspace without an installation gets nothing, not the env token\'s workspace', async () => {
      const slack = await startFakeSlack();
      const t = await startTestApp(kind, {
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_BOT_TOKEN: FAKE_SLACK_DEFAULTS.botToken,
        SLACK_CLIENT_ID: '111.222',
        SLACK_CLIENT_SECRET: 'slack-client-secret-0123456789',
        SLACK_STATE_SECRET: 'slack-state-secret-0123456789',
        SLACK_API_URL: slack.url,
      });
      try {
        const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
          teamId: 'T0NOTINSTALLED',
          provider: 'hubspot',
          name: 'HubSpot',
          externalAccountId: '1',
          channelId: 'C0ALERTS1',
        });
        await dropNow(t.app.core.engine, created.json.id as string);
        await waitFor(async () => (await t.app.core.db.prisma.outboxMessage.findFirst({ where: { kind: 'alert.sync' } }))?.state === 'failed');
        expect((await t.app.core.db.prisma.outboxMessage.findFirstOrThrow({ where: { kind: 'alert.sync' } })).lastError).toBe('workspace not installed');
        expect(slack.calls.filter((call) => call.token === TEST_SECRETS.botToken || call.token === FAKE_SLACK_DEFAULTS.botToken)).toEqual([]);
      } finally {
        await t.stop();
        await slack.close();
      }
    });
  });
}
