import { randomUUID } from 'node:crypto';
import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { startMicrosoftSimulator, type MicrosoftSimulator } from '../fakes/providers/microsoft';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { startReplicaPair, TEST_SECRETS, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { checkNow } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';

/**
 * The data platform reads access tokens from Reconnect, the only holder of the refresh token. Microsoft
 * rotates refresh tokens on every refresh (https://learn.microsoft.com/entra/identity-platform/refresh-tokens),
 * so the simulator's count of refresh grants shows whether one was ever presented twice.
 */

const KEY = 'pipeline-key-0123456789abcdef0123456789';
const OTHER_DEPLOYMENT_KEY = 'pipeline-key-of-another-deployment-0123456789';
const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const USER = '70001';
const ACCOUNT = '150000001';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`credentials API [${kind}]`, () => {
    let sim: MicrosoftSimulator;
    let slack: FakeSlack;
    let hooks: WebhookReceiver;
    let replicas: { a: TestApp; b: TestApp; stop(): Promise<void> };
    let t: TestApp;

    beforeAll(async () => {
      sim = await startMicrosoftSimulator();
      sim.addUser({ id: USER, label: 'owner@contoso.example', accounts: [{ id: ACCOUNT, name: 'Contoso', customerId: '250000001' }] });
      slack = await startFakeSlack();
      hooks = await startWebhookReceiver();
      replicas = await startReplicaPair(kind, {
        ...fakeSlackEnv(slack),
        ...sim.env(),
        DATA_PLATFORM_KEYS: `pipeline:${KEY}`,
        OUTBOUND_WEBHOOK_URL: hooks.url,
        OUTBOUND_WEBHOOK_SECRET: TEST_SECRETS.webhook,
      });
      t = replicas.a;
    });
    afterAll(async () => {
      await replicas.stop();
      await Promise.all([sim.close(), slack.close(), hooks.close()]);
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      hooks.received.length = 0;
      sim.refreshes.length = 0;
    });

    async function connection(expiresInMs: number, extra: Record<string, unknown> = {}): Promise<{ id: string; refreshToken: string }> {
      const tokens = sim.issueTokens(USER);
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: 'microsoft_ads',
        name: 'Contoso Search',
        externalAccountId: ACCOUNT,
        channelId: 'C0ADS0001',
        credentials: { ...tokens, expiresAt: new Date(Date.now() + expiresInMs).toISOString() },
        ...extra,
      });
      return { id: created.json.id as string, refreshToken: tokens.refreshToken! };
    }

    const read = (app: TestApp, id: string, key = KEY) =>
      fetch(`${app.url}/api/v1/connections/${id}/access-token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

    it('hands out a token that is still fresh without refreshing it, and audits the read by key name', async () => {
      const { id } = await connection(60 * 60_000);
      const answer = await read(t, id);

      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const body = (await answer.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresAt', 'tokenType']);
      expect(sim.live(body.accessToken as string, 'access')).toBeDefined();
      expect(sim.refreshes).toHaveLength(0);
      const audit = await t.app.core.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'access_token_read' } });
      expect(audit).toMatchObject({ actorType: 'data_platform', actorId: 'pipeline', connectionId: id });
      expect(JSON.parse(audit.detail)).toEqual({ outcome: 'ok' });
    });

    it('20 concurrent reads on two replicas of a token about to expire make exactly one refresh; everyone gets the new token', async () => {
      const { id, refreshToken } = await connection(60_000);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => read(index % 2 === 0 ? replicas.a : replicas.b, id)));

      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      const tokens = new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as { accessToken: string }).accessToken)));
      expect(tokens.size).toBe(1);
      expect(sim.refreshes).toHaveLength(1);
      expect(sim.refreshes[0]!.refreshToken).toBe(refreshToken);
      expect(sim.live([...tokens][0], 'access')).toBeDefined();

      // The probe trusts the refresh the API just made instead of refreshing again.
      expect((await checkNow(probeDepsFromCore(t.app.core), id)).result).toBe('ok');
      expect(sim.refreshes).toHaveLength(1);
    });

    it('a refresh that proves the grant revoked answers 409, changes the status once and posts one alert', async () => {
      const { id } = await connection(60_000);
      sim.revokeUser(USER);
      const answers = await Promise.all([read(replicas.a, id), read(replicas.b, id), read(replicas.a, id)]);

      expect(answers.map((answer) => answer.status)).toEqual([409, 409, 409]);
      expect(await answers[0]!.json()).toMatchObject({ error: 'authorization_required' });
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id } })).status).toBe('authorization_required');
      await waitFor(() => slack.callsTo('chat.postMessage').length === 1);
      await waitFor(() => hooks.received.some((hook) => hook.body.includes('connection.authorization_required')));
      expect((await read(t, id)).status).toBe(409);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    });

    it('answers 409 for an expired token without a refresh token (Meta), and records the drop once: status, one alert, the webhook', async () => {
      const metaConnection = async (name: string, account: string, expiresInMs: number) => {
        const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
          teamId: TEAM,
          provider: 'meta_ads',
          name,
          externalAccountId: account,
          channelId: 'C0ADS0001',
          credentials: { accessToken: `EAAB-${account}`, expiresAt: new Date(Date.now() + expiresInMs).toISOString() },
        });
        return created.json.id as string;
      };
      // Still working, if only for a minute: nothing can renew it, so it is handed out.
      const expiring = await metaConnection('Meta Ads — Expiring', '1234567891', 60_000);
      expect(await (await read(t, expiring)).json()).toMatchObject({ accessToken: 'EAAB-1234567891' });

      const id = await metaConnection('Meta Ads — Contoso', '1234567890', -60_000);
      const answers = await Promise.all([read(replicas.a, id), read(replicas.b, id), read(replicas.a, id), read(replicas.b, id)]);

      expect(answers.map((answer) => answer.status)).toEqual([409, 409, 409, 409]);
      for (const answer of answers) expect(await answer.json()).toMatchObject({ error: 'authorization_required' });
      expect(await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'authorization_required', reason: 'token_expired' });
      await waitFor(() => slack.callsTo('chat.postMessage').length === 1);
      await waitFor(() => hooks.received.some((hook) => hook.body.includes('connection.authorization_required')));
      expect((await read(t, id)).status).toBe(409);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      expect(hooks.received.filter((hook) => hook.body.includes('connection.authorization_required'))).toHaveLength(1);
    });

    it('gives an API-key integration its key', async () => {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: 'microsoft_ads',
        name: 'Keyed',
        externalAccountId: '150000002',
        credentials: { apiKey: 'key-0123456789' },
      });
      expect(await (await read(t, created.json.id as string)).json()).toEqual({ apiKey: 'key-0123456789' });
    });

    it.each([
      ['a wrong key', async () => ({ id: (await connection(3600_000)).id, key: 'pipeline-key-0123456789abcdef0123456780' }), 401, 'unauthorized'],
      ['a key of another deployment', async () => ({ id: (await connection(3600_000)).id, key: OTHER_DEPLOYMENT_KEY }), 401, 'unauthorized'],
      ['no key', async () => ({ id: (await connection(3600_000)).id, key: '' }), 401, 'unauthorized'],
      ['a tampered connection id', async () => ({ id: `${(await connection(3600_000)).id}x`, key: KEY }), 404, 'not_found'],
      ['an unknown connection', async () => ({ id: randomUUID(), key: KEY }), 404, 'not_found'],
    ])('answers %s with its clear error and writes nothing', async (_, setup, status, code) => {
      const { id, key } = await setup();
      const before = await t.app.core.db.prisma.auditEvent.count();
      const answer = await read(t, id, key);

      expect(answer.status).toBe(status);
      expect(await answer.json()).toMatchObject({ error: code });
      expect(await t.app.core.db.prisma.auditEvent.count()).toBe(before);
      expect(sim.refreshes).toHaveLength(0);
    });

    it('answers 404 for a disabled connection', async () => {
      const { id } = await connection(3600_000);
      await adminRequest(t.url, 'DELETE', `/api/v1/connections/${id}`);
      expect((await read(t, id)).status).toBe(404);
    });
  });
}
