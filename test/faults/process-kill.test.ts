import { openDatabase, type Database } from '../../src/db/client';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack, type FakeSlackCall } from '../fakes/fake-slack';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { killReplica, startReplica, stopReplica, type ReplicaProcess } from '../support/replica-process';
import { TEST_SECRETS } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Real app processes killed with SIGKILL while they hold claimed alerts: some already sent to Slack and
 * waiting for the answer, usually others waiting for their channel's turn. On PostgreSQL a second replica runs all
 * along; on SQLite, where one process serves (README: several replicas need PostgreSQL), a new process
 * starts on the same file after the kill. Either way every alert the dead process held is delivered once
 * its lease runs out.
 *
 * Slack has no idempotency key for chat.postMessage: a post that reached Slack before the kill, whose
 * answer the dead process never recorded, is posted again. Every other alert is posted exactly once.
 */

const CONNECTIONS = 30;
const SLACK_LATENCY_MS = 300;
/** Longer than a batch takes to deliver (two pacing gaps plus Slack's latency), so no live lease runs out. */
const LEASE_MS = 4000;
/** Each process posts with its own bot token, so the fake tells whose posts were at Slack at the kill. */
const VICTIM_TOKEN = 'xoxb-victim-token-0123456789';
const SURVIVOR_TOKEN = 'xoxb-survivor-token-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`a process killed mid-delivery [${kind}]`, () => {
    let slack: FakeSlack;
    let databaseUrl: string;
    let db: Database | undefined;
    const replicas: ReplicaProcess[] = [];

    beforeAll(async () => {
      slack = await startFakeSlack({ botTokens: [VICTIM_TOKEN, SURVIVOR_TOKEN] });
      databaseUrl = freshDatabaseUrl(kind);
    });
    afterAll(async () => {
      await Promise.all(replicas.map(killReplica));
      await db?.close();
      await dropDatabase(databaseUrl);
      await slack.close();
    });

    it('every alert the dead process held is delivered; only posts already at Slack repeat', async () => {
      const start = async (botToken: string) => {
        const replica = await startReplica({ databaseUrl, slackUrl: slack.url, botToken, env: { OUTBOX_LEASE_MS: String(LEASE_MS) } });
        replicas.push(replica);
        return replica;
      };
      const [victim, other] = kind === 'postgresql' ? await Promise.all([start(VICTIM_TOKEN), start(SURVIVOR_TOKEN)]) : [await start(VICTIM_TOKEN)];
      // Whole channels go to one process, so the victim claims rows that have to wait for their channel's turn.
      const entry = (i: number) => (other && i >= CONNECTIONS / 2 ? other.url : victim!.url);
      db = await openDatabase(databaseUrl, { migrate: false, poolSize: 2 });
      const prisma = db.prisma;

      const names = new Map<string, string>();
      for (let i = 0; i < CONNECTIONS; i += 1) {
        const name = `Kill-${String(i).padStart(2, '0')}`;
        const created = await adminRequest(entry(i), 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'meta_ads',
          name,
          externalAccountId: `act_kill_${i}`,
          channelId: `C0KILL${String(Math.floor(i / 3)).padStart(3, '0')}`,
        });
        expect(created.status).toBe(201);
        names.set(created.json.id as string, name);
      }

      slack.delay('chat.postMessage', SLACK_LATENCY_MS);
      const sent = await Promise.all(
        [...names.keys()].map((connectionId, i) =>
          postIngest(entry(i), { eventId: `kill-${i}`, connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() }),
        ),
      );
      expect(sent.map((answer) => answer.status)).toEqual([...names.keys()].map(() => 202));

      const victimPosts = () => posts(slack).filter((call) => call.token === VICTIM_TOKEN);
      await waitFor(() => victimPosts().filter((call) => call.result === undefined).length >= 2, 10_000);
      const killedAt = Date.now();
      await killReplica(victim!);
      // An answer given just before the kill may not have been recorded by the process either.
      const atSlackBeforeKill = new Set(
        victimPosts().filter((call) => call.result === undefined || call.at + SLACK_LATENCY_MS >= killedAt - 100).map(connectionName),
      );
      slack.delay('chat.postMessage', 0);
      const survivor = other ?? (await start(SURVIVOR_TOKEN));

      await waitFor(async () => (await prisma.outboxMessage.count({ where: { kind: 'alert.sync', state: { not: 'sent' } } })) === 0, 20_000);
      await sleep(500);
      const okPosts = new Map<string, number>();
      for (const call of posts(slack)) if (call.result === 'ok') okPosts.set(connectionName(call), (okPosts.get(connectionName(call)) ?? 0) + 1);
      const counts = [...names.values()].map((name) => [name, okPosts.get(name) ?? 0] as const);
      expect(counts.filter(([, count]) => count === 0)).toEqual([]);
      expect(counts.filter(([name, count]) => count > (atSlackBeforeKill.has(name) ? 2 : 1))).toEqual([]);
      expect(await prisma.incident.count({ where: { messageTs: null } })).toBe(0);

      // A row the dead process had claimed was claimed again by the survivor: its second attempt.
      expect(await prisma.outboxMessage.count({ where: { kind: 'alert.sync', attempts: { gt: 1 } } })).toBeGreaterThan(0);

      await stopReplica(survivor);
      const output = replicas.flatMap((replica) => replica.output).join('');
      expect(output).toContain('Reconnect is listening');
      for (const secret of [TEST_SECRETS.ingest, TEST_SECRETS.admin, TEST_SECRETS.encryptionKey, TEST_SIGNING_SECRET, VICTIM_TOKEN, SURVIVOR_TOKEN]) {
        expect(output).not.toContain(secret);
      }
    }, 60_000);
  });
}

const posts = (slack: FakeSlack) => slack.callsTo('chat.postMessage');
/** Alert texts start with the connection's name. */
const connectionName = (call: FakeSlackCall) => String(call.args.text).split(' ')[0]!;
