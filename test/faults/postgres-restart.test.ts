import { openDatabase, type Database } from '../../src/db/client';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { privatePostgresSkipReason, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { isRunning, startReplica, stopReplica, type ReplicaProcess } from '../support/replica-process';
import { TEST_SECRETS } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Issue 7: PostgreSQL restarts while the app runs. The app is a real process, so "it doesn't crash" means
 * the process is still there, and it runs on a private PostgreSQL server of this test's own: stopping the
 * shared one would break every suite running beside this one.
 *
 * Events arrive before, around and during the outage. Before: alerts are posted. Around the stop: Slack
 * is slow, so alerts are on their way to Slack and outbox rows pending when the server goes. During:
 * ingest answers 503 "database unavailable" (the data platform keeps the event and sends it again),
 * /readyz says not ready, /healthz still answers. After the restart the same process reconnects by
 * itself, becomes ready, accepts the events sent again, and every connection's alert reaches its channel
 * exactly once.
 */

const BEFORE = 4;
const AROUND = 4;
const DURING = 4;
const CONNECTIONS = BEFORE + AROUND + DURING;
/** Slack's answers are held this long around the stop, so posts are in flight when the server goes. */
const SLACK_LATENCY_MS = 2000;
/** Longer than the Slack latency: every post in flight at the stop gets its answer during the outage. */
const OUTAGE_MS = 3000;
/** A row stranded by the outage comes back when its lease runs out; short, so that happens within the test. */
const LEASE_MS = 3000;
const UNAVAILABLE = { error: 'unavailable', message: 'The database is unavailable; retry shortly.' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const skip = privatePostgresSkipReason();

(skip ? describe.skip : describe)(`PostgreSQL restarted while the app runs${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let postgres: PrivatePostgres | undefined;
  let slack: FakeSlack | undefined;
  let app: ReplicaProcess | undefined;
  let db: Database | undefined;

  beforeAll(async () => {
    [postgres, slack] = await Promise.all([startPrivatePostgres(), startFakeSlack()]);
  }, 60_000);
  afterAll(async () => {
    if (app) await stopReplica(app);
    await db?.close().catch(() => undefined);
    await slack?.close();
    await postgres?.destroy();
  }, 30_000);

  it('reconnects by itself and catches up: no event lost, no alert posted twice', async () => {
    const server = postgres!;
    const fake = slack!;
    const databaseUrl = server.url({ schema: 'reconnect' });
    const running = await startReplica({ databaseUrl, slackUrl: fake.url, env: { OUTBOX_POLL_MS: '100', OUTBOX_LEASE_MS: String(LEASE_MS) } });
    app = running;
    const alive = () => isRunning(running);
    expect(await get(running.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

    const connections: { id: string; channel: string }[] = [];
    for (let i = 0; i < CONNECTIONS; i += 1) {
      const channel = `C0PGRS${String(i).padStart(3, '0')}`;
      const created = await adminRequest(running.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'google_ads',
        name: `Restart-${String(i).padStart(2, '0')}`,
        externalAccountId: `123-000-${String(i).padStart(4, '0')}`,
        channelId: channel,
      });
      expect(created.status).toBe(201);
      connections.push({ id: created.json.id as string, channel });
    }
    // One body per event, so an event sent again is the same bytes, as a sender's retry would be.
    const occurredAt = new Date().toISOString();
    const event = (i: number) => ({ eventId: `pg-restart-${i}`, connectionId: connections[i]!.id, status: 'authorization_required', reason: 'token_revoked', occurredAt });
    const posts = () => fake.callsTo('chat.postMessage');
    const okPosts = (channel: string) => posts().filter((call) => call.args.channel === channel && call.result === 'ok').length;

    // Before: the usual path.
    for (let i = 0; i < BEFORE; i += 1) expect((await postIngest(running.url, event(i))).status).toBe(202);
    await waitFor(() => connections.slice(0, BEFORE).every(({ channel }) => okPosts(channel) === 1), 15_000);

    // Around the stop: accepted, then the server goes while their alerts are on the way to Slack.
    const slowFrom = Date.now();
    fake.delay('chat.postMessage', SLACK_LATENCY_MS);
    for (let i = BEFORE; i < BEFORE + AROUND; i += 1) expect((await postIngest(running.url, event(i))).status).toBe(202);
    await waitFor(() => posts().some((call) => call.result === undefined), 10_000, 10);
    const stoppedAt = Date.now();
    await server.stop();
    // Posts Slack answered after the stop began: the app can't record those answers until the server is back.
    const inFlightAtStop = posts()
      .filter((call) => call.at >= slowFrom && call.at + SLACK_LATENCY_MS >= stoppedAt)
      .map((call) => String(call.args.channel));
    expect(inFlightAtStop.length).toBeGreaterThan(0);

    // During: refused with a clear answer, not ready, still alive.
    const refused: number[] = [];
    for (let i = BEFORE + AROUND; i < CONNECTIONS; i += 1) {
      const answer = await postIngest(running.url, event(i));
      expect(answer).toEqual({ status: 503, json: UNAVAILABLE });
      refused.push(i);
    }
    const refusal = await fetch(`${running.url}/api/v1/connections`, { headers: { authorization: `Bearer ${TEST_SECRETS.admin}` } });
    expect(refusal.status).toBe(503);
    expect(refusal.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refusal.json()).toEqual(UNAVAILABLE);
    expect(await get(running.url, '/readyz')).toEqual({ status: 503, body: { status: 'not_ready', problems: ['database unreachable or migrations not applied'] } });
    expect(await get(running.url, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    await sleep(OUTAGE_MS);
    expect(posts().filter((call) => call.result === undefined)).toEqual([]);
    expect({ alive: alive(), exitCode: running.process.exitCode, lastWords: alive() ? '' : lastWords(running) }).toEqual({ alive: true, exitCode: null, lastWords: '' });

    // After: the same process reconnects; the data platform sends again what was refused.
    fake.delay('chat.postMessage', 0);
    await server.start();
    await waitFor(async () => (await get(running.url, '/readyz')).status === 200, 20_000, 100);
    for (const i of refused) {
      let status = 0;
      await waitFor(async () => (status = (await postIngest(running.url, event(i))).status) !== 503, 10_000, 200);
      expect(status).toBe(202);
    }
    // A sender that lost an answer in the outage sends the event again: accepted, and nothing happens twice.
    for (let i = 0; i < BEFORE + AROUND; i += 1) expect((await postIngest(running.url, event(i))).status).toBe(202);

    db = await openDatabase(databaseUrl, { migrate: false, poolSize: 2 });
    const prisma = db.prisma;
    await waitFor(async () => (await prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0, 30_000, 200);
    await sleep(500);

    // Exactly one alert per connection at Slack; a repeated one names whether it was in flight at the stop.
    const counts = connections.map(({ channel }) => ({ channel, posted: okPosts(channel), inFlightAtStop: inFlightAtStop.includes(channel) }));
    expect(counts.filter(({ posted }) => posted !== 1)).toEqual([]);

    // The database agrees: one open incident per connection, recording the one message Slack holds.
    const incidents = await prisma.incident.findMany({ where: { state: 'open' }, select: { connectionId: true, channelId: true, messageTs: true } });
    const expected = connections.map(({ id, channel }) => ({ connectionId: id, channelId: channel, messageTs: fake.messages(channel)[0]?.ts }));
    const byConnection = (a: { connectionId: string }, b: { connectionId: string }) => a.connectionId.localeCompare(b.connectionId);
    expect(incidents.sort(byConnection)).toEqual(expected.sort(byConnection));
    expect(await prisma.incident.count()).toBe(CONNECTIONS);
    expect(await prisma.connection.count({ where: { status: 'authorization_required' } })).toBe(CONNECTIONS);
    expect(await prisma.outboxMessage.groupBy({ by: ['state'], where: { state: { not: 'sent' } }, _count: true })).toEqual([]);

    expect(alive()).toBe(true);
    const output = running.output.join('');
    for (const secret of [TEST_SECRETS.ingest, TEST_SECRETS.admin, TEST_SECRETS.encryptionKey, TEST_SIGNING_SECRET, FAKE_SLACK_DEFAULTS.botToken]) {
      expect(output).not.toContain(secret);
    }
  }, 60_000);
});

/** The end of what a dead process wrote, without the minified source line Node prints above a stack. */
function lastWords(app: ReplicaProcess): string {
  return app.output
    .join('')
    .split('\n')
    .filter((line) => line.length < 400)
    .slice(-30)
    .join('\n');
}

async function get(baseUrl: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
