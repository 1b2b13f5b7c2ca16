import { WebClient } from '@slack/web-api';
import { openDatabase, type Prisma } from '../../src/db/client';
import { insertConnection } from '../../src/db/connections';
import { digestFor } from '../../src/domain/digest';
import { changeStatus, type StatusEngineDeps } from '../../src/domain/status-engine';
import { subscribe } from '../../src/domain/subscriptions';
import { runDigests } from '../../src/jobs/digest';
import { digestPostHandler } from '../../src/slack/delivery/digest';
import { OUTBOX_KINDS } from '../../src/domain/notifications';
import { OutboxDispatcher } from '../../src/jobs/outbox-dispatcher';
import { createLogger } from '../../src/lib/logger';
import { Metrics } from '../../src/lib/metrics';
import { buildCatalog } from '../../src/providers/catalog';
import { FakeClock } from '../support/clock';
import { describeEachDatabase } from '../support/databases';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const catalog = buildCatalog({});
const logger = createLogger({ level: 'error', sink: () => undefined });

describeEachDatabase('daily digests', (db, kind) => {
  let clock: FakeClock;
  const prisma = () => db().prisma;
  const jobDeps = (client: Prisma = prisma()) => ({ prisma: client, clock, logger });

  beforeEach(() => {
    clock = new FakeClock('2026-11-23T06:00:00Z');
  });

  const subscribeAt = (channelId: string, localTime: string, timezone: string, quiet = false) =>
    subscribe({ prisma: prisma(), clock }, { teamId: TEAM, channelId, localTime, timezone, quiet, userId: 'U0USER001' });

  const digestRows = async () =>
    (await prisma().outboxMessage.findMany({ where: { kind: OUTBOX_KINDS.digestPost }, orderBy: { idempotencyKey: 'asc' } })).map((row) => row.idempotencyKey);

  /** Runs the job every `stepMinutes` until `to`, noting the UTC time at which each digest was enqueued. */
  async function walk(to: string, stepMinutes = 30): Promise<Map<string, string>> {
    const seen = new Map<string, string>();
    for (; clock.now() <= new Date(to); clock.advanceMinutes(stepMinutes)) {
      await runDigests(jobDeps());
      for (const key of await digestRows()) if (!seen.has(key)) seen.set(key, clock.now().toISOString().slice(0, 16));
    }
    return seen;
  }

  it('sends one digest per channel and local day at the local time, across the March DST change', async () => {
    clock.set('2026-03-06T00:00:00Z');
    await subscribeAt('C0NEWYORK', '09:00', 'America/New_York');
    await subscribeAt('C0KOLKATA', '09:00', 'Asia/Kolkata');
    await subscribeAt('C0UTC0001', '09:00', 'UTC');
    // 02:30 doesn't exist in New York on 8 March (clocks jump from 02:00 to 03:00): it goes at 03:00.
    await subscribeAt('C0SKIPPED', '02:30', 'America/New_York');

    const seen = await walk('2026-03-10T00:00:00Z');

    expect(Object.fromEntries([...seen].filter(([key]) => key.includes('C0NEWYORK')))).toEqual({
      [`digest:${TEAM}:C0NEWYORK:2026-03-06`]: '2026-03-06T14:00',
      [`digest:${TEAM}:C0NEWYORK:2026-03-07`]: '2026-03-07T14:00',
      [`digest:${TEAM}:C0NEWYORK:2026-03-08`]: '2026-03-08T13:00',
      [`digest:${TEAM}:C0NEWYORK:2026-03-09`]: '2026-03-09T13:00',
    });
    expect(Object.fromEntries([...seen].filter(([key]) => key.includes('C0KOLKATA')))).toEqual({
      [`digest:${TEAM}:C0KOLKATA:2026-03-06`]: '2026-03-06T03:30',
      [`digest:${TEAM}:C0KOLKATA:2026-03-07`]: '2026-03-07T03:30',
      [`digest:${TEAM}:C0KOLKATA:2026-03-08`]: '2026-03-08T03:30',
      [`digest:${TEAM}:C0KOLKATA:2026-03-09`]: '2026-03-09T03:30',
    });
    expect(Object.fromEntries([...seen].filter(([key]) => key.includes('C0UTC0001')))).toEqual({
      [`digest:${TEAM}:C0UTC0001:2026-03-06`]: '2026-03-06T09:00',
      [`digest:${TEAM}:C0UTC0001:2026-03-07`]: '2026-03-07T09:00',
      [`digest:${TEAM}:C0UTC0001:2026-03-08`]: '2026-03-08T09:00',
      [`digest:${TEAM}:C0UTC0001:2026-03-09`]: '2026-03-09T09:00',
    });
    expect(seen.get(`digest:${TEAM}:C0SKIPPED:2026-03-07`)).toBe('2026-03-07T07:30');
    expect(seen.get(`digest:${TEAM}:C0SKIPPED:2026-03-08`)).toBe('2026-03-08T07:00');
    expect(seen.get(`digest:${TEAM}:C0SKIPPED:2026-03-09`)).toBe('2026-03-09T06:30');
  });

  it('follows New York back to standard time in November, and a repeated 01:30 sends once', async () => {
    clock.set('2026-10-30T00:00:00Z');
    await subscribeAt('C0NEWYORK', '09:00', 'America/New_York');
    // 01:30 happens twice on 1 November (clocks go back from 02:00 to 01:00).
    await subscribeAt('C0REPEATS', '01:30', 'America/New_York');

    const seen = await walk('2026-11-03T00:00:00Z');

    expect(Object.fromEntries([...seen].filter(([key]) => key.includes('C0NEWYORK')))).toEqual({
      [`digest:${TEAM}:C0NEWYORK:2026-10-30`]: '2026-10-30T13:00',
      [`digest:${TEAM}:C0NEWYORK:2026-10-31`]: '2026-10-31T13:00',
      [`digest:${TEAM}:C0NEWYORK:2026-11-01`]: '2026-11-01T14:00',
      [`digest:${TEAM}:C0NEWYORK:2026-11-02`]: '2026-11-02T14:00',
    });
    expect(Object.fromEntries([...seen].filter(([key]) => key.includes('C0REPEATS')))).toEqual({
      [`digest:${TEAM}:C0REPEATS:2026-10-30`]: '2026-10-30T05:30',
      [`digest:${TEAM}:C0REPEATS:2026-10-31`]: '2026-10-31T05:30',
      [`digest:${TEAM}:C0REPEATS:2026-11-01`]: '2026-11-01T05:30',
      [`digest:${TEAM}:C0REPEATS:2026-11-02`]: '2026-11-02T06:30',
    });
  });

  it('makes a subscription created after the day\'s time wait for tomorrow', async () => {
    clock.set('2026-11-23T08:00:00Z');
    const early = await subscribeAt('C0EARLY01', '09:00', 'UTC');
    expect(early.firstDigestDate).toBe('today');
    clock.set('2026-11-23T15:00:00Z');
    const late = await subscribeAt('C0LATE001', '09:00', 'UTC');
    expect(late.firstDigestDate).toBe('tomorrow');

    clock.set('2026-11-23T15:30:00Z');
    await runDigests(jobDeps());
    expect(await digestRows()).toEqual([`digest:${TEAM}:C0EARLY01:2026-11-23`]);

    clock.set('2026-11-24T08:59:00Z');
    await runDigests(jobDeps());
    expect(await digestRows()).toHaveLength(1);
    clock.set('2026-11-24T09:00:00Z');
    await runDigests(jobDeps());
    expect(await digestRows()).toEqual([
      `digest:${TEAM}:C0EARLY01:2026-11-23`,
      `digest:${TEAM}:C0EARLY01:2026-11-24`,
      `digest:${TEAM}:C0LATE001:2026-11-24`,
    ]);
  });

  it('enqueues one digest per channel and day when two replicas run at the same moment', async () => {
    const channels = Array.from({ length: 12 }, (_, index) => `C0RACE${String(index).padStart(3, '0')}`);
    for (const channel of channels) await subscribeAt(channel, '09:00', 'UTC');
    // Replicas share Postgres; SQLite serves one process, where better-sqlite3's synchronous busy wait
    // would stall a second client in the same process, so there the runs share one client.
    const replica = kind === 'postgresql' ? await openDatabase(db().url, { migrate: false, poolSize: 5 }) : null;
    const other = replica?.prisma ?? prisma();
    try {
      clock.set('2026-11-23T09:00:00Z');
      const runs = await Promise.all([runDigests(jobDeps()), runDigests(jobDeps(other)), runDigests(jobDeps()), runDigests(jobDeps(other))]);
      expect(runs.reduce((sum, run) => sum + run.enqueued, 0)).toBe(channels.length);
      expect(runs.reduce((sum, run) => sum + run.failed, 0)).toBe(0);
      expect(await digestRows()).toHaveLength(channels.length);
      const dates = await prisma().channelSubscription.findMany({ select: { lastDigestDate: true } });
      expect(new Set(dates.map((row) => row.lastDigestDate))).toEqual(new Set(['2026-11-23']));
    } finally {
      await replica?.close();
    }
  });

  it('rolls a subscription back when its digest could not be enqueued, and the next run catches up', async () => {
    for (const channel of ['C0FIRST01', 'C0SECOND1', 'C0THIRD01']) await subscribeAt(channel, '09:00', 'UTC');
    clock.set('2026-11-23T09:00:00Z');
    // The database refuses the second channel's outbox row, after that subscription's compare-and-swap.
    const allow = await refuseOutboxRows(prisma(), kind, '%C0SECOND1%');
    const first = await runDigests(jobDeps());
    expect(first).toEqual({ enqueued: 2, failed: 1 });
    const second = await prisma().channelSubscription.findFirstOrThrow({ where: { channelId: 'C0SECOND1' } });
    expect(second.lastDigestDate).toBeNull();

    await allow();
    clock.advanceMinutes(1);
    expect(await runDigests(jobDeps())).toEqual({ enqueued: 1, failed: 0 });
    expect(await runDigests(jobDeps())).toEqual({ enqueued: 0, failed: 0 });
    expect(await digestRows()).toEqual([
      `digest:${TEAM}:C0FIRST01:2026-11-23`,
      `digest:${TEAM}:C0SECOND1:2026-11-23`,
      `digest:${TEAM}:C0THIRD01:2026-11-23`,
    ]);
  });

  describe('delivery', () => {
    let slack: FakeSlack;
    let dispatcher: OutboxDispatcher;

    beforeAll(async () => {
      slack = await startFakeSlack();
    });
    afterAll(async () => {
      await slack.close();
    });
    beforeEach(() => {
      slack.reset();
      const client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      dispatcher = new OutboxDispatcher({
        prisma: prisma(),
        clock,
        logger,
        metrics: new Metrics(),
        pollMs: 0,
        handlers: { [OUTBOX_KINDS.digestPost]: digestPostHandler({ prisma: prisma(), clock, catalog, clients: { forTeam: async () => client } }) },
      });
    });

    const engine = (): StatusEngineDeps => ({ prisma: prisma(), clock, catalog, settings: { flapWindowMinutes: 0, outboundWebhook: false } });

    async function connection(name: string, provider: string, kind: 'ad_platform' | 'crm', options: Record<string, unknown> = {}) {
      return insertConnection(prisma(), { teamId: TEAM, provider, kind, name, externalAccountId: `acct-${name}`, channelId: 'C0ALERTS1', options }, clock.now());
    }

    const drop = (connectionId: string) =>
      changeStatus(engine(), { connectionId, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: clock.now() });

    it('posts once after a restart between enqueueing and delivery', async () => {
      await connection('Google Ads — Brand', 'google_ads', 'ad_platform');
      await connection('HubSpot EU', 'hubspot', 'crm');
      await subscribeAt('C0DIGEST1', '09:00', 'UTC');
      clock.set('2026-11-23T09:00:00Z');
      expect((await runDigests(jobDeps())).enqueued).toBe(1);
      // Crash: nothing was delivered. After the restart the job runs again before the dispatcher does.
      clock.advanceMinutes(1);
      expect((await runDigests(jobDeps())).enqueued).toBe(0);
      await dispatcher.runOnce();
      await dispatcher.runOnce();
      const posts = slack.callsTo('chat.postMessage');
      expect(posts).toHaveLength(1);
      expect(posts[0]!.args).toMatchObject({ channel: 'C0DIGEST1', text: '✅ All 2 connections healthy.' });
    });

    it('lists open incidents with lost data first, and the reconnections of the last 24 hours', async () => {
      const crm = await connection('HubSpot EU', 'hubspot', 'crm');
      const ads = await connection('Google Ads — Brand', 'google_ads', 'ad_platform', { autotagging: true });
      const back = await connection('Salesforce', 'salesforce', 'crm');
      const old = await connection('LinkedIn', 'linkedin_ads', 'ad_platform');
      clock.set('2026-11-21T08:00:00Z');
      await drop(old.id);
      clock.set('2026-11-21T09:00:00Z');
      await changeStatus(engine(), { connectionId: old.id, status: 'connected', actor: { type: 'probe' }, occurredAt: clock.now() });
      clock.set('2026-11-22T10:00:00Z');
      await drop(crm.id);
      await drop(back.id);
      clock.set('2026-11-22T20:00:00Z');
      await drop(ads.id);
      clock.set('2026-11-23T07:00:00Z');
      await changeStatus(engine(), { connectionId: back.id, status: 'connected', actor: { type: 'webhook' }, occurredAt: clock.now() });
      clock.set('2026-11-23T09:00:00Z');

      const digest = await digestFor(prisma(), catalog, TEAM, clock.now());
      expect(digest.counts).toEqual({ total: 4, connected: 2, authorization_required: 2, degraded: 0 });
      expect(digest.openIncidents.map((incident) => [incident.connectionName, incident.ageMinutes, incident.losingData])).toEqual([
        ['Google Ads — Brand', 13 * 60, true],
        ['HubSpot EU', 23 * 60, false],
      ]);
      expect(digest.reconnected.map((item) => [item.connectionName, item.outageMinutes])).toEqual([['Salesforce', 21 * 60]]);

      await subscribeAt('C0DIGEST1', '09:00', 'UTC');
      await prisma().channelSubscription.updateMany({ data: { lastDigestDate: null } });
      await runDigests(jobDeps());
      await dispatcher.runOnce();
      const [post] = slack.callsTo('chat.postMessage');
      expect(post!.result).toBe('ok');
      expect(validateBlocks(post!.args.blocks, 'message')).toEqual([]);
      const text = JSON.stringify(post!.args.blocks);
      expect(text.indexOf('Google Ads — Brand')).toBeLessThan(text.indexOf('HubSpot EU'));
      expect(text).toContain('needs reauthorization for 13 h');
      expect(text).toContain('UTM tags');
      expect(text).toContain('Reconnected in the last 24 h');
      expect(text).toContain('Salesforce');
      expect(text).not.toContain('LinkedIn');
      expect(post!.args.text).toMatch(/Data is being lost on Google Ads — Brand/);
    });

    it('stays silent in quiet mode when all is well, and retries at Retry-After when Slack says 429', async () => {
      await connection('Google Ads — Brand', 'google_ads', 'ad_platform');
      await subscribeAt('C0QUIET01', '09:00', 'UTC', true);
      await subscribeAt('C0LOUD001', '09:00', 'UTC');
      clock.set('2026-11-23T09:00:00Z');
      await runDigests(jobDeps());
      slack.rateLimitNext('chat.postMessage', 30);
      await dispatcher.runOnce();
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      const rows = await prisma().outboxMessage.findMany({ where: { kind: OUTBOX_KINDS.digestPost }, orderBy: { idempotencyKey: 'asc' } });
      expect(rows.map((row) => [row.idempotencyKey.split(':')[2], row.state])).toEqual([
        ['C0LOUD001', 'pending'],
        ['C0QUIET01', 'sent'],
      ]);
      expect(rows[0]!.availableAt.getTime()).toBe(clock.now().getTime() + 30_000);
      expect(rows[1]!.result).toContain('quiet');

      clock.advance(30_000);
      await dispatcher.runOnce();
      const posts = slack.callsTo('chat.postMessage').filter((call) => call.result === 'ok');
      expect(posts.map((call) => call.args.channel)).toEqual(['C0LOUD001']);
    });
  });
});

/** A trigger that makes the database refuse outbox rows whose key matches `pattern`; returns its removal. */
async function refuseOutboxRows(prisma: Prisma, kind: string, pattern: string): Promise<() => Promise<void>> {
  if (kind === 'sqlite') {
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER refuse_outbox BEFORE INSERT ON "OutboxMessage" WHEN NEW."idempotencyKey" LIKE '${pattern}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    );
    return async () => void (await prisma.$executeRawUnsafe('DROP TRIGGER refuse_outbox'));
  }
  await prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
  await prisma.$executeRawUnsafe(
    `CREATE TRIGGER refuse_outbox BEFORE INSERT ON "OutboxMessage" FOR EACH ROW WHEN (NEW."idempotencyKey" LIKE '${pattern}') EXECUTE FUNCTION refuse_outbox()`,
  );
  return async () => {
    await prisma.$executeRawUnsafe('DROP TRIGGER refuse_outbox ON "OutboxMessage"');
    await prisma.$executeRawUnsafe('DROP FUNCTION refuse_outbox()');
  };
}
