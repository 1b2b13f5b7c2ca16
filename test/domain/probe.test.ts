import { randomBytes } from 'node:crypto';
import { createCore, type Core } from '../../src/app';
import { loadConfig } from '../../src/config';
import { claimDueConnections, type Connection } from '../../src/db/connections';
import { loadSecrets, reencryptSecrets, saveSecrets } from '../../src/db/credentials';
import { createConnection, disableConnection } from '../../src/domain/connections';
import { checkNow, runProbeSweep, type ProbeDeps, type ProbeSettings } from '../../src/domain/probe';
import { changeStatus } from '../../src/domain/status-engine';
import { probeDepsFromCore } from '../../src/app';
import { minutesFrom, startOfMinute } from '../../src/lib/clock';
import { KeyRing } from '../../src/lib/key-ring';
import { refreshAccessToken } from '../../src/oauth';
import { FakeClock, ShiftedClock } from '../support/clock';
import { databaseKinds, dropDatabase, freshDatabaseUrl, truncateAll } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { waitFor } from '../support/wait';

const START = '2026-11-23T09:00:00Z';
const CURRENT_KEY = { id: 'k2', key: randomBytes(32) };
const OLD_KEY = { id: 'k1', key: randomBytes(32) };
const ADMIN = { type: 'admin' as const, id: 'test' };
const NO_RESULTS = { probed: 0, ok: 0, needsReauth: 0, transient: 0, skipped: 0, errors: 0 };


