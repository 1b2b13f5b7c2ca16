import { openDatabase, type Database } from '../../src/db/client';
import { loadSecrets } from '../../src/db/credentials';
import { KeyRing } from '../../src/lib/key-ring';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest } from '../fakes/ingest-requests';
import { killReplica, logLines, startReplicas, stopReplica, type ReplicaProcess } from '../support/replica-process';
import { TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { TEST_SECRETS } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * A replica killed with SIGKILL in the middle of a probe sweep, while another replica runs on the same
 * PostgreSQL database. The provider rotates refresh tokens and takes a spent one as a sign of theft
 * (RFC 9700 §4.14.2): presenting a token twice would revoke the grant, and the connection would wrongly
 * need reauthorization. So each claimed connection must be probed by one replica only, and the dead
 * replica's claimed connections must come due again once its hold on them (PROBE_LEASE_SECONDS, renewed
 * only while its sweep runs) runs out.
 *
 * To kill at a known point, the provider stops answering just before the kill: the dead replica's last
 * refreshes reach the provider but are never carried out, as if lost on the way. Every refresh the
 * provider did carry out was answered to a replica that stored the new token. (A refresh carried out
 * but never answered can't be recovered by any client of a strictly rotating provider; that is left out.)
 *
 * node-cron fires on minute boundaries: the test waits for the next one (at most a minute). Both replicas
 * sweep at that fire, and the first to claim takes all the connections (fewer than a page), or nearly all:
 * when the two claims overlap, PostgreSQL's SKIP LOCKED gives the second the rows the first had not locked
 * yet, and with so few it has probed them before the provider stops answering. The replica still holding
 * connections is killed, and the survivor's sweep at the next fire, after the hold has run out, takes
 * them over.
 */

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CONNECTIONS = 48;
/** Probes in flight at once in a replica, overall and for the one provider. */
const CONCURRENCY = 4;
/** A full sweep takes CONNECTIONS / CONCURRENCY × latency ≈ 1.8 s: long enough to stop it in the middle. */
const TOKEN_LATENCY_MS = 150;
/** Refreshes carried out before the provider stops answering. */
const REFRESHED_BEFORE_KILL = 12;
/** Shorter than the minute between fires, so the survivor's next sweep finds the dead replica's hold over. */
const LEASE_SECONDS = 30;
const MINUTE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const postgres = databaseKinds().find(({ kind }) => kind === 'postgresql')!;

(postgres.skip ? describe.skip : describe)(`a replica killed mid probe sweep [postgresql${postgres.skip ? ` skipped: ${postgres.skip}` : ''}]`, () => {
  let slack: FakeSlack;
  let provider: FakeOAuthProvider;
  let databaseUrl: string;
  let db: Database | undefined;
  const replicas: ReplicaProcess[] = [];
  /** The sweep's fire and when the dead replica's hold ends, for the second test. */
  let sweptAt: number | undefined;
  let claimedUntil: number | undefined;

  beforeAll(async () => {
    slack = await startFakeSlack();
    provider = await startFakeOAuthProvider();
    provider.latency(TOKEN_LATENCY_MS);
    databaseUrl = freshDatabaseUrl('postgresql');
    const env = {
      // "probe ok" lines (debug) tell which process is sweeping.
      LOG_LEVEL: 'debug',
      PROBE_INTERVAL_MINUTES: '1',
      PROBE_CONCURRENCY: String(CONCURRENCY),
      PROBE_PROVIDER_CONCURRENCY: String(CONCURRENCY),
      PROBE_LEASE_SECONDS: String(LEASE_SECONDS),
      ...genericOAuthEnv(provider),
    };
    await startReplicas(2, { databaseUrl, slackUrl: slack.url, env }, replicas);
    db = await openDatabase(databaseUrl, { migrate: false, poolSize: 2 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map(killReplica));
    await db?.close();
    await dropDatabase(databaseUrl);
    await provider.close();
    await slack.close();
  });

  it('the dead replica’s claimed connections are probed once by the survivor after the claim: no token presented twice, none lost', async () => {
    const prisma = db!.prisma;
    // Probes of these connections only refresh tokens: every request the provider receives is a refresh (checked below).
    const refreshes = provider.requests;

    // Connections created clear of a minute boundary, so all of them are due at the next one (the sweep under test).
    await clearOfMinuteBoundary(8_000);
    const sweepAt = new Date(nextMinuteBoundary());
    const seeds = new Map<string, string>();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const tokens = provider.issueTokens(`acct_sweep_${i}`);
        const created = await adminRequest(replicas[i % 2]!.url, 'POST', '/api/v1/connections', {
          teamId: TEAM,
          provider: 'generic_oauth2',
          name: `Warehouse ${String(i).padStart(2, '0')}`,
          externalAccountId: `acct_sweep_${i}`,
          channelId: 'C0SWEEP01',
          credentials: tokens,
        });
        expect(created.status).toBe(201);
        seeds.set(created.json.id as string, tokens.refreshToken);
      }),
    );
    expect(Date.now()).toBeLessThan(sweepAt.getTime());

    // Mid-sweep: some refreshes done, then the provider holds every new one until all probe slots wait on it.
    await waitFor(() => refreshes.length >= REFRESHED_BEFORE_KILL, sweepAt.getTime() - Date.now() + 30_000, 10);
    provider.hang('/token');
    const carriedOutBeforeKill = refreshes.length;
    await waitFor(() => refreshes.length - carriedOutBeforeKill >= CONCURRENCY, 10_000, 10);
    await sleep(300);
    expect(refreshes.length - carriedOutBeforeKill).toBe(CONCURRENCY);
    // The replica whose probes wait on the provider is the one that holds connections it has not recorded.
    const holders = await prisma.connection.findMany({ where: { lastCheckedAt: null, probeClaimedBy: { not: null } }, distinct: ['probeClaimedBy'] });
    expect(holders).toHaveLength(1);
    // A replica's name is host:pid:random (src/app.ts).
    const victimName = holders[0]!.probeClaimedBy!;
    const victim = replicas.find((replica) => victimName.includes(`:${replica.process.pid}:`))!;
    expect(victim).toBeDefined();
    const survivor = replicas.find((replica) => replica !== victim)!;
    await killReplica(victim);
    const held = refreshes.slice(carriedOutBeforeKill, carriedOutBeforeKill + CONCURRENCY).map((request) => request.form.refresh_token!);
    provider.clearFaults();
    provider.latency(TOKEN_LATENCY_MS);

    // The dead replica stored the new token of every refresh it was answered (whether it had also recorded
    // those probes depends on how it batches its bookkeeping); every connection it had not recorded stays
    // held in its name until its hold runs out.
    const keyRing = new KeyRing([{ id: 'k1', key: Buffer.from(TEST_SECRETS.encryptionKey, 'base64') }]);
    const storedRefreshToken = async (connection: { id: string; provider: string }) => (await loadSecrets(prisma, keyRing, connection))!.secrets.refreshToken!;
    const afterKill = await prisma.connection.findMany();
    const rotatedByVictim = (await Promise.all(afterKill.map(async (connection) => (await storedRefreshToken(connection)) !== seeds.get(connection.id)))).filter(Boolean);
    expect(rotatedByVictim).toHaveLength(carriedOutBeforeKill);
    const unrecorded = afterKill.filter((connection) => connection.lastCheckedAt === null);
    expect(unrecorded.length).toBeGreaterThanOrEqual(CONNECTIONS - carriedOutBeforeKill);
    expect(unrecorded.filter((connection) => connection.probeClaimedBy !== victimName || connection.probeLeaseUntil === null)).toEqual([]);
    claimedUntil = Math.max(...unrecorded.map((connection) => connection.probeLeaseUntil!.getTime()));
    sweptAt = sweepAt.getTime();

    // The survivor's sweep at the first boundary after the hold ends (the next one).
    const recovered = async () => (await prisma.connection.count({ where: { lastCheckedAt: { gte: sweepAt } } })) === CONNECTIONS;
    await waitFor(recovered, sweepAt.getTime() + MINUTE_MS + 30_000 - Date.now(), 250);
    await stopReplica(survivor);
    expect(survivor.process.exitCode).toBe(0);
    expect(refreshes.filter((request) => request.path !== '/token' || request.form.grant_type !== 'refresh_token')).toEqual([]);

    // Nothing twice: the provider carried out each refresh token once (the held ones once, by the survivor).
    const carriedOut = refreshes
      .filter((_, i) => i < carriedOutBeforeKill || i >= carriedOutBeforeKill + CONCURRENCY)
      .map((request) => request.form.refresh_token!);
    expect(carriedOut.filter((token, i) => carriedOut.indexOf(token) !== i)).toEqual([]);
    expect([...seeds.values()].filter((token) => !carriedOut.includes(token))).toEqual([]);
    expect(held.filter((token) => !carriedOut.includes(token))).toEqual([]);

    // Nothing lost: the survivor probed every connection the dead replica left unrecorded, only once its hold had run out.
    const final = await prisma.connection.findMany();
    const unrecordedIds = new Set(unrecorded.map((connection) => connection.id));
    const survivorProbes = new Set(logLines(survivor).filter((line) => line.msg === 'probe ok').map((line) => String(line.connectionId)));
    expect([...unrecordedIds].filter((id) => !survivorProbes.has(id))).toEqual([]);
    expect(final.filter((connection) => unrecordedIds.has(connection.id) && connection.lastCheckedAt!.getTime() < claimedUntil!)).toEqual([]);
    const survivorName = String(logLines(survivor).find((line) => line.msg === 'probe ok')!.replica);
    expect(final.filter((connection) => unrecordedIds.has(connection.id) && connection.probeClaimedBy !== survivorName)).toEqual([]);

    // Nothing wrongly broken: every connection connected, its last probe a success, no incident, no alert.
    expect(final.filter((connection) => connection.status !== 'connected' || connection.consecutiveFailures !== 0)).toEqual([]);
    expect(final.filter((connection) => connection.lastSuccessAt === null || connection.lastSuccessAt < sweepAt)).toEqual([]);
    expect(await prisma.incident.count()).toBe(0);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    const probeResults = [victim, survivor].flatMap((replica) => logLines(replica)).filter((line) => /^probe/.test(line.msg) && line.msg !== 'probe ok');
    expect(probeResults).toEqual([]);

    // Every stored refresh token is the live one, which the provider still accepts.
    const stored = await Promise.all(final.map(storedRefreshToken));
    provider.latency(0);
    const accepted = await Promise.all(stored.map((refreshToken) => refreshAt(provider, refreshToken)));
    expect(accepted).toEqual(stored.map(() => 200));

    const output = replicas.flatMap((replica) => replica.output).join('');
    const tokens = [...seeds.values(), ...carriedOut, ...stored];
    for (const secret of [TEST_SECRETS.ingest, TEST_SECRETS.admin, TEST_SECRETS.encryptionKey, TEST_SIGNING_SECRET, FAKE_SLACK_DEFAULTS.botToken, provider.clientSecret, ...tokens]) {
      expect(output).not.toContain(secret);
    }
  }, 270_000);

  it('the dead replica’s hold ends within PROBE_LEASE_SECONDS of its last claim, before the fire one minute later', () => {
    expect(sweptAt).toBeDefined();
    expect(claimedUntil).toBeLessThanOrEqual(sweptAt! + LEASE_SECONDS * 1000 + 5_000);
    expect(claimedUntil).toBeLessThan(sweptAt! + MINUTE_MS);
  });
});

/** What any client would do with the token: a refresh at the provider's token endpoint. */
async function refreshAt(provider: FakeOAuthProvider, refreshToken: string): Promise<number> {
  const response = await fetch(provider.config().tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: provider.clientId, client_secret: provider.clientSecret }),
  });
  await response.body?.cancel();
  return response.status;
}

function nextMinuteBoundary(from = Date.now()): number {
  return Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}

/** When the next minute boundary is closer than `marginMs`, waits until it has passed. */
async function clearOfMinuteBoundary(marginMs: number): Promise<void> {
  const next = nextMinuteBoundary();
  if (next - Date.now() < marginMs) await sleep(next - Date.now() + 500);
}
