import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { loadSecrets } from '../../src/db/credentials';
import { startReauthorization } from '../../src/domain/reauth-start';
import { startConnect } from '../../src/domain/connect';

const OWNER = 'U0OWNER01';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`API-key reauthorization form [${kind}]`, () => {
    let provider: FakeOAuthProvider;
    let t: TestApp;
    let connectionId: string;

    beforeAll(async () => {
      provider = await startFakeOAuthProvider();
      t = await startTestApp(kind, { GENERIC_API_KEY_PROBE_URL: provider.config().apiKeyProbeUrl, OAUTH_ALLOW_INSECURE_HTTP: 'true' });
    });
    afterAll(async () => {
      await t.stop();
      await provider.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      provider.addApiKey('key-new-0123456789', 'acct-9');
      provider.addApiKey('key-other-0123456789', 'acct-other');
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: 'T0TEAM001',
        provider: 'generic_api_key',
        name: 'Postgres warehouse',
        externalAccountId: 'acct-9',
        owners: [OWNER],
        credentials: { apiKey: 'key-old-0123456789' },
      });
      connectionId = created.json.id as string;
      await postIngest(t.url, { eventId: 'e1', connectionId, status: 'authorization_required', reason: 'token_expired', occurredAt: new Date().toISOString() });
    });

    async function openForm() {
      const core = t.app.core;
      const started = await startReauthorization(
        { prisma: core.db.prisma, clock: core.clock, catalog: core.catalog, publicUrl: core.config.publicUrl, linkTtlMinutes: 10, allowedUsers: [] },
        { connectionId, teamId: 'T0TEAM001', userId: OWNER, dedupeKey: 'k1', isAdmin: async () => false },
      );
      if (started.outcome !== 'link') throw new Error('no link');
      const response = await fetch(started.url);
      const html = await response.text();
      const field = (name: string) => html.match(new RegExp(`name="${name}" value="([^"]+)"`))![1]!;
      return { status: response.status, html, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!, flow: field('flow'), csrf: field('csrf') };
    }

    const submit = (form: { flow: string; csrf: string; cookie: string }, apiKey: string, overrides: { csrf?: string; cookie?: string } = {}) =>
      fetch(`${t.url}/oauth/api-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: overrides.cookie ?? form.cookie },
        body: new URLSearchParams({ flow: form.flow, csrf: overrides.csrf ?? form.csrf, apiKey }).toString(),
      });

    const storedKey = async () => (await loadSecrets(t.app.core.db.prisma, t.app.core.keyRing, { id: connectionId, provider: 'generic_api_key' }))!.secrets.apiKey;

    it('serves a CSRF-protected form; a working key for the right account replaces the old one and reconnects', async () => {
      const form = await openForm();
      expect(form.status).toBe(200);
      expect(form.html).toContain('New API key for Postgres warehouse');
      expect(form.cookie).toMatch(/^reconnect_flow_[0-9a-f]{16}=/);
      const done = await submit(form, 'key-new-0123456789');
      expect(done.status).toBe(200);
      expect(await storedKey()).toBe('key-new-0123456789');
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe('connected');
      expect((await submit(form, 'key-new-0123456789')).status).toBe(410);
    });

    it.each([
      ['a key the provider refuses', 'key-wrong-0123456789', {}, 400, 'did not accept'],
      ['a key of another account', 'key-other-0123456789', {}, 400, 'belongs to account acct-other'],
      ['a forged CSRF token', 'key-new-0123456789', { csrf: 'forged-csrf-token-000000000' }, 403, 'could not be verified'],
      ['another browser', 'key-new-0123456789', { cookie: 'reconnect_flow=someone-else' }, 403, 'another browser'],
    ])('refuses %s and keeps the old key', async (_name, key, overrides, status, text) => {
      const form = await openForm();
      const response = await submit(form, key, overrides);
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(text);
      expect(await storedKey()).toBe('key-old-0123456789');
    });

    it('connects a new API-key integration through the same single-use form, for the account the key names', async () => {
      const started = await startConnect(
        { ...flowDepsOf(t), linkTtlMinutes: 10 },
        { teamId: 'T0TEAM001', userId: OWNER, provider: 'generic_api_key', target: { channelId: 'C0KEYS001', name: 'Second warehouse' } },
      );
      const response = await fetch(started.url);
      const html = await response.text();
      expect(html).toContain('Connect Generic API-key integration');
      const field = (name: string) => html.match(new RegExp(`name="${name}" value="([^"]+)"`))![1]!;
      const form = { flow: field('flow'), csrf: field('csrf'), cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]! };

      const wrong = await submit(form, 'not-a-key-0123456789');
      expect(wrong.status).toBe(400);
      expect(await t.app.core.db.prisma.connection.count()).toBe(1);
      const done = await submit(form, 'key-other-0123456789');
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Second warehouse is connected');
      const created = await t.app.core.db.prisma.connection.findFirstOrThrow({ where: { name: 'Second warehouse' } });
      expect(created).toMatchObject({ externalAccountId: 'acct-other', channelId: 'C0KEYS001', owners: JSON.stringify([OWNER]) });
    });
  });
}

/** The flow dependencies the app builds, from a running test app. */
function flowDepsOf(t: TestApp) {
  const core = t.app.core;
  return {
    ...core.connections,
    publicUrl: core.config.publicUrl,
    allowInsecureHttp: core.config.allowInsecureHttp,
    timeoutMs: core.config.probe.timeoutMs,
    databaseHosts: core.config.databaseConnectHosts,
    clientFor: () => undefined,
  };
}
