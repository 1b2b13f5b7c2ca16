import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../src/db/client';
import { saveSecrets } from '../../src/db/credentials';
import { KeyRing } from '../../src/lib/key-ring';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { killReplica, logLines, startReplicas, stopReplica, type ReplicaProcess } from '../support/replica-process';
import { TEST_SECRETS } from '../support/test-app';
import { clearOfMinuteBoundary, nextMinuteBoundary, waitFor } from '../support/wait';

/**
 * Two app processes on one database sweep at the same minute's fire. Each claims pages of due
 * connections in the database, so every connection is probed exactly once in the round (the provider
 * sees each refresh token once), both replicas take a share, and each row names the replica that claimed
 * it, which is the replica whose log says it probed it. On SQLite too: separate processes take turns at
 * the file's write lock.
 *
 * node-cron fires on minute boundaries, so the test waits for the next one (at most a minute).
 */

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
/** More than a sweep claims at once (a page of 200, and one read ahead), so the second replica gets some. */
const CONNECTIONS = 600;
const CONCURRENCY = 4;
const TOKEN_LATENCY_MS = 20;
const MINUTE_MS = 60_000;

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`two replicas sweeping one database [${kind}${skip ? ` skipped: ${skip}` : ''}]`, () => {
    let slack: FakeSlack;
    let provider: FakeOAuthProvider;
    let databaseUrl: string;
    let db: Database | undefined;
    const replicas: ReplicaProcess[] = [];

    beforeAll(async () => {
      slack = await startFakeSlack();
      provider = await startFakeOAuthProvider();
      provider.latency(TOKEN_LATENCY_MS);
      databaseUrl = freshDatabaseUrl(kind);
      const env = {
        // "probe ok" lines (debug) name the replica and the connection.
        LOG_LEVEL: 'debug',
        PROBE_INTERVAL_MINUTES: '1',
        PROBE_CONCURRENCY: String(CONCURRENCY),
        PROBE_PROVIDER_CONCURRENCY: String(CONCURRENCY),
        ...genericOAuthEnv(provider),
      };
      // Started one after the other: two processes applying SQLite's migrations at once would race for the file.
      await startReplicas(1, { databaseUrl, slackUrl: slack.url, env }, replicas);
      await startReplicas(1, { databaseUrl, slackUrl: slack.url, env }, replicas);
      db = await openDatabase(databaseUrl, { migrate: false, poolSize: 2 });
    }, 120_000);
    afterAll(async () => {
      await Promise.all(replicas.map(killReplica));
      await db?.close();
      await dropDatabase(databaseUrl);
      await provider.close();
      await slack.close();
    });

    it('every connection is probed once in the round, by one of the two, and its row says which', async () => {
      const prisma = db!.prisma;
      const keyRing = new KeyRing([{ id: 'k1', key: Buffer.from(TEST_SECRETS.encryptionKey, 'base64') }]);

      // Due at the next fire exactly, so no earlier sweep takes any of them while they are being created.
      await clearOfMinuteBoundary(20_000);
      const fire = new Date(nextMinuteBoundary());
      const seeds = new Map<string, string>();
      const connections = Array.from({ length: CONNECTIONS }, (_, i) => ({
        id: randomUUID(),
        teamId: TEAM,
        provider: 'generic_oauth2',
        kind: 'integration',
        name: `Warehouse ${String(i).padStart(3, '0')}`,
        externalAccountId: `acct_round_${i}`,
        channelId: 'C0ROUND01',
        nextProbeAt: fire,
      }));
      await prisma.connection.createMany({ data: connections });
      for (const connection of connections) {
        const tokens = provider.issueTokens(connection.externalAccountId);
        await saveSecrets(prisma, keyRing, connection, tokens);
        seeds.set(connection.id, tokens.refreshToken);
      }
      expect(Date.now()).toBeLessThan(fire.getTime());

      const checked = () => prisma.connection.count({ where: { lastCheckedAt: { gte: fire } } });
      await waitFor(async () => (await checked()) === CONNECTIONS, fire.getTime() - Date.now() + 40_000, 200);
      await Promise.all(replicas.map(stopReplica));
      expect(replicas.map((replica) => replica.process.exitCode)).toEqual([0, 0]);

      // Once each: every seeded refresh token reached the provider once, and nothing else did.
      const refreshes = provider.requests.filter((request) => request.path === '/token').map((request) => request.form.refresh_token!);
      expect(refreshes.filter((token, i) => refreshes.indexOf(token) !== i)).toEqual([]);
      expect(refreshes.sort()).toEqual([...seeds.values()].sort());

      // Who probed what, from each replica's log, is what the rows say claimed it, in this round.
      const probedBy = new Map<string, string>();
      const names = replicas.map((replica) => {
        const lines = logLines(replica).filter((line) => line.msg === 'probe ok');
        for (const line of lines) probedBy.set(String(line.connectionId), String(line.replica));
        return String(lines[0]?.replica);
      });
      const rows = await prisma.connection.findMany();
      expect(rows.filter((row) => row.probeClaimedBy !== probedBy.get(row.id))).toEqual([]);
      expect(new Set(rows.map((row) => row.probeClaimedBy))).toEqual(new Set(names));
      expect(names.filter((name) => name === 'undefined')).toEqual([]);
      expect(rows.filter((row) => row.probeClaimedAt! < fire || row.probeClaimedAt!.getTime() >= fire.getTime() + MINUTE_MS)).toEqual([]);

      // All healthy, nothing held any more, and each replica's run counts only what it claimed.
      expect(rows.filter((row) => row.status !== 'connected' || row.consecutiveFailures !== 0 || row.probeLeaseUntil !== null)).toEqual([]);
      const runs = replicas.map((replica) => logLines(replica).filter((line) => line.msg === 'job finished' && line.job === 'probe-sweep' && Date.parse(line.time) >= fire.getTime()));
      const okByRun = runs.map((lines) => lines.reduce((sum, line) => sum + (line.result as { ok: number }).ok, 0));
      expect(okByRun).toEqual(names.map((name) => rows.filter((row) => row.probeClaimedBy === name).length));
      expect(replicas.flatMap((replica) => logLines(replica)).filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
    }, 180_000);
  });
}

