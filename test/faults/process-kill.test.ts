import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack, type FakeSlackCall } from '../support/fake-slack';
import { adminRequest, postIngest } from '../support/ingest-requests';
import { TEST_SIGNING_SECRET } from '../support/slack-requests';
import { freePort, TEST_SECRETS } from '../support/test-app';
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

const ROOT = path.resolve(__dirname, '../..');
const CONNECTIONS = 30;
const SLACK_LATENCY_MS = 300;
/** Longer than a batch takes to deliver (two pacing gaps plus Slack's latency), so no live lease runs out. */
const LEASE_MS = 4000;
/** Each process posts with its own bot token, so the fake tells whose posts were at Slack at the kill. */
const VICTIM_TOKEN = 'xoxb-victim-token-0123456789';
const SURVIVOR_TOKEN = 'xoxb-survivor-token-0123456789';

interface Replica {
  url: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`a process killed mid-delivery [${kind}]`, () => {
    let slack: FakeSlack;
    let databaseUrl: string;
    let db: Database | undefined;
    const replicas: Replica[] = [];

    beforeAll(async () => {
      slack = await startFakeSlack({ botTokens: [VICTIM_TOKEN, SURVIVOR_TOKEN] });
      databaseUrl = freshDatabaseUrl(kind);
    });
    afterAll(async () => {
      for (const replica of replicas) replica.process.kill('SIGKILL');
      await Promise.all(replicas.map((replica) => replica.exited));
      await db?.close();
      await dropDatabase(databaseUrl);
      await slack.close();
    });

    it('every alert the dead process held is delivered; only posts already at Slack repeat', async () => {
      const start = async (botToken: string) => {
        const replica = await startReplica(databaseUrl, slack.url, botToken);
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
      victim!.process.kill('SIGKILL');
      const killedAt = Date.now();
      await victim!.exited;
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

      await stop(survivor);
      const output = replicas.flatMap((replica) => replica.output).join('');
      expect(output).toContain('Reconnect is listening');
      for (const secret of [TEST_SECRETS.ingest, TEST_SECRETS.admin, TEST_SECRETS.encryptionKey, TEST_SIGNING_SECRET, VICTIM_TOKEN, SURVIVOR_TOKEN]) {
        expect(output).not.toContain(secret);
      }
    }, 60_000);
  });
}

async function startReplica(databaseUrl: string, slackUrl: string, botToken: string): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/ts-register.js'), path.join(ROOT, 'src/main.ts')], {
    // Outside the repository, so a developer's .env can't change what the test runs.
    cwd: os.tmpdir(),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      PUBLIC_URL: url,
      DATABASE_URL: databaseUrl,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: slackUrl,
      INGEST_SECRET: TEST_SECRETS.ingest,
      ADMIN_TOKEN: TEST_SECRETS.admin,
      ENCRYPTION_KEYS: `k1:${TEST_SECRETS.encryptionKey}`,
      OUTBOX_POLL_MS: '50',
      OUTBOX_LEASE_MS: String(LEASE_MS),
      PROBE_INTERVAL_MINUTES: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replica = { url, process: child, output, exited };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited during start-up:\n${output.join('')}`);
    const healthy = await fetch(`${url}/healthz`).then((response) => response.ok, () => false);
    if (healthy) return replica;
    if (Date.now() > deadline) throw new Error(`replica did not start:\n${output.join('')}`);
    await sleep(100);
  }
}

async function stop(replica: Replica): Promise<void> {
  replica.process.kill('SIGTERM');
  await replica.exited;
}

const posts = (slack: FakeSlack) => slack.callsTo('chat.postMessage');
/** Alert texts start with the connection's name. */
const connectionName = (call: FakeSlackCall) => String(call.args.text).split(' ')[0]!;