for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`probe [${kind}]`, () => {
    // Two servers, so the per-provider limit shows at each: generic_oauth2 on one, generic_api_key on the other.
    let oauth: FakeOAuthProvider;
    let apiKeys: FakeOAuthProvider;
    let core: Core;
    let databaseUrl: string;
    const clock = new FakeClock(START);
    const logs: string[] = [];
    let serial = 0;
    /** The fakes keep every request; each test looks at its own. */
    let firstRequest = 0;

    beforeAll(async () => {
      oauth = await startFakeOAuthProvider();
      apiKeys = await startFakeOAuthProvider();
      databaseUrl = freshDatabaseUrl(kind);
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'debug',
        ENCRYPTION_KEYS: [CURRENT_KEY, OLD_KEY].map((key) => `${key.id}:${key.key.toString('base64')}`).join(','),
        ...genericOAuthEnv(oauth),
        GENERIC_API_KEY_PROBE_URL: apiKeys.config().apiKeyProbeUrl,
        PROBE_INTERVAL_MINUTES: '15',
        DEGRADED_AFTER_FAILURES: '3',
        PROBE_TIMEOUT_MS: '5000',
      });
      core = await createCore(config, { clock, logSink: (line) => logs.push(line) });
    });
    afterAll(async () => {
      await core.db.close();
      await dropDatabase(databaseUrl);
      await oauth.close();
      await apiKeys.close();
    });
    beforeEach(() => {
      clock.set(START);
      logs.length = 0;
      firstRequest = oauth.requests.length;
    });
    afterEach(async () => {
      oauth.clearFaults();
      apiKeys.clearFaults();
      await truncateAll(core.db);
    });

    const prisma = () => core.db.prisma;
    const deps = (settings: Partial<ProbeSettings> = {}): ProbeDeps => {
      const base = probeDepsFromCore(core);
      return { ...base, settings: { ...base.settings, ...settings } };
    };
    const sweep = (settings: Partial<ProbeSettings> = {}, options = {}) => runProbeSweep(deps(settings), options);
    const row = (connection: Connection) => prisma().connection.findUniqueOrThrow({ where: { id: connection.id } });
    const stored = async (connection: Connection) => (await loadSecrets(prisma(), core.keyRing, connection))!;
    const requestsTo = (path: string) => oauth.requests.slice(firstRequest).filter((request) => request.path === path);
    const tokenRequests = () => requestsTo('/token');

    async function addConnection(provider: string, credentials?: Record<string, string>): Promise<Connection> {
      serial += 1;
      return createConnection(
        core.connections,
        { teamId: 'T0001', provider, name: `Connection ${serial}`, externalAccountId: `account-${serial}`, channelId: 'C0ALERTS', owners: [], options: {}, credentials },
        ADMIN,
      );
    }

    async function addOAuthConnection() {
      const tokens = oauth.issueTokens('account-1');
      return { connection: await addConnection('generic_oauth2', tokens), tokens };
    }

    async function addApiKeyConnection(apiKey = `key_${randomBytes(9).toString('base64url')}`) {
      apiKeys.addApiKey(apiKey, 'api-account');
      return addConnection('generic_api_key', { apiKey });
    }

    /** One sweep per probe interval, each failing with a 503 at the token endpoint. */
    async function failInARow(times: number): Promise<void> {
      oauth.failNext('/token', 503, 'Service Unavailable', times);
      for (let i = 0; i < times; i += 1) {
        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, transient: 1 });
        clock.advanceMinutes(15);
      }
    }

    describe('classification', () => {
      it('moves a connection whose refresh token was revoked to authorization_required, with one incident and one alert', async () => {
        const { connection, tokens } = await addOAuthConnection();
        oauth.revoke(tokens.refreshToken);
        const metricBefore = core.metrics.get('reconnect_probe_results_total', { provider: 'generic_oauth2', result: 'needs_reauth' });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, needsReauth: 1 });

        expect(await row(connection)).toMatchObject({ status: 'authorization_required', reason: 'token_revoked', lastCheckedAt: clock.now() });
        expect(await prisma().incident.count()).toBe(1);
        expect(await prisma().outboxMessage.count({ where: { kind: 'alert.sync' } })).toBe(1);
        const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'status_changed' } });
        expect(audit).toMatchObject({ actorType: 'probe', fromStatus: 'connected', toStatus: 'authorization_required' });
        expect(core.metrics.get('reconnect_probe_results_total', { provider: 'generic_oauth2', result: 'needs_reauth' })).toBe(metricBefore + 1);

        // Only a reauthorization ends an auth problem, so later sweeps leave the connection alone.
        clock.advanceMinutes(60);
        expect(await sweep()).toEqual(NO_RESULTS);
        expect(await prisma().incident.count()).toBe(1);
      });

      it('counts a 503 as transient: still connected, one failure, next probe backed off, nothing posted', async () => {
        const { connection } = await addOAuthConnection();
        oauth.failNext('/token', 503, 'Service Unavailable');

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, transient: 1 });

        const after = await row(connection);
        expect(after).toMatchObject({ status: 'connected', consecutiveFailures: 1, lastCheckedAt: clock.now(), lastSuccessAt: null });
        // The first retry comes after 2 minutes, ±20 % jitter.
        expect(after.nextProbeAt.getTime()).toBeGreaterThanOrEqual(minutesFrom(clock.now(), 1.6).getTime());
        expect(after.nextProbeAt.getTime()).toBeLessThanOrEqual(minutesFrom(clock.now(), 2.4).getTime());
        expect(await prisma().incident.count()).toBe(0);
        expect(await prisma().outboxMessage.count({ where: { kind: { not: 'home.refresh' } } })).toBe(0);
      });

      it('marks the connection degraded after DEGRADED_AFTER_FAILURES transient failures in a row, without an incident', async () => {
        const { connection } = await addOAuthConnection();
        await failInARow(2);
        expect(await row(connection)).toMatchObject({ status: 'connected', consecutiveFailures: 2 });

        await failInARow(1);
        expect(await row(connection)).toMatchObject({ status: 'degraded', reason: 'third_party_outage', consecutiveFailures: 3 });

        // However long the outage lasts, transient failures never ask anyone to reauthorize.
        oauth.failNext('/token', 429, { error: 'rate_limited' }, 2);
        for (let i = 0; i < 2; i += 1) {
          expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, transient: 1 });
          clock.advanceMinutes(15);
        }
        oauth.hang('/token');
        expect(await sweep({ timeoutMs: 200 })).toEqual({ ...NO_RESULTS, probed: 1, transient: 1 });
        const after = await row(connection);
        expect(after).toMatchObject({ status: 'degraded', consecutiveFailures: 6 });
        // Backing off never waits longer than a healthy connection's interval.
        expect(after.nextProbeAt.getTime()).toBeLessThanOrEqual(minutesFrom(clock.now(), 15).getTime());
        expect(await prisma().incident.count()).toBe(0);
        expect(await prisma().outboxMessage.count({ where: { kind: { not: 'home.refresh' } } })).toBe(0);
        const changes = await prisma().auditEvent.findMany({ where: { action: 'status_changed' } });
        expect(changes).toEqual([expect.objectContaining({ actorType: 'probe', fromStatus: 'connected', toStatus: 'degraded' })]);
      });

      it('brings a degraded connection back to connected on the first successful probe', async () => {
        const { connection } = await addOAuthConnection();
        await failInARow(3);
        expect((await row(connection)).status).toBe('degraded');

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });

        expect(await row(connection)).toMatchObject({
          status: 'connected',
          reason: null,
          consecutiveFailures: 0,
          lastSuccessAt: clock.now(),
          nextProbeAt: minutesFrom(clock.now(), 15),
        });
        expect(await prisma().incident.count()).toBe(0);
      });

      it('checks an API key: a valid one is ok, a refused one (401) needs reauthorization', async () => {
        const good = await addApiKeyConnection();
        const refused = await addConnection('generic_api_key', { apiKey: 'key_that_the_provider_does_not_know' });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 2, ok: 1, needsReauth: 1 });

        expect(await row(good)).toMatchObject({ status: 'connected', lastSuccessAt: clock.now() });
        expect(await row(refused)).toMatchObject({ status: 'authorization_required', reason: 'token_revoked' });
        expect(await prisma().incident.count()).toBe(1);
      });

      it('calls the identity endpoint when there is no refresh token, and a revoked access token needs reauthorization', async () => {
        const { accessToken } = oauth.issueTokens('account-1');
        const connection = await addConnection('generic_oauth2', { accessToken });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
        expect(requestsTo('/userinfo')).toHaveLength(1);

        oauth.revoke(accessToken);
        clock.advanceMinutes(15);
        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, needsReauth: 1 });
        expect((await row(connection)).status).toBe('authorization_required');
      });

      it('treats a token endpoint that never answers as transient, and the sweep still finishes', async () => {
        const { connection } = await addOAuthConnection();
        oauth.hang('/token');
        const started = Date.now();

        expect(await sweep({ timeoutMs: 300 })).toEqual({ ...NO_RESULTS, probed: 1, transient: 1 });

        expect(Date.now() - started).toBeLessThan(5000);
        expect(await row(connection)).toMatchObject({ status: 'connected', consecutiveFailures: 1 });
        expect(logs.some((line) => line.includes('did not answer within 300 ms'))).toBe(true);
      });
    });

    describe('refresh token rotation', () => {
      it('stores the rotated refresh token; the old one is dead at the provider and the next probe still works', async () => {
        const { connection, tokens } = await addOAuthConnection();
        const before = await stored(connection);

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });

        const after = await stored(connection);
        expect(after.version).toBe(before.version + 1);
        expect(after.secrets.refreshToken).toMatch(/^rt_/);
        expect(after.secrets.refreshToken).not.toBe(tokens.refreshToken);
        expect(after.secrets.accessToken).not.toBe(tokens.accessToken);
        expect(after.secrets.expiresAt).toBe(new Date(clock.now().getTime() + 3600_000).toISOString());
        expect(await row(connection)).toMatchObject({ lastSuccessAt: clock.now(), nextProbeAt: minutesFrom(clock.now(), 15) });

        const reused = await refreshAccessToken({
          provider: core.catalog.require('generic_oauth2'),
          client: { clientId: oauth.clientId, clientSecret: oauth.clientSecret },
          refreshToken: tokens.refreshToken,
          allowInsecureHttp: true,
        });
        expect(reused).toEqual({ ok: false, error: expect.objectContaining({ classification: 'needs_reauth' }) });

        clock.advanceMinutes(15);
        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
        expect((await stored(connection)).secrets.refreshToken).not.toBe(after.secrets.refreshToken);
      });

      it('does not alert when a reauthorization replaced the credentials while the probe refreshed the old ones', async () => {
        const { connection, tokens } = await addOAuthConnection();
        oauth.latency(300);
        const running = sweep();
        await waitFor(() => tokenRequests().some((request) => request.form.refresh_token === tokens.refreshToken), 5000, 5);

        const reauthorized = oauth.issueTokens('account-1');
        oauth.revoke(tokens.refreshToken);
        await saveSecrets(prisma(), core.keyRing, connection, reauthorized);

        expect(await running).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
        expect((await row(connection)).status).toBe('connected');
        expect(await prisma().incident.count()).toBe(0);
        const refreshToken = (await stored(connection)).secrets.refreshToken;
        expect([tokens.refreshToken, reauthorized.refreshToken]).not.toContain(refreshToken);
      });

      it('keeps the rotated refresh token when re-encryption bumps the credential version during the refresh', async () => {
        const tokens = oauth.issueTokens('account-1');
        const connection = await addConnection('generic_oauth2');
        await saveSecrets(prisma(), new KeyRing([OLD_KEY]), connection, tokens);
        oauth.latency(300);
        const running = sweep();
        await waitFor(() => tokenRequests().length === 1, 5000, 5);

        expect(await reencryptSecrets(prisma(), core.keyRing)).toBe(1);

        expect(await running).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
        const after = await stored(connection);
        expect(after.version).toBe(3);
        expect(after.secrets.refreshToken).not.toBe(tokens.refreshToken);
        expect((await prisma().credential.findUniqueOrThrow({ where: { connectionId: connection.id } })).keyId).toBe(CURRENT_KEY.id);

        oauth.latency(0);
        clock.advanceMinutes(15);
        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
      });
    });

    describe('the sweep', () => {
      it('never has more than `concurrency` probes in flight, across pages', async () => {
        for (let i = 0; i < 30; i += 1) await addOAuthConnection();
        oauth.latency(100);
        oauth.resetMaxInFlight();

        expect(await sweep({ concurrency: 4, perProviderConcurrency: 10 }, { pageSize: 7 })).toEqual({ ...NO_RESULTS, probed: 30, ok: 30 });

        expect(oauth.maxInFlight).toBe(4);
        expect(tokenRequests()).toHaveLength(30);
      });

      it('probes each connection once when two sweeps overlap', async () => {
        for (let i = 0; i < 10; i += 1) await addOAuthConnection();
        oauth.latency(100);

        const [first, second] = await Promise.all([sweep({}, { pageSize: 3 }), sweep({}, { pageSize: 3 })]);

        expect(first.probed + second.probed).toBe(10);
        expect(first.ok + second.ok).toBe(10);
        expect(tokenRequests()).toHaveLength(10);
      });

      it('records which replica claimed each connection and when, and lets go of it once the result is recorded', async () => {
        const { connection } = await addOAuthConnection();

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });

        expect(await row(connection)).toMatchObject({ probeClaimedBy: core.replica, probeClaimedAt: clock.now(), probeLeaseUntil: null, lastCheckedAt: clock.now() });
      });

      it('leaves the connections another replica holds until its hold runs out (it died mid-sweep), then probes each of them once', async () => {
        const connections = [];
        for (let i = 0; i < 3; i += 1) connections.push(await addOAuthConnection());
        const dead = { by: 'replica-that-died', at: clock.now() };
        const held = await claimDueConnections(prisma(), dead, { dueBy: clock.now(), now: clock.now(), leaseUntil: new Date(clock.now().getTime() + 60_000), take: 2 });
        expect(held).toHaveLength(2);

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 1, ok: 1 });
        for (const connection of held) expect(await row(connection)).toMatchObject({ probeClaimedBy: dead.by, lastCheckedAt: null });

        clock.advance(60_001);
        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 2, ok: 2 });

        for (const connection of held) expect(await row(connection)).toMatchObject({ probeClaimedBy: core.replica, probeLeaseUntil: null, lastCheckedAt: clock.now() });
        const refreshed = tokenRequests().map((request) => request.form.refresh_token);
        expect(refreshed.sort()).toEqual(connections.map(({ tokens }) => tokens.refreshToken).sort());
      });

      it('renews its hold while a probe outlasts the lease, so another replica sweeping meanwhile takes nothing', async () => {
        for (let i = 0; i < 2; i += 1) await addOAuthConnection();
        // Real time: the hold is renewed on a timer. One probe at a time, each longer than the 3 s lease.
        const live = (replica: string): ProbeDeps => ({ ...deps({ leaseSeconds: 3, concurrency: 1, perProviderConcurrency: 1 }), replica, clock: new ShiftedClock() });
        oauth.latency(3_500);

        const first = runProbeSweep(live('replica-a'));
        await waitFor(() => tokenRequests().length === 1, 5_000, 10);
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        const second = await runProbeSweep(live('replica-b'));
        oauth.latency(0);

        expect(second).toEqual(NO_RESULTS);
        expect(await first).toEqual({ ...NO_RESULTS, probed: 2, ok: 2 });
        expect(tokenRequests()).toHaveLength(2);
        const rows = await prisma().connection.findMany();
        expect(rows.map((connection) => [connection.probeClaimedBy, connection.probeLeaseUntil])).toEqual([
          ['replica-a', null],
          ['replica-a', null],
        ]);
      }, 20_000);

      it('holds the per-provider limit while other providers use the remaining slots', async () => {
        for (let i = 0; i < 12; i += 1) {
          await addOAuthConnection();
          await addApiKeyConnection();
        }
        oauth.latency(100);
        apiKeys.latency(100);
        oauth.resetMaxInFlight();
        apiKeys.resetMaxInFlight();

        expect(await sweep({ concurrency: 10, perProviderConcurrency: 2 })).toEqual({ ...NO_RESULTS, probed: 24, ok: 24 });

        expect(oauth.maxInFlight).toBe(2);
        expect(apiKeys.maxInFlight).toBe(2);
      });

      it('probes only connected and degraded connections that are due', async () => {
        const due = await addOAuthConnection();
        const degraded = await addOAuthConnection();
        const disabled = await addOAuthConnection();
        const later = await addOAuthConnection();
        const broken = await addOAuthConnection();
        await changeStatus(core.engine, { connectionId: degraded.connection.id, status: 'degraded', actor: ADMIN, occurredAt: clock.now() });
        await disableConnection(core.connections, disabled.connection.id, ADMIN);
        await prisma().connection.update({ where: { id: later.connection.id }, data: { nextProbeAt: minutesFrom(clock.now(), 5) } });
        await changeStatus(core.engine, { connectionId: broken.connection.id, status: 'authorization_required', reason: 'token_revoked', actor: ADMIN, occurredAt: clock.now() });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 2, ok: 2 });

        const refreshed = tokenRequests().map((request) => request.form.refresh_token);
        expect(refreshed.sort()).toEqual([due.tokens.refreshToken, degraded.tokens.refreshToken].sort());
        expect((await row(disabled.connection)).lastCheckedAt).toBeNull();
        expect((await row(later.connection)).lastCheckedAt).toBeNull();
        expect((await row(broken.connection)).lastCheckedAt).toBeNull();
      });

      it('schedules the next probe on the minute, so the fire one interval later finds it due', async () => {
        const connection = await addApiKeyConnection();
        // A sweep runs a little after its fire, which cron makes on the minute.
        clock.set(new Date(startOfMinute(clock.now()).getTime() + 60_000 + 250));
        await sweep();
        const checked = await row(connection);
        expect(checked.nextProbeAt).toEqual(minutesFrom(startOfMinute(clock.now()), 15));

        clock.set(new Date(checked.nextProbeAt.getTime() + 50));
        await sweep();
        expect((await row(connection)).lastCheckedAt).toEqual(clock.now());
      });

      it('takes the most overdue connections first when a limit is set', async () => {
        const connections = [];
        for (let i = 0; i < 4; i += 1) connections.push((await addOAuthConnection()).connection);
        for (const [index, connection] of connections.entries()) {
          await prisma().connection.update({ where: { id: connection.id }, data: { nextProbeAt: minutesFrom(clock.now(), -10 * (index + 1)) } });
        }

        expect(await sweep({}, { limit: 2, pageSize: 1 })).toEqual({ ...NO_RESULTS, probed: 2, ok: 2 });

        const checked = await prisma().connection.findMany({ where: { lastCheckedAt: { not: null } }, select: { id: true } });
        expect(checked.map((connection) => connection.id).sort()).toEqual([connections[2]!.id, connections[3]!.id].sort());
      });

      it('goes on past a row that fails, and logs it', async () => {
        await addOAuthConnection();
        const { connection: unreadable } = await addOAuthConnection();
        await addOAuthConnection();
        await prisma().credential.update({ where: { connectionId: unreadable.id }, data: { keyId: OLD_KEY.id } });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 3, ok: 2, errors: 1 });

        expect(logs.some((line) => line.includes('"msg":"probe failed"') && line.includes(unreadable.id))).toBe(true);
      });

      it('skips, without alerting, connections it cannot probe: no credentials, or no OAuth client for the provider', async () => {
        const bare = await addConnection('generic_oauth2');
        const unconfigured = await addConnection('google_ads', { accessToken: 'ya29.access-token', refreshToken: '1//refresh-token' });

        expect(await sweep()).toEqual({ ...NO_RESULTS, probed: 2, skipped: 2 });

        for (const connection of [bare, unconfigured]) {
          expect(await row(connection)).toMatchObject({ status: 'connected', consecutiveFailures: 0, nextProbeAt: minutesFrom(clock.now(), 15) });
        }
        const warnings = logs.filter((line) => line.includes('"level":"warn"'));
        expect(warnings).toEqual([expect.stringContaining('no OAuth client configured for google_ads')]);
        expect(await prisma().incident.count()).toBe(0);
      });
    });

    describe('checkNow', () => {
      it('probes a connection that is not due and returns the classification with the connection after it', async () => {
        const { connection, tokens } = await addOAuthConnection();
        await prisma().connection.update({ where: { id: connection.id }, data: { nextProbeAt: minutesFrom(clock.now(), 10) } });

        const first = await checkNow(deps(), connection.id);
        expect(first).toMatchObject({ result: 'ok', connection: { id: connection.id, status: 'connected', lastCheckedAt: clock.now() } });

        oauth.revoke((await stored(connection)).secrets.refreshToken!);
        const second = await checkNow(deps(), connection.id);
        expect(second).toMatchObject({ result: 'needs_reauth', reason: 'token_revoked', connection: { status: 'authorization_required' } });
        expect(second.detail).toContain('invalid_grant');
        expect(second.detail).not.toContain(tokens.refreshToken);
      });

      it('answers not_found for an unknown connection', async () => {
        await expect(checkNow(deps(), 'no-such-connection')).rejects.toMatchObject({ code: 'not_found' });
      });
    });
  });
}
