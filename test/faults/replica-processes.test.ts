import { openDatabase, type Database } from '../../src/db/client';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { killReplica, logLines, startReplicas, stopReplica, type LogLine, type ReplicaProcess } from '../support/replica-process';
import { blockAction, postSigned, TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { TEST_SECRETS } from '../support/test-app';
import { clearOfMinuteBoundary, nextMinuteBoundary, waitFor } from '../support/wait';

/**
 * Two real app processes on different ports sharing one PostgreSQL database, the way a load balancer runs
 * them (README, "Running several replicas"): signed ingest events and signed button clicks arrive at both,
 * and both schedule the same jobs. Every alert is posted once, every click is answered 200 by whichever
 * replica gets it and acts once, each subscribed channel gets one digest, and each scheduled fire runs on
 * one replica only, except the probe sweep, which runs on both (test/faults/probe-replicas.test.ts shows
 * how they share its connections). PostgreSQL only: that is what several replicas need.
 *
 * node-cron fires on minute boundaries, so the test waits for the next one (at most a minute).
 */

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const OWNER = 'U0OWNER01';
const CONNECTIONS = 40;
const DIGEST_CHANNELS = ['C0DIGEST01', 'C0DIGEST02', 'C0DIGEST03', 'C0DIGEST04', 'C0DIGEST05', 'C0DIGEST06'];
/** The jobs that fire each minute on one replica per fire (PROBE_INTERVAL_MINUTES=1). */
const ELECTED_JOBS = ['digests', 'reminders'];
/** Elected jobs of that minute: every minute's, and on a multiple of 5 minutes the abandoned-flows sweep too. */
const electedOfMinute = (fire: Date) => (fire.getUTCMinutes() % 5 === 0 ? ['abandoned-flows', ...ELECTED_JOBS] : ELECTED_JOBS);
/** Fires each minute on every replica: the sweeps share out the connections they claim. */
const EVERY_REPLICA_JOB = 'probe-sweep';
const MINUTE_MS = 60_000;
/** How long before the boundary the load starts: about as long as alerts and clicks take. */
const LOAD_LEAD_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (i: number) => String(i).padStart(3, '0');

const postgres = databaseKinds().find(({ kind }) => kind === 'postgresql')!;

(postgres.skip ? describe.skip : describe)(`two app processes on one database [postgresql${postgres.skip ? ` skipped: ${postgres.skip}` : ''}]`, () => {
  let slack: FakeSlack;
  let databaseUrl: string;
  let db: Database | undefined;
  const replicas: ReplicaProcess[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
    databaseUrl = freshDatabaseUrl('postgresql');
    // Debug logs carry a "job finished" line per job run, so the test sees which process ran each fire.
    const env = { LOG_LEVEL: 'debug', PROBE_INTERVAL_MINUTES: '1' };
    await startReplicas(2, { databaseUrl, slackUrl: slack.url, env }, replicas);
    db = await openDatabase(databaseUrl, { migrate: false, poolSize: 2 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map(killReplica));
    await db?.close();
    await dropDatabase(databaseUrl);
    await slack.close();
  });

  it('alerts, clicks and scheduled jobs spread over both: each alert, acknowledgement, digest and fire happens once', async () => {
    const [a, b] = replicas as [ReplicaProcess, ReplicaProcess];
    const replicaFor = (i: number) => (i % 2 ? b : a);
    const prisma = db!.prisma;

    const connections: { id: string; channel: string }[] = [];
    for (let i = 0; i < CONNECTIONS; i += 1) {
      const channel = `C0LOAD${pad(i)}`;
      const created = await adminRequest(replicaFor(i).url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: 'meta_ads',
        name: `Meta-Ads-${pad(i)}`,
        externalAccountId: `act_load_${i}`,
        channelId: channel,
        owners: [OWNER],
      });
      expect(created.status).toBe(201);
      connections.push({ id: created.json.id as string, channel });
    }

    // Digests due now (local 00:00, never sent), created clear of a boundary so the next one is the fire under test.
    await clearOfMinuteBoundary(10_000);
    const fire = new Date(nextMinuteBoundary());
    await prisma.channelSubscription.createMany({
      data: DIGEST_CHANNELS.map((channelId) => ({ teamId: TEAM, channelId, localTime: '00:00', timezone: 'UTC', createdBy: OWNER })),
    });
    expect(Date.now()).toBeLessThan(fire.getTime());
    // The load starts shortly before the boundary, so the jobs run while alerts and clicks are handled.
    await sleep(fire.getTime() - LOAD_LEAD_MS - Date.now());

    // Each drop goes to both replicas at once and once more to one of them: the data platform retrying.
    const occurredAt = new Date().toISOString();
    const sent = await Promise.all(
      connections.map(({ id }, i) => {
        const event = { eventId: `load-${i}`, connectionId: id, status: 'authorization_required', reason: 'token_revoked', occurredAt };
        return Promise.all([postIngest(a.url, event), postIngest(b.url, event), postIngest(replicaFor(i).url, event)]);
      }),
    );
    expect(sent.flat().map((answer) => answer.status)).toEqual(sent.flat().map(() => 202));
    // Of the three deliveries of an event, exactly one was a first sighting.
    const firstSightings = sent.map((answers) => answers.filter((answer) => !(answer.json.results as { duplicate: boolean }[])[0]!.duplicate).length);
    expect(firstSightings).toEqual(connections.map(() => 1));

    await waitFor(async () => (await prisma.incident.count({ where: { messageTs: { not: null } } })) === CONNECTIONS, 30_000, 100);
    const incidents = await prisma.incident.findMany({ orderBy: { channelId: 'asc' } });
    expect(incidents).toHaveLength(CONNECTIONS);

    // "I'm on it" on every alert: the click to one replica and the same signed click to the other, at once.
    const clicks = await Promise.all(
      incidents.map((incident, i) => {
        const click = blockAction({
          actionId: 'acknowledge',
          message: slack.message(incident.channelId!, incident.messageTs!)!,
          channelId: incident.channelId!,
          userId: OWNER,
        });
        return Promise.all([postSigned(replicaFor(i).url, '/slack/events', click), postSigned(replicaFor(i + 1).url, '/slack/events', click)]);
      }),
    );
    expect(clicks.map((pair) => pair.map((answer) => answer.status))).toEqual(incidents.map(() => [200, 200]));

    await waitFor(async () => (await prisma.incident.count({ where: { acknowledgedBy: OWNER } })) === CONNECTIONS, 20_000, 100);
    await waitFor(() => threadReplies(slack).length >= CONNECTIONS, 30_000, 100);

    // The fire at the boundary: every job has run once it has a "job finished" line, and the digests are at Slack.
    const allLines = () => replicas.flatMap((replica) => logLines(replica).map((line): LogLine => ({ ...line, replica: replica.url })));
    const runsOfFire = () => allLines().filter((line) => line.msg === 'job finished' && inMinute(line, fire));
    const elected = electedOfMinute(fire);
    await waitFor(() => runsOfFire().length >= elected.length + replicas.length, fire.getTime() - Date.now() + 30_000, 200);
    await waitFor(() => digestPosts(slack).length >= DIGEST_CHANNELS.length, 30_000, 100);
    // Long enough for a second run of a job, or a second delivery, to show up.
    await sleep(2000);
    await waitFor(async () => (await prisma.outboxMessage.count({ where: { state: { not: 'sent' } } })) === 0, 20_000, 100);

    // Each elected fire of the minute ran on exactly one of the two processes and has the lease row of its
    // winner; the sweep ran on both, without a lease row.
    expect(runsOfFire().filter((line) => line.job !== EVERY_REPLICA_JOB).map((line) => line.job).sort()).toEqual(elected);
    expect(runsOfFire().filter((line) => line.job === EVERY_REPLICA_JOB).map((line) => line.replica).sort()).toEqual(replicas.map((replica) => replica.url).sort());
    const leases = await prisma.schedulerLease.findMany({ where: { key: { endsWith: `:${fire.toISOString()}` } }, orderBy: { key: 'asc' } });
    expect(leases.map((lease) => lease.key)).toEqual(elected.map((job) => `${job}:${fire.toISOString()}`));
    expect(leases.filter((lease) => lease.completedAt === null)).toEqual([]);
    expect(allLines().filter((line) => line.msg === 'job failed')).toEqual([]);

    // One alert per incident, in its connection's channel.
    expect(countBy(alertPosts(slack), (call) => String(call.args.channel))).toEqual(
      Object.fromEntries(connections.map(({ channel }) => [channel, 1])),
    );
    // Each incident acknowledged once: one audit event, one thread reply, the alert updated in place.
    const acknowledged = await prisma.auditEvent.findMany({ where: { action: 'acknowledged' } });
    expect(countBy(acknowledged, (event) => event.incidentId!)).toEqual(Object.fromEntries(incidents.map((incident) => [incident.id, 1])));
    expect(countBy(threadReplies(slack), (call) => String(call.args.channel))).toEqual(Object.fromEntries(connections.map(({ channel }) => [channel, 1])));
    for (const incident of incidents) {
      expect(JSON.stringify(slack.message(incident.channelId!, incident.messageTs!)!.blocks)).toContain(`<@${OWNER}> is on it`);
    }

    // One digest per subscribed channel, all from the one run that enqueued them.
    expect(countBy(digestPosts(slack), (call) => String(call.args.channel))).toEqual(Object.fromEntries(DIGEST_CHANNELS.map((channel) => [channel, 1])));
    const digestRuns = allLines().filter((line) => line.msg === 'job finished' && line.job === 'digests');
    expect(digestRuns.reduce((sum, line) => sum + (line.result as { enqueued: number }).enqueued, 0)).toBe(DIGEST_CHANNELS.length);
    const today = fire.toISOString().slice(0, 10);
    expect((await prisma.channelSubscription.findMany()).map((subscription) => subscription.lastDigestDate)).toEqual(DIGEST_CHANNELS.map(() => today));

    await Promise.all(replicas.map(stopReplica));
    expect(replicas.map((replica) => replica.process.exitCode)).toEqual([0, 0]);
    for (const replica of replicas) {
      const output = replica.output.join('');
      expect(output).toContain('Reconnect is listening');
      for (const secret of [TEST_SECRETS.ingest, TEST_SECRETS.admin, TEST_SECRETS.encryptionKey, TEST_SIGNING_SECRET, FAKE_SLACK_DEFAULTS.botToken]) {
        expect(output).not.toContain(secret);
      }
    }
  }, 150_000);
});


function inMinute(line: LogLine, start: Date): boolean {
  const at = Date.parse(line.time);
  return at >= start.getTime() && at < start.getTime() + MINUTE_MS;
}

const okPosts = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((call) => call.result === 'ok');
const alertPosts = (slack: FakeSlack) => okPosts(slack).filter((call) => String(call.args.channel).startsWith('C0LOAD') && call.args.thread_ts === undefined);
const threadReplies = (slack: FakeSlack) => okPosts(slack).filter((call) => call.args.thread_ts !== undefined);
const digestPosts = (slack: FakeSlack) => okPosts(slack).filter((call) => DIGEST_CHANNELS.includes(String(call.args.channel)));

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
