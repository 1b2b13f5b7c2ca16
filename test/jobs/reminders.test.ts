import { WebClient } from '@slack/web-api';
import { insertConnection } from '../../src/db/connections';
import { snooze } from '../../src/domain/incidents';
import { changeStatus, type StatusEngineDeps } from '../../src/domain/status-engine';
import { OutboxDispatcher } from '../../src/jobs/outbox-dispatcher';
import { runReminders } from '../../src/jobs/reminders';
import { reminderHandler } from '../../src/slack/delivery/reminder';
import { OUTBOX_KINDS } from '../../src/domain/notifications';
import { createLogger } from '../../src/lib/logger';
import { Metrics } from '../../src/lib/metrics';
import { buildCatalog } from '../../src/providers/catalog';
import { FakeClock } from '../support/clock';
import { describeEachDatabase } from '../support/databases';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = 'C0ALERTS1';
const OWNERS = ['U0OWNER01', 'U0OWNER02'];
const catalog = buildCatalog({});
const logger = createLogger({ level: 'error', sink: () => undefined });
const OPENED = '2026-11-23T06:00:00.000Z';

describeEachDatabase('alert reminders', (db) => {
  let clock: FakeClock;
  let slack: FakeSlack;
  let client: WebClient;
  let incidentId: string;
  let alertTs: string;
  const prisma = () => db().prisma;
  const settings = { afterMinutes: 240, everyMinutes: 60, max: 3 };
  const jobDeps = () => ({ prisma: prisma(), clock, logger, settings });
  const engine = (): StatusEngineDeps => ({ prisma: prisma(), clock, catalog, settings: { flapWindowMinutes: 0, outboundWebhook: false } });
  const dispatcher = () =>
    new OutboxDispatcher({
      prisma: prisma(),
      clock,
      logger,
      metrics: new Metrics(),
      pollMs: 0,
      handlers: { [OUTBOX_KINDS.alertReminder]: reminderHandler({ prisma: prisma(), clock, catalog, clients: { forTeam: async () => client } }) },
    });

  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });

  beforeEach(async () => {
    slack.reset();
    clock = new FakeClock(OPENED);
    const connection = await insertConnection(
      prisma(),
      { teamId: TEAM, provider: 'google_ads', kind: 'ad_platform', name: 'Google Ads — Brand', externalAccountId: '123-456-7890', channelId: CHANNEL, owners: OWNERS, options: { autotagging: true } },
      clock.now(),
    );
    const outcome = await changeStatus(engine(), { connectionId: connection.id, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: clock.now() });
    incidentId = outcome.incidentId!;
    // What delivering the alert records: reminders go in its thread.
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'Google Ads — Brand needs reauthorization' });
    alertTs = posted.ts!;
    await prisma().incident.update({ where: { id: incidentId }, data: { channelId: CHANNEL, messageTs: alertTs } });
    await prisma().outboxMessage.updateMany({ where: { incidentId, kind: OUTBOX_KINDS.alertSync }, data: { state: 'sent' } });
  });

  /** Runs the job every 10 minutes for `hours`, returning the minutes since opening at which reminders were enqueued. */
  async function walk(hours: number, during?: (minute: number) => Promise<void>): Promise<number[]> {
    const at: number[] = [];
    for (let minute = 0; minute <= hours * 60; minute += 10) {
      clock.set(new Date(new Date(OPENED).getTime() + minute * 60_000));
      await during?.(minute);
      const runs = await Promise.all([runReminders(jobDeps()), runReminders(jobDeps())]);
      for (let i = 0; i < runs.reduce((sum, run) => sum + run.enqueued, 0); i += 1) at.push(minute);
    }
    return at;
  }

  const reminderRows = () => prisma().outboxMessage.findMany({ where: { kind: OUTBOX_KINDS.alertReminder }, orderBy: { createdAt: 'asc' } });

  it('reminds after afterMinutes, then every everyMinutes, at most max times, even with two runs at once', async () => {
    expect(await walk(12)).toEqual([240, 300, 360]);
    expect((await reminderRows()).map((row) => row.idempotencyKey)).toEqual([1, 2, 3].map((n) => `reminder:${incidentId}:${n}`));
    expect(await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } })).toMatchObject({ reminderCount: 3 });
  });

  it('posts in the alert thread, mentioning the owners and how long data has been affected', async () => {
    await walk(4);
    await dispatcher().runOnce();
    const replies = slack.replies(CHANNEL, alertTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('<@U0OWNER01> <@U0OWNER02>');
    expect(replies[0]!.text).toContain('data has been affected for 4 h');
    expect(replies[0]!.text).toContain('Lost until it is reauthorized: UTM tags.');
  });

  it('sends none while snoozed and resumes when the snooze ends', async () => {
    const at = await walk(12, async (minute) => {
      if (minute === 230) expect(await snooze(engine(), incidentId, 'U0OWNER01', 240, 'test:snooze')).toBe('done');
    });
    expect(at).toEqual([470, 530, 590]);
  });

  it('sends none once the incident is closed, and drops a reminder that was waiting for delivery', async () => {
    const connectionId = (await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } })).connectionId;
    const at = await walk(12, async (minute) => {
      if (minute === 250) {
        await changeStatus(engine(), { connectionId, status: 'connected', actor: { type: 'probe' }, occurredAt: clock.now() });
      }
    });
    expect(at).toEqual([240]);
    await dispatcher().runOnce();
    expect(slack.replies(CHANNEL, alertTs)).toEqual([]);
    const [row] = await reminderRows();
    expect(row).toMatchObject({ state: 'sent', result: JSON.stringify({ skipped: 'closed' }) });
  });

  it('skips incidents whose alert was never posted', async () => {
    await prisma().incident.update({ where: { id: incidentId }, data: { messageTs: null } });
    expect(await walk(8)).toEqual([]);
  });
});
