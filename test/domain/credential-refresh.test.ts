import { randomBytes } from 'node:crypto';
import { createCore, probeDepsFromCore, type Core } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Connection } from '../../src/db/connections';
import { loadSecrets } from '../../src/db/credentials';
import { createAccessTokens } from '../../src/domain/access-tokens';
import { createConnection } from '../../src/domain/connections';
import { REFRESH_BUSY, REFRESH_LOCK_MS, refreshStored } from '../../src/domain/credential-refresh';
import { refreshAccessToken } from '../../src/oauth';
import type { ProviderDefinition } from '../../src/providers/definition';
import { ShiftedClock } from '../support/clock';
import { databaseKinds, dropDatabase, freshDatabaseUrl, truncateAll } from '../support/databases';
import { genericOAuthEnv, oauth2ProviderFor, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { waitFor } from '../support/wait';

/**
 * The refresh lock when a refresh outlasts it. A caller whose token request takes longer than
 * REFRESH_LOCK_MS loses the lock to the next caller, who presents the same refresh token; the slow fake
 * token endpoint (its latency is read when each request arrives) decides who the provider answers
 * first. The second caller runs on a clock REFRESH_LOCK_MS ahead, so the lock has run out for it.
 */

const ADMIN = { type: 'admin' as const, id: 'test' };
const OVERTAKEN = REFRESH_LOCK_MS + 1_000;

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`credential refresh lock [${kind}]`, () => {
    let rotating: FakeOAuthProvider;
    let keeping: FakeOAuthProvider;
    let core: Core;
    let databaseUrl: string;
    let serial = 0;

    beforeAll(async () => {
      rotating = await startFakeOAuthProvider();
      keeping = await startFakeOAuthProvider({ rotateRefreshTokens: false });
      databaseUrl = freshDatabaseUrl(kind);
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'debug',
        ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        ...genericOAuthEnv(rotating),
        PROBE_TIMEOUT_MS: '5000',
      });
      core = await createCore(config, { logSink: () => undefined });
    });
    afterAll(async () => {
      await core.db.close();
      await dropDatabase(databaseUrl);
      await Promise.all([rotating.close(), keeping.close()]);
    });
    afterEach(async () => {
      rotating.clearFaults();
      keeping.clearFaults();
      await truncateAll(core.db);
    });

    const prisma = () => core.db.prisma;
    const clockAt = (offsetMs: number) => Object.assign(new ShiftedClock(), { offsetMs });
    const tokenRequests = (fake: FakeOAuthProvider) => fake.requests.filter((request) => request.path === '/token');
    const stored = async (connection: Connection) => (await loadSecrets(prisma(), core.keyRing, connection))!;
    const lockOf = (connection: Connection) =>
      prisma().credential.findUniqueOrThrow({ where: { connectionId: connection.id }, select: { refreshLockUntil: true, refreshLockOwner: true } });

    async function addConnection(fake: FakeOAuthProvider, expiresAt?: Date): Promise<Connection> {
      serial += 1;
      const tokens = fake.issueTokens('account-1');
      return createConnection(
        core.connections,
        {
          teamId: 'T0001',
          provider: 'generic_oauth2',
          name: `Connection ${serial}`,
          externalAccountId: `account-${serial}`,
          channelId: 'C0ALERTS',
          owners: [],
          options: {},
          credentials: { ...tokens, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
        },
        ADMIN,
      );
    }

    /** One caller's refresh, as the probe makes it, on a clock `offsetMs` ahead. */
    async function refreshAt(offsetMs: number, connection: Connection, fake: FakeOAuthProvider, provider: ProviderDefinition = core.catalog.require('generic_oauth2')) {
      const clock = clockAt(offsetMs);
      const deps = { prisma: prisma(), clock, keyRing: core.keyRing, logger: core.logger };
      const client = { clientId: fake.clientId, clientSecret: fake.clientSecret };
      return refreshStored(deps, connection, provider, client, await stored(connection), { allowInsecureHttp: true, timeoutMs: 5000, clock }, 'probe');
    }

    it('a caller whose lock ran out leaves the lock to the caller who took it over, whose refusal of a superseded token is not taken for a dead grant', async () => {
      const connection = await addConnection(rotating);
      const before = tokenRequests(rotating).length;
      rotating.latency(400);
      const first = refreshAt(0, connection, rotating);
      await waitFor(() => tokenRequests(rotating).length === before + 1, 5000, 5);
      rotating.latency(1500);
      const second = refreshAt(OVERTAKEN, connection, rotating);
      await waitFor(() => tokenRequests(rotating).length === before + 2, 5000, 5);

      // The provider answers the first caller first and rotates the token; the second still waits.
      const firstResult = await first;
      const lockWhileSecondWaits = await lockOf(connection);
      const third = await refreshAt(1_000, connection, rotating);
      rotating.latency(0);
      const secondResult = await second;

      expect(firstResult).toMatchObject({ ok: true });
      expect(lockWhileSecondWaits.refreshLockOwner).not.toBeNull();
      expect(third).toBe(REFRESH_BUSY);
      // Refused (the first caller had rotated its refresh token), the holder retried with the stored one.
      const after = await stored(connection);
      expect(secondResult).toMatchObject({ ok: true, value: { refreshToken: after.secrets.refreshToken } });
      expect(await lockOf(connection)).toEqual({ refreshLockUntil: null, refreshLockOwner: null });
      expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe('connected');
      const stillLive = await refreshAccessToken({
        provider: core.catalog.require('generic_oauth2'),
        client: { clientId: rotating.clientId, clientSecret: rotating.clientSecret },
        refreshToken: after.secrets.refreshToken!,
        allowInsecureHttp: true,
      });
      expect(stillLive.ok).toBe(true);
    });

    it('a caller whose lock ran out does not put its older tokens over the ones the caller who took it over stored', async () => {
      const provider = oauth2ProviderFor(keeping);
      const connection = await addConnection(keeping);
      const before = tokenRequests(keeping).length;
      keeping.latency(400);
      const late = refreshAt(0, connection, keeping, provider);
      await waitFor(() => tokenRequests(keeping).length === before + 1, 5000, 5);
      keeping.latency(0);
      const overtaking = await refreshAt(OVERTAKEN, connection, keeping, provider);
      const lateResult = await late;

      expect(overtaking).toMatchObject({ ok: true });
      const newest = overtaking !== REFRESH_BUSY && overtaking.ok ? overtaking.value.accessToken : undefined;
      expect(lateResult).toMatchObject({ ok: true, value: { accessToken: newest } });
      expect((await stored(connection)).secrets.accessToken).toBe(newest);
    });

    it('a read whose refresh lost the race to the replica that took over its lock answers with that replica\'s token, and the connection stays connected', async () => {
      const connection = await addConnection(rotating, new Date(Date.now() + 60_000));
      const base = { ...core.connections, logger: core.logger, settings: probeDepsFromCore(core).settings };
      const slowReplica = createAccessTokens({ ...base, clock: clockAt(0) });
      const otherReplica = createAccessTokens({ ...base, clock: clockAt(OVERTAKEN) });
      const before = tokenRequests(rotating).length;
      rotating.latency(400);
      const slowRead = slowReplica.read(connection.id, 'pipeline');
      await waitFor(() => tokenRequests(rotating).length === before + 1, 5000, 5);
      rotating.latency(0);
      const [otherAnswer, slowAnswer] = await Promise.allSettled([otherReplica.read(connection.id, 'pipeline'), slowRead]);

      expect(otherAnswer.status).toBe('fulfilled');
      expect(slowAnswer).toEqual(otherAnswer);
      expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe('connected');
      expect(await prisma().incident.count()).toBe(0);
    });
  });
}
